// Issue 12's indexing/creation ops through the real runner (sandboxed child, snapshot as JSON):
// the makemore loss probs[arange(n), ys] with PyTorch's numbers, torch.Tensor(…) with and without
// `new`, and the landscape: it re-evaluates gathers and refuses random sampling with a reason.
import { afterAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";
import { replay } from "../../engine/index";
import type { GraphSnapshot, TensorInfo } from "../../shared/protocol";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string) => runner.run({ source, language: "typescript", fileName: "/snippets/ops12.ts" });
const byName = (s: GraphSnapshot, name: string): TensorInfo => {
  const t = s.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor named ${name}`);
  return t;
};
const num = (v: number | string) => (typeof v === "number" ? v : Number(v));

describe("issue 12's ops in a traced snippet", () => {
  it("the makemore loss -probs[arange(n), ys].log().mean() has PyTorch's value, gradient and IndexBackward0", async () => {
    // Numbers printed by python3-torch for the same program.
    const s = await run(`import { torch } from "autograd-lens";
const w = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], { requiresGrad: true });
const x = torch.tensor([[1, 2], [0.5, -1], [2, 0], [-1, 1]]);
const ys = torch.tensor([2, 0, 1, 2], { dtype: "int64" });
const counts = x.matmul(w).exp();
const probs = counts.div(counts.sum(1, true));
const picked = probs.index(torch.arange(4), ys);
const loss = picked.log().mean().neg();
loss.backward();
`);
    expect(s.error).toBeUndefined();
    expect(num(byName(s, "loss").value.values[0]!)).toBeCloseTo(3.9730308055877686, 5);
    const g = byName(s, "w").grad!.values.map(num);
    const want = [0.02465330809354782, -0.6221041679382324, 0.5974509716033936, 0.798740029335022, 0.12449831515550613, -0.9232382774353027];
    g.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    const node = s.nodes.find((n) => n.id === byName(s, "picked").gradFn)!;
    expect(node.name).toBe("IndexBackward0");
    // The landscape can re-evaluate it (IndexBackward0 re-reads its recorded positions).
    const vary = [{ leaf: byName(s, "w").id, index: 0 }, { leaf: byName(s, "w").id, index: 1 }];
    expect(replay.landscapeProblem(s.program!, s.output!, vary), JSON.stringify(s.program!.ops.map((o) => [o.op, o.attrs]))).toBeNull();
    expect(replay.evaluateWithGrad(s.program!, s.output!, vary, [0.5, -1]).value).toBeCloseTo(3.9730308055877686, 5);
  });

  it("torch.Tensor(data) and new torch.Tensor(data) make float32 tensors the graph shows", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const a = torch.Tensor([2.0]);
const b = new torch.Tensor([[1, 2], [3, 4]]);
const z = torch.Tensor(2, 3);
const w = torch.tensor([1.5, -1], { requiresGrad: true });
const y = w.mul(b.index(0)).sum().add(a.sum());
y.backward();
`);
    expect(s.error).toBeUndefined();
    expect(byName(s, "a").dtype).toBe("float32");
    expect(byName(s, "b").value.values.map(num)).toEqual([1, 2, 3, 4]);
    expect(byName(s, "z").shape).toEqual([2, 3]);
    expect(num(byName(s, "y").value.values[0]!)).toBeCloseTo(1.5, 6);
  });

  it("misusing torch.Tensor gives a clear error on its line", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const ok = torch.Tensor([1]);
const bad = torch.Tensor([1, 2], { requiresGrad: true } as never);
`);
    expect(s.error?.message).toMatch(/torch\.Tensor takes data .* for options use torch\.tensor\(data, \{ dtype, requiresGrad \}\)/);
    expect(s.error?.range?.line).toBe(3);
  });

  it("the landscape refuses random sampling (BernoulliBackward0) with its reason", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const p = torch.tensor([0.2, 0.7], { requiresGrad: true });
const y = torch.bernoulli(p, { generator: new torch.Generator().manualSeed(1) }).mul(p).sum();
`);
    expect(s.error).toBeUndefined();
    const problem = replay.landscapeProblem(s.program!, s.output!, [{ leaf: byName(s, "p").id, index: 0 }]);
    expect(problem).toMatch(/^BernoulliBackward0 \(node .*line 3\) has no replay rule/);
  });
});

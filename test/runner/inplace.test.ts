// In-place ops through the real runner: versions in the snapshot, errors on the right lines, and a
// manual training loop (the tutorials' noGrad update) that runs and traces.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string, limits?: Record<string, number>) =>
  runner.run({ source, language: "typescript", fileName: "/snippets/inplace.ts", limits });

describe("in-place ops in a traced snippet", () => {
  it("keeps each version of a tensor changed in place: w, then w (v1) made by MulBackward1", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const x = torch.tensor([1, 2, 3], { requiresGrad: true });
const w = x.clone();
w.mul_(2);
const y = w.sum();
y.backward();
`);
    expect(s.error).toBeUndefined();
    const versions = s.tensors.filter((t) => t.label.startsWith("w"));
    expect(versions.map((t) => [t.label, t.version ?? 0])).toEqual([["w", 0], ["w (v1)", 1]]);
    const [old, now] = versions;
    expect(old!.value.values).toEqual([1, 2, 3]);
    expect(now!.value.values).toEqual([2, 4, 6]);
    expect(now!.range?.line).toBe(4);
    const node = (id: string | null) => s.nodes.find((n) => n.id === id)!;
    expect(node(now!.gradFn).name).toBe("MulBackward1");
    expect(node(old!.gradFn).name).toBe("CloneBackward0");
    expect(node(old!.gradFn).tensor).toBe(old!.id);
    expect(s.edges.some((e) => e.from === now!.gradFn && e.to === old!.gradFn)).toBe(true);
    expect(s.program?.unavailable).toMatch(/changes a tensor in place \(MulBackward1 at line 4\)/);
  });

  it("a saved tensor modified afterwards: the error is on backward's line and names the line of the in-place op", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const x = torch.tensor([1, 2, 3], { requiresGrad: true });
const e = x.exp();
const y = e.sum();
e.add_(1);
y.backward();
`);
    expect(s.error?.message).toMatch(/one of the variables needed for gradient computation has been modified by an inplace operation: \[torch\.FloatTensor \[3\]\], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead/);
    expect(s.error?.message).toMatch(/The in-place change was at line 5\./);
    expect(s.error?.range?.line).toBe(6);
  });

  it("runs the tutorials' manual update: noGrad(() => { w.sub_(w.grad.mul(lr)); w.grad.zero_(); })", async () => {
    const s = await run(`import { torch } from "autograd-lens";
torch.manualSeed(0);
const X = torch.randn(8, 3);
const yTrue = X.matmul(torch.tensor([1, -2, 0.5])).unsqueeze(1);
const w = torch.zeros(3, 1, { requiresGrad: true });
let loss = torch.tensor(0);
for (let i = 0; i < 30; i++) {
  loss = X.mm(w).sub(yTrue).pow(2).mean();
  loss.backward();
  torch.noGrad(() => {
    w.sub_(w.grad!.mul(0.1));
    w.grad!.zero_();
  });
}
console.log(loss.item() < 0.5, w.version);
`);
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(["true 30"]);
    expect(s.backward).toHaveLength(30);
    expect(s.backward[29]!.loss!).toBeLessThan(s.backward[0]!.loss!);
    expect(s.program?.unavailable).toBeUndefined();
  });

  it("a leaf changed in place outside noGrad: PyTorch's message on that line", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const w = torch.ones(2, { requiresGrad: true });
w.add_(1);
`);
    expect(s.error?.message).toMatch(/a leaf Variable that requires grad is being used in an in-place operation/);
    expect(s.error?.range?.line).toBe(3);
  });

  it("a PyTorch method the engine lacks: its name and line", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const w = torch.ones(2);
w.logaddexp(w);
`);
    expect(s.error?.message).toMatch(/w\.logaddexp\(\) is a PyTorch method that Autograd Lens does not have yet/);
    expect(s.error?.range?.line).toBe(3);
  });

  it("examples/manual-sgd.ts trains: the loss falls, every backward call is recorded, w1 was updated 100 times", async () => {
    const s = await run(fs.readFileSync("examples/manual-sgd.ts", "utf8"), { timeoutMs: 60_000 });
    expect(s.error).toBeUndefined();
    expect(s.backward).toHaveLength(100);
    expect(s.backward[99]!.loss!).toBeLessThan(s.backward[0]!.loss! / 10);
    expect(s.console.at(-1)?.text).toMatch(/^final loss [\d.]+ w1 changed in place 100 times$/);
  });
});

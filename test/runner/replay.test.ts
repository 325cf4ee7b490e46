// Snippets traced by the real runner (sandboxed child, snapshot over IPC as JSON), then re-evaluated
// from snapshot.program with engine/replay: the recorded point reproduces every op's value, batched
// and point-by-point evaluation agree, and what cannot be replayed says why.
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";
import { replay } from "../../engine/index";
import type { GraphSnapshot, ProgramInfo, TensorInfo } from "../../shared/protocol";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string, limits?: Record<string, number>) =>
  runner.run({ source, language: "typescript", fileName: "/snippets/replay.ts", limits });

const byName = (s: GraphSnapshot, name: string): TensorInfo => {
  const t = s.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor named ${name}`);
  return t;
};
const num = (v: number | string) => (typeof v === "number" ? v : Number(v));

/** Every op the output depends on, replayed at the recorded point, against the snapshot's values. */
function expectReproduces(s: GraphSnapshot, tol: number): number {
  const replayed = replay.replayRecorded(s.program!, s.output!);
  for (const [id, r] of replayed) {
    const t = s.tensors.find((x) => x.id === id)!;
    expect(r.shape, t.label).toEqual(t.shape);
    // A view of a weight (w.t()) shows its value at the end of the run, after the last optimizer
    // step changed the storage it shares; the snapshot says so, and replay gives the value it had.
    if (t.valueNote !== undefined) continue;
    t.value.values.forEach((v, i) => {
      const want = num(v);
      expect(Math.abs(r.values[i]! - want), `${t.label}[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
    });
  }
  return replayed.size;
}

function expectBatchedEqualsPointwise(p: ProgramInfo, output: string, vary: replay.Varied[], pts: Float64Array, count: number) {
  const fast = replay.evaluateBatch(p, output, vary, pts, count);
  const slow = replay.evaluateBatch(p, output, vary, pts, count, undefined, { pointwise: true });
  for (let i = 0; i < count; i++) expect(Math.abs(fast[i]! - slow[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(slow[i]!)));
  return fast;
}

describe("replaying runner snapshots", () => {
  it("the textbook example: program, candidates x1 and x2, f(2,2) = −3.4, f(0,0) = −5, the gradient (0.8, 0.8)", async () => {
    const file = path.resolve("examples/autograd-basics.ts");
    const s = await runner.run({ source: fs.readFileSync(file, "utf8"), language: "typescript", fileName: file });
    expect(s.error).toBeUndefined();
    const p = s.program!;
    expect(p.unavailable).toBeUndefined();
    expect(p.ops.map((o) => o.op)).toEqual(["PowBackward0", "MulBackward1", "PowBackward0", "MulBackward1", "AddBackward0", "SubBackward1"]);
    // Each op carries the line that made it.
    const lines = fs.readFileSync(file, "utf8").split("\n");
    expect(p.ops[0]!.line).toBe(lines.findIndex((l) => l.includes("const x3 =")) + 1);
    expect(expectReproduces(s, 1e-6)).toBe(6);
    const c = replay.candidateInputs(p, s.output!);
    expect(c.map((x) => [x.label, x.value])).toEqual([["x1", 2], ["x2", 2]]);
    expect(c.map((x) => x.leaf)).toEqual([byName(s, "x1").id, byName(s, "x2").id]);
    const vary = c.map(({ leaf, index }) => ({ leaf, index }));
    const v = expectBatchedEqualsPointwise(p, s.output!, vary, Float64Array.of(2, 2, 0, 0, -1, 3), 3);
    expect(v[0]).toBeCloseTo(-3.4, 6);
    expect(v[1]).toBe(-5);
    expect(v[2]).toBeCloseTo(0.2 + 1.8 - 5, 6);
    const g = replay.evaluateWithGrad(p, s.output!, vary, [2, 2]);
    expect(g.grad.map((x) => +x.toFixed(6))).toEqual([0.8, 0.8]);
  });

  it("a training loop with nn.Sequential, MSE loss and Adam: the last loss replays at the last forward's weights", async () => {
    const s = await run(`
import { torch } from "autograd-lens";
torch.manualSeed(7);
const model = new torch.nn.Sequential(new torch.nn.Linear(2, 8), new torch.nn.Tanh(), new torch.nn.Linear(8, 1));
const x = torch.randn(16, 2);
const y = x.select(1, 0).mul(2).sub(x.select(1, 1)).unsqueeze(1);
const opt = new torch.optim.Adam(model.parameters(), { lr: 0.05 });
let loss = torch.tensor(0);
for (let i = 0; i < 20; i++) {
  opt.zeroGrad();
  loss = torch.nn.functional.mseLoss(model.forward(x), y);
  loss.backward();
  opt.step();
}
console.log(loss.item());
`);
    expect(s.error).toBeUndefined();
    const p = s.program!;
    expect(p.unavailable).toBeUndefined();
    expect(expectReproduces(s, 1e-5)).toBe(6); // t, addmm, tanh, t, addmm, mse_loss
    const c = replay.candidateInputs(p, s.output!);
    expect(c.length).toBe(2 * 8 + 8 + 8 + 1);
    // The data x and the targets y are constants of the program.
    expect(Object.values(p.constants).some((k) => k.shape.join() === "16,2")).toBe(true);
    const vary = [c[0]!, c[c.length - 1]!].map(({ leaf, index }) => ({ leaf, index }));
    expect(replay.landscapeProblem(p, s.output!, vary)).toBeNull();
    const start = [c[0]!.value, c[c.length - 1]!.value];
    const pts = new Float64Array(2 * 25);
    for (let i = 0; i < 25; i++) {
      pts[2 * i] = start[0]! + (i % 5) * 0.2 - 0.4;
      pts[2 * i + 1] = start[1]! + Math.floor(i / 5) * 0.2 - 0.4;
    }
    const v = expectBatchedEqualsPointwise(p, s.output!, vary, pts, 25);
    expect(v[12]).toBeCloseTo(num(s.tensors.find((t) => t.id === s.output)!.value.values[0]!), 5); // the centre is the start
    // Any earlier iteration's loss read the weights before Adam changed them.
    const earlier = p.ops.find((o) => o.op === "MseLossBackward0")!.out;
    expect(replay.landscapeProblem(p, earlier, vary)).toMatch(/before its values were changed in place/);
  });

  it("three scalar leaves: three candidates; one op without a rule (a newer snapshot) yields the reason", async () => {
    const s = await run(`
import { torch } from "autograd-lens";
const a = torch.tensor(1, { requiresGrad: true });
const b = torch.tensor(2, { requiresGrad: true });
const c = torch.tensor(3, { requiresGrad: true });
const f = a.mul(b).add(c.sin()).div(a.exp());
f.backward();
`);
    const p = s.program!;
    expect(replay.candidateInputs(p, s.output!).map((x) => x.label)).toEqual(["a", "b", "c"]);
    expectReproduces(s, 1e-6);
    const sinOp = p.ops.find((o) => o.op === "SinBackward0")!;
    const renamed: ProgramInfo = JSON.parse(JSON.stringify(p).replace('"SinBackward0"', '"SincBackward0"'));
    expect(replay.landscapeProblem(renamed, s.output!, [{ leaf: byName(s, "a").id, index: 0 }])).toBe(
      `SincBackward0 (node ${sinOp.node}, line 6) has no replay rule, so the computation cannot be re-evaluated`,
    );
  });

  it("the node cap: the snapshot says the program is unavailable, and why", async () => {
    const s = await run(`
import { torch } from "autograd-lens";
let x = torch.tensor(1, { requiresGrad: true });
for (let i = 0; i < 50; i++) x = x.mul(1.01);
`, { nodeCap: 30 });
    expect(s.nodesTruncated).toBe(true);
    expect(s.program!.unavailable).toMatch(/node cap \(30 grad_fn nodes\)/);
  });
});

// Re-evaluation of recorded programs (engine/replay, issue 6): what the recorder writes down, known
// values of the textbook function, batched = point-by-point evaluation, gradients against finite
// differences, gradient descent with the engine's optimizers, caps, cancellation and clear errors.
import { describe, expect, it } from "vitest";
import { replay, type Tensor } from "../../engine/index";
import type { ProgramInfo, TensorInfo } from "../../shared/protocol";
import { trace } from "./replay-trace";

/** The textbook example (examples/autograd-basics.ts): f(x1, x2) = 0.2·x1² + 0.2·x2² − 5 at (2, 2). */
function textbook() {
  return trace((torch) => {
    const x1 = torch.tensor(2, { requiresGrad: true, name: "x1" });
    const x2 = torch.tensor(2, { requiresGrad: true, name: "x2" });
    const x5 = x1.square().mul(0.2);
    const x6 = x2.square().mul(0.2);
    const x7 = x5.add(x6).sub(5);
    x7.backward();
    return x7;
  });
}

const f = (x: number, y: number) => 0.2 * x * x + 0.2 * y * y - 5;

function grid(n: number, lo: number, hi: number): Float64Array {
  const pts = new Float64Array(n * n * 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      pts[(i * n + j) * 2] = lo + ((hi - lo) * j) / (n - 1);
      pts[(i * n + j) * 2 + 1] = lo + ((hi - lo) * i) / (n - 1);
    }
  }
  return pts;
}

/** Central differences of f along each varied input, through evaluateBatch. */
function numericGrad(p: ProgramInfo, out: string, vary: replay.Varied[], point: number[], h: number): number[] {
  const k = point.length;
  const pts = new Float64Array(2 * k * k);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < k; i++) {
      pts[2 * j * k + i] = point[i]! + (i === j ? h : 0);
      pts[(2 * j + 1) * k + i] = point[i]! - (i === j ? h : 0);
    }
  }
  const v = replay.evaluateBatch(p, out, vary, pts, 2 * k);
  return point.map((_, j) => (v[2 * j]! - v[2 * j + 1]!) / (2 * h));
}

describe("the textbook function", () => {
  const t = textbook();
  const vary = [
    { leaf: t.id("x1"), index: 0 },
    { leaf: t.id("x2"), index: 0 },
  ];

  it("is recorded as six ops on two leaves, with the scalars the rules need", () => {
    const p = t.program;
    expect(p.unavailable).toBeUndefined();
    expect(p.ops.map((o) => o.op)).toEqual(["PowBackward0", "MulBackward1", "PowBackward0", "MulBackward1", "AddBackward0", "SubBackward1"]);
    expect(p.ops.map((o) => o.attrs)).toEqual([{ exponent: 2 }, { other: 0.2 }, { exponent: 2 }, { other: 0.2 }, {}, { other: 5 }]);
    expect(p.ops[4]!.inputs).toEqual([p.ops[1]!.out, p.ops[3]!.out]);
    expect(p.ops[5]!.out).toBe(t.output);
    expect(Object.values(p.leaves).map((l) => [l.label, l.shape, l.values])).toEqual([
      ["x1", [], [2]],
      ["x2", [], [2]],
    ]);
    expect(p.constants).toEqual({});
    // Every op names the node it made, and that node is in the snapshot.
    for (const op of p.ops) expect(t.snapshot.nodes.some((n) => n.id === op.node && n.tensor === op.out)).toBe(true);
  });

  it("offers x1 and x2 with their values, and has no problem as a function of them", () => {
    expect(replay.candidateInputs(t.program, t.output)).toEqual([
      { leaf: vary[0]!.leaf, index: 0, label: "x1", value: 2, leafShape: [] },
      { leaf: vary[1]!.leaf, index: 0, label: "x2", value: 2, leafShape: [] },
    ]);
    expect(replay.landscapeProblem(t.program, t.output, vary)).toBeNull();
  });

  it("gives f(2, 2) = −3.4 with gradient (0.8, 0.8) and f(0, 0) = −5 with gradient 0", () => {
    const a = replay.evaluateWithGrad(t.program, t.output, vary, [2, 2]);
    expect(a.value).toBeCloseTo(-3.4, 6);
    expect(a.grad[0]).toBeCloseTo(0.8, 6);
    expect(a.grad[1]).toBeCloseTo(0.8, 6);
    const b = replay.evaluateWithGrad(t.program, t.output, vary, [0, 0]);
    expect(b).toEqual({ value: -5, grad: [0, 0] });
    const c = replay.evaluateWithGrad(t.program, t.output, vary, [-1, 3]);
    expect(c.value).toBeCloseTo(f(-1, 3), 5);
    expect(c.grad[0]).toBeCloseTo(-0.4, 6);
    expect(c.grad[1]).toBeCloseTo(1.2, 6);
  });

  it("evaluates a 100×100 grid batched, equal to the formula and to point-by-point evaluation, minimum at (0, 0)", () => {
    const pts = grid(100, -3, 3);
    const v = replay.evaluateBatch(t.program, t.output, vary, pts, 10_000);
    let argmin = 0;
    for (let i = 0; i < 10_000; i++) {
      expect(Math.abs(v[i]! - f(pts[2 * i]!, pts[2 * i + 1]!))).toBeLessThan(2e-6);
      if (v[i]! < v[argmin]!) argmin = i;
    }
    expect(Math.hypot(pts[2 * argmin]!, pts[2 * argmin + 1]!)).toBeLessThan(0.05);
    const slow = replay.evaluateBatch(t.program, t.output, vary, pts.subarray(0, 2 * 500), 500, undefined, { pointwise: true });
    expect(Array.from(slow)).toEqual(Array.from(v.subarray(0, 500)));
    // Chunked evaluation gives the same numbers.
    const chunked = replay.evaluateBatch(t.program, t.output, vary, pts, 10_000, undefined, { chunk: 777 });
    expect(Array.from(chunked)).toEqual(Array.from(v));
  });

  it("varies one input with the other held at its recorded value", () => {
    const v = replay.evaluateBatch(t.program, t.output, [vary[1]!], Float64Array.from([0, 1, 3]), 3);
    expect(Array.from(v).map((x) => +x.toFixed(5))).toEqual([f(2, 0), f(2, 1), f(2, 3)].map((x) => +x.toFixed(5)));
  });

  it("matches finite differences", () => {
    for (const point of [[2, 2], [-1.5, 0.25], [3, -2]]) {
      const { grad } = replay.evaluateWithGrad(t.program, t.output, vary, point);
      const num = numericGrad(t.program, t.output, vary, point, 1e-2);
      for (let j = 0; j < 2; j++) expect(Math.abs(grad[j]! - num[j]!)).toBeLessThan(2e-3);
    }
  });

  it("ten SGD steps at lr 0.5 from (2, 2) go down monotonically (x ← 0.8·x)", () => {
    const r = replay.descend(t.program, t.output, vary, [2, 2], { method: "sgd", lr: 0.5, steps: 10 });
    expect(r.diverged).toBe(false);
    expect(r.steps).toHaveLength(11);
    expect(r.steps[0]!.point).toEqual([2, 2]);
    expect(r.steps[0]!.value).toBeCloseTo(-3.4, 6);
    for (let k = 1; k <= 10; k++) {
      expect(r.steps[k]!.value).toBeLessThan(r.steps[k - 1]!.value);
      expect(r.steps[k]!.point[0]).toBeCloseTo(2 * 0.8 ** k, 5);
      expect(r.steps[k]!.grad[1]).toBeCloseTo(0.4 * 2 * 0.8 ** k, 5);
    }
  });

  it("lr 6 diverges (x ← −1.4·x): |x| grows, the value rises, and descend says so", () => {
    const r = replay.descend(t.program, t.output, vary, [2, 2], { method: "sgd", lr: 6, steps: 10 });
    expect(r.diverged).toBe(true);
    expect(r.reason).toMatch(/rose 5 steps in a row/);
    expect(r.steps).toHaveLength(1 + replay.DIVERGENCE_RISES);
    for (let k = 1; k < r.steps.length; k++) {
      expect(r.steps[k]!.point[0]).toBeCloseTo(2 * (-1.4) ** k, 4);
      expect(Math.abs(r.steps[k]!.point[0]!)).toBeGreaterThan(Math.abs(r.steps[k - 1]!.point[0]!));
    }
  });

  it("lr 5 oscillates (x ← −x) without counting as diverged; lr 1e30 overflows and counts as diverged", () => {
    const r = replay.descend(t.program, t.output, vary, [2, 2], { method: "sgd", lr: 5, steps: 20 });
    expect(r.diverged).toBe(false);
    expect(r.steps[20]!.point).toEqual([2, 2]);
    const o = replay.descend(t.program, t.output, vary, [2, 2], { method: "sgd", lr: 1e30, steps: 20 });
    expect(o.diverged).toBe(true);
    expect(o.reason).toMatch(/non-finite/);
    expect(o.steps.length).toBeLessThan(21);
  });

  it("momentum and Adam (the engine's optimizers) head for the minimum too, on different paths", () => {
    const m = replay.descend(t.program, t.output, vary, [2, 2], { method: "momentum", lr: 0.5, steps: 60 });
    const a = replay.descend(t.program, t.output, vary, [2, -1], { method: "adam", lr: 0.3, steps: 60 });
    for (const r of [m, a]) {
      expect(r.diverged).toBe(false);
      expect(r.steps.at(-1)!.value).toBeLessThan(-4.9);
    }
    // Momentum overshoots: the first coordinate goes below 0 on the way (plain SGD at this rate never does).
    expect(m.steps.some((s) => s.point[0]! < 0)).toBe(true);
    // Adam's first step moves each coordinate by lr (normalised), whatever the gradient's size.
    expect(a.steps[1]!.point[0]).toBeCloseTo(2 - 0.3, 4);
    expect(a.steps[1]!.point[1]).toBeCloseTo(-1 + 0.3, 4);
  });

  it("an op without a batch rule runs point by point inside the batched pass (and gives the same numbers)", () => {
    const pts = grid(7, -2, 2);
    const before = replay.evaluateBatch(t.program, t.output, vary, pts, 49);
    const rules = replay.RULES as Record<string, replay.ReplayRule>;
    const original = rules["MulBackward1"]!;
    let calls = 0;
    rules["MulBackward1"] = { forward: (x, a) => (calls++, original.forward(x, a)) };
    try {
      const after = replay.evaluateBatch({ ...t.program }, t.output, vary, pts, 49);
      expect(Array.from(after)).toEqual(Array.from(before));
      // Two MulBackward1 ops depend on the varied leaves: 49 points each (plus the reference run's 2).
      expect(calls).toBe(2 * 49 + 2);
    } finally {
      rules["MulBackward1"] = original;
    }
  });

  it("stops when asked: ReplayCancelled", () => {
    let polls = 0;
    expect(() =>
      replay.evaluateBatch(t.program, t.output, vary, grid(100, -1, 1), 10_000, () => ++polls > 3, { chunk: 100 }),
    ).toThrow(replay.ReplayCancelled);
    expect(polls).toBe(4);
    let pointPolls = 0;
    expect(() =>
      replay.evaluateBatch(t.program, t.output, vary, grid(10, -1, 1), 100, () => ++pointPolls > 10, { pointwise: true }),
    ).toThrow(/cancelled/);
  });

  it("says why it cannot: bad inputs, a leaf output, a missing rule (with op and line)", () => {
    const p = t.program;
    // The exact text with no inputs when the output itself can be re-run (the view relies on it).
    expect(replay.landscapeProblem(p, t.output, [])).toBe("choose at least one input to vary");
    expect(replay.landscapeProblem(p, t.output, [{ leaf: "t999999", index: 0 }])).toMatch(/not a leaf/);
    expect(replay.landscapeProblem(p, t.output, [{ leaf: vary[0]!.leaf, index: 1 }])).toMatch(/out of range for x1/);
    expect(replay.landscapeProblem(p, t.output, [vary[0]!, vary[0]!])).toMatch(/listed twice/);
    expect(replay.landscapeProblem(p, vary[0]!.leaf, vary)).toMatch(/is a leaf/);
    // x1² alone does not depend on x2.
    expect(replay.landscapeProblem(p, p.ops[0]!.out, [vary[1]!])).toMatch(/does not depend on x2/);
    const renamed: ProgramInfo = { ...p, ops: p.ops.map((o, i) => (i === 2 ? { ...o, op: "FooBackward0", line: 13 } : o)) };
    const why = replay.landscapeProblem(renamed, t.output, vary);
    expect(why).toMatch(/FooBackward0 \(node n\d+, line 13\) has no replay rule/);
    expect(replay.candidateInputs(renamed, t.output)).toEqual([]);
    expect(() => replay.evaluateBatch(renamed, t.output, vary, Float64Array.of(1, 1), 1)).toThrow(why!);
    expect(() => replay.evaluateWithGrad(renamed, t.output, vary, [1, 1])).toThrow(replay.ReplayError);
    // Ops the output does not depend on may lack a rule.
    expect(replay.landscapeProblem(renamed, p.ops[1]!.out, [vary[0]!])).toBeNull();
    expect(replay.landscapeProblem({ ...p, unavailable: "because" }, t.output, vary)).toBe("because");
  });
});

/** Numbers of a snapshot value (ValueSummary) as plain numbers. */
const valuesOf = (t: TensorInfo) => t.value.values.map((v) => (typeof v === "number" ? v : Number(v)));

/** Replaying at the recorded point reproduces the value of every op the output depends on. */
function expectReplayReproduces(tr: ReturnType<typeof trace>, tol = 1e-5): number {
  const replayed = replay.replayRecorded(tr.program, tr.output);
  let checked = 0;
  for (const [id, r] of replayed) {
    const info = tr.snapshot.tensors.find((x) => x.id === id);
    expect(info, `tensor ${id} in the snapshot`).toBeDefined();
    expect(r.shape, `${info!.label}: shape`).toEqual(info!.shape);
    const want = valuesOf(info!);
    for (let i = 0; i < want.length; i++) {
      const a = r.values[i]!, b = want[i]!;
      if (Number.isNaN(b)) expect(a).toBeNaN();
      else expect(Math.abs(a - b), `${info!.label}[${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
    }
    checked++;
  }
  return checked;
}

/** Batched and point-by-point evaluation agree at `count` random points around the start. */
function expectBatchedEqualsPointwise(tr: ReturnType<typeof trace>, vary: replay.Varied[], count = 40, spread = 0.5): void {
  const start = vary.map((v) => {
    const leaf = tr.program.leaves[v.leaf]!;
    return Number(leaf.values[v.index]);
  });
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const pts = new Float64Array(count * vary.length);
  for (let i = 0; i < pts.length; i++) pts[i] = start[i % vary.length]! + spread * rand();
  const fast = replay.evaluateBatch(tr.program, tr.output, vary, pts, count);
  const slow = replay.evaluateBatch(tr.program, tr.output, vary, pts, count, undefined, { pointwise: true });
  for (let i = 0; i < count; i++) {
    if (Number.isNaN(slow[i]!)) expect(fast[i]).toBeNaN();
    else expect(Math.abs(fast[i]! - slow[i]!), `point ${i}: ${fast[i]} vs ${slow[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(slow[i]!)));
  }
  // The start point reproduces the recorded output.
  const at = replay.evaluateBatch(tr.program, tr.output, vary, Float64Array.from(start), 1);
  const recorded = valuesOf(tr.snapshot.tensors.find((x) => x.id === tr.output)!)[0]!;
  expect(Math.abs(at[0]! - recorded)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(recorded)));
}

function expectGradMatchesFiniteDifferences(tr: ReturnType<typeof trace>, vary: replay.Varied[], h = 1e-6, tol = 1e-5): void {
  const point = vary.map((v) => Number(tr.program.leaves[v.leaf]!.values[v.index]) + 0.1);
  const { grad } = replay.evaluateWithGrad(tr.program, tr.output, vary, point);
  const num = numericGrad(tr.program, tr.output, vary, point, h);
  for (let j = 0; j < vary.length; j++) {
    expect(Math.abs(grad[j]! - num[j]!), `∂f/∂input ${j}: ${grad[j]} vs ${num[j]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(num[j]!)));
  }
}

describe("programs with many ops (float64, so finite differences are sharp)", () => {
  const opts = { dtype: "float64" as const, requiresGrad: true };

  it("an MLP with nn.Linear, relu/tanh/sigmoid, softmax, crossEntropy, mseLoss and BCE", () => {
    const tr = trace((torch) => {
      torch.manualSeed(3);
      const l1 = new torch.nn.Linear(3, 4, { dtype: "float64" });
      const l2 = new torch.nn.Linear(4, 3, { dtype: "float64" });
      l1.weight.name = "W1";
      l1.bias!.name = "b1";
      const x = torch.tensor([[0.5, -1, 2], [1.5, 0.25, -0.5]], { dtype: "float64" });
      const h = l1.forward(x).relu();
      const logits = l2.forward(h.tanh());
      const ce = torch.nn.functional.crossEntropy(logits, torch.tensor([2, 0], { dtype: "int64" }));
      const p = logits.sigmoid();
      const bce = torch.nn.functional.binaryCrossEntropy(p, torch.tensor([[1, 0, 1], [0, 0, 1]], { dtype: "float64" }));
      const mse = torch.nn.functional.mseLoss(logits.softmax(1), torch.full([2, 3], 1 / 3, { dtype: "float64" }));
      // Single samples: a 1-d input through Linear (viewed [1, 3] around addmm, as 2.x does), and
      // through linear without a bias (matmul: mm of the unsqueezed input, then squeeze_).
      const x1 = torch.tensor([1, 2, 3], { dtype: "float64" });
      const single = l1.forward(x1).sum().add(torch.nn.functional.linear(x1, l1.weight).sum());
      const loss = ce.add(bce.mul(0.5)).add(mse).add(single.mul(0.01));
      loss.backward();
      return loss;
    });
    expect(tr.program.unavailable).toBeUndefined();
    const names = new Set(tr.program.ops.map((o) => o.op));
    for (const n of ["AddmmBackward0", "TBackward0", "ReluBackward0", "LogSoftmaxBackward0", "NllLossBackward0", "BinaryCrossEntropyBackward0", "MseLossBackward0", "SoftmaxBackward0", "SqueezeBackward4", "MmBackward0", "ViewBackward0"]) {
      expect(names, n).toContain(n);
    }
    expect(expectReplayReproduces(tr, 1e-12)).toBe(tr.program.ops.length);
    const W1 = tr.id("W1"), b1 = tr.id("b1");
    expect(tr.program.leaves[W1]!.shape).toEqual([4, 3]);
    const cands = replay.candidateInputs(tr.program, tr.output);
    expect(cands.filter((c) => c.leaf === W1).map((c) => c.label).slice(0, 4)).toEqual(["W1[0, 0]", "W1[0, 1]", "W1[0, 2]", "W1[1, 0]"]);
    expect(cands.length).toBe(4 * 3 + 4 + 3 * 4 + 3);
    const vary = [{ leaf: W1, index: 4 }, { leaf: b1, index: 1 }, { leaf: W1, index: 0 }];
    expect(replay.landscapeProblem(tr.program, tr.output, vary)).toBeNull();
    expectBatchedEqualsPointwise(tr, vary);
    expectGradMatchesFiniteDifferences(tr, vary);
  });

  it("shape ops, indexing, joins, reductions and broadcasting on 0-d, vector and matrix leaves", () => {
    const tr = trace((torch) => {
      const s = torch.tensor(0.7, { ...opts, name: "s" });
      const v = torch.tensor([0.5, -1.25, 2], { ...opts, name: "v" });
      const M = torch.tensor([[1, 2, -1], [0.5, -0.5, 3]], { ...opts, name: "M" });
      const c = torch.tensor([[1, -1, 2]], { dtype: "float64" }); // a constant
      const a = M.mul(v).add(s).sub(c).div(M.abs().add(1)); // broadcasting [2,3]∘[3]∘[]∘[1,3]
      const b = a.transpose(0, 1).reshape(6).view(2, 3).permute(1, 0).t().unsqueeze(0).squeeze(0);
      const e = b.expand(4, 2, 3).sum(0).mean(1, true).squeeze(); // [2]
      const sel = M.select(1, 2).add(M.index(":", "0:3:2").sum(1)).add(M.index(0, [2, 0]).pow(2));
      const j = torch.cat([e, sel, v.narrow(0, 1, 2)], 0); // [6]
      const st = torch.stack([v, v.abs().sqrt().exp().log(), v.sin().cos()], 1).max(1).values; // [3]
      const mm = M.matmul(v).dot(e).add(v.matmul(M.t()).sum()).add(M.matmul(M.t()).matmul(M).sum());
      const batched = M.reshape(1, 2, 3).matmul(M.t().reshape(1, 3, 2)).sum(); // BmmBackward0
      const w = torch.where(M.gt(0), M, s.neg()).clamp(-0.5, 2.5).maximum(v).minimum(2).sum();
      const p = v.abs().add(0.1).pow(M.abs().add(0.5)).sum().add(s.pow(3)).add(v.sigmoid().mul(v.tanh()).sum());
      const r = j.sum().add(st.sum()).add(mm).add(batched.mul(0.1)).add(w).add(p).add(M.max()).sub(v.min()).add(M.clone().sum());
      r.backward();
      return r;
    });
    expect(tr.program.unavailable).toBeUndefined();
    expect(expectReplayReproduces(tr, 1e-6)).toBe(tr.program.ops.length);
    // The constant c is embedded with its values; the leaves with theirs.
    expect(Object.values(tr.program.constants).some((k) => JSON.stringify(k.values) === "[1,-1,2]")).toBe(true);
    const vary = [{ leaf: tr.id("s"), index: 0 }, { leaf: tr.id("v"), index: 1 }, { leaf: tr.id("M"), index: 5 }];
    expectBatchedEqualsPointwise(tr, vary, 40, 0.3);
    // Away from the kinks of abs/clamp/max/where the gradient is smooth.
    expectGradMatchesFiniteDifferences(tr, vary, 1e-6, 1e-4);
  });

  it("a double backward (createGraph): the gradient graph's ops replay too", () => {
    const tr = trace((torch) => {
      const x = torch.tensor([0.5, 1.5, -1], { ...opts, name: "x" });
      const y = x.select(0, 1).pow(3).add(x.index([0, 2]).pow(2).sum()).add(x.mul(x).sum());
      const [g] = torch.autograd.grad(y, x, { createGraph: true });
      const z = g!.pow(2).sum();
      z.backward();
      return z;
    });
    const names = tr.program.ops.map((o) => o.op);
    expect(names).toContain("SelectBackwardBackward0");
    expect(names).toContain("IndexBackwardBackward0");
    expect(expectReplayReproduces(tr, 1e-12)).toBeGreaterThan(10);
    const vary = [{ leaf: tr.id("x"), index: 0 }, { leaf: tr.id("x"), index: 1 }];
    expectBatchedEqualsPointwise(tr, vary);
    expectGradMatchesFiniteDifferences(tr, vary, 1e-5, 1e-5);
  });
});

describe("what the recorder embeds", () => {
  it("constants: tensors without requiresGrad and results of ops under noGrad, at their values when read", () => {
    const tr = trace((torch) => {
      const w = torch.tensor([1, 2], { requiresGrad: true, name: "w" });
      const k = torch.tensor([3, 4]);
      const z = torch.noGrad(() => w.mul(10)); // no node: a constant [10, 20]
      return w.mul(k).add(z).sum();
    });
    expect(Object.values(tr.program.constants).map((c) => c.values)).toEqual([[3, 4], [10, 20]]);
    const w = tr.id("w");
    const f = replay.evaluateBatch(tr.program, tr.output, [{ leaf: w, index: 1 }], Float64Array.of(2, 5), 2);
    // w[1] = 5: 1·3 + 5·4 + 10 + 20 (the noGrad result is held, as the graph holds it).
    expect(Array.from(f)).toEqual([41, 53]);
  });

  it("a training loop: leaves at their values in the last forward pass; older passes say why they cannot be replayed", () => {
    let recordedLoss = 0;
    let wAtLastForward = 0;
    let firstLoss: Tensor | undefined;
    const tr = trace((torch) => {
      const w = torch.tensor(1, { requiresGrad: true, name: "w" });
      const b = torch.tensor(0, { requiresGrad: true, name: "b" });
      const opt = new torch.optim.SGD([w, b], { lr: 0.1 });
      const xs = torch.tensor([0, 1, 2, 3]);
      const ys = torch.tensor([1, 3, 5, 7]);
      let loss: Tensor | undefined;
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad();
        wAtLastForward = w.item();
        loss = w.mul(xs).add(b).sub(ys).pow(2).mean();
        if (i === 0) firstLoss = loss;
        loss.backward();
        opt.step();
      }
      recordedLoss = loss!.item();
      return loss!;
    });
    const w = tr.id("w"), b = tr.id("b");
    expect(tr.program.leaves[w]!.values[0]).toBeCloseTo(wAtLastForward, 6);
    const vary = [{ leaf: w, index: 0 }, { leaf: b, index: 0 }];
    expect(replay.landscapeProblem(tr.program, tr.output, vary)).toBeNull();
    const start = [Number(tr.program.leaves[w]!.values[0]), Number(tr.program.leaves[b]!.values[0])];
    expect(replay.evaluateWithGrad(tr.program, tr.output, vary, start).value).toBeCloseTo(recordedLoss, 5);
    // The minimum of this least-squares problem is at w = 2, b = 1.
    expect(replay.evaluateWithGrad(tr.program, tr.output, vary, [2, 1]).value).toBeCloseTo(0, 6);
    const first = `t${firstLoss!.id}`;
    expect(replay.landscapeProblem(tr.program, first, vary)).toMatch(/read leaf [wb] before its values were changed in place/);
    expect(tr.program.ops.some((o) => o.inputs.includes(`${w}@old`))).toBe(true);
  });

  it("a constant that changes in place with a leaf (w.detach() made once) is copied again for the last forward", () => {
    let recorded = 0;
    let first: Tensor | undefined;
    const tr = trace((torch) => {
      const w = torch.tensor([1, 2], { requiresGrad: true, name: "w" });
      const frozen = w.detach(); // shares w's values: optimizer.step() changes it too
      const opt = new torch.optim.SGD([w], { lr: 0.1 });
      let loss: Tensor | undefined;
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        loss = w.mul(frozen).sum();
        if (i === 0) first = loss;
        loss.backward();
        opt.step();
      }
      recorded = loss!.item();
      return loss!;
    });
    expect(expectReplayReproduces(tr, 1e-6)).toBe(2);
    const w = tr.id("w");
    // w[0] = 3 with frozen held at its last-forward value f0: 3·f0 + w1·f1.
    const [f0, f1] = Object.values(tr.program.constants)[0]!.values as number[];
    const [w0, w1] = tr.program.leaves[w]!.values as number[];
    expect(f0).toBe(w0);
    expect(replay.evaluateBatch(tr.program, tr.output, [{ leaf: w, index: 0 }], Float64Array.of(w0!, 3), 2)[0]).toBeCloseTo(recorded, 5);
    expect(replay.evaluateBatch(tr.program, tr.output, [{ leaf: w, index: 0 }], Float64Array.of(3), 1)[0]).toBeCloseTo(3 * f0! + w1! * f1!, 5);
    expect(replay.landscapeProblem(tr.program, `t${first!.id}`, [{ leaf: w, index: 0 }])).toMatch(/read (leaf w|tensor t\d+) before its values were changed/);
  });

  it("caps: too many embedded numbers, and the node cap, make the program unavailable with a reason", () => {
    const big = trace((torch) => {
      const w = torch.tensor(1, { requiresGrad: true });
      return w.mul(torch.zeros(1001, 1000)).sum();
    });
    expect(big.program.unavailable).toMatch(/more than 1,000,000 numbers/);
    expect(big.program.ops).toEqual([]);
    expect(big.program.constants).toEqual({});
    expect(replay.landscapeProblem(big.program, big.output, [])).toBe(big.program.unavailable);

    const capped = trace((torch) => {
      let x = torch.tensor(1, { requiresGrad: true });
      for (let i = 0; i < 30; i++) x = x.mul(1.01);
      return x;
    }, { nodeCap: 20 });
    expect(capped.snapshot.nodesTruncated).toBe(true);
    expect(capped.program.unavailable).toMatch(/node cap \(20 grad_fn nodes\)/);
    expect(replay.candidateInputs(capped.program, capped.output)).toEqual([]);
  });

  it("dtype conversions: a float32 leaf computed on in float64 (ToCopyBackward0) replays in float64", () => {
    const tr = trace((torch) => {
      const x = torch.tensor([0.1, 0.2], { requiresGrad: true, name: "x" });
      return x.double().mul(1 / 3).sum().float();
    });
    expect(tr.program.ops.map((o) => [o.op, o.attrs["dtype"]])).toEqual([["ToCopyBackward0", "float64"], ["MulBackward1", undefined], ["SumBackward0", undefined], ["ToCopyBackward0", "float32"]]);
    expect(expectReplayReproduces(tr, 0)).toBe(4);
    const v = replay.evaluateBatch(tr.program, tr.output, [{ leaf: tr.id("x"), index: 1 }], Float64Array.of(0.5), 1);
    expect(v[0]).toBe(Math.fround(Math.fround(0.1) / 3 + 0.5 / 3));
  });

  it("a non-scalar output: no landscape, and the problem says how to reduce it", () => {
    const tr = trace((torch) => torch.tensor([1, 2], { requiresGrad: true, name: "v" }).mul(2));
    expect(replay.landscapeProblem(tr.program, tr.output, [{ leaf: tr.id("v"), index: 0 }])).toMatch(/shape \[2\] \(2 elements\).*\.sum\(\)/);
  });

  it("non-finite values come back as NaN (log of a negative number, overflow)", () => {
    const tr = trace((torch) => torch.tensor(2, { requiresGrad: true, name: "x" }).log().exp().mul(1e15).mul(1e15));
    const v = replay.evaluateBatch(tr.program, tr.output, [{ leaf: tr.id("x"), index: 0 }], Float64Array.of(-1, 2, 1e30), 3);
    expect(v[0]).toBeNaN();
    expect(v[2]).toBeNaN(); // +Infinity in float32
    expect(v[1]).not.toBeNaN();
  });
});

// Every replay rule, one table line per op and shape case: the batch rule (B points along a leading
// dim) must equal the forward rule run point by point and stacked, for every combination of which
// inputs carry the batch dim; and the forward rule must equal the engine op it re-runs.
import { describe, expect, it } from "vitest";
import { Tensor, torch, replay } from "../../engine/index";
import { generator } from "../helpers/gradcheck";
import { EXTRA_ROWS } from "./replay-rules-extra";
import { BINARY_OPS, UNARY_OPS } from "../../engine/ops/table";

type Shape = number[];
type Attrs = Record<string, unknown>;
interface Row {
  op: string;
  shapes: Array<Shape | null>;
  attrs?: Attrs;
  /** Values: "pos" in [0.5, 2] (default), "prob" in (0.1, 0.9), "any" in [-2, 2]. */
  values?: "pos" | "prob" | "any";
  /** The engine op the forward rule must agree with (inputs as tensors). */
  engine?: (...x: Tensor[]) => Tensor;
}

const gen = generator(6060);
const numel = (s: Shape) => s.reduce((p, v) => p * v, 1);
function make(shape: Shape, values: Row["values"]): Tensor {
  const n = numel(shape);
  const flat = (values === "prob" ? gen([n], { lo: 0.1, hi: 0.9 }) : values === "any" ? gen([n]) : gen([n], { lo: 0.5, hi: 2 })) as number[];
  return new Tensor(Float32Array.from(flat), shape, "float32");
}
const full = (t: Tensor) => ({ shape: t.shape.slice(), dtype: t.dtype, values: Array.from(t._values) });
const cond = full(new Tensor(Float32Array.from([1, 0, 1, 0, 0, 1]), [2, 3], "float32"));
/** Flat positions of x[:, [2, 0]] in a [2, 3] tensor. */
const colMap = [2, 0, 5, 3];
const F = torch.nn.functional;

// The op table's ops (engine/ops/table.ts): one line each, values in (0.1, 0.9) (inside every domain).
const TABLE_ROWS: Row[] = [
  ...Object.entries(UNARY_OPS).map(([k, op]): Row => ({ op: op.gradFn, shapes: [[2, 3]], values: "prob", engine: (a) => (a[k as keyof typeof UNARY_OPS] as () => Tensor).call(a) })),
  ...Object.entries(BINARY_OPS).map(([k, op]): Row => ({ op: op.gradFn, shapes: [[2, 3], [3]], values: "prob", engine: (a, b) => (a[k as keyof typeof BINARY_OPS] as (o: Tensor) => Tensor).call(a, b) })),
];

const ROWS: Row[] = [
  ...EXTRA_ROWS,
  ...TABLE_ROWS,
  { op: "RsubBackward0", shapes: [[2, 3], [3]], attrs: { alpha: 1 }, engine: (a, b) => torch.rsub(a, b) },
  { op: "RsubBackward1", shapes: [[2, 3]], attrs: { other: 2, alpha: 1 }, engine: (a) => torch.rsub(a, 2) },
  { op: "PowBackward2", shapes: [[3]], attrs: { self: 2 }, engine: (a) => torch.pow(2, a) },
  { op: "LerpBackward0", shapes: [[2, 3], [3]], attrs: { weight: 0.3 }, engine: (a, b) => a.lerp(b, 0.3) },
  { op: "LerpBackward1", shapes: [[2, 3], [3], [2, 1]], engine: (a, b, w) => a.lerp(b, w) },
  { op: "AmaxBackward0", shapes: [[2, 3]], attrs: { dims: [1], keepdim: false }, values: "any", engine: (a) => a.amax(1) },
  { op: "AmaxBackward0", shapes: [[2, 3, 2]], attrs: { dims: [0, 2], keepdim: true }, values: "any", engine: (a) => a.amax([0, 2], true) },
  { op: "AmaxBackward0", shapes: [[]], attrs: { dims: [], keepdim: false }, engine: (a) => a.amax() },
  { op: "AminBackward0", shapes: [[2, 3]], attrs: { dims: [0, 1], keepdim: false }, values: "any", engine: (a) => a.amin() },
  { op: "LogsumexpBackward0", shapes: [[2, 3]], attrs: { dims: [1], keepdim: true }, engine: (a) => a.logsumexp(1, true) },
  { op: "VarBackward0", shapes: [[2, 3]], attrs: { dims: [0, 1], keepdim: false, correction: 1 }, engine: (a) => a.var() },
  { op: "VarBackward0", shapes: [[2, 3]], attrs: { dims: [1], keepdim: false, correction: 0 }, engine: (a) => a.var(1, { correction: 0 }) },
  { op: "StdBackward0", shapes: [[2, 3]], attrs: { dims: [0], keepdim: true, correction: 1 }, engine: (a) => a.std(0, { keepdim: true }) },
  { op: "ProdBackward0", shapes: [[2, 3]], engine: (a) => a.prod() },
  { op: "ProdBackward1", shapes: [[2, 3]], attrs: { dims: [1], keepdim: false }, engine: (a) => a.prod(1) },
  { op: "CumsumBackward0", shapes: [[2, 3]], attrs: { dim: 1 }, engine: (a) => a.cumsum(1) },
  { op: "CumsumBackward0", shapes: [[]], attrs: { dim: 0 }, engine: (a) => a.cumsum(0) },
  { op: "CumprodBackward0", shapes: [[2, 3]], attrs: { dim: 0 }, engine: (a) => a.cumprod(0) },
  { op: "LinalgVectorNormBackward0", shapes: [[2, 3]], attrs: { dims: [0, 1], keepdim: false, p: 2 }, engine: (a) => a.norm() },
  { op: "LinalgVectorNormBackward0", shapes: [[2, 3]], attrs: { dims: [1], keepdim: false, p: "Infinity" }, values: "any", engine: (a) => torch.linalg.vectorNorm(a, Infinity, 1) },
  { op: "DistBackward0", shapes: [[2, 3], [3]], attrs: { p: 2 }, engine: (a, b) => torch.dist(a, b) },
  { op: "AddBackward0", shapes: [[], []], engine: (a, b) => a.add(b) },
  { op: "AddBackward0", shapes: [[3], [3]], engine: (a, b) => a.add(b) },
  { op: "AddBackward0", shapes: [[2, 3], [3]], engine: (a, b) => a.add(b) },
  { op: "AddBackward0", shapes: [[3], [2, 3]], engine: (a, b) => a.add(b) },
  { op: "AddBackward0", shapes: [[2, 1], [1, 3]], engine: (a, b) => a.add(b) },
  { op: "AddBackward1", shapes: [[2, 3]], attrs: { other: 0.5 }, engine: (a) => a.add(0.5) },
  { op: "SubBackward0", shapes: [[], [2, 3]], engine: (a, b) => a.sub(b) },
  { op: "SubBackward1", shapes: [[]], attrs: { other: 5 }, engine: (a) => a.sub(5) },
  { op: "MulBackward0", shapes: [[2, 3], []], engine: (a, b) => a.mul(b) },
  { op: "MulBackward1", shapes: [[3]], attrs: { other: 0.2 }, engine: (a) => a.mul(0.2) },
  { op: "DivBackward0", shapes: [[3], [2, 1]], engine: (a, b) => a.div(b) },
  { op: "DivBackward0", shapes: [[3], [2, 3]], engine: (a, b) => a.div(b) },
  { op: "DivBackward1", shapes: [[2, 3]], attrs: { other: 4 }, engine: (a) => a.div(4) },
  { op: "PowBackward0", shapes: [[]], attrs: { exponent: 2 }, engine: (a) => a.pow(2) },
  { op: "PowBackward0", shapes: [[2, 3]], attrs: { exponent: 1.5 }, engine: (a) => a.pow(1.5) },
  { op: "PowBackward1", shapes: [[2, 3], [3]], engine: (a, b) => a.pow(b) },
  { op: "PowBackward1", shapes: [[1, 3], [2, 3]], engine: (a, b) => a.pow(b) },
  { op: "MaximumBackward0", shapes: [[2, 3], []], engine: (a, b) => a.maximum(b) },
  { op: "MaximumBackward0", shapes: [[], [3]], values: "any", engine: (a, b) => a.maximum(b) },
  { op: "MinimumBackward0", shapes: [[3], [2, 3]], engine: (a, b) => a.minimum(b) },
  { op: "NegBackward0", shapes: [[2, 3]], engine: (a) => a.neg() },
  { op: "SqrtBackward0", shapes: [[3]], engine: (a) => a.sqrt() },
  { op: "ExpBackward0", shapes: [[]], engine: (a) => a.exp() },
  { op: "LogBackward0", shapes: [[2, 3]], engine: (a) => a.log() },
  { op: "AbsBackward0", shapes: [[3]], values: "any", engine: (a) => a.abs() },
  { op: "SinBackward0", shapes: [[3]], values: "any", engine: (a) => a.sin() },
  { op: "CosBackward0", shapes: [[]], values: "any", engine: (a) => a.cos() },
  { op: "TanhBackward0", shapes: [[2, 3]], values: "any", engine: (a) => a.tanh() },
  { op: "SigmoidBackward0", shapes: [[3]], values: "any", engine: (a) => a.sigmoid() },
  { op: "ReluBackward0", shapes: [[2, 3]], values: "any", engine: (a) => a.relu() },
  { op: "ClampBackward1", shapes: [[2, 3]], attrs: { min: 0.8, max: 1.5 }, engine: (a) => a.clamp(0.8, 1.5) },
  { op: "ClampBackward1", shapes: [[3]], attrs: { min: null, max: 1 }, engine: (a) => a.clamp(undefined, 1) },
  { op: "WhereBackward0", shapes: [[3], []], attrs: { condition: cond } },
  { op: "WhereBackward0", shapes: [[2, 3], [2, 3]], attrs: { condition: cond } },
  { op: "ToCopyBackward0", shapes: [[2, 3]], attrs: { dtype: "float64" }, engine: (a) => a.double() },
  { op: "CloneBackward0", shapes: [[3]], engine: (a) => a.clone() },
  { op: "SumBackward0", shapes: [[]], engine: (a) => a.sum() },
  { op: "SumBackward0", shapes: [[2, 3]], engine: (a) => a.sum() },
  { op: "SumBackward1", shapes: [[2, 3]], attrs: { dims: [1], keepdim: false }, engine: (a) => a.sum(1) },
  { op: "SumBackward1", shapes: [[2, 3, 2]], attrs: { dims: [0, 2], keepdim: true }, engine: (a) => a.sum([0, 2], true) },
  { op: "SumBackward1", shapes: [[]], attrs: { dims: [0], keepdim: false }, engine: (a) => a.sum(0) },
  { op: "MeanBackward0", shapes: [[3]], engine: (a) => a.mean() },
  { op: "MeanBackward1", shapes: [[2, 3]], attrs: { dims: [0], keepdim: true }, engine: (a) => a.mean(0, true) },
  { op: "MaxBackward1", shapes: [[2, 3]], values: "any", engine: (a) => a.max() },
  { op: "MaxBackward1", shapes: [[]], engine: (a) => a.max() },
  { op: "MinBackward1", shapes: [[3]], values: "any", engine: (a) => a.min() },
  { op: "MaxBackward0", shapes: [[2, 3]], attrs: { dim: 1, keepdim: false }, values: "any", engine: (a) => a.max(1).values },
  { op: "MinBackward0", shapes: [[2, 3]], attrs: { dim: 0, keepdim: true }, values: "any", engine: (a) => a.min(0, true).values },
  { op: "ViewBackward0", shapes: [[2, 3]], attrs: { shape: [3, 2] }, engine: (a) => a.view(3, 2) },
  { op: "ViewBackward0", shapes: [[2, 3]], attrs: { shape: [6] }, engine: (a) => a.flatten() },
  { op: "SqueezeBackward0", shapes: [[1, 3, 1]], attrs: { shape: [3] }, engine: (a) => a.squeeze() },
  { op: "SqueezeBackward1", shapes: [[1, 3]], attrs: { dim: 0, shape: [3] }, engine: (a) => a.squeeze(0) },
  { op: "SqueezeBackward4", shapes: [[1, 4]], attrs: { dim: 0, shape: [4] } },
  { op: "UnsqueezeBackward0", shapes: [[2, 3]], attrs: { dim: 1 }, engine: (a) => a.unsqueeze(1) },
  { op: "UnsqueezeBackward0", shapes: [[]], attrs: { dim: 0 }, engine: (a) => a.unsqueeze(0) },
  { op: "PermuteBackward0", shapes: [[2, 3, 4]], attrs: { dims: [2, 0, 1] }, engine: (a) => a.permute(2, 0, 1) },
  { op: "TransposeBackward0", shapes: [[2, 3]], attrs: { dim0: 0, dim1: 1 }, engine: (a) => a.transpose(0, 1) },
  { op: "TransposeBackward0", shapes: [[]], attrs: { dim0: 0, dim1: 0 }, engine: (a) => a.transpose(0, -1) },
  { op: "TBackward0", shapes: [[2, 3]], engine: (a) => a.t() },
  { op: "TBackward0", shapes: [[3]], engine: (a) => a.t() },
  { op: "ExpandBackward0", shapes: [[2, 3]], attrs: { shape: [4, 2, 3] }, engine: (a) => a.expand(4, 2, 3) },
  { op: "ExpandBackward0", shapes: [[1, 3]], attrs: { shape: [2, 3] }, engine: (a) => a.expand(2, 3) },
  { op: "ExpandBackward0", shapes: [[]], attrs: { shape: [3] }, engine: (a) => a.expand(3) },
  { op: "MmBackward0", shapes: [[2, 3], [3, 4]], engine: (a, b) => a.mm(b) },
  { op: "AddmmBackward0", shapes: [[4], [2, 3], [3, 4]] },
  { op: "AddmmBackward0", shapes: [[2, 4], [2, 3], [3, 4]] },
  { op: "DotBackward0", shapes: [[3], [3]], engine: (a, b) => a.dot(b) },
  { op: "MvBackward0", shapes: [[2, 3], [3]], engine: (a, b) => a.matmul(b) },
  { op: "BmmBackward0", shapes: [[2, 2, 3], [2, 3, 4]], engine: (a, b) => a.matmul(b) },
  { op: "BmmBackward0", shapes: [[2, 3], [5, 3, 4]], engine: (a, b) => a.matmul(b) },
  { op: "BmmBackward0", shapes: [[1, 2, 3], [4, 3, 1]], engine: (a, b) => a.matmul(b) },
  { op: "SelectBackward0", shapes: [[2, 3]], attrs: { dim: 1, index: 2 }, engine: (a) => a.select(1, 2) },
  { op: "SelectBackward0", shapes: [[3]], attrs: { dim: 0, index: 0 }, engine: (a) => a.select(0, 0) },
  { op: "SignBackward0", shapes: [[2, 3]], values: "any", engine: (a) => a.sign() },
  { op: "DiagonalBackward0", shapes: [[2, 3]], attrs: { map: [0, 4], shape: [2] }, engine: (a) => a.diagonal() },
  { op: "UnfoldBackward0", shapes: [[4]], attrs: { map: [0, 1, 2, 3], shape: [2, 2] }, engine: (a) => a.unfold(0, 2, 2) },
  { op: "AsStridedBackward0", shapes: [[2, 3]], attrs: { map: [1, 4], shape: [2] }, engine: (a) => a.select(1, 1) },
  { op: "UnsafeViewBackward0", shapes: [[2, 3]], attrs: { shape: [6] }, engine: (a) => a.reshape(6) },
  { op: "ReshapeAliasBackward0", shapes: [[2, 3]], attrs: { shape: [3, 2] }, engine: (a) => a.reshape(3, 2) },
  { op: "AliasBackward0", shapes: [[2, 3]], engine: (a) => a.index("...") },
  { op: "SqueezeBackward2", shapes: [[2, 1, 3, 1]], attrs: { shape: [2, 3, 1] }, engine: (a) => a.squeeze([1]) },
  { op: "SliceBackward0", shapes: [[2, 3]], attrs: { dim: 1, start: 0, end: 3, step: 2 }, engine: (a) => a.index(":", "0:3:2") },
  { op: "IndexBackward0", shapes: [[2, 3]], attrs: { dim: 1, map: colMap, shape: [2, 2] }, engine: (a) => a.index(":", [2, 0]) },
  { op: "CatBackward0", shapes: [[2, 3], [1, 3]], attrs: { dim: 0 }, engine: (a, b) => torch.cat([a, b], 0) },
  { op: "CatBackward0", shapes: [[2, 3], [2, 2], [2, 1]], attrs: { dim: 1 }, engine: (a, b, c) => torch.cat([a, b, c], 1) },
  { op: "StackBackward0", shapes: [[], []], attrs: { dim: 0 }, engine: (a, b) => torch.stack([a, b]) },
  { op: "StackBackward0", shapes: [[3], [3]], attrs: { dim: 1 }, engine: (a, b) => torch.stack([a, b], 1) },
  { op: "SoftmaxBackward0", shapes: [[2, 3]], attrs: { dim: 1 }, values: "any", engine: (a) => a.softmax(1) },
  { op: "SoftmaxBackward0", shapes: [[]], attrs: { dim: 0 }, engine: (a) => a.softmax(0) },
  { op: "LogSoftmaxBackward0", shapes: [[2, 3]], attrs: { dim: 0 }, values: "any", engine: (a) => a.logSoftmax(0) },
  { op: "MseLossBackward0", shapes: [[2, 3], [2, 3]], attrs: { reduction: "mean" }, engine: (a, b) => F.mseLoss(a, b) },
  { op: "MseLossBackward0", shapes: [[3], [3]], attrs: { reduction: "sum" }, engine: (a, b) => F.mseLoss(a, b, { reduction: "sum" }) },
  { op: "MseLossBackward0", shapes: [[], []], attrs: { reduction: "none" }, engine: (a, b) => F.mseLoss(a, b, { reduction: "none" }) },
  { op: "BinaryCrossEntropyBackward0", shapes: [[3], [3]], attrs: { reduction: "mean" }, values: "prob", engine: (a, b) => F.binaryCrossEntropy(a, b) },
  { op: "BinaryCrossEntropyBackward0", shapes: [[2, 2], [2, 2]], attrs: { reduction: "none" }, values: "prob", engine: (a, b) => F.binaryCrossEntropy(a, b, { reduction: "none" }) },
  { op: "NllLossBackward0", shapes: [[2, 3], null], attrs: { target: [1, 0], reduction: "mean" }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor([1, 0], { dtype: "int64" })) },
  { op: "NllLossBackward0", shapes: [[2, 3], null], attrs: { target: [2, 2], reduction: "none" }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor([2, 2], { dtype: "int64" }), { reduction: "none" }) },
  { op: "NllLossBackward0", shapes: [[3], null], attrs: { target: [1], reduction: "sum" }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor(1, { dtype: "int64" }), { reduction: "sum" }) },
  // Class weights and ignored targets (the recorded weight, ignoreIndex and totalWeight attributes).
  { op: "NllLossBackward0", shapes: [[3, 3], null], attrs: { target: [1, 2, 1], reduction: "mean", weight: [0.5, 2, 3], ignoreIndex: 2, totalWeight: 4 }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor([1, 2, 1], { dtype: "int64" }), { weight: torch.tensor([0.5, 2, 3]), ignoreIndex: 2 }) },
  { op: "NllLossBackward0", shapes: [[3, 3], null], attrs: { target: [0, -100, 2], reduction: "none", weight: null, ignoreIndex: -100, totalWeight: 2 }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor([0, -100, 2], { dtype: "int64" }), { reduction: "none" }) },
  { op: "NllLossBackward0", shapes: [[2, 3], null], attrs: { target: [2, 0], reduction: "sum", weight: [0.5, 2, 3], ignoreIndex: -100, totalWeight: 3.5 }, values: "any",
    engine: (a) => F.nllLoss(a, torch.tensor([2, 0], { dtype: "int64" }), { weight: torch.tensor([0.5, 2, 3]), reduction: "sum" }) },
  // A double backward's scatter-add (grad of select) and the gather of its own backward.
  { op: "SelectBackwardBackward0", shapes: [[2]], attrs: { map: [1, 4], shape: [2, 3] } },
  { op: "SelectBackwardBackward0Backward0", shapes: [[2, 3]], attrs: { map: [1, 4], shape: [2] } },
];

const B = 3;

/** Every non-empty subset of the non-null inputs, as batched flags. */
function combos(shapes: Row["shapes"]): boolean[][] {
  const idx = shapes.map((s, i) => (s === null ? -1 : i)).filter((i) => i >= 0);
  const out: boolean[][] = [];
  for (let m = 1; m < 1 << idx.length; m++) {
    const flags = shapes.map(() => false);
    idx.forEach((i, k) => (flags[i] = (m & (1 << k)) !== 0));
    out.push(flags);
  }
  return out;
}

function row(x: Tensor, p: number): Tensor {
  const n = x._values.length / x.shape[0]!;
  return new Tensor(x._values.slice(p * n, (p + 1) * n), x.shape.slice(1), x.dtype);
}

function expectClose(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  for (let i = 0; i < want._values.length; i++) {
    const a = got._values[i]!, b = want._values[i]!;
    if (Number.isNaN(b)) expect(a, `${what} [${i}]`).toBeNaN();
    else expect(Math.abs(a - b), `${what} [${i}]: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
  }
}

const label = (r: Row) => `${r.op} ${r.shapes.map((s) => (s === null ? "—" : `[${s.join(",")}]`)).join(" ")} ${r.attrs ? JSON.stringify(r.attrs).slice(0, 60) : ""}`;

describe("replay rules: batched = point by point, forward = the engine op", () => {
  it.each(ROWS.map((r) => [label(r), r] as const))("%s", (_name, r) => {
    const rule = replay.ruleFor(r.op);
    expect(rule, "a rule").toBeDefined();
    const attrs = r.attrs ?? {};
    torch.noGrad(() => {
      // One point: the forward rule reproduces the engine op.
      if (r.engine) {
        const xs = r.shapes.map((s) => (s === null ? null : make(s, r.values)));
        expectClose(rule!.forward(xs, attrs), r.engine(...(xs.filter((x) => x !== null) as Tensor[])), "forward vs engine");
      }
      expect(rule!.batch, "a batch rule").toBeDefined();
      for (const flags of combos(r.shapes)) {
        const xs = r.shapes.map((s, i) => (s === null ? null : make(flags[i] ? [B, ...s] : s, r.values)));
        const got = rule!.batch!(xs, flags, attrs, B);
        const parts = Array.from({ length: B }, (_, p) => rule!.forward(xs.map((x, i) => (x !== null && flags[i] ? row(x, p) : x)), attrs));
        expectClose(got, torch.stack(parts), `batched ${flags.map((f) => (f ? "B" : "-")).join("")}`);
      }
    });
  });

  it("covers every grad_fn name the engine's gradient specs define", async () => {
    const fs = await import("node:fs");
    const names = new Set<string>();
    for (const f of fs.readdirSync("engine/gradients")) {
      for (const m of fs.readFileSync(`engine/gradients/${f}`, "utf8").matchAll(/"([A-Z][A-Za-z0-9]*Backward\d+)"/g)) names.add(m[1]!);
    }
    // The op table declares the rest (Log1PBackward0 has a digit before "Backward").
    for (const m of fs.readFileSync("engine/ops/table.ts", "utf8").matchAll(/gradFn: "([A-Z][A-Za-z0-9]*Backward\d+)"/g)) names.add(m[1]!);
    for (const op of [...Object.values(UNARY_OPS), ...Object.values(BINARY_OPS)]) expect(names).toContain(op.gradFn);
    expect(names.size).toBeGreaterThan(50);
    // Nodes only in-place ops make: the runner's program stops at the first in-place op
    // (runner/program.ts), so replay never meets them.
    const IN_PLACE_ONLY = ["SqueezeBackward3", "UnsqueezeBackward1", "ZeroBackward0", "FillBackward2", "FillBackward3", "UniformBackward0", "NormalBackward0", "MaskedFillBackward0", "IndexPutBackward0"];
    for (const n of IN_PLACE_ONLY) names.delete(n);
    const tested = new Set(ROWS.map((r) => r.op));
    const missing = [...names].filter((n) => !replay.ruleFor(n));
    expect(missing, "grad_fn names without a replay rule").toEqual([]);
    expect([...names].filter((n) => !tested.has(n)), "rules without a table line").toEqual([]);
  });

  it("has no rule for names it does not know", () => {
    expect(replay.ruleFor("FooBackward0")).toBeUndefined();
    expect(replay.ruleFor("toString")).toBeUndefined();
  });
});

// Derivatives of the elementwise ops, as data (like PyTorch's derivatives.yaml): the node name,
// the display formula per input, and gradFunc. Formulas use PyTorch's names: `grad` is the incoming
// gradient, `self`/`other` the inputs, `result` the op's output.
import { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { isGradEnabled } from "../grad_mode";
import { allocate, resultType } from "../dtype";
import { shapeEquals } from "../shape";
import { zerosLike } from "../ops/creation";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type BinaryOp, type UnaryName, type UnaryOp } from "../ops/table";

type None = Record<string, never>;
type SavedTT = { self?: Tensor; other?: Tensor };
type SavedScalar = { other: number };

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : String(+v.toPrecision(6)));

export const AddBackward0: GradientSpec<None> = {
  name: "AddBackward0",
  inputs: ["self", "other"],
  formulas: ["grad", "grad"],
  gradFunc: (g) => [g, g],
};

export const AddBackward1: GradientSpec<SavedScalar> = {
  name: "AddBackward1",
  inputs: ["self"],
  formulas: ["grad"],
  gradFunc: (g) => [g],
};

export const SubBackward0: GradientSpec<None> = {
  name: "SubBackward0",
  inputs: ["self", "other"],
  formulas: ["grad", "−grad"],
  gradFunc: (g, _s, needs) => [g, needs[1] ? g.neg() : null],
};

export const SubBackward1: GradientSpec<SavedScalar> = {
  name: "SubBackward1",
  inputs: ["self"],
  formulas: ["grad"],
  gradFunc: (g) => [g],
};

export const MulBackward0: GradientSpec<SavedTT> = {
  name: "MulBackward0",
  inputs: ["self", "other"],
  formulas: ["grad · other", "grad · self"],
  gradFunc: (g, s, needs) => [needs[0] ? g.mul(s.other!) : null, needs[1] ? g.mul(s.self!) : null],
};

export const MulBackward1: GradientSpec<SavedScalar> = {
  name: "MulBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad · other (other = ${fmt(s.other)})`],
  gradFunc: (g, s) => [g.mul(s.other)],
};

export const DivBackward0: GradientSpec<SavedTT> = {
  name: "DivBackward0",
  inputs: ["self", "other"],
  formulas: ["grad / other", "−grad · self / other²"],
  gradFunc: (g, s, needs) => [
    needs[0] ? g.div(s.other!) : null,
    needs[1] ? g.neg().mul(s.self!).div(s.other!.mul(s.other!)) : null,
  ],
};

export const DivBackward1: GradientSpec<SavedScalar> = {
  name: "DivBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad / other (other = ${fmt(s.other)})`],
  gradFunc: (g, s) => [g.div(s.other)],
};

export const PowBackward0: GradientSpec<{ self?: Tensor; exponent: number }> = {
  name: "PowBackward0",
  inputs: ["self"],
  formulas: (s) => {
    const e = s.exponent;
    if (e === 0) return ["0"];
    if (e === 1) return ["grad"];
    if (e === 2) return ["grad · 2 · self"];
    return [`grad · ${fmt(e)} · self^${fmt(e - 1)}`];
  },
  gradFunc: (g, s) => {
    const e = s.exponent;
    const x = s.self!;
    if (e === 0) return [g.mul(0)];
    if (e === 2) return [isGradEnabled() ? g.mul(x).mul(2) : twiceProduct(g, x)];
    return [g.mul(x.pow(e - 1).mul(e))];
  },
};

export const PowBackward1: GradientSpec<{ self?: Tensor; exponent?: Tensor; result?: Tensor }> = {
  name: "PowBackward1",
  inputs: ["self", "exponent"],
  formulas: ["grad · exponent · self^(exponent − 1)", "grad · result · ln(self)"],
  gradFunc: (g, s, needs) => {
    const x = s.self!;
    const e = s.exponent!;
    const gx = needs[0] ? g.mul(e).mul(x.pow(e.sub(1))) : null;
    // Where self = 0 the log is -inf; torch defines that gradient as 0 (for exponent >= 0).
    const ge = needs[1] ? g.mul(s.result!).mul(x.log()).where(x.ne(0), 0) : null;
    return [gx, ge];
  },
};

/**
 * grad · w where the weight w is non-zero, exactly 0 elsewhere: PyTorch selects (where /
 * masked_fill) rather than multiplies, so a NaN or infinite grad does not leak into the input the
 * op did not pick (NaN · 0 is NaN). Masks are constants: a comparison's derivative is zero.
 */
export const pick = (g: Tensor, w: Tensor): Tensor => g.mul(w.dtype === "bool" ? w.to(g.dtype) : w).where(w.ne(0), 0);

export const MaximumBackward0: GradientSpec<SavedTT> = {
  name: "MaximumBackward0",
  inputs: ["self", "other"],
  formulas: ["grad · [self > other] + grad/2 · [self = other]", "grad · [other > self] + grad/2 · [self = other]"],
  gradFunc: (g, s, needs) => {
    const a = s.self!, b = s.other!;
    const tie = a.eq(b).mul(0.5);
    return [needs[0] ? pick(g, a.gt(b).add(tie)) : null, needs[1] ? pick(g, b.gt(a).add(tie)) : null];
  },
};

export const MinimumBackward0: GradientSpec<SavedTT> = {
  name: "MinimumBackward0",
  inputs: ["self", "other"],
  formulas: ["grad · [self < other] + grad/2 · [self = other]", "grad · [other < self] + grad/2 · [self = other]"],
  gradFunc: (g, s, needs) => {
    const a = s.self!, b = s.other!;
    const tie = a.eq(b).mul(0.5);
    return [needs[0] ? pick(g, a.lt(b).add(tie)) : null, needs[1] ? pick(g, b.lt(a).add(tie)) : null];
  },
};

export const ClampBackward1: GradientSpec<{ self?: Tensor; min: number | null; max: number | null }> = {
  name: "ClampBackward1",
  inputs: ["self"],
  formulas: (s) => [
    `grad · [${s.min === null ? "" : `${fmt(s.min)} ≤ `}self${s.max === null ? "" : ` ≤ ${fmt(s.max)}`}]`,
  ],
  gradFunc: (g, s) => {
    const lo = s.min ?? -Infinity, hi = s.max ?? Infinity;
    // Without createGraph nothing records: one fused loop instead of four tensor ops.
    if (!isGradEnabled()) return [clampGrad(g, s.self!, lo, hi)];
    let m = s.self!.ge(lo);
    if (s.max !== null) m = m.mul(s.self!.le(hi));
    return [pick(g, m)];
  },
};

export const WhereBackward0: GradientSpec<{ condition?: Tensor }> = {
  name: "WhereBackward0",
  inputs: ["self", "other"],
  formulas: ["where(condition, grad, 0)", "where(condition, 0, grad)"],
  gradFunc: (g, s, needs) => {
    const c = s.condition!.ne(0);
    return [needs[0] ? pick(g, c) : null, needs[1] ? pick(g, s.condition!.eq(0)) : null];
  },
};

export const ToCopyBackward0: GradientSpec<{ dtype: string }> = {
  name: "ToCopyBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.to(${s.dtype})`],
  gradFunc: (g) => [g],
};

export const CloneBackward0: GradientSpec<None> = {
  name: "CloneBackward0",
  inputs: ["self"],
  formulas: ["grad"],
  gradFunc: (g) => [g],
};

// ---- the op table's unary and binary ops (ops/table.ts) -----------------------------------------
type UnarySaved = { self?: Tensor; result?: Tensor };

/**
 * 2 · g · x in one pass, for pow(x, 2)'s backward without createGraph (the squared error of every
 * training loop). g is often sum()'s gradient expanded from one element (all strides 0): it is
 * read as that one number instead of being laid out first. Equal to g.mul(x).mul(2) bit for bit:
 * doubling is exact, so rounding g·x·2 once is rounding g·x and doubling.
 */
function twiceProduct(g: Tensor, x: Tensor): Tensor {
  if (!shapeEquals(g.shape, x.shape)) return g.mul(x).mul(2);
  const xd = x._values;
  const dtype = resultType(g, x);
  const out = allocate(dtype, xd.length);
  if (g._flat === null && g._strides.every((st) => st === 0)) {
    const gv = g._storage[g._offset]!;
    for (let i = 0; i < out.length; i++) out[i] = gv * xd[i]! * 2;
  } else {
    const gd = g._values;
    for (let i = 0; i < out.length; i++) out[i] = gd[i]! * xd[i]! * 2;
  }
  return new Tensor(out, g.shape, dtype);
}

/** grad where lo ≤ x ≤ hi, else 0: clamp's backward as one plain loop (no per-element call). */
function clampGrad(g: Tensor, x: Tensor, lo: number, hi: number): Tensor {
  const gd = g._values, xd = x._values;
  const out = allocate(g.dtype, gd.length);
  const n = out.length;
  // One comparison per element when one bound is open (clamp(0)); NaN in x gives 0, as PyTorch's mask.
  if (hi === Infinity) for (let i = 0; i < n; i++) out[i] = xd[i]! >= lo ? gd[i]! : 0;
  else if (lo === -Infinity) for (let i = 0; i < n; i++) out[i] = xd[i]! <= hi ? gd[i]! : 0;
  else for (let i = 0; i < n; i++) { const v = xd[i]!; out[i] = v >= lo && v <= hi ? gd[i]! : 0; }
  return new Tensor(out, g.shape, g.dtype);
}

function unarySpec(op: UnaryOp): GradientSpec<UnarySaved> {
  const { backward, grad, saves } = op;
  return {
    name: op.gradFn,
    inputs: ["self"],
    formulas: [op.formula],
    gradFunc: (g, s) => {
      const v = saves === "result" ? s.result : saves === "self" ? s.self : undefined;
      if (isGradEnabled()) return [grad === undefined ? zerosLike(g) : grad(g, v ?? g)];
      // Without createGraph the backward runs in no-grad mode and nothing downstream needs a
      // graph: the derivative is one loop over the arrays (the table's `backward`).
      const out = allocate(g.dtype, g._values.length);
      if (backward !== undefined) backward(g._values, (v ?? g)._values, out);
      return [new Tensor(out, g.shape, g.dtype)];
    },
  };
}

function mapTable<T, R>(table: Record<string, T>, f: (op: T) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const k of Object.keys(table)) out[k] = f(table[k]!);
  return out;
}

/** The gradient spec of every unary op of the table, by op name. */
export const UNARY = mapTable(UNARY_OPS, unarySpec) as Record<UnaryName, GradientSpec<UnarySaved>>;

type BinarySaved = { self: Tensor; other: Tensor; result: Tensor };

/** The gradient spec of every binary op of the table, by op name. */
export const BINARY = mapTable(BINARY_OPS, (op: BinaryOp): GradientSpec<BinarySaved> => ({
  name: op.gradFn,
  inputs: ["self", "other"],
  formulas: op.formulas,
  gradFunc: (g, s, needs) => {
    const [ga, gb] = op.grad(g, s.self, s.other, s.result);
    return [needs[0] ? ga : null, needs[1] ? gb : null];
  },
})) as Record<BinaryName, GradientSpec<BinarySaved>>;

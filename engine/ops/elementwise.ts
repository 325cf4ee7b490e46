// Elementwise ops. Each one computes its values with a tight loop over typed arrays (the hot paths
// — same shape, tensor with scalar — get their own loops so V8 keeps them monomorphic), then hands
// the result to record() with its gradient spec from gradients/elementwise.ts.
import { Tensor, type TensorOrScalar } from "../tensor";
import { allocate, castValue, isFloating, resultType, type DType, type Storage } from "../dtype";
import { broadcastShapes, numel, shapeEquals, type Shape } from "../shape";
import { record } from "../autograd/record";
import { forEachRow } from "../storage";
import { isGradEnabled } from "../grad_mode";
import * as G from "../gradients/elementwise";
import { sum, sumOneDim } from "./reduce";
import { reshape } from "./shape_ops";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type UnaryName, type UnaryOp } from "./table";

export type BinaryKind = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";
export type CompareKind = "gt" | "lt" | "ge" | "le" | "eq" | "ne";

function checkOperand(x: unknown, op: string, what: string): void {
  if (!(x instanceof Tensor) && typeof x !== "number") {
    throw new TypeError(`${op}: ${what} must be a Tensor or a number, got ${x === null ? "null" : typeof x}.`);
  }
}

// ---- binary kernels -----------------------------------------------------------------------------

/** out[i] = x[i] ∘ y[i] */
export function loopVV(kind: BinaryKind, x: Storage, y: Storage, out: Storage): void {
  const n = out.length;
  switch (kind) {
    case "add": for (let i = 0; i < n; i++) out[i] = x[i]! + y[i]!; break;
    case "sub": for (let i = 0; i < n; i++) out[i] = x[i]! - y[i]!; break;
    case "mul": for (let i = 0; i < n; i++) out[i] = x[i]! * y[i]!; break;
    case "div": for (let i = 0; i < n; i++) out[i] = x[i]! / y[i]!; break;
    case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(x[i]!, y[i]!); break;
    case "maximum": for (let i = 0; i < n; i++) out[i] = maxNaN(x[i]!, y[i]!); break;
    case "minimum": for (let i = 0; i < n; i++) out[i] = minNaN(x[i]!, y[i]!); break;
  }
}

/** out[i] = x[i] ∘ s */
export function loopVS(kind: BinaryKind, x: Storage, s: number, out: Storage): void {
  const n = out.length;
  switch (kind) {
    case "add": for (let i = 0; i < n; i++) out[i] = x[i]! + s; break;
    case "sub": for (let i = 0; i < n; i++) out[i] = x[i]! - s; break;
    case "mul": for (let i = 0; i < n; i++) out[i] = x[i]! * s; break;
    case "div": for (let i = 0; i < n; i++) out[i] = x[i]! / s; break;
    case "pow":
      if (s === 2) for (let i = 0; i < n; i++) out[i] = x[i]! * x[i]!;
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i]!, s);
      break;
    case "maximum": for (let i = 0; i < n; i++) out[i] = maxNaN(x[i]!, s); break;
    case "minimum": for (let i = 0; i < n; i++) out[i] = minNaN(x[i]!, s); break;
  }
}

/** out[i] = s ∘ y[i] */
function loopSV(kind: BinaryKind, s: number, y: Storage, out: Storage): void {
  const n = out.length;
  switch (kind) {
    case "add": for (let i = 0; i < n; i++) out[i] = s + y[i]!; break;
    case "sub": for (let i = 0; i < n; i++) out[i] = s - y[i]!; break;
    case "mul": for (let i = 0; i < n; i++) out[i] = s * y[i]!; break;
    case "div": for (let i = 0; i < n; i++) out[i] = s / y[i]!; break;
    case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(s, y[i]!); break;
    case "maximum": for (let i = 0; i < n; i++) out[i] = maxNaN(s, y[i]!); break;
    case "minimum": for (let i = 0; i < n; i++) out[i] = minNaN(s, y[i]!); break;
  }
}

/**
 * True when `small` broadcasts to `shape` as one repeated row: its dims, after leading 1s, equal
 * the trailing dims of `shape` (a bias [32] or [1, 32] added to [100, 32]).
 */
export function isTrailingRow(small: Shape, shape: Shape): boolean {
  let i = 0;
  while (i < small.length && small[i] === 1) i++;
  const n = small.length - i;
  if (n === 0 || n > shape.length) return false;
  for (let k = 0; k < n; k++) if (small[i + k] !== shape[shape.length - n + k]) return false;
  return true;
}

/** out[i] = x[i] ∘ row[i mod row.length] (the row repeats along the leading dims). */
export function loopVR(kind: BinaryKind, x: Storage, row: Storage, out: Storage): void {
  const n = out.length, m = row.length;
  switch (kind) {
    case "add": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = x[i]! + row[j]!; break;
    case "sub": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = x[i]! - row[j]!; break;
    case "mul": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = x[i]! * row[j]!; break;
    case "div": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = x[i]! / row[j]!; break;
    default: for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = scalarOp(kind, x[i]!, row[j]!);
  }
}

/** out[i] = row[i mod row.length] ∘ y[i]. */
function loopRV(kind: BinaryKind, row: Storage, y: Storage, out: Storage): void {
  const n = out.length, m = row.length;
  switch (kind) {
    case "add": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = row[j]! + y[i]!; break;
    case "sub": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = row[j]! - y[i]!; break;
    case "mul": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = row[j]! * y[i]!; break;
    case "div": for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = row[j]! / y[i]!; break;
    default: for (let i = 0, j = 0; i < n; i++, j = j + 1 === m ? 0 : j + 1) out[i] = scalarOp(kind, row[j]!, y[i]!);
  }
}

/** One element of a binary op (the less common kinds of the row loops). */
function scalarOp(kind: BinaryKind, u: number, v: number): number {
  switch (kind) {
    case "add": return u + v;
    case "sub": return u - v;
    case "mul": return u * v;
    case "div": return u / v;
    case "pow": return Math.pow(u, v);
    case "maximum": return maxNaN(u, v);
    case "minimum": return minNaN(u, v);
  }
}

// torch.maximum/minimum propagate NaN.
function maxNaN(a: number, b: number): number {
  return a !== a || b !== b ? NaN : a > b ? a : b;
}
function minNaN(a: number, b: number): number {
  return a !== a || b !== b ? NaN : a < b ? a : b;
}

/** @internal the values of `t` laid out as if broadcast to outShape (a contiguous copy). */
export function expandData(t: Tensor, outShape: Shape, dtype: DType = t.dtype): Storage {
  const n = numel(outShape);
  const out = allocate(dtype, n);
  if (t._flat !== null && shapeEquals(t.shape, outShape)) {
    out.set(t._flat);
    return out;
  }
  // Read t's own storage through its strides (0 on the dims broadcasting adds or stretches), so a
  // strided view is gathered and broadcast in one pass.
  const src = t._storage;
  const lead = outShape.length - t.shape.length;
  const strides = outShape.map((_, i) => (i < lead || t.shape[i - lead] === 1 ? 0 : t._strides[i - lead]!));
  const inner = outShape.length === 0 ? 1 : outShape[outShape.length - 1]!;
  const step = outShape.length === 0 ? 1 : strides[strides.length - 1]!;
  forEachRow(outShape, strides, t._offset, (from, o) => {
    if (step === 0) out.fill(src[from]!, o, o + inner);
    else for (let j = 0; j < inner; j++) out[o + j] = src[from + j * step]!;
  });
  return out;
}

/** Values of a ∘ b with broadcasting; returns a fresh tensor (no graph). */
export function binaryValues(kind: BinaryKind, a: Tensor, b: TensorOrScalar, op: string): Tensor {
  if (typeof b === "number") {
    const ad = a.dtype;
    if (ad !== "float32" && ad !== "float64") return integerValues(kind, a, b, op);
    const out = allocate(ad, a._values.length);
    loopVS(kind, a._values, b, out);
    return new Tensor(out, a.shape, ad);
  }
  const dtype = resultType(a, b);
  if (dtype !== "float32" && dtype !== "float64") return integerValues(kind, a, b, op);
  if (shapeEquals(a.shape, b.shape)) {
    const out = allocate(dtype, a._values.length);
    loopVV(kind, a._values, b._values, out);
    return new Tensor(out, a.shape, dtype);
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(dtype, numel(shape));
  if (b.numel() === 1 && b.shape.length <= a.shape.length) loopVS(kind, a._values, b.item(), out);
  else if (a.numel() === 1 && a.shape.length <= b.shape.length) loopSV(kind, a.item(), b._values, out);
  else if (shapeEquals(a.shape, shape) && isTrailingRow(b.shape, shape)) loopVR(kind, a._values, b._values, out);
  else if (shapeEquals(b.shape, shape) && isTrailingRow(a.shape, shape)) loopRV(kind, a._values, b._values, out);
  else {
    // Only the operand that broadcasting stretches is laid out anew.
    loopVV(kind, shapeEquals(a.shape, shape) ? a._values : expandData(a, shape), shapeEquals(b.shape, shape) ? b._values : expandData(b, shape), out);
  }
  return new Tensor(out, shape, dtype);
}

/**
 * a ∘ b when the result is not floating (integer and bool tensors, integer numbers), off the hot
 * path: computed in float64 (where the integers are exact) and cast as PyTorch's type promotion
 * says — division is true division (float32), a fractional number makes float32, bool with an
 * integer number is int64, bool ∘ bool stays bool (add is or, mul is and; sub is an error).
 */
function integerValues(kind: BinaryKind, a: Tensor, b: TensorOrScalar, op: string): Tensor {
  const isBool = (t: TensorOrScalar) => t instanceof Tensor && t.dtype === "bool";
  if (kind === "sub" && isBool(a) && (isBool(b) || typeof b === "number")) {
    throw new TypeError(
      isBool(b)
        ? `${op}: Subtraction, the \`-\` operator, with two bool tensors is not supported. Use logicalXor() instead.`
        : `${op}: Subtraction, the \`-\` operator, with a bool tensor is not supported. If you are trying to invert a mask, use logicalNot() instead.`,
    );
  }
  let dtype: DType;
  if (typeof b === "number") dtype = kind === "div" || !Number.isInteger(b) ? "float32" : a.dtype === "bool" ? "int64" : a.dtype;
  else dtype = kind === "div" ? "float32" : resultType(a, b);
  const f64 = (t: Tensor) => (t.dtype === "float64" ? t : new Tensor(t._values instanceof Float64Array ? t._values : Float64Array.from(t._values), t.shape, "float64"));
  const r = binaryValues(kind, f64(a), typeof b === "number" ? b : f64(b), op);
  const out = allocate(dtype, r._values.length);
  const v = r._values;
  if (dtype === "float32") out.set(v);
  else for (let i = 0; i < v.length; i++) out[i] = castValue(dtype, v[i]!);
  return new Tensor(out, r.shape, dtype);
}

// ---- differentiable binary ops ------------------------------------------------------------------

/**
 * Cheap pre-check so the hot ops skip building record()'s arguments (an array and a closure per
 * call) when nothing will be recorded — e.g. every op the backward pass itself runs.
 */
function wants(a: Tensor, b?: TensorOrScalar): boolean {
  if (!isGradEnabled()) return false;
  return a.gradFn !== null || a._leafRequiresGrad || (b instanceof Tensor && (b.gradFn !== null || b._leafRequiresGrad));
}
// Tensor–tensor overloads are ...Backward0, tensor–scalar overloads ...Backward1, as in libtorch.

export function add(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "add", "other");
  const out = binaryValues("add", a, b, "add");
  if (!wants(a, b)) return out;
  if (typeof b === "number") return record(out, G.AddBackward1, [a], () => ({ other: b }));
  return record(out, G.AddBackward0, [a, b], () => ({}));
}

export function sub(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "sub", "other");
  const out = binaryValues("sub", a, b, "sub");
  if (!wants(a, b)) return out;
  if (typeof b === "number") return record(out, G.SubBackward1, [a], () => ({ other: b }));
  return record(out, G.SubBackward0, [a, b], () => ({}));
}

export function mul(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "mul", "other");
  const out = binaryValues("mul", a, b, "mul");
  if (!wants(a, b)) return out;
  if (typeof b === "number") return record(out, G.MulBackward1, [a], () => ({ other: b }));
  // Like PyTorch, save only what the other input's gradient needs.
  return record(out, G.MulBackward0, [a, b], () => ({
    self: b.requiresGrad ? a : undefined,
    other: a.requiresGrad ? b : undefined,
  }));
}

export function div(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "div", "other");
  const out = binaryValues("div", a, b, "div");
  if (!wants(a, b)) return out;
  if (typeof b === "number") return record(out, G.DivBackward1, [a], () => ({ other: b }));
  return record(out, G.DivBackward0, [a, b], () => ({ self: b.requiresGrad ? a : undefined, other: b }));
}

export function pow(a: Tensor, exponent: TensorOrScalar): Tensor {
  checkOperand(exponent, "pow", "exponent");
  const out = binaryValues("pow", a, exponent, "pow");
  if (!wants(a, exponent)) return out;
  // libtorch: pow.Tensor_Scalar → PowBackward0, pow.Tensor_Tensor → PowBackward1.
  if (typeof exponent === "number") return record(out, G.PowBackward0, [a], () => ({ self: a, exponent }));
  return record(out, G.PowBackward1, [a, exponent], () => ({ self: a, exponent, result: out }));
}

export function maximum(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "maximum", "other");
  const bt = typeof b === "number" ? new Tensor(allocate(a.dtype, 1).fill(b), [], a.dtype) : b;
  const out = binaryValues("maximum", a, bt, "maximum");
  return record(out, G.MaximumBackward0, [a, bt], () => ({ self: a, other: bt }));
}

export function minimum(a: Tensor, b: TensorOrScalar): Tensor {
  checkOperand(b, "minimum", "other");
  const bt = typeof b === "number" ? new Tensor(allocate(a.dtype, 1).fill(b), [], a.dtype) : b;
  const out = binaryValues("minimum", a, bt, "minimum");
  return record(out, G.MinimumBackward0, [a, bt], () => ({ self: a, other: bt }));
}

// ---- the op table's unary and binary ops (ops/table.ts) -----------------------------------------

/** Values of f(x); no graph. */
export function unaryValues(kind: UnaryName, x: Tensor): Tensor {
  const op: UnaryOp = UNARY_OPS[kind];
  // Integer inputs stay integer only for ops that map integers to integers.
  const floating = x.dtype === "float32" || x.dtype === "float64";
  if (!floating && kind === "neg" && x.dtype === "bool") {
    throw new TypeError("neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use logicalNot() instead.");
  }
  const dtype: DType = !floating && op.keepsInt !== true ? "float32" : x.dtype;
  const out = allocate(dtype, x._values.length);
  op.kernel(x._values, out);
  return new Tensor(out, x.shape, dtype);
}

/** f(x) for a unary op of the table, recorded with its gradient spec. */
export function unary(x: Tensor, kind: UnaryName): Tensor {
  const out = unaryValues(kind, x);
  if (!wants(x)) return out;
  // Each formula needs the input, the output or neither; save just that one.
  const saves = UNARY_OPS[kind].saves;
  return record(out, G.UNARY[kind], [x], () => (saves === "result" ? { result: out } : saves === "self" ? { self: x } : {}));
}

export function neg(x: Tensor): Tensor {
  return unary(x, "neg");
}

/** sign(x): its gradient is zero everywhere, but PyTorch still records SignBackward0. */
export function sign(x: Tensor): Tensor {
  return unary(x, "sign");
}

/** f(a, b) for a binary op of the table (tensor ∘ tensor, broadcasting), recorded with its spec. */
export function binary(a: Tensor, b: Tensor, kind: BinaryName): Tensor {
  if (!(b instanceof Tensor)) throw new TypeError(`${kind}: other must be a Tensor, got ${b === null ? "null" : typeof b}.`);
  const shape = broadcastShapes(a.shape, b.shape, kind);
  let dtype = resultType(a, b);
  if (!isFloating(dtype)) dtype = "float32";
  const x = shapeEquals(a.shape, shape) && a.dtype === dtype ? a._values : expandData(a, shape, dtype);
  const y = shapeEquals(b.shape, shape) && b.dtype === dtype ? b._values : expandData(b, shape, dtype);
  const out = allocate(dtype, x.length);
  BINARY_OPS[kind].kernel(x, y, out);
  const t = new Tensor(out, shape, dtype);
  if (!wants(a, b)) return t;
  return record(t, G.BINARY[kind], [a, b], () => ({ self: a, other: b, result: t }));
}

// ---- clamp / where / comparisons ----------------------------------------------------------------

export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) throw new TypeError("clamp: at least one of min or max must not be undefined.");
  for (const [v, w] of [[min, "min"], [max, "max"]] as const) {
    if (v !== undefined && typeof v !== "number") throw new TypeError(`clamp: ${w} must be a number, got ${typeof v}.`);
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const a = x._values;
  const out = allocate(x.dtype, a.length);
  const n = a.length;
  // One comparison per element when one bound is open (clamp(0) is a ReLU). NaN stays NaN.
  if (hi === Infinity) for (let i = 0; i < n; i++) { const v = a[i]!; out[i] = v < lo ? lo : v; }
  else if (lo === -Infinity) for (let i = 0; i < n; i++) { const v = a[i]!; out[i] = v > hi ? hi : v; }
  else for (let i = 0; i < n; i++) { const v = a[i]!; out[i] = v < lo ? lo : v > hi ? hi : v; }
  // libtorch: clamp with scalar bounds is ClampBackward1.
  return record(new Tensor(out, x.shape, x.dtype), G.ClampBackward1, [x], () => ({ self: x, min: min ?? null, max: max ?? null }));
}

export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(condition instanceof Tensor)) throw new TypeError("where: condition must be a Tensor (non-zero means true).");
  checkOperand(a, "where", "input");
  checkOperand(b, "where", "other");
  const dt = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : "float32";
  const at = a instanceof Tensor ? a : new Tensor(allocate(dt, 1).fill(a), [], dt);
  const bt = b instanceof Tensor ? b : new Tensor(allocate(dt, 1).fill(b), [], dt);
  const shape = broadcastShapes(broadcastShapes(condition.shape, at.shape, "where"), bt.shape, "where");
  const dtype = resultType(at, bt);
  const c = expandData(condition, shape);
  const x = expandData(at, shape, dtype);
  const y = expandData(bt, shape, dtype);
  for (let i = 0; i < x.length; i++) if (c[i] === 0) x[i] = y[i]!;
  const mask = new Tensor(c, shape, condition.dtype);
  return record(new Tensor(x, shape, dtype), G.WhereBackward0, [at, bt], () => ({ condition: mask }));
}

/** The dtype comparisons and value tests (isnan, isclose, all …) give. */
export function compareResultDType(): DType {
  return "bool";
}

/** A bool tensor, as PyTorch's comparisons. Never recorded. */
export function compare(a: Tensor, b: TensorOrScalar, kind: CompareKind): Tensor {
  checkOperand(b, kind, "other");
  const bt = typeof b === "number" ? new Tensor(allocate(a.dtype, 1).fill(b), [], a.dtype) : b;
  const shape = broadcastShapes(a.shape, bt.shape, kind);
  const x = shapeEquals(a.shape, shape) ? a._values : expandData(a, shape);
  const y = bt.numel() === 1 ? null : shapeEquals(bt.shape, shape) ? bt._values : expandData(bt, shape);
  const s = bt.numel() === 1 ? bt.item() : 0;
  const out = allocate("bool", x.length);
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y === null ? s : y[i]!;
    let r: boolean;
    switch (kind) {
      case "gt": r = u > v; break;
      case "lt": r = u < v; break;
      case "ge": r = u >= v; break;
      case "le": r = u <= v; break;
      case "eq": r = u === v; break;
      case "ne": r = u !== v; break;
    }
    out[i] = r ? 1 : 0;
  }
  return new Tensor(out, shape, "bool");
}

// ---- copies and conversions ---------------------------------------------------------------------

export function toDType(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = allocate(dtype, x._values.length);
  if (isFloating(dtype)) out.set(x._values);
  else for (let i = 0; i < out.length; i++) out[i] = castValue(dtype, x._values[i]!);
  const t = new Tensor(out, x.shape, dtype);
  // An integer or bool result is not differentiable (PyTorch's cast to int gives a plain tensor).
  return isFloating(dtype) ? record(t, G.ToCopyBackward0, [x], () => ({ dtype: x.dtype })) : t;
}

export function clone(x: Tensor): Tensor {
  return record(new Tensor(x._values.slice(), x.shape, x.dtype), G.CloneBackward0, [x], () => ({}));
}

/**
 * Sum a broadcast gradient back to `shape`: over the leading dims broadcasting added and over the
 * dims where `shape` has size 1. The single place where broadcasting is undone (the engine calls it).
 */
export function sumTo(g: Tensor, shape: Shape, op: string): Tensor {
  if (shapeEquals(g.shape, shape)) return g;
  // The common case in a backward pass without createGraph — a bias [n] or [1, n] added to a batch
  // [b, n] — is column sums over g's contiguous rows: one pass, one allocation.
  if (!isGradEnabled() && g._flat !== null && shape.length <= g.shape.length && isTrailingRow(shape, g.shape)) {
    const n = numel(shape);
    if (n > 0 && n === g.shape[g.shape.length - 1]) return new Tensor(sumOneDim(g._flat, [g._flat.length / n, n], 0), shape, g.dtype);
  }
  const lead = g.shape.length - shape.length;
  if (lead < 0) throw new RangeError(`${op}: gradient of shape [${g.shape.join(", ")}] cannot be summed to [${shape.join(", ")}].`);
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new RangeError(`${op}: gradient of shape [${g.shape.join(", ")}] cannot be summed to [${shape.join(", ")}].`);
    }
  }
  const r = dims.length > 0 ? sum(g, dims, true) : g;
  return shapeEquals(r.shape, shape) ? r : reshape(r, shape, "sumTo");
}

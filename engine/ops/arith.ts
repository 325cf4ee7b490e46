// Arithmetic forms beyond the table's elementwise ops: rsub, a number raised to a tensor
// (torch.pow(2, t)), lerp; and the value tests isnan/isfinite/isclose/allclose/equal/all/any.
import { Tensor, type TensorOrScalar } from "../tensor";
import { allocate, isFloating, type DType } from "../dtype";
import { broadcastShapes, numel, shapeEquals } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/arith";
import { binaryValues, compareResultDType, expandData } from "./elementwise";
import { statDims } from "./stats";

function checkTensor(x: unknown, op: string, what = "input"): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}.`);
}

/** other − input (alpha · input): torch.rsub(input, other). RsubBackward1 for a number, RsubBackward0 for a tensor. */
export function rsub(input: Tensor, other: TensorOrScalar, alpha = 1): Tensor {
  checkTensor(input, "rsub");
  if (typeof other === "number") {
    const out = binaryValues("sub", alpha === 1 ? input : binaryValues("mul", input, alpha, "rsub"), other, "rsub");
    const neg = binaryValues("mul", out, -1, "rsub");
    return record(neg, G.RsubBackward1, [input], () => ({ other, alpha }));
  }
  checkTensor(other, "rsub", "other");
  const out = binaryValues("sub", other, alpha === 1 ? input : binaryValues("mul", input, alpha, "rsub"), "rsub");
  return record(out, G.RsubBackward0, [input, other], () => ({ alpha }));
}

/** base ** exponent for a number base (torch.pow(2, t)): PowBackward2. */
export function powScalarBase(base: number, exponent: Tensor): Tensor {
  checkTensor(exponent, "pow", "exponent");
  const dtype: DType = isFloating(exponent.dtype) ? exponent.dtype : Number.isInteger(base) ? exponent.dtype : "float32";
  const e = exponent._values;
  const out = allocate(dtype, e.length);
  for (let i = 0; i < e.length; i++) out[i] = Math.pow(base, e[i]!);
  const result = new Tensor(out, exponent.shape, dtype);
  return record(result, G.PowBackward2, [exponent], () => ({ self: base, result }));
}

/** input + weight · (end − input): LerpBackward0 for a number weight, LerpBackward1 for a tensor. */
export function lerp(input: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  checkTensor(input, "lerp");
  checkTensor(end, "lerp", "end");
  if (typeof weight === "number") {
    const d = binaryValues("sub", end, input, "lerp");
    const out = binaryValues("add", input, binaryValues("mul", d, weight, "lerp"), "lerp");
    return record(out, G.LerpBackward0, [input, end], () => ({ weight }));
  }
  checkTensor(weight, "lerp", "weight");
  const d = binaryValues("sub", end, input, "lerp");
  const out = binaryValues("add", input, binaryValues("mul", d, weight, "lerp"), "lerp");
  return record(out, G.LerpBackward1, [input, end, weight], () => ({ self: input, end, weight }));
}

function test(x: Tensor, op: string, f: (v: number) => boolean): Tensor {
  checkTensor(x, op);
  const v = x._values;
  const out = allocate(compareResultDType(), v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]!) ? 1 : 0;
  return new Tensor(out, x.shape, compareResultDType());
}

export const isnan = (x: Tensor): Tensor => test(x, "isnan", (v) => v !== v);
export const isfinite = (x: Tensor): Tensor => test(x, "isfinite", Number.isFinite);
export const isinf = (x: Tensor): Tensor => test(x, "isinf", (v) => v === Infinity || v === -Infinity);

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/** |input − other| ≤ atol + rtol · |other| elementwise, with broadcasting (torch.isclose). */
export function isclose(input: Tensor, other: Tensor, options: CloseOptions = {}): Tensor {
  checkTensor(input, "isclose");
  checkTensor(other, "isclose", "other");
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  const shape = broadcastShapes(input.shape, other.shape, "isclose");
  const a = shapeEquals(input.shape, shape) ? input._values : expandData(input, shape);
  const b = shapeEquals(other.shape, shape) ? other._values : expandData(other, shape);
  const out = allocate(compareResultDType(), numel(shape));
  for (let i = 0; i < out.length; i++) {
    const u = a[i]!, v = b[i]!;
    if (u !== u || v !== v) out[i] = equalNan && u !== u && v !== v ? 1 : 0;
    else if (u === v) out[i] = 1;
    else out[i] = Number.isFinite(u) && Number.isFinite(v) && Math.abs(u - v) <= atol + rtol * Math.abs(v) ? 1 : 0;
  }
  return new Tensor(out, shape, compareResultDType());
}

/** True when every element is close (torch.allclose; a JavaScript boolean, as PyTorch returns a bool). */
export function allclose(input: Tensor, other: Tensor, options: CloseOptions = {}): boolean {
  return isclose(input, other, options)._values.every((v) => v !== 0);
}

/** True when both have the same shape and the same values (torch.equal; NaN ≠ NaN). */
export function equal(input: Tensor, other: Tensor): boolean {
  checkTensor(input, "equal");
  checkTensor(other, "equal", "other");
  if (!shapeEquals(input.shape, other.shape)) return false;
  const a = input._values, b = other._values;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function allAny(x: Tensor, dim: number | undefined, keepdim: boolean, op: "all" | "any"): Tensor {
  checkTensor(x, op);
  const dims = statDims(x, dim, op);
  // Non-zero → 1, then the min (all) or max (any) over dims: the reductions of ops/stats.ts.
  const nz = new Tensor(Float64Array.from(x._values, (v) => (v !== 0 ? 1 : 0)), x.shape, "float64");
  const shape = x.shape.filter((_, i) => !dims.includes(i) || keepdim).map((s, i) => (keepdim && dims.includes(i) ? 1 : s));
  const n = numel(shape);
  const out = allocate(compareResultDType(), n);
  let inner = 1;
  for (const d of dims) inner *= x.shape[d]!;
  const perm = [...x.shape.map((_, i) => i).filter((i) => !dims.includes(i)), ...dims];
  const data = perm.every((p, i) => p === i) ? nz._values : nz.permute(perm)._values;
  for (let o = 0; o < n; o++) {
    let r = op === "all" ? 1 : 0;
    for (let i = 0; i < inner; i++) {
      const v = data[o * inner + i]!;
      if (op === "all" ? v === 0 : v !== 0) {
        r = op === "all" ? 0 : 1;
        break;
      }
    }
    out[o] = r;
  }
  return new Tensor(out, shape, compareResultDType());
}

/** Whether every element (along dim) is non-zero. */
export const all = (x: Tensor, dim?: number, keepdim = false): Tensor => allAny(x, dim, keepdim, "all");
/** Whether some element (along dim) is non-zero. */
export const any = (x: Tensor, dim?: number, keepdim = false): Tensor => allAny(x, dim, keepdim, "any");

/** Elementwise logical ops on truthiness (non-zero is true), giving bool tensors, with broadcasting. */
export function logical(a: Tensor, b: Tensor | null, kind: "not" | "and" | "or" | "xor"): Tensor {
  const op = `logical${kind[0]!.toUpperCase()}${kind.slice(1)}`;
  checkTensor(a, op);
  if (b === null) {
    const v = a._values;
    const out = allocate("bool", v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] === 0 ? 1 : 0;
    return new Tensor(out, a.shape, "bool");
  }
  checkTensor(b, op, "other");
  const shape = broadcastShapes(a.shape, b.shape, op);
  const x = shapeEquals(a.shape, shape) ? a._values : expandData(a, shape);
  const y = shapeEquals(b.shape, shape) ? b._values : expandData(b, shape);
  const out = allocate("bool", numel(shape));
  for (let i = 0; i < out.length; i++) {
    const u = x[i] !== 0, v = y[i] !== 0;
    out[i] = (kind === "and" ? u && v : kind === "or" ? u || v : u !== v) ? 1 : 0;
  }
  return new Tensor(out, shape, "bool");
}

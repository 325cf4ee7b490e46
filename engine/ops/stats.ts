// Reductions beyond sum/mean/max/min: amax/amin, logsumexp, var/std (correction), prod, the vector
// norm (norm, linalg.vectorNorm, dist), and the scans cumsum/cumprod. Each computes its values in
// plain loops (no graph) and records one node with PyTorch's grad_fn name (gradients/stats.ts),
// whose derivative is written in tensor ops so double backward works.
import { Tensor } from "../tensor";
import { allocate, isFloating, type Storage } from "../dtype";
import { normalizeDim } from "../shape";
import { record } from "../autograd/record";
import { withGradMode } from "../grad_mode";
import * as G from "../gradients/stats";
import { permute } from "./shape_ops";
import { sub } from "./elementwise";
import { reducedShape } from "./reduce";

/** Normalised, sorted, de-duplicated dims; undefined (or an empty list) means all. */
export function statDims(x: Tensor, dim: number | readonly number[] | undefined, op: string): number[] {
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return x.shape.map((_, i) => i);
  const list = typeof dim === "number" ? [dim] : dim;
  if (!Array.isArray(list)) throw new TypeError(`${op}: dim must be a number or an array of numbers.`);
  const set = new Set<number>();
  for (const d of list) {
    if (typeof d !== "number") throw new TypeError(`${op}: dim must be a number or an array of numbers.`);
    const n = normalizeDim(d, x.shape.length, op);
    if (set.has(n)) throw new RangeError(`${op}: dim ${n} appears multiple times in the list of dims.`);
    set.add(n);
  }
  // A 0-dim tensor accepts dim 0 / -1 (as PyTorch does) but has no dim to reduce.
  return x.shape.length === 0 ? [] : [...set].sort((a, b) => a - b);
}

/** The values with the reduced dims moved last: one contiguous row of `inner` values per output element. */
function rows(x: Tensor, dims: readonly number[]): { data: Storage; outer: number; inner: number } {
  let inner = 1;
  for (const d of dims) inner *= x.shape[d]!;
  const outer = inner === 0 ? x.shape.filter((_, i) => !dims.includes(i)).reduce((p, v) => p * v, 1) : x.numel() / inner;
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const perm = [...kept, ...dims];
  const inOrder = perm.every((p, i) => p === i);
  const data = inOrder ? x._values : withGradMode(false, () => permute(x, perm)._values);
  return { data, outer, inner };
}

function floatInput(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor.`);
  if (!isFloating(x.dtype)) {
    throw new TypeError(`${op}: expected a floating point tensor, got ${x.dtype}. Convert first: x.float().${op}(…).`);
  }
}

type Kind = "amax" | "amin" | "logsumexp" | "prod";

function reduceRows(x: Tensor, dims: readonly number[], kind: Kind): Storage {
  const { data, outer, inner } = rows(x, dims);
  const out = allocate(x.dtype, outer);
  for (let o = 0; o < outer; o++) {
    const at = o * inner;
    let r: number;
    switch (kind) {
      case "amax":
      case "amin": {
        if (inner === 0) throw new RangeError(`${kind}: Expected reduction dim to have non-zero size.`);
        r = data[at]!;
        for (let i = 1; i < inner && r === r; i++) {
          const v = data[at + i]!;
          if (v !== v || (kind === "amax" ? v > r : v < r)) r = v;
        }
        break;
      }
      case "logsumexp": {
        let m = -Infinity;
        for (let i = 0; i < inner; i++) if (data[at + i]! > m || data[at + i]! !== data[at + i]!) m = data[at + i]!;
        if (m !== m || m === Infinity || m === -Infinity) {
          r = m;
          break;
        }
        let s = 0;
        for (let i = 0; i < inner; i++) s += Math.exp(data[at + i]! - m);
        r = m + Math.log(s);
        break;
      }
      case "prod": {
        r = 1;
        for (let i = 0; i < inner; i++) r *= data[at + i]!;
        break;
      }
    }
    out[o] = r;
  }
  return out;
}

/** Largest value over dims (all when omitted); the gradient is shared evenly among ties. */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extreme(x, dim, keepdim, "amax");
}
export function amin(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extreme(x, dim, keepdim, "amin");
}
function extreme(x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean, kind: "amax" | "amin"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${kind}: expected a Tensor.`);
  const dims = statDims(x, dim, kind);
  const out = new Tensor(reduceRows(x, dims, kind), reducedShape(x.shape, dims, keepdim), x.dtype);
  return record(out, kind === "amax" ? G.AmaxBackward0 : G.AminBackward0, [x], () => ({ self: x, result: out, dims, keepdim }));
}

/** log Σ exp(x) over dims, computed stably (the max is taken out first). */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  floatInput(x, "logsumexp");
  if (dim === undefined) throw new TypeError("logsumexp: dim is required (PyTorch has no default), e.g. x.logsumexp(0).");
  const dims = statDims(x, dim, "logsumexp");
  const out = new Tensor(reduceRows(x, dims, "logsumexp"), reducedShape(x.shape, dims, keepdim), x.dtype);
  return record(out, G.LogsumexpBackward0, [x], () => ({ self: x, result: out, dims, keepdim }));
}

/** Product over all elements (ProdBackward0) or along one dim (ProdBackward1). */
export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("prod: expected a Tensor.");
  if (dim !== undefined && typeof dim !== "number") throw new TypeError("prod: dim must be a single number (PyTorch's prod takes one dim).");
  const dims = statDims(x, dim, "prod");
  const dtype = isFloating(x.dtype) ? x.dtype : "int64";
  const vals = reduceRows(x, dims, "prod");
  const out = new Tensor(dtype === x.dtype ? vals : Float64Array.from(vals), reducedShape(x.shape, dims, dim === undefined ? false : keepdim), dtype);
  if (dim === undefined) return record(out, G.ProdBackward0, [x], () => ({ self: x, result: out }));
  return record(out, G.ProdBackward1, [x], () => ({ self: x, result: out, dims, keepdim }));
}

export interface VarOptions {
  /** Bessel's correction: the divisor is N − correction (default 1; 0 for the population variance). */
  correction?: number;
  keepdim?: boolean;
}

function varValues(x: Tensor, dims: readonly number[], correction: number): { v: Storage; n: number } {
  const { data, outer, inner } = rows(x, dims);
  const out = allocate(x.dtype, outer);
  for (let o = 0; o < outer; o++) {
    const at = o * inner;
    let mean = 0;
    for (let i = 0; i < inner; i++) mean += data[at + i]!;
    mean /= inner;
    let ss = 0;
    for (let i = 0; i < inner; i++) {
      const d = data[at + i]! - mean;
      ss += d * d;
    }
    out[o] = ss / Math.max(0, inner - correction);
  }
  return { v: out, n: inner };
}

function varArgs(x: Tensor, dim: number | readonly number[] | VarOptions | undefined, options: VarOptions | undefined, op: string) {
  floatInput(x, op);
  let o = options ?? {};
  let d: number | readonly number[] | undefined;
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) o = dim as VarOptions;
  else d = dim as number | readonly number[] | undefined;
  const correction = o.correction ?? 1;
  if (typeof correction !== "number" || !Number.isFinite(correction)) throw new TypeError(`${op}: correction must be a number.`);
  return { dims: statDims(x, d, op), correction, keepdim: o.keepdim ?? false };
}

/** Variance over dims (all when omitted) with Bessel's correction (VarBackward0). */
export function variance(x: Tensor, dim?: number | readonly number[] | VarOptions, options?: VarOptions): Tensor {
  const { dims, correction, keepdim } = varArgs(x, dim, options, "var");
  const { v, n } = varValues(x, dims, correction);
  const out = new Tensor(v, reducedShape(x.shape, dims, keepdim), x.dtype);
  return record(out, G.VarBackward0, [x], () => ({ self: x, result: out, dims, keepdim, correction, n }));
}

/** Standard deviation: √var (StdBackward0). */
export function std(x: Tensor, dim?: number | readonly number[] | VarOptions, options?: VarOptions): Tensor {
  const { dims, correction, keepdim } = varArgs(x, dim, options, "std");
  const { v, n } = varValues(x, dims, correction);
  for (let i = 0; i < v.length; i++) v[i] = Math.sqrt(v[i]!);
  const out = new Tensor(v, reducedShape(x.shape, dims, keepdim), x.dtype);
  return record(out, G.StdBackward0, [x], () => ({ self: x, result: out, dims, keepdim, correction, n }));
}

/** p as PyTorch takes it: a number, Infinity/-Infinity, or the strings "fro" (= 2), "inf", "-inf". */
function normOrd(p: unknown, op: string): number {
  if (p === undefined || p === null || p === "fro") return 2;
  if (p === "inf") return Infinity;
  if (p === "-inf") return -Infinity;
  if (typeof p !== "number" || p !== p) throw new TypeError(`${op}: ord must be a number (or Infinity, -Infinity, "fro"), got ${JSON.stringify(p)}.`);
  return p;
}

/** The vector p-norm over dims (all when omitted): (Σ|x|^p)^(1/p), max|x| for p = ∞. */
export function vectorNorm(x: Tensor, ord: number | string = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  floatInput(x, "vectorNorm");
  const p = normOrd(ord, "vectorNorm");
  const dims = statDims(x, dim ?? undefined, "vectorNorm");
  const { data, outer, inner } = rows(x, dims);
  const out = allocate(x.dtype, outer);
  for (let o = 0; o < outer; o++) {
    const at = o * inner;
    let r = 0;
    if (p === Infinity) for (let i = 0; i < inner; i++) r = Math.max(r, Math.abs(data[at + i]!));
    else if (p === -Infinity) {
      r = Infinity;
      for (let i = 0; i < inner; i++) r = Math.min(r, Math.abs(data[at + i]!));
    } else if (p === 0) for (let i = 0; i < inner; i++) r += data[at + i]! !== 0 ? 1 : 0;
    else if (p === 2) {
      for (let i = 0; i < inner; i++) r += data[at + i]! * data[at + i]!;
      r = Math.sqrt(r);
    } else if (p === 1) for (let i = 0; i < inner; i++) r += Math.abs(data[at + i]!);
    else {
      for (let i = 0; i < inner; i++) r += Math.pow(Math.abs(data[at + i]!), p);
      r = Math.pow(r, 1 / p);
    }
    out[o] = r;
  }
  const result = new Tensor(out, reducedShape(x.shape, dims, keepdim), x.dtype);
  return record(result, G.LinalgVectorNormBackward0, [x], () => ({ self: x, result, dims, keepdim, p }));
}

/** x.norm(p, dim, keepdim): in PyTorch 2.x torch.norm calls linalg.vector_norm (LinalgVectorNormBackward0). */
export function norm(x: Tensor, p: number | string = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  return vectorNorm(x, p, dim, keepdim);
}

/** ‖a − b‖_p with broadcasting (DistBackward0). */
export function dist(a: Tensor, b: Tensor, p = 2): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("dist: expected two Tensors.");
  floatInput(a, "dist");
  const d = withGradMode(false, () => vectorNorm(sub(a, b), p));
  const ord = normOrd(p, "dist");
  return record(d, G.DistBackward0, [a, b], () => ({ self: a, other: b, result: d, p: ord }));
}

/** Running sum (CumsumBackward0) or product (CumprodBackward0) along dim. */
export function cumsum(x: Tensor, dim: number): Tensor {
  return scan(x, dim, "cumsum");
}
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan(x, dim, "cumprod");
}
function scan(x: Tensor, dim: number, kind: "cumsum" | "cumprod"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${kind}: expected a Tensor.`);
  if (typeof dim !== "number") throw new TypeError(`${kind}: dim is required (a number), e.g. x.${kind}(0).`);
  const d = normalizeDim(dim, x.shape.length, kind);
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  let inner = 1;
  for (let i = d + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  const src = x._values;
  const dtype = isFloating(x.dtype) ? x.dtype : "int64";
  const out = allocate(dtype, src.length);
  const outer = size * inner === 0 ? 0 : src.length / (size * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let acc = kind === "cumsum" ? 0 : 1;
      for (let s = 0; s < size; s++) {
        const at = base + s * inner + i;
        acc = kind === "cumsum" ? acc + src[at]! : acc * src[at]!;
        out[at] = acc;
      }
    }
  }
  const result = new Tensor(out, x.shape, dtype);
  if (kind === "cumsum") return record(result, G.CumsumBackward0, [x], () => ({ dim: d }));
  return record(result, G.CumprodBackward0, [x], () => ({ self: x, result, dim: d }));
}

// Reductions: sum, mean, max/min (whole tensor or along a dim), argmax/argmin.
import { Tensor } from "../tensor";
import { allocate, isFloating, scalarTypeName, type Storage } from "../dtype";
import { normalizeDim, type Shape } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/reduce";
import { gatherFlat } from "./indexing";
import { valuesIndices, type ValuesIndices } from "./values_indices";

/** Normalised, sorted, de-duplicated dims; undefined means all. */
function reduceDims(x: Tensor, dim: number | readonly number[] | undefined, op: string): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === "number" ? [dim] : dim;
  if (!Array.isArray(list)) throw new TypeError(`${op}: dim must be a number or an array of numbers.`);
  const set = new Set<number>();
  for (const d of list) {
    const n = normalizeDim(d, x.shape.length, op);
    if (set.has(n)) throw new RangeError(`${op}: dim ${n} appears multiple times in the list of dims.`);
    set.add(n);
  }
  return [...set].sort((a, b) => a - b);
}

/** @internal The shape after reducing `dims` (kept as 1s with keepdim); also ops/stats.ts's. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepdim) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** @internal Sum of contiguous `data` (shaped `shape`) over one dim, as outer × size × inner (also sumTo's bias-row path). */
export function sumOneDim(data: Storage, shape: Shape, dim: number): Storage {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape[dim]!;
  const out = allocate(data instanceof Float32Array ? "float32" : "float64", outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    const ob = o * inner;
    for (let s = 0; s < size; s++) {
      const row = base + s * inner;
      for (let i = 0; i < inner; i++) out[ob + i]! += data[row + i]!;
    }
  }
  return out;
}

/** Values of the sum over `dims` (sorted), laid out in keepdim order. */
function sumValues(x: Tensor, dims: readonly number[]): Storage {
  // `>=`: a 0-dim tensor reduced over dim 0 / -1 (which torch accepts) has dims [0] but no shape;
  // it is a whole-tensor sum of its one value (sumOneDim would read shape[0] = undefined and give 0).
  if (dims.length >= x.shape.length) {
    // Whole-tensor sum: accumulate in float64 for accuracy, four lanes for speed.
    const d = x._values;
    const n = d.length;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += d[i]!; s1 += d[i + 1]!; s2 += d[i + 2]!; s3 += d[i + 3]!;
    }
    for (; i < n; i++) s0 += d[i]!;
    const out = allocate(x.dtype, 1);
    out[0] = s0 + s1 + s2 + s3;
    return out;
  }
  let data: Storage = x._values;
  const shape = x.shape.slice();
  for (let k = dims.length - 1; k >= 0; k--) {
    data = sumOneDim(data, shape, dims[k]!);
    shape[dims[k]!] = 1;
  }
  return data;
}

export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = reduceDims(x, dim, "sum");
  const out = new Tensor(sumValues(x, dims), reducedShape(x.shape, dims, keepdim), isFloating(x.dtype) ? x.dtype : "int64");
  if (dim === undefined) return record(out, G.SumBackward0, [x], () => ({ selfShape: x.shape }));
  return record(out, G.SumBackward1, [x], () => ({ selfShape: x.shape, dims, keepdim }));
}

export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new TypeError(`mean: could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(x.dtype)}. Convert first: x.float().mean().`);
  }
  const dims = reduceDims(x, dim, "mean");
  let count = 1;
  for (const d of dims) count *= x.shape[d] ?? 1; // a 0-dim tensor's dim 0 counts 1 element (was NaN)
  const data = sumValues(x, dims);
  for (let i = 0; i < data.length; i++) data[i]! /= count;
  const out = new Tensor(data, reducedShape(x.shape, dims, keepdim), x.dtype);
  if (dim === undefined) return record(out, G.MeanBackward0, [x], () => ({ selfShape: x.shape, count }));
  return record(out, G.MeanBackward1, [x], () => ({ selfShape: x.shape, dims, keepdim, count }));
}

function emptyError(op: string): Error {
  return new RangeError(`${op}: Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
}

/** max()/min() over everything; the gradient is shared evenly among ties, as in torch. */
export function maxAll(x: Tensor, kind: "max" | "min"): Tensor {
  const d = x._values;
  if (d.length === 0) throw emptyError(kind);
  let best = d[0]!;
  for (let i = 1; i < d.length; i++) {
    const v = d[i]!;
    if (v !== v) { best = NaN; break; }
    if (kind === "max" ? v > best : v < best) best = v;
  }
  const out = allocate(x.dtype, 1);
  out[0] = best;
  const spec = kind === "max" ? G.MaxBackward1 : G.MinBackward1;
  return record(new Tensor(out, [], x.dtype), spec, [x], () => ({ self: x, result: best }));
}

/** Flat positions of the max/min along `dim`, in the reduced (keepdim) order. */
function extremePositions(x: Tensor, dim: number, kind: "max" | "min"): Int32Array {
  const shape = x.shape;
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape.length === 0 ? 1 : shape[dim]!;
  if (size === 0) throw new RangeError(`${kind}: cannot reduce over a dimension of size 0 (dim ${dim}).`);
  const pos = new Int32Array(outer * inner);
  const d = x._values;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bestAt = o * size * inner + i;
      let best = d[bestAt]!;
      for (let s = 1; s < size && best === best; s++) {
        const at = o * size * inner + s * inner + i;
        const v = d[at]!;
        if (v !== v || (kind === "max" ? v > best : v < best)) {
          best = v;
          bestAt = at;
        }
      }
      pos[o * inner + i] = bestAt;
    }
  }
  return pos;
}

export function maxDim(x: Tensor, dim: number, keepdim: boolean, kind: "max" | "min"): ValuesIndices {
  const dm = normalizeDim(dim, x.shape.length, kind);
  const pos = extremePositions(x, dm, kind);
  const shape = reducedShape(x.shape, x.shape.length === 0 ? [] : [dm], keepdim);
  const values = gatherFlat(x, pos, shape, kind === "max" ? G.MaxBackward0 : G.MinBackward0, { dim: dm, keepdim });
  return valuesIndices(values, positionsToIndices(pos, x.shape, dm, shape));
}

function positionsToIndices(pos: Int32Array, shape: Shape, dim: number, outShape: number[]): Tensor {
  let inner = 1;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape.length === 0 ? 1 : shape[dim]!;
  const idx = new Float64Array(pos.length);
  for (let k = 0; k < pos.length; k++) idx[k] = Math.floor(pos[k]! / inner) % size;
  return new Tensor(idx, outShape, "int64");
}

export function argExtreme(x: Tensor, dim: number | undefined, keepdim: boolean, kind: "max" | "min"): Tensor {
  const op = kind === "max" ? "argmax" : "argmin";
  if (dim === undefined) {
    if (x._values.length === 0) throw emptyError(op);
    const flat = new Tensor(x._values, [x._values.length], x.dtype);
    const pos = extremePositions(flat, 0, kind);
    return new Tensor(Float64Array.of(pos[0]!), keepdim ? x.shape.map(() => 1) : [], "int64");
  }
  const dm = normalizeDim(dim, x.shape.length, op);
  const pos = extremePositions(x, dm, kind);
  return positionsToIndices(pos, x.shape, dm, reducedShape(x.shape, x.shape.length === 0 ? [] : [dm], keepdim));
}

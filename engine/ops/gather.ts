// gather, scatter / scatterAdd (and their in-place forms), indexSelect, take, maskedSelect and the
// out-of-place maskedFill, as PyTorch has them. Each computes a table of flat positions once (one
// plain loop over the index), then copies through it; the gradients are in gradients/gather.ts.
import { Tensor, type NestedArray } from "../tensor";
import { allocate } from "../dtype";
import { formatShape, normalizeDim, numel, type Shape } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/gather";
import { MaskedFillBackward0 } from "../gradients/inplace";
import { gatherFlat, positionsAlong } from "./indexing";
import { tensor } from "./creation";
import { expandData } from "./elementwise";

export type IndexTensor = Tensor | NestedArray;

/** The index argument as an integer tensor: int64/int32 tensors, or (nested) arrays of integers. */
export function indexTensor(index: unknown, op: string): Tensor {
  if (Array.isArray(index) || typeof index === "number") return tensor(index as NestedArray, { dtype: "int64" });
  if (!(index instanceof Tensor)) throw new TypeError(`${op}: index must be an int64 Tensor or an array of integers, got ${index === null ? "null" : typeof index}.`);
  const dt = index.dtype as string;
  if (dt !== "int64" && dt !== "int32") {
    throw new TypeError(`${op}: Expected dtype int64 for index (got ${dt}); make it with torch.tensor(…, { dtype: "int64" }) or .to("int64").`);
  }
  return index;
}

function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d]!;
  }
  return st;
}

/**
 * For every element of an index of shape `indexShape` (row-major), its flat position in a
 * contiguous tensor of shape `target`: the same coordinates, except along `dim` (when ≥ 0) where
 * the index value is used instead.
 */
function positionsOf(target: Shape, indexShape: Shape, dim: number, idx: ArrayLike<number> | null): Int32Array {
  const nd = indexShape.length;
  const ts = contiguousStrides(target);
  const n = numel(indexShape);
  const out = new Int32Array(n);
  const coord = new Array<number>(nd).fill(0);
  const dimStride = dim >= 0 && nd > 0 ? ts[dim]! : 0;
  let base = 0;
  for (let i = 0; i < n; i++) {
    out[i] = idx === null ? base : base + idx[i]! * dimStride;
    for (let d = nd - 1; d >= 0; d--) {
      coord[d]!++;
      if (d !== dim) base += ts[d]!;
      if (coord[d]! < indexShape[d]!) break;
      if (d !== dim) base -= ts[d]! * coord[d]!;
      coord[d] = 0;
    }
  }
  return out;
}

function checkIndexValues(idx: ArrayLike<number>, size: number, dim: number, op: string, allowNegative = false): ArrayLike<number> {
  let copy: Float64Array | null = null;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < (allowNegative ? -size : 0) || v >= size || !Number.isInteger(v)) {
      throw new RangeError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}.`);
    }
    if (v < 0) (copy ??= Float64Array.from(idx))[i] = v + size;
  }
  return copy ?? idx;
}

function checkSameRank(x: Tensor, index: Tensor, op: string): void {
  if (Math.max(index.shape.length, 1) !== Math.max(x.shape.length, 1)) {
    throw new RangeError(`${op}: Index tensor must have the same number of dimensions as ${op === "gather" ? "input" : "self"} tensor (index ${formatShape(index.shape)}, ${op === "gather" ? "input" : "self"} ${formatShape(x.shape)}).`);
  }
}

/** out[i][j] = x[i][index[i][j]] (dim 1), and so on: torch.gather (GatherBackward0). */
export function gather(x: Tensor, dim: number, indexArg: IndexTensor): Tensor {
  const index = indexTensor(indexArg, "gather");
  checkSameRank(x, index, "gather");
  const nd = Math.max(x.shape.length, 1);
  const d = normalizeDim(dim, nd, "gather");
  const xs = x.shape.length === 0 ? [1] : x.shape;
  const is = index.shape.length === 0 ? [1] : index.shape;
  for (let k = 0; k < nd; k++) {
    if (k !== d && is[k]! > xs[k]!) {
      throw new RangeError(`gather: Size does not match at dimension ${k} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(x.shape)} apart from dimension ${d}.`);
    }
  }
  const idx = checkIndexValues(index._values, xs[d]!, d, "gather");
  const map = positionsOf(xs, is, d, idx);
  return gatherFlat(x, map, index.shape, G.GatherBackward0, { dim: d });
}

interface ScatterPlan {
  d: number;
  map: Int32Array;
  srcMap: Int32Array | null;
}

function planScatter(x: Tensor, dim: number, index: Tensor, src: Tensor | null, op: string): ScatterPlan {
  checkSameRank(x, index, op);
  const nd = Math.max(x.shape.length, 1);
  const d = normalizeDim(dim, nd, op);
  const xs = x.shape.length === 0 ? [1] : x.shape;
  const is = index.shape.length === 0 ? [1] : index.shape;
  const ss = src === null ? null : src.shape.length === 0 ? [1] : src.shape;
  if (ss !== null && ss.length !== is.length) {
    throw new RangeError(`${op}: Index tensor must have the same number of dimensions as src tensor (index ${formatShape(index.shape)}, src ${formatShape(src!.shape)}).`);
  }
  for (let k = 0; k < nd; k++) {
    if ((k !== d && is[k]! > xs[k]!) || (ss !== null && is[k]! > ss[k]!)) {
      throw new RangeError(
        `${op}: Expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(x.shape)} apart from dimension ${d}` +
          (ss !== null ? ` and to be smaller size than src ${formatShape(src!.shape)}.` : "."),
      );
    }
  }
  const idx = checkIndexValues(index._values, xs[d]!, d, op);
  const map = positionsOf(xs, is, d, idx);
  const same = ss === null || ss.every((s, k) => s === is[k]);
  return { d, map, srcMap: same ? null : positionsOf(ss, is, -1, null) };
}

/**
 * A copy of x with src's values (or `value`) written at index along dim: torch.scatter
 * (ScatterBackward0 with a tensor src, ScatterBackward1 with a number).
 */
export function scatter(x: Tensor, dim: number, indexArg: IndexTensor, src: Tensor | number): Tensor {
  const index = indexTensor(indexArg, "scatter");
  if (!(src instanceof Tensor) && typeof src !== "number") throw new TypeError("scatter: src must be a Tensor or a number (value).");
  const srcT = src instanceof Tensor ? src : null;
  const { d, map, srcMap } = planScatter(x, dim, index, srcT, "scatter");
  const out = allocate(x.dtype, x.numel());
  out.set(x._values);
  const keep = allocate(x.dtype === "float64" ? "float64" : "float32", x.numel()).fill(1);
  const sv = srcT === null ? null : srcT._values;
  for (let i = 0; i < map.length; i++) {
    out[map[i]!] = sv === null ? (src as number) : sv[srcMap === null ? i : srcMap[i]!]!;
    keep[map[i]!] = 0;
  }
  const result = new Tensor(out, x.shape, x.dtype);
  const saved = () => ({ keep: new Tensor(keep, x.shape, keep instanceof Float64Array ? "float64" : "float32"), map, indexShape: index.shape, srcMap, srcShape: srcT?.shape ?? [], dim: d, value: srcT === null ? (src as number) : undefined });
  if (srcT === null) return record(result, G.ScatterBackward1, [x], saved);
  return record(result, G.ScatterBackward0, [x, srcT], saved);
}

/** A copy of x with src's values added at index along dim (repeats add up): torch.scatter_add (ScatterAddBackward0). */
export function scatterAdd(x: Tensor, dim: number, indexArg: IndexTensor, src: Tensor): Tensor {
  const index = indexTensor(indexArg, "scatterAdd");
  if (!(src instanceof Tensor)) throw new TypeError("scatterAdd: src must be a Tensor.");
  const { d, map, srcMap } = planScatter(x, dim, index, src, "scatterAdd");
  const out = allocate(x.dtype, x.numel());
  out.set(x._values);
  const sv = src._values;
  for (let i = 0; i < map.length; i++) out[map[i]!]! += sv[srcMap === null ? i : srcMap[i]!]!;
  return record(new Tensor(out, x.shape, x.dtype), G.ScatterAddBackward0, [x, src], () => ({ map, indexShape: index.shape, srcMap, srcShape: src.shape, dim: d }));
}

/** x's entries at the (1-D) index along dim: torch.index_select (IndexSelectBackward0). */
export function indexSelect(x: Tensor, dim: number, indexArg: IndexTensor): Tensor {
  const index = indexTensor(indexArg, "indexSelect");
  if (index.shape.length > 1) throw new RangeError(`indexSelect: Index is supposed to be a vector (got shape ${formatShape(index.shape)}).`);
  const xs = x.shape.length === 0 ? [1] : x.shape;
  const d = normalizeDim(dim, xs.length, "indexSelect");
  const idx = checkIndexValues(index._values, xs[d]!, d, "indexSelect");
  const shape = x.shape.slice();
  if (shape.length > 0) shape[d] = idx.length;
  return gatherFlat(x, positionsAlong(xs, d, idx), shape, G.IndexSelectBackward0, { dim: d });
}

/** x as a flat list, read at index (negative counts from the end); the result has index's shape: torch.take (TakeBackward0). */
export function take(x: Tensor, indexArg: IndexTensor): Tensor {
  const index = indexTensor(indexArg, "take");
  const n = x.numel();
  const idx = index._values;
  const map = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < -n || v >= n) throw new RangeError(`take: index ${v} out of range for tensor of size ${formatShape(x.shape)} (${n} elements).`);
    map[i] = v < 0 ? v + n : v;
  }
  return gatherFlat(x, map, index.shape, G.TakeBackward0, {});
}

/** The mask's values broadcast to x's shape (mask may have fewer dims or size-1 dims). */
function maskFor(x: Tensor, mask: unknown, op: string): ArrayLike<number> {
  if (!(mask instanceof Tensor)) throw new TypeError(`${op}: mask must be a Tensor (true or non-zero where selected), e.g. x.gt(0).`);
  const off = x.shape.length - mask.shape.length;
  if (off < 0 || mask.shape.some((s, i) => s !== 1 && s !== x.shape[i + off])) {
    throw new RangeError(`${op}: the mask of shape ${formatShape(mask.shape)} cannot be broadcast to the tensor's shape ${formatShape(x.shape)}.`);
  }
  return mask.shape.length === x.shape.length && mask.shape.every((s, i) => s === x.shape[i]) ? mask._values : expandData(mask, x.shape, "float64");
}

/** The elements of x where mask is true, as a 1-D tensor: torch.masked_select (MaskedSelectBackward0). */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  const m = maskFor(x, mask, "maskedSelect");
  let count = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) count++;
  const map = new Int32Array(count);
  for (let i = 0, k = 0; i < m.length; i++) if (m[i] !== 0) map[k++] = i;
  return gatherFlat(x, map, [count], G.MaskedSelectBackward0, {});
}

/** A copy of x with `value` where mask is true: torch.masked_fill (MaskedFillBackward0; a 0-dim tensor value: MaskedFillBackward1). */
export function maskedFill(x: Tensor, mask: Tensor, value: Tensor | number): Tensor {
  const m = maskFor(x, mask, "maskedFill");
  if (value instanceof Tensor && value.shape.length !== 0) {
    throw new RangeError(`maskedFill: only supports a 0-dimensional value tensor, but got tensor with ${value.shape.length} dimension(s).`);
  }
  if (!(value instanceof Tensor) && typeof value !== "number") throw new TypeError("maskedFill: value must be a number or a 0-dim Tensor.");
  const v = typeof value === "number" ? value : value.item();
  const src = x._values;
  const out = allocate(x.dtype, src.length);
  const keepDtype = x.dtype === "float64" ? "float64" : "float32";
  const keep = allocate(keepDtype, src.length);
  for (let i = 0; i < out.length; i++) {
    const on = m[i] !== 0;
    out[i] = on ? v : src[i]!;
    keep[i] = on ? 0 : 1;
  }
  const result = new Tensor(out, x.shape, x.dtype);
  const keepT = () => new Tensor(keep, x.shape, keepDtype);
  if (typeof value === "number") return record(result, MaskedFillBackward0, [x], () => ({ keep: keepT(), value }));
  return record(result, G.MaskedFillBackward1, [x, value], () => {
    const fill = allocate(keepDtype, keep.length);
    for (let i = 0; i < fill.length; i++) fill[i] = 1 - keep[i]!;
    return { keep: keepT(), fill: new Tensor(fill, x.shape, keepDtype) };
  });
}

// sort, argsort, topk, and max/min in their function forms (torch.max(x, 1) → values, indices).
// The values are a gather of x at the chosen positions (SortBackward0 / TopkBackward0: the gradient
// goes back to where each value came from); the indices are int64 and have no gradient.
import { Tensor } from "../tensor";
import { normalizeDim, type Shape } from "../shape";
import { gatherFlat } from "./indexing";
import { SortBackward0, TopkBackward0 } from "../gradients/sorting";
import { maxAll, maxDim } from "./reduce";
import * as ew from "./elementwise";


import { valuesIndices, type ValuesIndices } from "./values_indices";
export type { ValuesIndices } from "./values_indices";

/**
 * Per row along dim (outer × size × inner layout): the positions of the first `k` elements in
 * sorted order. NaN sorts above every number (PyTorch's order); ties keep their original order.
 */
function sortedPositions(x: Tensor, d: number, k: number, descending: boolean): { pos: Int32Array; idx: Float64Array } {
  const shape = x.shape.length === 0 ? [1] : x.shape;
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i]!;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape[d]!;
  const v = x._values;
  const pos = new Int32Array(outer * k * inner);
  const idx = new Float64Array(outer * k * inner);
  const order = new Array<number>(size);
  const row = new Float64Array(size);
  // NaN counts as +∞ (above everything) in both directions, as PyTorch sorts.
  const asc = (a: number, b: number): number => {
    const x1 = row[a]!, y1 = row[b]!;
    if (x1 !== x1) return y1 !== y1 ? a - b : 1;
    if (y1 !== y1) return -1;
    return x1 < y1 ? -1 : x1 > y1 ? 1 : a - b;
  };
  const desc = (a: number, b: number): number => {
    const x1 = row[a]!, y1 = row[b]!;
    if (x1 !== x1) return y1 !== y1 ? a - b : -1;
    if (y1 !== y1) return 1;
    return x1 > y1 ? -1 : x1 < y1 ? 1 : a - b;
  };
  const cmp = descending ? desc : asc;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      for (let s = 0; s < size; s++) {
        order[s] = s;
        row[s] = v[base + s * inner]!;
      }
      order.sort(cmp);
      for (let j = 0; j < k; j++) {
        const at = o * k * inner + j * inner + i;
        pos[at] = base + order[j]! * inner;
        idx[at] = order[j]!;
      }
    }
  }
  return { pos, idx };
}

function reducedTo(shape: Shape, d: number, k: number): number[] {
  if (shape.length === 0) return [];
  const out = shape.slice();
  out[d] = k;
  return out;
}

/** Sorted values along dim and the positions they came from (SortBackward0). */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  const d = normalizeDim(dim, Math.max(x.shape.length, 1), "sort");
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  const { pos, idx } = sortedPositions(x, d, size, descending);
  const shape = x.shape.slice();
  const values = gatherFlat(x, pos, shape, SortBackward0, { dim: d, descending });
  return valuesIndices(values, new Tensor(idx, shape, "int64"));
}

/** The positions that sort x along dim (int64). */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  const d = normalizeDim(dim, Math.max(x.shape.length, 1), "argsort");
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  return new Tensor(sortedPositions(x, d, size, descending).idx, x.shape.slice(), "int64");
}

/** The k largest (or smallest) values along dim, sorted, with their positions (TopkBackward0). */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  const d = normalizeDim(dim, Math.max(x.shape.length, 1), "topk");
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) throw new RangeError(`topk: selected index k (${k}) out of range: the dimension has size ${size}.`);
  void sorted; // the k values always come sorted (PyTorch allows either when sorted = false)
  const { pos, idx } = sortedPositions(x, d, k, largest);
  const shape = reducedTo(x.shape, d, k);
  const values = gatherFlat(x, pos, shape, TopkBackward0, { dim: d, k, largest });
  return valuesIndices(values, new Tensor(idx, shape, "int64"));
}

/**
 * torch.max / torch.min: of everything (a 0-dim tensor: MaxBackward1), along a dim (values and
 * indices: MaxBackward0), or elementwise with another tensor (torch.maximum: MaximumBackward0).
 */
export function extreme(kind: "max" | "min", x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
  if (!(x instanceof Tensor)) throw new TypeError(`torch.${kind}: input must be a Tensor.`);
  if (dimOrOther === undefined) return maxAll(x, kind);
  if (dimOrOther instanceof Tensor) return kind === "max" ? ew.maximum(x, dimOrOther) : ew.minimum(x, dimOrOther);
  if (typeof dimOrOther !== "number") throw new TypeError(`torch.${kind}: the second argument must be a dim (number) or another Tensor.`);
  return maxDim(x, dimOrOther, keepdim, kind);
}

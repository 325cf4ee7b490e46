// Structural ops: repeat, tile, repeatInterleave, flip, roll, split, chunk, unbind, tril, triu.
// The copies (repeat, flip, roll) compute a table of flat positions and gather through it; split,
// chunk and unbind return views (sharing storage, as PyTorch's); tril/triu zero a triangle.
import { Tensor } from "../tensor";
import { allocate, checkIndexTable } from "../dtype";
import { formatShape, normalizeDim, numel, type Shape } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/structural";
import { gatherFlat } from "./indexing";
import { indexSelect, indexTensor } from "./gather";
import { clone } from "./elementwise";
import { expand, flatten, recordStrided, unsqueeze, type Geometry } from "./shape_ops";

function intList(args: ReadonlyArray<number | readonly number[]>, op: string, what: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]).slice() : (args as number[]);
  list.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${op}: ${what} ${i} must be an integer, got ${String(v)}.`);
  });
  return list;
}

function stridesOfShape(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d]!;
  }
  return st;
}

/**
 * For every element of an output of shape `outShape` (row-major), the flat position it reads in a
 * contiguous source of shape `src` (same rank): coordinate c along dim d reads `at(d, c)`.
 */
function positionsBy(src: Shape, outShape: Shape, at: (d: number, c: number) => number): Int32Array {
  const nd = outShape.length;
  const st = stridesOfShape(src);
  // Per dim, the source offset of each output coordinate (tables, so the loop below only adds).
  const tables = outShape.map((n, d) => {
    const t = new Int32Array(n);
    for (let c = 0; c < n; c++) t[c] = at(d, c) * st[d]!;
    return t;
  });
  const n = numel(outShape);
  checkIndexTable(n);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const coord = new Array<number>(nd).fill(0);
  let off = 0;
  for (let d = 0; d < nd; d++) off += tables[d]![0]!;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = nd - 1; d >= 0; d--) {
      const t = tables[d]!;
      off -= t[coord[d]!]!;
      coord[d]!++;
      if (coord[d]! < outShape[d]!) {
        off += t[coord[d]!]!;
        break;
      }
      coord[d] = 0;
      off += t[0]!;
    }
  }
  return out;
}

/** x copied `sizes[d]` times along each dim (sizes may add leading dims): RepeatBackward0. */
export function repeat(x: Tensor, ...args: Array<number | readonly number[]>): Tensor {
  const sizes = intList(args, "repeat", "repeat size");
  if (sizes.length < x.shape.length) {
    throw new RangeError(`repeat: Number of dimensions of repeat dims (${sizes.length}) can not be smaller than number of dimensions of tensor (${x.shape.length}).`);
  }
  sizes.forEach((s, i) => {
    if (s < 0) throw new RangeError(`repeat: Trying to create tensor with negative dimension ${s} (repeat size ${i}).`);
  });
  const lead = sizes.length - x.shape.length;
  const src = [...new Array<number>(lead).fill(1), ...x.shape];
  const outShape = src.map((s, d) => s * sizes[d]!);
  const map = positionsBy(src, outShape, (d, c) => c % src[d]!);
  return gatherFlat(x, map, outShape, G.RepeatBackward0, { repeats: sizes });
}

/** torch.tile: repeat with ones prepended to `dims` when it is shorter than x's rank (RepeatBackward0). */
export function tile(x: Tensor, ...args: Array<number | readonly number[]>): Tensor {
  const dims = intList(args, "tile", "dim");
  const padded = dims.length < x.shape.length ? [...new Array<number>(x.shape.length - dims.length).fill(1), ...dims] : dims;
  return repeat(x, padded);
}

/**
 * Each element repeated `repeats` times along dim (x flattened first when dim is undefined). With a
 * number, as PyTorch 2.x builds it: unsqueeze → expand → clone → flatten; with a tensor of
 * per-element counts, one indexSelect (IndexSelectBackward0).
 */
export function repeatInterleave(x: Tensor, repeats: number | Tensor | readonly number[], dim?: number): Tensor {
  const input = dim === undefined ? flatten(x) : x;
  const d = normalizeDim(dim ?? 0, Math.max(input.shape.length, 1), "repeatInterleave");
  if (typeof repeats === "number") {
    if (!Number.isInteger(repeats) || repeats < 0) throw new RangeError(`repeatInterleave: Repeats must be non-negative integers, got ${repeats}.`);
    if (input.shape.length === 0) return repeatInterleave(flatten(input), repeats, 0);
    const u = unsqueeze(input, d + 1);
    const sizes = u.shape.slice();
    sizes[d + 1] = repeats;
    return flatten(clone(expand(u, sizes)), d, d + 1);
  }
  const r = indexTensor(repeats, "repeatInterleave");
  const size = input.shape.length === 0 ? 1 : input.shape[d]!;
  if (r.shape.length > 1) throw new RangeError("repeatInterleave: repeats must be 0-dim or 1-dim tensor.");
  const counts = r.numel() === 1 ? new Array<number>(size).fill(r._values[0]!) : Array.from(r._values);
  if (counts.length !== size) {
    throw new RangeError(`repeatInterleave: repeats must have the same size as input along dim, but got repeats.size(0) = ${counts.length} and input.size(${d}) = ${size}.`);
  }
  let total = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`repeatInterleave: repeats must be non-negative integers, got ${c}.`);
    total += c;
  }
  checkIndexTable(total);
  const idx: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) idx.push(i);
  });
  return indexSelect(input, d, idx);
}

/** x reversed along each of `dims` (FlipBackward0). */
export function flip(x: Tensor, ...args: Array<number | readonly number[]>): Tensor {
  const dims = intList(args, "flip", "dim").map((d) => normalizeDim(d, Math.max(x.shape.length, 1), "flip"));
  if (new Set(dims).size !== dims.length) throw new RangeError(`flip: dims has duplicates (${JSON.stringify(dims)}).`);
  const shape = x.shape;
  const map = positionsBy(shape, shape, (d, c) => (dims.includes(d) ? shape[d]! - 1 - c : c));
  return gatherFlat(x, map, shape, G.FlipBackward0, { dims });
}

/** x's elements shifted by `shifts` along `dims`, wrapping around; without dims, over the flattened tensor (RollBackward0). */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : shifts.slice();
  if (dims === undefined) {
    if (sh.length !== 1) throw new RangeError(`roll: shifts must have one element when dims is not given (got ${sh.length}).`);
    const n = x.numel();
    const s = n === 0 ? 0 : ((sh[0]! % n) + n) % n;
    const map = positionsBy([n], [n], (_d, c) => (c - s + n) % n);
    return gatherFlat(x, map, x.shape, G.RollBackward0, { shifts: sh, dims: [] });
  }
  const dl = (typeof dims === "number" ? [dims] : dims.slice()).map((d) => normalizeDim(d, Math.max(x.shape.length, 1), "roll"));
  if (dl.length !== sh.length) throw new RangeError(`roll: shifts and dimensions must align. shifts: ${sh.length}, dims: ${dl.length}.`);
  const shape = x.shape;
  const by = new Array<number>(shape.length).fill(0);
  dl.forEach((d, i) => {
    by[d] = by[d]! + sh[i]!;
  });
  const map = positionsBy(shape, shape, (d, c) => {
    const n = shape[d]!;
    return (((c - by[d]!) % n) + n) % n;
  });
  return gatherFlat(x, map, shape, G.RollBackward0, { shifts: sh, dims: dl });
}

function narrowView(x: Tensor, d: number, start: number, len: number, spec: typeof G.SplitBackward0, extra: Record<string, unknown>): Tensor {
  const f = (strides: readonly number[], offset: number): Geometry => {
    const shape = x.shape.slice();
    shape[d] = len;
    return { shape, strides: strides.slice(), offset: offset + (len > 0 ? start * strides[d]! : 0) };
  };
  return recordStrided(x, f, spec, { dim: d, start, end: start + len, ...extra });
}

/**
 * Views of x cut along dim: into pieces of `splitSize` (the last may be smaller; SplitBackward0) or
 * of the listed sizes (SplitWithSizesBackward0). PyTorch records one node with several outputs;
 * here each piece has its own node of that name (the gradient is the same).
 */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  if (x.shape.length === 0) throw new RangeError("split: split expects at least a 1-dimensional tensor.");
  const d = normalizeDim(dim, x.shape.length, "split");
  const size = x.shape[d]!;
  if (typeof splitSize === "number") {
    if (!Number.isInteger(splitSize) || splitSize < 0) throw new RangeError(`split: split_size must be a non-negative integer, got ${splitSize}.`);
    if (splitSize === 0 && size !== 0) throw new RangeError(`split: split_size can only be 0 if dimension size is 0, but got dimension size of ${size}.`);
    const n = splitSize === 0 ? 1 : Math.max(1, Math.ceil(size / splitSize));
    return Array.from({ length: n }, (_, i) => narrowView(x, d, i * splitSize, Math.min(splitSize, size - i * splitSize), G.SplitBackward0, { splitSize }));
  }
  const sizes = intList([splitSize], "split", "size");
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => s < 0) || total !== size) {
    throw new RangeError(`split: split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${JSON.stringify(sizes)}.`);
  }
  let start = 0;
  return sizes.map((len) => {
    const v = narrowView(x, d, start, len, G.SplitWithSizesBackward0, { splitSizes: sizes });
    start += len;
    return v;
  });
}

/** torch.chunk: split into `chunks` pieces of ceil(size / chunks) (fewer when that divides unevenly; SplitBackward0). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunk expects \`chunks\` to be greater than 0, got: ${chunks}.`);
  if (x.shape.length === 0) throw new RangeError("chunk: chunk expects at least a 1-dimensional tensor.");
  const d = normalizeDim(dim, x.shape.length, "chunk");
  const size = x.shape[d]!;
  if (size === 0) return split(x, new Array<number>(chunks).fill(0), d);
  return split(x, Math.ceil(size / chunks), d);
}

/** The slices of x along dim, each without that dim (views; UnbindBackward0). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  if (x.shape.length === 0) throw new RangeError("unbind: Dimension specified as 0 but tensor has no dimensions.");
  const d = normalizeDim(dim, x.shape.length, "unbind");
  return Array.from({ length: x.shape[d]! }, (_, i) => {
    const f = (strides: readonly number[], offset: number): Geometry => ({
      shape: x.shape.filter((_, k) => k !== d),
      strides: strides.filter((_, k) => k !== d),
      offset: offset + i * strides[d]!,
    });
    return recordStrided(x, f, G.UnbindBackward0, { dim: d, index: i });
  });
}

function triangle(x: Tensor, k: number, lower: boolean): Tensor {
  const op = lower ? "tril" : "triu";
  if (x.shape.length < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions (got shape ${formatShape(x.shape)}).`);
  if (!Number.isInteger(k)) throw new TypeError(`${op}: diagonal must be an integer, got ${k}.`);
  const rows = x.shape[x.shape.length - 2]!;
  const cols = x.shape[x.shape.length - 1]!;
  const src = x._values;
  const out = allocate(x.dtype, src.length);
  for (let o = 0; o < src.length; o += rows * cols) {
    for (let i = 0; i < rows; i++) {
      const row = o + i * cols;
      // lower keeps j ≤ i + k; upper keeps j ≥ i + k.
      const from = lower ? 0 : Math.max(0, Math.min(cols, i + k));
      const to = lower ? Math.max(0, Math.min(cols, i + k + 1)) : cols;
      for (let j = from; j < to; j++) out[row + j] = src[row + j]!;
    }
  }
  return record(new Tensor(out, x.shape, x.dtype), lower ? G.TrilBackward0 : G.TriuBackward0, [x], () => ({ diagonal: k }));
}

/** The lower triangle (j ≤ i + diagonal) of the last two dims, zeros above (TrilBackward0). */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, true);
}

/** The upper triangle (j ≥ i + diagonal) of the last two dims, zeros below (TriuBackward0). */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, false);
}

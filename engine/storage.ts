// Strided views over shared storage, as PyTorch has them: a tensor is (storage, offset, sizes,
// strides). Kernels read a tensor's values as one contiguous row-major array (`Tensor._values`):
// for a plain tensor that is its storage, for a contiguous view a subarray of it, and otherwise a
// copy gathered here (cached until the next in-place write anywhere). In-place ops write back
// through the strides with `writeStrided`.
import { allocate, type DType, type Storage } from "./dtype";
import { stridesOf, type Shape } from "./shape";
import type { NestedArray } from "./tensor";

/**
 * PyTorch's version counter: bumped by every in-place write, shared by a tensor, its views and
 * `detach()` (but not `._values`, whose writes autograd does not track). Saved tensors remember the
 * version they were saved at; backward compares.
 */
export class VersionCounter {
  value = 0;
  /**
   * Where the last in-place write happened, kept only while a node holds this tensor saved (an
   * Error: V8 captures the frames cheaply and formats them only if `.stack` is read).
   */
  lastWrite: Error | undefined = undefined;
  /** How many live nodes hold a tensor with this counter saved (released nodes give theirs back). */
  saves = 0;
}

/**
 * Incremented by every in-place write to any storage. A gathered copy of a strided view is valid
 * while this has not changed, so reading the same view twice does not gather twice.
 */
let writeEpoch = 0;
export function currentWriteEpoch(): number {
  return writeEpoch;
}
export function noteWrite(): void {
  writeEpoch++;
}

/** PyTorch's is_contiguous: strides are row-major, ignoring dims of size 1 (and empty tensors). */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = shape[i]!;
    if (n === 0) return true;
    if (n === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= n;
  }
  return true;
}

/**
 * Walk a strided view row by row (the last dim is the row): `row(start, o)` gets the storage index
 * of the row's first element and the row's position in row-major order. The one odometer every
 * strided read and write goes through. A 0-dim view is one row of one element.
 */
export function forEachRow(shape: readonly number[], strides: readonly number[], offset: number, row: (start: number, o: number) => void): void {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    row(offset, 0);
    return;
  }
  const last = nd - 1;
  const inner = shape[last]!;
  const idx = new Array<number>(nd).fill(0);
  let start = offset;
  for (let o = 0; o < n; o += inner) {
    row(start, o);
    for (let d = last - 1; d >= 0; d--) {
      idx[d]!++;
      start += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      start -= strides[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
}

/** The length and storage step of a view's rows (1 and 1 for a 0-dim view). */
function rowOf(shape: readonly number[], strides: readonly number[]): [number, number] {
  return shape.length === 0 ? [1, 1] : [shape[shape.length - 1]!, strides[strides.length - 1]!];
}

/** Gather the values of a strided view into a new contiguous array. */
export function gatherStrided(
  storage: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  dtype: DType,
): Storage {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  const out = allocate(dtype, n);
  const [inner, step] = rowOf(shape, strides);
  forEachRow(shape, strides, offset, (src, o) => {
    if (step === 1) out.set(storage.subarray(src, src + inner), o);
    else for (let j = 0; j < inner; j++) out[o + j] = storage[src + j * step]!;
  });
  return out;
}

/** Write contiguous `values` into the strided view (storage, offset, shape, strides). */
export function writeStrided(
  storage: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  values: ArrayLike<number>,
): void {
  const [inner, step] = rowOf(shape, strides);
  forEachRow(shape, strides, offset, (dst, o) => {
    for (let j = 0; j < inner; j++) storage[dst + j * step] = values[o + j]!;
  });
}

/** True when two elements of the view share one memory location (an expanded dim). */
export function hasInternalOverlap(shape: readonly number[], strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (strides[i] === 0 && shape[i]! > 1) return true;
  return false;
}

/**
 * The strides of `x.view(newShape)` when the view is possible without a copy, else null
 * (ATen's computeStride: dims of the old shape that are contiguous with each other may be split
 * and merged; others may not).
 */
export function viewStrides(
  oldShape: readonly number[],
  oldStrides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  // A 0-dim tensor views as any all-ones shape (ATen's computeStride).
  if (oldShape.length === 0) return new Array<number>(newShape.length).fill(1);
  let numel = 1;
  for (const s of oldShape) numel *= s;
  const newStrides = new Array<number>(newShape.length).fill(0);
  if (numel === 0) return stridesOf(newShape);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides.length > 0 ? oldStrides[oldStrides.length - 1]! : 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= oldShape[tensorD]!;
    // A chunk ends where the next (outer) dim is not contiguous with this one.
    if (tensorD === 0 || (oldShape[tensorD - 1] !== 1 && oldStrides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = oldStrides[tensorD - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/**
 * The values of a view as one contiguous array without copying, when its layout allows: the
 * storage itself, or a subarray of it. Null for a strided view (then it must be gathered).
 */
export function flatOf(storage: Storage, offset: number, shape: readonly number[], strides: readonly number[]): Storage | null {
  if (!isContiguousLayout(shape, strides)) return null;
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  if (offset === 0 && n === storage.length) return storage;
  return storage.subarray(offset, offset + n);
}

/**
 * Row-major positions, in `shape`'s own contiguous layout, of the elements of a view given by
 * (viewShape, viewStrides, viewOffset) in units of that layout. The gradient of a view op scatters
 * through this table.
 */
export function viewPositions(viewShape: readonly number[], viewStrides: readonly number[], viewOffset: number): Int32Array {
  let n = 1;
  for (let i = 0; i < viewShape.length; i++) n *= viewShape[i]!;
  const map = new Int32Array(n);
  const [inner, step] = rowOf(viewShape, viewStrides);
  forEachRow(viewShape, viewStrides, viewOffset, (start, o) => {
    for (let j = 0; j < inner; j++) map[o + j] = start + j * step;
  });
  return map;
}

/** A contiguous row-major storage as nested arrays of numbers (tolist()). */
export function toNested(data: Storage, shape: Shape, dim: number, offset: number): NestedArray {
  if (shape.length === 0) return data[0]!;
  const n = shape[dim]!;
  if (dim === shape.length - 1) return Array.from(data.subarray(offset, offset + n));
  let inner = 1;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const out: NestedArray[] = [];
  for (let i = 0; i < n; i++) out.push(toNested(data, shape, dim + 1, offset + i * inner));
  return out;
}

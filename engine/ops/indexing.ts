// Indexing and slicing. select, slice and narrow are views (they share storage, as in PyTorch);
// their gradient, like that of every gather by a table of flat positions (index with an array,
// max(dim), cat's backward), is the matching scatter-add, each under its own PyTorch node name.
import { Tensor, type IndexSpec } from "../tensor";
import { allocate } from "../dtype";
import { formatShape, normalizeDim, numel, type Shape } from "../shape";
import { record } from "../autograd/record";
import type { GradientSpec } from "../autograd/node";
import * as G from "../gradients/indexing";
import type { GatherSaved } from "../gradients/indexing";
import { makeView, recordStrided, unsqueeze, type Geometry } from "./shape_ops";
import { AliasBackward0 } from "../gradients/shape";
import { advancedIndex, advancedWidth, isAdvanced, type AdvancedIndex } from "./advanced_index";

/** out[i] = x[map[i]], recorded under `spec` (whose gradient scatters back). */
export function gatherFlat(
  x: Tensor,
  map: Int32Array,
  outShape: readonly number[],
  spec: GradientSpec<GatherSaved>,
  extra: Readonly<Record<string, unknown>>,
): Tensor {
  const src = x._values;
  const out = allocate(x.dtype, map.length);
  for (let i = 0; i < map.length; i++) out[i] = src[map[i]!]!;
  return record(new Tensor(out, outShape, x.dtype), spec, [x], () => ({ ...extra, map, selfShape: x.shape }));
}

/** zeros(shape) with out[map[i]] += g[i]: the gradient of a gather (itself differentiable). */
export function scatterAddFlat(g: Tensor, map: Int32Array, shape: Shape, name: string): Tensor {
  const out = allocate(g.dtype, numel(shape));
  const src = g._values;
  for (let i = 0; i < map.length; i++) out[map[i]!]! += src[i]!;
  return record(new Tensor(out, shape, g.dtype), G.scatterSpec(name), [g], () => ({ map, outShape: g.shape }));
}

/** Flat positions of x's elements at `indices` along `dim` (outer × indices × inner order). */
export function positionsAlong(shape: Shape, dim: number, indices: ArrayLike<number>): Int32Array {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape[dim]!;
  const map = new Int32Array(outer * indices.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const base = (o * size + indices[j]!) * inner;
      for (let i = 0; i < inner; i++) map[k++] = base + i;
    }
  }
  return map;
}

function checkIndex(index: number, size: number, dim: number, op: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${op}: index must be an integer, got ${index}.`);
  if (index < -size || index >= size) {
    throw new RangeError(`${op}: index ${index} is out of bounds for dimension ${dim} with size ${size}.`);
  }
  return index < 0 ? index + size : index;
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.shape.length === 0) throw new RangeError("select: invalid index of a 0-dim tensor. Use tensor.item() in Python or tensor.item<T>() in C++ to convert a 0-dim tensor to a number.");
  const d = normalizeDim(dim, x.shape.length, "select");
  const i = checkIndex(index, x.shape[d]!, d, "select");
  const f = (strides: readonly number[], offset: number): Geometry => ({
    shape: x.shape.filter((_, k) => k !== d),
    strides: strides.filter((_, k) => k !== d),
    offset: offset + i * strides[d]!,
  });
  return recordStrided(x, f, G.SelectBackward0, { dim: d, index: i });
}

/** Python slice semantics: bounds are clamped, negative values count from the end. A view. */
export function slice(x: Tensor, dim: number, start: number | undefined, end: number | undefined, step = 1): Tensor {
  if (x.shape.length === 0) throw new RangeError("slice: cannot slice a 0-dim tensor.");
  const d = normalizeDim(dim, x.shape.length, "slice");
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}.`);
  const size = x.shape[d]!;
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === undefined ? 0 : clampIdx(start);
  const e = Math.max(s, end === undefined ? size : clampIdx(end));
  const len = Math.ceil((e - s) / step);
  const f = (strides: readonly number[], offset: number): Geometry => {
    const shape = x.shape.slice();
    const st = strides.slice();
    shape[d] = len;
    st[d] = strides[d]! * step;
    return { shape, strides: st, offset: offset + (len > 0 ? s * strides[d]! : 0) };
  };
  return recordStrided(x, f, G.SliceBackward0, { dim: d, start: s, end: e, step });
}
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.shape.length, "narrow");
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > size) {
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of dim ${d}.`);
  }
  return slice(x, d, s, s + length, 1);
}

/** x indexed along one dim by a list of integer positions (torch's x[:, idx]). */
export function indexSelect(x: Tensor, dim: number, indices: Tensor | readonly number[]): Tensor {
  const d = normalizeDim(dim, x.shape.length, "index");
  const list = indices instanceof Tensor ? Array.from(indices._values) : indices;
  const idxShape = indices instanceof Tensor ? indices.shape : [list.length];
  const size = x.shape[d]!;
  const norm = list.map((v) => checkIndex(v, size, d, "index"));
  const shape = [...x.shape.slice(0, d), ...idxShape, ...x.shape.slice(d + 1)];
  return gatherFlat(x, positionsAlong(x.shape, d, norm), shape, G.IndexBackward0, { dim: d });
}

/**
 * x.index(0, "1:3", null, [2, 0]) ≡ x[0, 1:3, None, [2, 0]] in Python, with PyTorch's nodes: the
 * basic components first, left to right (a number → SelectBackward0, a slice → SliceBackward0 —
 * except, when there are several components, an explicit slice covering the whole dim such as "0:3",
 * which PyTorch skips; ":" is kept), then the index tensors/arrays, all together, paired as PyTorch
 * pairs them (`x.index(rows, cols)` ≡ `x[rows, cols]`; see advanced_index.ts), in one
 * IndexBackward0. `x.index("...")` alone is AliasBackward0; a 0-dim integer tensor counts as a number.
 */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  const isEllipsis = (s: IndexSpec) => typeof s === "string" && s.trim() === "...";
  const isScalarTensor = (s: IndexSpec): s is Tensor => s instanceof Tensor && s.shape.length === 0 && s.dtype === "int64";
  const isArray = isAdvanced;
  const consumes = (s: IndexSpec) => (s === null || isEllipsis(s) ? 0 : isArray(s) ? advancedWidth(s) : 1);
  const nConsume = specs.reduce<number>((n, s) => n + consumes(s), 0);
  if (x.shape.length === 0 && specs.some((s) => typeof s === "number" || isScalarTensor(s))) {
    throw new RangeError("index: invalid index of a 0-dim tensor. Use tensor.item() in Python or tensor.item<T>() in C++ to convert a 0-dim tensor to a number.");
  }
  if (nConsume > x.shape.length) {
    throw new RangeError(`index: too many indices for tensor of dimension ${x.shape.length} (got ${nConsume}; shape ${formatShape(x.shape)}).`);
  }
  if (specs.filter(isEllipsis).length > 1) throw new SyntaxError("index: an index can only have a single ellipsis ('...').");
  if (specs.length === 1 && isEllipsis(specs[0]!)) {
    return record(makeView(x, x.shape, x._strides, x._offset), AliasBackward0, [x], () => ({}));
  }
  let out = x;
  let dim = 0;
  const arrays: AdvancedIndex[] = [];
  for (const s of specs) {
    if (typeof s === "number" || isScalarTensor(s)) {
      out = select(out, dim, typeof s === "number" ? s : s.item()); // the dim disappears
    } else if (s === null) {
      out = unsqueeze(out, dim);
      dim++;
    } else if (isEllipsis(s)) {
      dim += out.shape.length - dim - (nConsume - countConsumedBefore(specs, s));
    } else if (typeof s === "string") {
      const p = parseSlice(s);
      const size = out.shape[dim]!;
      const whole = (p.start ?? 0) === 0 && p.end === size && (p.step ?? 1) === 1;
      if (!(whole && specs.length > 1)) out = slice(out, dim, p.start, p.end, p.step ?? 1);
      dim++;
    } else if (isArray(s)) {
      arrays.push({ dim, spec: s });
      dim += advancedWidth(s);
    } else {
      throw new TypeError(`index: unsupported index ${JSON.stringify(s)}; use numbers, slice strings like "1:3", null, or an array of positions.`);
    }
  }
  if (arrays.length > 0) out = advancedIndex(out, arrays);
  return out;
}

function parseSlice(s: string): { start?: number; end?: number; step?: number } {
  const t = s.replace(/\s+/g, "");
  const m = /^(-?\d+)?:(-?\d+)?(?::(-?\d+)?)?$/.exec(t);
  if (!m) {
    throw new SyntaxError(`index: cannot read the slice ${JSON.stringify(s)}; write it like Python: ":", "1:3", "::2", "-2:" or "...".`);
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return { start: num(m[1]), end: num(m[2]), step: num(m[3]) };
}

function countConsumedBefore(specs: readonly IndexSpec[], ellipsis: IndexSpec): number {
  let n = 0;
  for (const s of specs) {
    if (s === ellipsis) break;
    if (s !== null) n += isAdvanced(s) ? advancedWidth(s) : 1;
  }
  return n;
}

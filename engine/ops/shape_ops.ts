// Views: ops whose result shares the input's storage with other sizes, strides and offset, as in
// PyTorch (view, reshape when the strides allow, t/transpose/permute, expand, (un)squeeze, flatten,
// diagonal, unfold, detach). Each records PyTorch 2.x's node for it. select/slice/narrow live in
// ops/indexing.ts and use the same geometry helpers.
import { Tensor } from "../tensor";
import { formatShape, normalizeDim, stridesOf } from "../shape";
import { viewPositions, viewStrides } from "../storage";
import { record } from "../autograd/record";
import type { GradientSpec } from "../autograd/node";
import * as G from "../gradients/shape";
import { DiagonalBackward0, UnfoldBackward0, type GatherSaved } from "../gradients/indexing";
import { clone } from "./elementwise";

/** A view of x with the given geometry (strides and offset in x's storage). */
export function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return Tensor._view(x, shape, strides, offset);
}

/**
 * The same geometry change applied to x's real strides (for the view) and to x's contiguous
 * strides (for the gradient: positions in x's own row-major layout).
 */
export interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}
export function viewOf(x: Tensor, f: (strides: readonly number[], offset: number) => Geometry): { view: Tensor; logical: Geometry } {
  const real = f(x._strides, x._offset);
  const logical = f(stridesOf(x.shape), 0);
  return { view: makeView(x, real.shape, real.strides, real.offset), logical };
}

/** Record a strided view whose gradient scatters back through the positions it read. */
export function recordStrided(
  x: Tensor,
  f: (strides: readonly number[], offset: number) => Geometry,
  spec: GradientSpec<GatherSaved>,
  extra: Readonly<Record<string, unknown>>,
): Tensor {
  const { view, logical } = viewOf(x, f);
  return record(view, spec, [x], () => ({ ...extra, map: viewPositions(logical.shape, logical.strides, logical.offset), selfShape: x.shape }));
}

/** detach(): the same storage and version counter, no history (PyTorch's detach is a view). */
export function detach(x: Tensor): Tensor {
  const t = makeView(x, x.shape, x._strides, x._offset);
  t._base = null; // no history to rebase: in-place writes through it only bump the shared version
  t.name = x.name;
  return t;
}

function inferShape(x: Tensor, shape: readonly number[], op: string): number[] {
  const n = x.numel();
  let infer = -1;
  let known = 1;
  const out = shape.slice();
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (s === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred (shape ${formatShape(shape)}).`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${s} in ${formatShape(shape)}.`);
    } else known *= s;
  }
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) {
      throw new RangeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${n} (shape ${formatShape(x.shape)}).`);
    }
    out[infer] = n / known;
  } else if (known !== n) {
    throw new RangeError(`${op}: shape '${formatShape(shape)}' is invalid for input of size ${n} (shape ${formatShape(x.shape)}).`);
  }
  return out;
}

/** view(): a view or an error, never a copy (PyTorch's message). */
export function view(x: Tensor, shape: readonly number[], op = "view"): Tensor {
  const s = inferShape(x, shape, op);
  const strides = viewStrides(x.shape, x._strides, s);
  if (strides === null) {
    throw new RangeError(
      `${op}: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
    );
  }
  return record(makeView(x, s, strides, x._offset), G.ViewBackward0, [x], () => ({ selfShape: x.shape }));
}

/**
 * reshape(), as PyTorch 2.x's reshape_symint: a contiguous tensor is viewed (ViewBackward0); a
 * strided one whose strides allow it gets _reshape_alias (ReshapeAliasBackward0, also a view);
 * otherwise a contiguous copy is reshaped (UnsafeViewBackward0 of CloneBackward0).
 */
export function reshape(x: Tensor, shape: readonly number[], op = "reshape"): Tensor {
  if (x.isContiguous()) return view(x, shape, op);
  const s = inferShape(x, shape, op);
  const strides = viewStrides(x.shape, x._strides, s);
  if (strides !== null) return record(makeView(x, s, strides, x._offset), G.ReshapeAliasBackward0, [x], () => ({ selfShape: x.shape }));
  const c = clone(x);
  return unsafeView(c, s);
}

/** @internal ATen's _unsafe_view: a reshape of a fresh contiguous tensor, recorded as UnsafeViewBackward0 (not a view). */
export function unsafeView(c: Tensor, shape: readonly number[]): Tensor {
  const out = new Tensor(c._values, shape, c.dtype);
  return record(out, G.UnsafeViewBackward0, [c], () => ({ selfShape: c.shape }));
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.shape.length === 0) return reshape(x, [1], "flatten");
  const s = normalizeDim(startDim, x.shape.length, "flatten");
  const e = normalizeDim(endDim, x.shape.length, "flatten");
  if (s > e) throw new RangeError(`flatten: start_dim (${startDim}) cannot come after end_dim (${endDim}).`);
  if (s === e) return x;
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)], "flatten");
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.shape.length, "unflatten");
  if (!Array.isArray(sizes) || sizes.length === 0) throw new RangeError("unflatten: sizes must be a non-empty array.");
  const size = x.shape[d]!;
  const known = sizes.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
  const filled = sizes.map((v) => (v === -1 ? size / known : v));
  if (filled.reduce((a, b) => a * b, 1) !== size || !filled.every(Number.isInteger)) {
    throw new RangeError(`unflatten: Provided sizes ${formatShape(sizes)} don't multiply up to the size of dim ${d} (${size}) in the input tensor.`);
  }
  return view(x, [...x.shape.slice(0, d), ...filled, ...x.shape.slice(d + 1)], "unflatten");
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.shape.length + 1, "unsqueeze");
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.shape.length ? x.shape[d]! * x._strides[d]! : 1);
  return record(makeView(x, shape, strides, x._offset), G.UnsqueezeBackward0, [x], () => ({ dim: d, selfShape: x.shape }));
}

/** squeeze() drops every size-1 dim (SqueezeBackward0), squeeze(d) one (SqueezeBackward1), squeeze([dims]) several (SqueezeBackward2). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  let drop: number[];
  let spec: GradientSpec<{ dim: number; selfShape: readonly number[] }> = G.SqueezeBackward0;
  if (dim === undefined) drop = x.shape.flatMap((v, i) => (v === 1 ? [i] : []));
  else if (typeof dim === "number") {
    const d = normalizeDim(dim, x.shape.length, "squeeze");
    drop = x.shape.length > 0 && x.shape[d] === 1 ? [d] : [];
    spec = G.SqueezeBackward1;
  } else {
    drop = dim.map((v) => normalizeDim(v, x.shape.length, "squeeze")).filter((d) => x.shape[d] === 1);
    spec = G.SqueezeBackward2;
  }
  const shape = x.shape.filter((_, i) => !drop.includes(i));
  const strides = x._strides.filter((_, i) => !drop.includes(i));
  const d0 = typeof dim === "number" ? normalizeDim(dim, x.shape.length, "squeeze") : 0;
  return record(makeView(x, shape, strides, x._offset), spec, [x], () => ({ dim: d0, selfShape: x.shape }));
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = x.shape.length;
  if (dims.length !== nd) {
    throw new RangeError(`permute: number of dims don't match in permute (got ${dims.length} dims for a ${nd}-d tensor of shape ${formatShape(x.shape)}).`);
  }
  const perm = dims.map((d) => normalizeDim(d, nd, "permute"));
  if (new Set(perm).size !== nd) throw new RangeError(`permute: repeated dim in permute (${formatShape(dims)}).`);
  const shape = perm.map((p) => x.shape[p]!);
  const strides = perm.map((p) => x._strides[p]!);
  return record(makeView(x, shape, strides, x._offset), G.PermuteBackward0, [x], () => ({ dims: perm }));
}

function swapped(x: Tensor, a: number, b: number): Tensor {
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  [shape[a], shape[b]] = [shape[b]!, shape[a]!];
  [strides[a], strides[b]] = [strides[b]!, strides[a]!];
  return makeView(x, shape, strides, x._offset);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const nd = x.shape.length;
  if (nd === 0) return record(makeView(x, [], [], x._offset), G.TransposeBackward0, [x], () => ({ dim0: 0, dim1: 0 }));
  const a = normalizeDim(dim0, nd, "transpose");
  const b = normalizeDim(dim1, nd, "transpose");
  return record(swapped(x, a, b), G.TransposeBackward0, [x], () => ({ dim0: a, dim1: b }));
}

/** t(): transpose of a matrix; 0-d and 1-d tensors are returned as views of themselves (torch's rule). */
export function t(x: Tensor): Tensor {
  const nd = x.shape.length;
  if (nd > 2) throw new RangeError(`t: t() expects a tensor with <= 2 dimensions, but self is ${nd}D (shape ${formatShape(x.shape)}); use transpose(dim0, dim1) or permute.`);
  const v = nd === 2 ? swapped(x, 0, 1) : makeView(x, x.shape, x._strides, x._offset);
  return record(v, G.TBackward0, [x], () => ({}));
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  const nd = sizes.length;
  if (nd < x.shape.length) {
    throw new RangeError(
      `expand: the number of sizes provided (${nd}) must be greater or equal to the number of dimensions in the tensor (${x.shape.length}).`,
    );
  }
  const off = nd - x.shape.length;
  const strides = new Array<number>(nd).fill(0);
  const shape = sizes.map((s, i) => {
    const own = i >= off ? x.shape[i - off]! : undefined;
    if (s === -1) {
      if (own === undefined) throw new RangeError(`expand: -1 is not allowed in a leading, non-existing dimension (${i}).`);
      strides[i] = x._strides[i - off]!;
      return own;
    }
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`expand: invalid size ${s} in ${formatShape(sizes)}.`);
    if (own !== undefined && own !== 1 && own !== s) {
      throw new RangeError(
        `expand: The expanded size of the tensor (${s}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
          `Target sizes: ${formatShape(sizes)}. Tensor sizes: ${formatShape(x.shape)}.`,
      );
    }
    if (own !== undefined && own === s) strides[i] = x._strides[i - off]!;
    return s;
  });
  return record(makeView(x, shape, strides, x._offset), G.ExpandBackward0, [x], () => ({ selfShape: x.shape }));
}

/** The diagonal of the (dim1, dim2) planes, shifted by offset, as a new last dim (DiagonalBackward0). */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const nd = x.shape.length;
  const a = normalizeDim(dim1, nd, "diagonal");
  const b = normalizeDim(dim2, nd, "diagonal");
  if (a === b) throw new RangeError(`diagonal: diagonal dimensions cannot be identical ${dim1}, ${dim2}.`);
  const len = Math.max(0, offset >= 0 ? Math.min(x.shape[a]!, x.shape[b]! - offset) : Math.min(x.shape[a]! + offset, x.shape[b]!));
  const f = (strides: readonly number[], base: number): Geometry => {
    let o = base;
    if (len > 0) o += offset >= 0 ? offset * strides[b]! : -offset * strides[a]!;
    const keep = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
    return { shape: [...keep.map((i) => x.shape[i]!), len], strides: [...keep.map((i) => strides[i]!), strides[a]! + strides[b]!], offset: o };
  };
  return recordStrided(x, f, DiagonalBackward0, { offset, dim1: a, dim2: b });
}

/** unfold(dim, size, step): windows of `size` along dim, `step` apart, as a new last dim. */
export function unfold(x: Tensor, dim: number, size: number, step: number): Tensor {
  const d = normalizeDim(dim, x.shape.length, "unfold");
  const n = x.shape.length === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(size) || size < 0 || size > n) throw new RangeError(`unfold: maximum size for tensor at dimension ${d} is ${n} but size is ${size}.`);
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`unfold: step is ${step} but must be > 0.`);
  const count = Math.floor((n - size) / step) + 1;
  const f = (strides: readonly number[], base: number): Geometry => {
    const shape = x.shape.slice();
    const st = strides.slice();
    shape[d] = count;
    st[d] = strides[d]! * step;
    return { shape: [...shape, size], strides: [...st, strides[d]!], offset: base };
  };
  return recordStrided(x, f, UnfoldBackward0, { dim: d, size, step });
}

// Shape ops. reshape/view/squeeze/unsqueeze/detach share the values array (our tensors are always
// contiguous, so these are true views, as in torch); transpose/permute/expand copy.
import { Tensor } from "../tensor";
import { allocate } from "../dtype";
import { formatShape, normalizeDim, numel, stridesOf } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/shape";
import { expandData } from "./elementwise";

export function detach(x: Tensor): Tensor {
  const t = new Tensor(x.data, x.shape, x.dtype);
  t.name = x.name;
  return t;
}

function inferShape(x: Tensor, shape: readonly number[], op: string): number[] {
  const n = x.data.length;
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

/** reshape / view / flatten: same values, new shape (ViewBackward0, as torch on contiguous input). */
export function reshape(x: Tensor, shape: readonly number[], op: string): Tensor {
  const s = inferShape(x, shape, op);
  return record(new Tensor(x.data, s, x.dtype), G.ViewBackward0, [x], () => ({ selfShape: x.shape }));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.shape.length + 1, "unsqueeze");
  const s = x.shape.slice();
  s.splice(d, 0, 1);
  return record(new Tensor(x.data, s, x.dtype), G.UnsqueezeBackward0, [x], () => ({ dim: d, selfShape: x.shape }));
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) {
    const s = x.shape.filter((v) => v !== 1);
    return record(new Tensor(x.data, s, x.dtype), G.SqueezeBackward0, [x], () => ({ selfShape: x.shape }));
  }
  const d = normalizeDim(dim, x.shape.length, "squeeze");
  const s = x.shape.length > 0 && x.shape[d] === 1 ? x.shape.filter((_, i) => i !== d) : x.shape.slice();
  return record(new Tensor(x.data, s, x.dtype), G.SqueezeBackward1, [x], () => ({ dim: d, selfShape: x.shape }));
}

/** Copy with dims reordered: out[..., i_perm[k], ...] = x[..., i_k, ...]. */
function permuteValues(x: Tensor, perm: readonly number[]): { data: ReturnType<typeof allocate>; shape: number[] } {
  const shape = perm.map((p) => x.shape[p]!);
  const n = x.data.length;
  const out = allocate(x.dtype, n);
  const src = x.data;
  const nd = shape.length;
  if (nd === 2 && perm[0] === 1) {
    // Plain 2-D transpose, blocked so both sides stay in cache.
    const R = x.shape[0]!, C = x.shape[1]!;
    const B = 32;
    for (let i0 = 0; i0 < R; i0 += B) {
      for (let j0 = 0; j0 < C; j0 += B) {
        const iMax = Math.min(i0 + B, R), jMax = Math.min(j0 + B, C);
        for (let i = i0; i < iMax; i++) for (let j = j0; j < jMax; j++) out[j * R + i] = src[i * C + j]!;
      }
    }
    return { data: out, shape };
  }
  const inStrides = stridesOf(x.shape);
  const strides = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let o = 0; o < n; o++) {
    out[o] = src[off]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return { data: out, shape };
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const nd = x.shape.length;
  if (dims.length !== nd) {
    throw new RangeError(`permute: number of dims don't match in permute (got ${dims.length} dims for a ${nd}-d tensor of shape ${formatShape(x.shape)}).`);
  }
  const perm = dims.map((d) => normalizeDim(d, nd, "permute"));
  if (new Set(perm).size !== nd) throw new RangeError(`permute: repeated dim in permute (${formatShape(dims)}).`);
  const { data, shape } = permuteValues(x, perm);
  return record(new Tensor(data, shape, x.dtype), G.PermuteBackward0, [x], () => ({ dims: perm }));
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const nd = x.shape.length;
  if (nd === 0) return record(new Tensor(x.data, [], x.dtype), G.TransposeBackward0, [x], () => ({ dim0: 0, dim1: 0 }));
  const a = normalizeDim(dim0, nd, "transpose");
  const b = normalizeDim(dim1, nd, "transpose");
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  const { data, shape } = permuteValues(x, perm);
  return record(new Tensor(data, shape, x.dtype), G.TransposeBackward0, [x], () => ({ dim0: a, dim1: b }));
}

/** t(): transpose of a matrix; 0-d and 1-d tensors are returned as is (torch's rule). */
export function t(x: Tensor): Tensor {
  const nd = x.shape.length;
  if (nd > 2) throw new RangeError(`t: t() expects a tensor with <= 2 dimensions, but self is ${nd}D (shape ${formatShape(x.shape)}); use transpose(dim0, dim1) or permute.`);
  const data = nd === 2 ? permuteValues(x, [1, 0]) : { data: x.data, shape: x.shape.slice() };
  return record(new Tensor(data.data, data.shape, x.dtype), G.TBackward0, [x], () => ({}));
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  const nd = sizes.length;
  if (nd < x.shape.length) {
    throw new RangeError(
      `expand: the number of sizes provided (${nd}) must be greater or equal to the number of dimensions in the tensor (${x.shape.length}).`,
    );
  }
  const off = nd - x.shape.length;
  const shape = sizes.map((s, i) => {
    const own = i >= off ? x.shape[i - off]! : undefined;
    if (s === -1) {
      if (own === undefined) throw new RangeError(`expand: -1 is not allowed in a leading, non-existing dimension (${i}).`);
      return own;
    }
    if (own !== undefined && own !== 1 && own !== s) {
      throw new RangeError(
        `expand: The expanded size of the tensor (${s}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
          `Target sizes: ${formatShape(sizes)}. Tensor sizes: ${formatShape(x.shape)}.`,
      );
    }
    return s;
  });
  if (numel(shape) === x.data.length && shape.length === x.shape.length) {
    return record(new Tensor(x.data, shape, x.dtype), G.ExpandBackward0, [x], () => ({ selfShape: x.shape }));
  }
  return record(new Tensor(expandData(x, shape), shape, x.dtype), G.ExpandBackward0, [x], () => ({ selfShape: x.shape }));
}

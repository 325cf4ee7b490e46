// softmax / logSoftmax along a dim, computed the stable way (subtract the max first).
import { Tensor } from "../tensor";
import { allocate, isFloating } from "../dtype";
import { normalizeDim } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/softmax";

function softmaxValues(x: Tensor, dim: number, log: boolean): Tensor {
  const shape = x.shape;
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const size = shape.length === 0 ? 1 : shape[dim]!;
  const src = x._values;
  const dtype = isFloating(x.dtype) ? x.dtype : "float32";
  const out = allocate(dtype, src.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let m = -Infinity;
      for (let s = 0; s < size; s++) m = Math.max(m, src[base + s * inner]!);
      if (m === -Infinity) m = 0; // all -inf: keep the NaN/-inf torch produces rather than inf - inf
      let z = 0;
      for (let s = 0; s < size; s++) z += Math.exp(src[base + s * inner]! - m);
      const logZ = Math.log(z) + m;
      for (let s = 0; s < size; s++) {
        const v = src[base + s * inner]! - logZ;
        out[base + s * inner] = log ? v : Math.exp(v);
      }
    }
  }
  return new Tensor(out, shape, dtype);
}

export function softmax(x: Tensor, dim: number): Tensor {
  if (dim === undefined) throw new TypeError("softmax: dim is required (e.g. x.softmax(-1)).");
  const d = normalizeDim(dim, x.shape.length, "softmax");
  const out = softmaxValues(x, d, false);
  return record(out, G.SoftmaxBackward0, [x], () => ({ result: out, dim: d }));
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  if (dim === undefined) throw new TypeError("logSoftmax: dim is required (e.g. x.logSoftmax(-1)).");
  const d = normalizeDim(dim, x.shape.length, "logSoftmax");
  const out = softmaxValues(x, d, true);
  return record(out, G.LogSoftmaxBackward0, [x], () => ({ result: out, dim: d }));
}

// torch.cat and torch.stack.
import { Tensor } from "../tensor";
import { allocate, promote, type DType } from "../dtype";
import { formatShape, normalizeDim } from "../shape";
import { record } from "../autograd/record";
import { withGradMode } from "../grad_mode";
import * as G from "../gradients/join";
import { toDType } from "./elementwise";
import { unsqueeze } from "./shape_ops";

function checkList(tensors: unknown, op: string): Tensor[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${op}: expected an array of tensors.`);
  if (tensors.length === 0) throw new RangeError(`${op}: expected a non-empty list of Tensors.`);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: element ${i} is not a Tensor.`);
  });
  return tensors as Tensor[];
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList(tensors, "cat");
  const first = list[0]!;
  if (first.shape.length === 0) throw new RangeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated; use torch.stack.");
  const d = normalizeDim(dim, first.shape.length, "cat");
  let dtype: DType = first.dtype;
  for (const t of list) dtype = promote(dtype, t.dtype);
  const sizes: number[] = [];
  list.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new RangeError(
        `cat: Sizes of tensors must match except in dimension ${d}. Expected ${formatShape(first.shape)} (except dim ${d}) but got ${formatShape(t.shape)} for tensor number ${i} in the list.`,
      );
    }
    sizes.push(t.shape[d]!);
  });
  // Mixed dtypes are converted while copying, outside the graph: PyTorch's CatBackward0 points
  // straight at the inputs (the engine casts each gradient back to its input's dtype).
  const parts = list.map((t) => (t.dtype === dtype ? t : withoutGraph(() => toDType(t, dtype))));
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= first.shape[i]!;
  for (let i = d + 1; i < first.shape.length; i++) inner *= first.shape[i]!;
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = allocate(dtype, outer * total * inner);
  let off = 0;
  parts.forEach((t, k) => {
    const chunk = sizes[k]! * inner;
    for (let o = 0; o < outer; o++) out.set(t._values.subarray(o * chunk, (o + 1) * chunk), o * total * inner + off);
    off += chunk;
  });
  const shape = first.shape.slice();
  shape[d] = total;
  return record(new Tensor(out, shape, dtype), G.CatBackward0, list, () => ({ dim: d, sizes }));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList(tensors, "stack");
  const first = list[0]!;
  list.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new RangeError(
        `stack: stack expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}.`,
      );
    }
  });
  const d = normalizeDim(dim, first.shape.length + 1, "stack");
  // Values via cat of unsqueezed views, computed without recording; the node is StackBackward0.
  const joined = withoutGraph(() => cat(list.map((t) => unsqueeze(t, d)), d));
  return record(joined, G.StackBackward0, list, () => ({ dim: d, count: list.length }));
}

function withoutGraph<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

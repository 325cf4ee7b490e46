// outer and baddbmm; addmm, mv, bmm and dot live in linalg.ts.
import { Tensor } from "../tensor";
import { formatShape } from "../shape";
import { record } from "../autograd/record";
import { BaddbmmBackward0 } from "../gradients/linalg_extra";
import { withGradMode } from "../grad_mode";
import { bmm } from "./linalg";
import { add, mul } from "./elementwise";
import { reshape } from "./shape_ops";

/** The outer product of two vectors: as PyTorch 2.x computes it, self.reshape(n, 1) * vec2 (MulBackward0). */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("outer: both arguments must be Tensors.");
  if (a.shape.length !== 1 || b.shape.length !== 1) {
    throw new RangeError(`outer: expected 1-D tensors, but got ${a.shape.length}-D and ${b.shape.length}-D (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}).`);
  }
  return mul(reshape(a, [a.shape[0]!, 1]), b);
}

/** input + batch1 @ batch2 (per batch; input broadcast to [B, n, p]) in one BaddbmmBackward0 node. */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor): Tensor {
  if (!(input instanceof Tensor) || !(batch1 instanceof Tensor) || !(batch2 instanceof Tensor)) throw new TypeError("baddbmm: input, batch1 and batch2 must be Tensors.");
  const prod = withGradMode(false, () => add(bmm(batch1, batch2), input));
  if (prod.shape.length !== 3 || prod.shape.some((s, i) => s !== bmmShape(batch1, batch2)[i])) {
    throw new RangeError(`baddbmm: input of shape ${formatShape(input.shape)} cannot be broadcast to the product's shape ${formatShape(bmmShape(batch1, batch2))}.`);
  }
  return record(prod, BaddbmmBackward0, [input, batch1, batch2], () => ({
    batch1: batch2.requiresGrad ? batch1 : undefined,
    batch2: batch1.requiresGrad ? batch2 : undefined,
  }));
}

function bmmShape(a: Tensor, b: Tensor): number[] {
  return [a.shape[0]!, a.shape[1]!, b.shape[2]!];
}

// torch.nn.functional: activations re-exported, linear, and the losses a small training loop needs.
import { Tensor } from "../tensor";
import { allocate } from "../dtype";
import { formatShape, shapeEquals } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/loss";
import { addmm, matmul } from "../ops/linalg";
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from "../ops/softmax";
import { expand, t, view } from "../ops/shape_ops";
import { broadcastShapes } from "../shape";
import { warn } from "../warnings";

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  reduction?: Reduction;
}

function checkReduction(r: unknown, op: string): Reduction {
  if (r === undefined) return "mean";
  if (r === "mean" || r === "sum" || r === "none") return r;
  throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(r)}.`);
}

function checkTensors(op: string, input: unknown, target: unknown): asserts input is Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor.`);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor.`);
}

export const relu = (x: Tensor): Tensor => x.relu();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const softmax = (x: Tensor, dim: number): Tensor => softmaxOp(x, dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => logSoftmaxOp(x, dim);

/**
 * y = x · weightᵀ + bias, with ATen's nodes: one AddmmBackward0 for 2-D input; a contiguous input of
 * more dims is viewed as 2-D around it (ViewBackward0 → AddmmBackward0 → ViewBackward0).
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (input.shape.length === 2 && bias !== undefined) return addmm(bias, input, t(weight));
  if (input.shape.length > 2 && bias !== undefined && input.isContiguous()) {
    const last = input.shape[input.shape.length - 1]!;
    const y = addmm(bias, view(input, [-1, last]), t(weight));
    return view(y, [...input.shape.slice(0, -1), y.shape[1]!]);
  }
  const y = matmul(input, t(weight));
  return bias === undefined ? y : y.add(bias);
}

function reduce(values: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return values;
  let s = 0;
  for (let i = 0; i < values._values.length; i++) s += values._values[i]!;
  const out = allocate(values.dtype, 1);
  out[0] = reduction === "mean" ? s / Math.max(values._values.length, 1) : s;
  return new Tensor(out, [], values.dtype);
}

/** Mean (or sum) of (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("mseLoss", input, target);
  const reduction = checkReduction(options.reduction, "mseLoss");
  if (!shapeEquals(input.shape, target.shape)) {
    // PyTorch warns and broadcasts both (torch.broadcast_tensors: ExpandBackward0 nodes).
    warn(
      `mseLoss: Using a target size (${formatShape(target.shape)}) that is different to the input size (${formatShape(input.shape)}). ` +
        `This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
    );
    const shape = broadcastShapes(input.shape, target.shape, "mseLoss");
    return mseLoss(expand(input, shape), expand(target, shape), options);
  }
  const sq = allocate(input.dtype, input._values.length);
  for (let i = 0; i < sq.length; i++) {
    const d = input._values[i]! - target._values[i]!;
    sq[i] = d * d;
  }
  const out = reduce(new Tensor(sq, input.shape, input.dtype), reduction);
  return record(out, G.MseLossBackward0, [input, target], () => ({ self: input, target, reduction }));
}

/** Binary cross entropy on probabilities (log clamped at −100 like torch). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("binaryCrossEntropy", input, target);
  const reduction = checkReduction(options.reduction, "binaryCrossEntropy");
  if (!shapeEquals(input.shape, target.shape)) {
    throw new RangeError(
      `binaryCrossEntropy: Using a target size (${formatShape(target.shape)}) that is different to the input size (${formatShape(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  if (target.requiresGrad) {
    throw new Error("binaryCrossEntropy: the derivative for 'target' is not implemented (as in torch); pass target.detach().");
  }
  const v = allocate(input.dtype, input._values.length);
  for (let i = 0; i < v.length; i++) {
    const x = input._values[i]!;
    const y = target._values[i]!;
    if (!(x >= 0 && x <= 1)) {
      throw new RangeError(`binaryCrossEntropy: all elements of input should be between 0 and 1 (found ${x} at flat index ${i}); apply sigmoid() first.`);
    }
    v[i] = -(y * Math.max(Math.log(x), -100) + (1 - y) * Math.max(Math.log(1 - x), -100));
  }
  const out = reduce(new Tensor(v, input.shape, input.dtype), reduction);
  return record(out, G.BinaryCrossEntropyBackward0, [input, null], () => ({ self: input, target, reduction }));
}

function classIndices(target: Tensor, n: number, classes: number, op: string): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = target._values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(`${op}: Target ${v} is out of bounds (classes are 0 … ${classes - 1}; target index ${i}).`);
    }
    idx[i] = v;
  }
  return idx;
}

/** Negative log likelihood of log-probabilities [N, C] (or [C]) at integer class targets [N] (or []). */
export function nllLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("nllLoss", input, target);
  const reduction = checkReduction(options.reduction, "nllLoss");
  const batched = input.shape.length === 2;
  if (!batched && input.shape.length !== 1) {
    throw new RangeError(`nllLoss: expected input of shape [N, C] or [C], got ${formatShape(input.shape)}.`);
  }
  const n = batched ? input.shape[0]! : 1;
  const classes = input.shape[input.shape.length - 1]!;
  if (target._values.length !== n || target.shape.length !== (batched ? 1 : 0)) {
    throw new RangeError(
      `nllLoss: Expected input batch_size (${n}) to match target batch_size (${target._values.length}); target must have shape ${batched ? `[${n}]` : "[]"} of class indices, got ${formatShape(target.shape)}.`,
    );
  }
  if (target.requiresGrad) throw new Error("nllLoss: the derivative for 'target' is not implemented; targets are class indices.");
  const idx = classIndices(target, n, classes, "nllLoss");
  const v = allocate(input.dtype, n);
  for (let i = 0; i < n; i++) v[i] = -input._values[i * classes + idx[i]!]!;
  const out = reduce(new Tensor(v, batched ? [n] : [], input.dtype), reduction);
  // PyTorch's node has an edge for the input only: the integer target is not differentiable.
  return record(out, G.NllLossBackward0, [input], () => ({ selfShape: input.shape, target: idx, reduction }));
}

/** logSoftmax over the class dim, then nllLoss: two nodes, as torch records them. */
export function crossEntropy(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("crossEntropy", input, target);
  return nllLoss(logSoftmaxOp(input, input.shape.length === 1 ? 0 : 1), target, options);
}

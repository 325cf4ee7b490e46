// nllLoss and crossEntropy (class weights, ignoreIndex, labelSmoothing, probability targets), and
// oneHot. crossEntropy is PyTorch's composite: logSoftmax then nllLoss (LogSoftmaxBackward0 →
// NllLossBackward0), plus the smoothing or probability-target terms as ordinary ops.
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { formatShape, shapeEquals } from "../../shape";
import { record } from "../../autograd/record";
import * as G from "../../gradients/loss";
import { logSoftmax as logSoftmaxOp } from "../../ops/softmax";
import { checkReduction, checkTensors, type Reduction } from "./reduction";
import { checkTensor } from "../util";

export interface NLLLossOptions {
  reduction?: Reduction;
  /** A weight per class, shape [C]. */
  weight?: Tensor;
  /** Targets equal to this contribute nothing (and are left out of the mean). Default −100. */
  ignoreIndex?: number;
}
export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mix the target with the uniform distribution: (1 − ε) · target + ε / C. */
  labelSmoothing?: number;
}

function classWeights(w: unknown, classes: number, op: string): number[] | null {
  if (w === undefined || w === null) return null;
  const t = checkTensor(w, op, "weight");
  if (t.shape.length !== 1 || t.shape[0] !== classes) {
    throw new RangeError(`${op}: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${formatShape(t.shape)}.`);
  }
  return Array.from(t._values);
}

function checkIgnore(v: unknown, op: string): number {
  if (v === undefined) return -100;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${String(v)}.`);
  return v;
}

/** Negative log likelihood of log-probabilities [N, C] (or [C]) at integer class targets [N] (or []). */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
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
  const weight = classWeights(options.weight, classes, "nllLoss");
  const ignoreIndex = checkIgnore(options.ignoreIndex, "nllLoss");
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = target._values[i]!;
    if (v === ignoreIndex) {
      idx[i] = v;
      continue;
    }
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(`nllLoss: Target ${v} is out of bounds (classes are 0 … ${classes - 1}; target index ${i}).`);
    }
    idx[i] = v;
  }
  const v = allocate(input.dtype, n);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    const t = idx[i]!;
    if (t === ignoreIndex) continue;
    const w = weight === null ? 1 : weight[t]!;
    v[i] = -w * input._values[i * classes + t]!;
    totalWeight += w;
  }
  let out: Tensor;
  if (reduction === "none") out = new Tensor(v, batched ? [n] : [], input.dtype);
  else {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i]!;
    const o = allocate(input.dtype, 1);
    o[0] = reduction === "mean" ? s / totalWeight : s;
    out = new Tensor(o, [], input.dtype);
  }
  // PyTorch's node has an edge for the input only: the integer target is not differentiable.
  return record(out, G.NllLossBackward0, [input], () => ({ selfShape: input.shape, target: idx, reduction, weight, ignoreIndex, totalWeight }));
}

/**
 * logSoftmax over the class dim, then nllLoss: two nodes, as torch records them. Targets are class
 * indices (shape [N]) or, with the input's shape, class probabilities.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkTensors("crossEntropy", input, target);
  const reduction = checkReduction(options.reduction, "crossEntropy");
  if (input.shape.length !== 1 && input.shape.length !== 2) {
    throw new RangeError(`crossEntropy: expected input of shape [N, C] or [C], got ${formatShape(input.shape)}; for [N, C, d…] move the class dim last and flatten: x.permute(0, 2, 1).reshape(-1, C).`);
  }
  const ls = options.labelSmoothing ?? 0;
  if (typeof ls !== "number" || !(ls >= 0 && ls <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${String(ls)}.`);
  const classDim = input.shape.length === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  const weight = options.weight === undefined || options.weight === null ? null : checkTensor(options.weight, "crossEntropy", "weight");
  classWeights(weight ?? undefined, classes, "crossEntropy");
  const logp = logSoftmaxOp(input, classDim);

  if (target.dtype !== "int64" && shapeEquals(target.shape, input.shape)) {
    // Class probabilities: −Σ target · logp (PyTorch's cross_entropy_loss_prob_target).
    if (options.ignoreIndex !== undefined && options.ignoreIndex !== -100) {
      throw new RangeError("crossEntropy: ignoreIndex is only applicable when the target contains class indices.");
    }
    const t = ls > 0 ? target.mul(1 - ls).add(ls / classes) : target;
    const prod = weight === null ? logp.mul(t) : logp.mul(t).mul(weight);
    if (reduction === "none") return prod.sum(classDim).neg();
    const total = prod.sum().neg();
    return reduction === "sum" ? total : total.div(input.numel() / classes);
  }

  const nllOptions: NLLLossOptions = { reduction, ignoreIndex: options.ignoreIndex ?? -100, ...(weight ? { weight } : {}) };
  const nll = nllLoss(logp, target, nllOptions);
  if (ls === 0) return nll;

  // Label smoothing with class indices (PyTorch's cross_entropy_loss_label_smoothing).
  const ignoreIndex = nllOptions.ignoreIndex!;
  const n = classDim === 1 ? input.shape[0]! : 1;
  const ignored = allocate(input.dtype, n);
  let kept = 0, keptWeight = 0;
  for (let i = 0; i < n; i++) {
    const c = target._values[i]!;
    if (c === ignoreIndex) ignored[i] = 1;
    else {
      kept++;
      keptWeight += weight === null ? 1 : weight._values[c]!;
    }
  }
  let smooth = (weight === null ? logp : logp.mul(weight)).sum(classDim).neg();
  if (kept < n) smooth = smooth.mul(new Tensor(ignored.map((v) => 1 - v), smooth.shape, smooth.dtype));
  let ret: Tensor;
  if (reduction === "mean") ret = smooth.sum().div(weight === null ? kept : keptWeight);
  else if (reduction === "sum") ret = smooth.sum();
  else ret = smooth;
  return nll.mul(1 - ls).add(ret.mul(ls / classes));
}

/** Class indices (int64) to one-hot rows of length numClasses (default: max + 1), as int64. */
export function oneHot(tensor: Tensor, numClasses = -1): Tensor {
  const t = checkTensor(tensor, "oneHot");
  const vals = t._values;
  let max = -1;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`oneHot: Class values must be non-negative integers (found ${v} at flat index ${i}).`);
    if (v > max) max = v;
  }
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new RangeError(`oneHot: numClasses must be a positive integer or -1, got ${String(numClasses)}.`);
  const c = numClasses === -1 ? max + 1 : numClasses;
  if (numClasses === -1 && vals.length === 0) throw new RangeError("oneHot: Can not infer total number of classes from empty tensor.");
  if (max >= c) throw new RangeError(`oneHot: Class values must be smaller than num_classes (found ${max}, numClasses ${c}).`);
  const out = allocate("int64", vals.length * c);
  for (let i = 0; i < vals.length; i++) out[i * c + vals[i]!] = 1;
  return new Tensor(out, [...t.shape, c], "int64");
}


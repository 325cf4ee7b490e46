// Elementwise losses: mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy(WithLogits),
// klDiv. Each records the node PyTorch records (MseLossBackward0, …) or, where PyTorch is composite
// (l1Loss, klDiv), the same chain of ordinary ops.
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { formatShape, shapeEquals } from "../../shape";
import { record } from "../../autograd/record";
import type { GradientSpec } from "../../autograd/node";
import * as G from "../../gradients/loss";
import { expand } from "../../ops/shape_ops";
import { warn } from "../../warnings";
import { checkReduction, checkTensors, reduceValues, sameShape, scaleOf, type LossOptions, type Reduction } from "./reduction";
import { softplus } from "./pointwise";
import { checkNumber } from "../util";

function elementwise(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const av = a._values, bv = b._values;
  const out = allocate(a.dtype, av.length);
  for (let i = 0; i < av.length; i++) out[i] = f(av[i]!, bv[i]!);
  return new Tensor(out, a.shape, a.dtype);
}

/** Mean (or sum) of (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("mseLoss", input, target);
  const reduction = checkReduction(options.reduction, "mseLoss");
  const [x, y] = sameShape("mseLoss", input, target);
  const out = reduceValues(elementwise(x, y, (a, b) => (a - b) * (a - b)), reduction);
  return record(out, G.MseLossBackward0, [x, y], () => ({ self: x, target: y, reduction }));
}

/** Mean (or sum) of |input − target|: composite in PyTorch (SubBackward0 → AbsBackward0 → MeanBackward0). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkTensors("l1Loss", input, target);
  const reduction = checkReduction(options.reduction, "l1Loss");
  const [x, y] = sameShape("l1Loss", input, target);
  const d = x.sub(y).abs();
  return reduction === "mean" ? d.mean() : reduction === "sum" ? d.sum() : d;
}

interface PairSaved {
  self: Tensor;
  target: Tensor;
  reduction: Reduction;
  [k: string]: unknown;
}

/** A loss node whose gradient for self is grad · h(self − target) and for target its negative. */
function pairSpec(name: string, formula: string, h: (d: Tensor, s: PairSaved) => Tensor): GradientSpec<PairSaved> {
  return {
    name,
    inputs: ["self", "target"],
    formulas: (s) => {
      const n = s.reduction === "mean" ? " / n" : "";
      return [`grad · ${formula}${n}`, `−grad · ${formula}${n}`];
    },
    gradFunc: (g, s, needs) => {
      const gs = h(s.self.sub(s.target), s).mul(g).mul(scaleOf(s.reduction, s.self.numel()));
      return [needs[0] ? gs : null, needs[1] ? gs.neg() : null];
    },
  };
}

const SmoothL1LossBackward0 = pairSpec("SmoothL1LossBackward0", "clamp((self − target) / beta, −1, 1)", (d, s) => d.div(s["beta"] as number).clamp(-1, 1));
const HuberLossBackward0 = pairSpec("HuberLossBackward0", "clamp(self − target, −delta, delta)", (d, s) => d.clamp(-(s["delta"] as number), s["delta"] as number));

/** 0.5 · d² / beta where |d| < beta, |d| − 0.5 · beta elsewhere (d = input − target). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: LossOptions & { beta?: number } = {}): Tensor {
  checkTensors("smoothL1Loss", input, target);
  const reduction = checkReduction(options.reduction, "smoothL1Loss");
  const beta = checkNumber(options.beta ?? 1, "smoothL1Loss", "beta");
  if (beta < 0) throw new RangeError("smoothL1Loss: smooth_l1_loss does not support negative values for beta.");
  if (beta === 0) return l1Loss(input, target, { reduction });
  const [x, y] = sameShape("smoothL1Loss", input, target);
  const out = reduceValues(elementwise(x, y, (a, b) => {
    const d = Math.abs(a - b);
    return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
  }), reduction);
  return record(out, SmoothL1LossBackward0, [x, y], () => ({ self: x, target: y, reduction, beta }));
}

/** 0.5 · d² where |d| ≤ delta, delta · (|d| − 0.5 · delta) elsewhere (d = input − target). */
export function huberLoss(input: Tensor, target: Tensor, options: LossOptions & { delta?: number } = {}): Tensor {
  checkTensors("huberLoss", input, target);
  const reduction = checkReduction(options.reduction, "huberLoss");
  const delta = checkNumber(options.delta ?? 1, "huberLoss", "delta");
  if (!(delta > 0)) throw new RangeError("huberLoss: huber_loss does not support non-positive values for delta.");
  const [x, y] = sameShape("huberLoss", input, target);
  const out = reduceValues(elementwise(x, y, (a, b) => {
    const d = Math.abs(a - b);
    return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
  }), reduction);
  return record(out, HuberLossBackward0, [x, y], () => ({ self: x, target: y, reduction, delta }));
}

/** A per-element weight broadcast to `shape` (a constant), or null. */
function broadcastWeight(w: unknown, shape: readonly number[], op: string, what: string): Tensor | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor.`);
  try {
    return shapeEquals(w.shape, shape) ? w : expand(w, shape);
  } catch {
    throw new RangeError(`${op}: ${what} of shape ${formatShape(w.shape)} cannot be broadcast to the input's shape ${formatShape(shape)}.`);
  }
}

export interface BCEOptions extends LossOptions {
  /** A rescaling weight per element (broadcast to the input). */
  weight?: Tensor;
}

/** Binary cross entropy on probabilities (log clamped at −100 like torch). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
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
  const weight = broadcastWeight(options.weight, input.shape, "binaryCrossEntropy", "weight");
  const wv = weight?._values;
  const v = allocate(input.dtype, input._values.length);
  for (let i = 0; i < v.length; i++) {
    const x = input._values[i]!;
    const y = target._values[i]!;
    if (!(x >= 0 && x <= 1)) {
      throw new RangeError(`binaryCrossEntropy: all elements of input should be between 0 and 1 (found ${x} at flat index ${i}); apply sigmoid() first.`);
    }
    v[i] = -(y * Math.max(Math.log(x), -100) + (1 - y) * Math.max(Math.log(1 - x), -100)) * (wv === undefined ? 1 : wv[i]!);
  }
  const out = reduceValues(new Tensor(v, input.shape, input.dtype), reduction);
  return record(out, G.BinaryCrossEntropyBackward0, [input, null], () => ({ self: input, target, reduction, ...(weight ? { weight, weighted: true } : {}) }));
}

export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of positive examples, broadcast along the last dim (one per class). */
  posWeight?: Tensor;
}

interface LogitsSaved {
  self: Tensor;
  target: Tensor;
  weight: Tensor | null;
  posWeight: Tensor | null;
  reduction: Reduction;
}

const BinaryCrossEntropyWithLogitsBackward0: GradientSpec<LogitsSaved> = {
  name: "BinaryCrossEntropyWithLogitsBackward0",
  inputs: ["self", "target"],
  formulas: (s) => {
    const n = s.reduction === "mean" ? " / n" : "";
    const w = s.weight ? " · weight" : "";
    return s.posWeight
      ? [`grad · ((pos_weight · target + 1 − target) · sigmoid(self) − pos_weight · target)${w}${n}`, `grad · ((pos_weight − 1) · softplus(−self) − self)${w}${n}`]
      : [`grad · (sigmoid(self) − target)${w}${n}`, `−grad · self${w}${n}`];
  },
  gradFunc: (g, s, needs) => {
    const x = s.self, y = s.target;
    let gx: Tensor | null = null, gy: Tensor | null = null;
    if (needs[0]) gx = s.posWeight ? x.sigmoid().mul(s.posWeight.sub(1).mul(y).add(1)).sub(s.posWeight.mul(y)) : x.sigmoid().sub(y);
    if (needs[1]) gy = s.posWeight ? softplus(x.neg()).mul(s.posWeight.sub(1)).sub(x) : x.neg();
    const k = scaleOf(s.reduction, x.numel());
    const fin = (t: Tensor | null) => (t === null ? null : (s.weight ? t.mul(s.weight) : t).mul(g).mul(k));
    return [fin(gx), fin(gy)];
  },
};

/** sigmoid then binary cross entropy, computed stably from the logits (one node, as PyTorch). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  checkTensors("binaryCrossEntropyWithLogits", input, target);
  const reduction = checkReduction(options.reduction, "binaryCrossEntropyWithLogits");
  if (!shapeEquals(input.shape, target.shape)) {
    throw new RangeError(`binaryCrossEntropyWithLogits: Target size (${formatShape(target.shape)}) must be the same as input size (${formatShape(input.shape)}).`);
  }
  const weight = broadcastWeight(options.weight, input.shape, "binaryCrossEntropyWithLogits", "weight");
  const posWeight = broadcastWeight(options.posWeight, input.shape, "binaryCrossEntropyWithLogits", "posWeight");
  const wv = weight?._values, pv = posWeight?._values;
  const xv = input._values, yv = target._values;
  const v = allocate(input.dtype, xv.length);
  for (let i = 0; i < v.length; i++) {
    const x = xv[i]!, y = yv[i]!;
    const lw = pv === undefined ? 1 : 1 + (pv[i]! - 1) * y;
    const spNeg = Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0); // softplus(−x)
    v[i] = ((1 - y) * x + lw * spNeg) * (wv === undefined ? 1 : wv[i]!);
  }
  const out = reduceValues(new Tensor(v, input.shape, input.dtype), reduction);
  return record(out, BinaryCrossEntropyWithLogitsBackward0, [input, target], () => ({ self: input, target, weight, posWeight, reduction }));
}

const XlogyBackward0: GradientSpec<{ self: Tensor; other: Tensor }> = {
  name: "XlogyBackward0",
  inputs: ["self", "other"],
  formulas: ["grad · (self == 0 ? 0 : log(other))", "grad · self / other"],
  gradFunc: (g, s, needs) => {
    const nonzero = s.self.detach().ne(0);
    return [needs[0] ? g.mul(s.other.log().where(nonzero, 0)) : null, needs[1] ? g.mul(s.self).div(s.other) : null];
  },
};

/** x · log(y), 0 where x is 0 (torch.xlogy) — for klDiv's target · log(target). */
function xlogy(x: Tensor, y: Tensor): Tensor {
  const out = elementwise(x, y, (a, b) => (a === 0 && !Number.isNaN(b) ? 0 : a * Math.log(b)));
  return record(out, XlogyBackward0, [x, y], () => ({ self: x, other: y }));
}

export interface KLDivOptions {
  reduction?: Reduction | "batchmean";
  /** target holds log-probabilities. */
  logTarget?: boolean;
}

/** KL divergence of input (log-probabilities) from target, PyTorch's composite (XlogyBackward0, MulBackward0, SubBackward0…). */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  checkTensors("klDiv", input, target);
  const reduction = checkReduction(options.reduction, "klDiv", ["batchmean"]) as Reduction | "batchmean";
  if (reduction === "mean") {
    warn("klDiv: reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.");
  }
  const out = options.logTarget ? target.exp().mul(target.sub(input)) : xlogy(target, target).sub(target.mul(input));
  // Python's `reduced / input.size(0)`: a tensor division (DivBackward0).
  if (reduction === "batchmean") return input.shape.length === 0 ? out.sum() : out.sum().div(new Tensor(allocate(out.dtype, 1).fill(input.shape[0]!), [], out.dtype));
  return reduction === "mean" ? out.mean() : reduction === "sum" ? out.sum() : out;
}

// Loss reductions and the checks every loss shares.
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { broadcastShapes, formatShape, shapeEquals } from "../../shape";
import { expand } from "../../ops/shape_ops";
import { warn } from "../../warnings";

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  reduction?: Reduction;
}

export function checkReduction(r: unknown, op: string, extra: readonly string[] = []): Reduction {
  if (r === undefined) return "mean";
  if (r === "mean" || r === "sum" || r === "none" || extra.includes(r as string)) return r as Reduction;
  const allowed = ["mean", "sum", "none", ...extra].map((s) => `"${s}"`).join(", ");
  throw new TypeError(`${op}: reduction must be one of ${allowed}, got ${JSON.stringify(r)}.`);
}

export function checkTensors(op: string, input: unknown, target: unknown): asserts input is Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor.`);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor.`);
}

/** The reduced values as a fresh tensor (the caller records the op's node on it). */
export function reduceValues(values: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return values;
  let s = 0;
  for (let i = 0; i < values._values.length; i++) s += values._values[i]!;
  const out = allocate(values.dtype, 1);
  out[0] = reduction === "mean" ? s / values._values.length : s;
  return new Tensor(out, [], values.dtype);
}

/** 1/n for mean (n elements averaged), 1 otherwise. */
export const scaleOf = (r: Reduction, n: number): number => (r === "mean" ? 1 / Math.max(n, 1) : 1);

/**
 * Input and target of an elementwise loss with the same shape; otherwise PyTorch's warning, and
 * both broadcast (torch.broadcast_tensors: ExpandBackward0 nodes).
 */
export function sameShape(op: string, input: Tensor, target: Tensor): [Tensor, Tensor] {
  if (shapeEquals(input.shape, target.shape)) return [input, target];
  warn(
    `${op}: Using a target size (${formatShape(target.shape)}) that is different to the input size (${formatShape(input.shape)}). ` +
      `This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
  );
  const shape = broadcastShapes(input.shape, target.shape, op);
  return [shapeEquals(input.shape, shape) ? input : expand(input, shape), shapeEquals(target.shape, shape) ? target : expand(target, shape)];
}

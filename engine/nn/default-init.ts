// The initialisation PyTorch's Linear and ConvNd give their parameters (reset_parameters).
import type { Tensor } from "../tensor";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init";

/**
 * PyTorch's reset_parameters of Linear / ConvNd: weight kaiming_uniform(a = √5), i.e.
 * U(±1/√fan_in), and bias U(±1/√fan_in).
 */
export function defaultInit(weight: Tensor, bias: Tensor | null | undefined): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null && bias !== undefined) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

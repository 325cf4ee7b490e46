import type { Tensor } from "../tensor";
export function einsum(equation: string, ...operands: Array<Tensor | readonly Tensor[]>): Tensor {
  void equation; void operands;
  throw new Error("einsum: not implemented yet");
}

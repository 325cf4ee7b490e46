// Derivatives of softmax and logSoftmax, written with the saved output as PyTorch does.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";

type Saved = { result?: Tensor; dim: number };

export const SoftmaxBackward0: GradientSpec<Saved> = {
  name: "SoftmaxBackward0",
  inputs: ["self"],
  formulas: (s) => [`result · (grad − (grad · result).sum(${s.dim}, keepdim))`],
  gradFunc: (g, s) => {
    const y = s.result!;
    return [y.mul(g.sub(g.mul(y).sum(s.dim, true)))];
  },
};

export const LogSoftmaxBackward0: GradientSpec<Saved> = {
  name: "LogSoftmaxBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad − exp(result) · grad.sum(${s.dim}, keepdim)`],
  gradFunc: (g, s) => [g.sub(s.result!.exp().mul(g.sum(s.dim, true)))],
};

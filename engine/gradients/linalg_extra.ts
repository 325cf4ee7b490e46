// Derivative of baddbmm (input + batch1 @ batch2 per batch).
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";

export const BaddbmmBackward0: GradientSpec<{ batch1?: Tensor; batch2?: Tensor }> = {
  name: "BaddbmmBackward0",
  inputs: ["self", "batch1", "batch2"],
  formulas: ["grad (summed to self's shape)", "grad · batch2ᵀ (per batch)", "batch1ᵀ · grad (per batch)"],
  gradFunc: (g, s, needs) => [
    needs[0] ? g : null,
    needs[1] ? g.matmul(s.batch2!.transpose(-1, -2)) : null,
    needs[2] ? s.batch1!.transpose(-1, -2).matmul(g) : null,
  ],
};

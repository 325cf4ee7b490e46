// Derivatives of matrix products. Without createGraph the products are computed straight from the
// saved matrices with transposed-operand flags (no transposed copies); with createGraph they are
// built from differentiable ops so the result can be differentiated again.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { isGradEnabled } from "../grad_mode";
import { mmValues } from "../ops/linalg";

/** g·Bᵀ */
const gradA = (g: Tensor, b: Tensor): Tensor => (isGradEnabled() ? g.mm(b.t()) : mmValues(g, b, false, true));
/** Aᵀ·g */
const gradB = (a: Tensor, g: Tensor): Tensor => (isGradEnabled() ? a.t().mm(g) : mmValues(a, g, true, false));

export const MmBackward0: GradientSpec<{ self?: Tensor; mat2?: Tensor }> = {
  name: "MmBackward0",
  inputs: ["self", "mat2"],
  formulas: ["grad · mat2ᵀ", "selfᵀ · grad"],
  gradFunc: (g, s, needs) => [needs[0] ? gradA(g, s.mat2!) : null, needs[1] ? gradB(s.self!, g) : null],
};

export const AddmmBackward0: GradientSpec<{ mat1?: Tensor; mat2?: Tensor }> = {
  name: "AddmmBackward0",
  inputs: ["self", "mat1", "mat2"],
  formulas: ["grad (summed to self's shape)", "grad · mat2ᵀ", "mat1ᵀ · grad"],
  gradFunc: (g, s, needs) => [
    needs[0] ? g : null,
    needs[1] ? gradA(g, s.mat2!) : null,
    needs[2] ? gradB(s.mat1!, g) : null,
  ],
};

export const DotBackward0: GradientSpec<{ self?: Tensor; tensor?: Tensor }> = {
  name: "DotBackward0",
  inputs: ["self", "tensor"],
  formulas: ["grad · tensor", "grad · self"],
  gradFunc: (g, s, needs) => [needs[0] ? s.tensor!.mul(g) : null, needs[1] ? s.self!.mul(g) : null],
};

export const MvBackward0: GradientSpec<{ self?: Tensor; vec?: Tensor }> = {
  name: "MvBackward0",
  inputs: ["self", "vec"],
  formulas: ["grad ⊗ vec (outer product)", "selfᵀ · grad"],
  gradFunc: (g, s, needs) => [
    needs[0] ? g.unsqueeze(1).mul(s.vec!.unsqueeze(0)) : null,
    needs[1] ? s.self!.t().matmul(g) : null,
  ],
};

export const BmmBackward0: GradientSpec<{ self?: Tensor; mat2?: Tensor }> = {
  name: "BmmBackward0",
  inputs: ["self", "mat2"],
  formulas: ["grad · mat2ᵀ (per batch)", "selfᵀ · grad (per batch)"],
  // Batch dims that were broadcast are summed back by the engine (sumTo).
  gradFunc: (g, s, needs) => [
    needs[0] ? g.matmul(s.mat2!.transpose(-1, -2)) : null,
    needs[1] ? s.self!.transpose(-1, -2).matmul(g) : null,
  ],
};

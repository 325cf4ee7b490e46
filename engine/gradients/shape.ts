// Derivatives of the shape ops: each undoes the rearrangement on the gradient.
import type { GradientSpec } from "../autograd/node";
import { sumTo } from "../ops/elementwise";

type Shape = readonly number[];
// In code (`grad.reshape([2, 3])`) a shape is an array literal; in prose it is the house notation,
// [2×3] (shared/format.ts's formatShape: the engine's declarations stay self-contained, so not imported).
const shapeText = (s: Shape) => `[${s.join(", ")}]`;
const shapeProse = (s: Shape) => `[${s.join("×")}]`;

export const ViewBackward0: GradientSpec<{ selfShape: Shape }> = {
  name: "ViewBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.reshape(${shapeText(s.selfShape)})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

export const UnsqueezeBackward0: GradientSpec<{ dim: number; selfShape: Shape }> = {
  name: "UnsqueezeBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.squeeze(${s.dim})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

export const SqueezeBackward0: GradientSpec<{ selfShape: Shape }> = {
  name: "SqueezeBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.reshape(${shapeText(s.selfShape)})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

/** _reshape_alias: reshape() of a strided tensor whose strides allow a view. */
export const ReshapeAliasBackward0: GradientSpec<{ selfShape: Shape }> = { ...ViewBackward0, name: "ReshapeAliasBackward0" };

/** _unsafe_view: the reshape of a fresh copy (reshape of a non-viewable tensor, matmul's folds). */
export const UnsafeViewBackward0: GradientSpec<{ selfShape: Shape }> = {
  name: "UnsafeViewBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.reshape(${shapeText(s.selfShape)})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

/** x[...]: a new tensor object for the same values. */
export const AliasBackward0: GradientSpec<Record<string, never>> = {
  name: "AliasBackward0",
  inputs: ["self"],
  formulas: ["grad"],
  gradFunc: (g) => [g],
};

export const SqueezeBackward2: GradientSpec<{ dim: number; selfShape: Shape }> = {
  name: "SqueezeBackward2",
  inputs: ["self"],
  formulas: (s) => [`grad.reshape(${shapeText(s.selfShape)})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

export const SqueezeBackward1: GradientSpec<{ dim: number; selfShape: Shape }> = {
  name: "SqueezeBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad.unsqueeze(${s.dim})`],
  gradFunc: (g, s) => [g.reshape(s.selfShape)],
};

/**
 * In-place squeeze_(dim): torch.matmul of a 1-d by a 2-d tensor is `mm(a.unsqueeze(0), b).squeeze_(0)`
 * inside ATen, so PyTorch 2.x shows SqueezeBackward4 (squeeze_.dim) there, not SqueezeBackward1.
 */
export const SqueezeBackward4: GradientSpec<{ dim: number; selfShape: Shape }> = { ...SqueezeBackward1, name: "SqueezeBackward4" };
/** squeeze_() of every size-1 dim (PyTorch 2.x; 1.13 called it SqueezeBackward2). */
export const SqueezeBackward3: GradientSpec<{ dim: number; selfShape: Shape }> = { ...SqueezeBackward1, name: "SqueezeBackward3", formulas: (s) => [`grad.reshape(${shapeText(s.selfShape)})`] };
export const UnsqueezeBackward1: GradientSpec<{ dim: number; selfShape: Shape }> = { ...UnsqueezeBackward0, name: "UnsqueezeBackward1" };

export const PermuteBackward0: GradientSpec<{ dims: readonly number[] }> = {
  name: "PermuteBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.permute(${shapeText(inverse(s.dims))})`],
  gradFunc: (g, s) => [g.permute(inverse(s.dims))],
};

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const TransposeBackward0: GradientSpec<{ dim0: number; dim1: number }> = {
  name: "TransposeBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.transpose(${s.dim0}, ${s.dim1})`],
  gradFunc: (g, s) => [g.ndim === 0 ? g : g.transpose(s.dim0, s.dim1)],
};

export const TBackward0: GradientSpec<Record<string, never>> = {
  name: "TBackward0",
  inputs: ["self"],
  formulas: ["grad.t()"],
  gradFunc: (g) => [g.t()],
};

export const ExpandBackward0: GradientSpec<{ selfShape: Shape }> = {
  name: "ExpandBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad summed back to ${shapeProse(s.selfShape)}`],
  gradFunc: (g, s) => [sumTo(g, s.selfShape, "ExpandBackward0")],
};

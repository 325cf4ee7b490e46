// Derivatives of the loss functions (n = number of elements averaged over when reduction is mean).
import { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import type { Reduction } from "../nn/fn/reduction";
import { allocate } from "../dtype";

const scale = (r: Reduction, n: number) => (r === "mean" ? 1 / Math.max(n, 1) : 1);

export const MseLossBackward0: GradientSpec<{ self?: Tensor; target?: Tensor; reduction: Reduction }> = {
  name: "MseLossBackward0",
  inputs: ["self", "target"],
  formulas: (s) => {
    const n = s.reduction === "mean" ? " / n" : "";
    return [`2 · (self − target) · grad${n}`, `−2 · (self − target) · grad${n}`];
  },
  gradFunc: (g, s, needs) => {
    const d = s.self!.sub(s.target!).mul(2 * scale(s.reduction, s.self!.numel()));
    const gs = needs[0] || needs[1] ? d.mul(g) : null;
    return [needs[0] ? gs : null, needs[1] ? gs!.neg() : null];
  },
};

export const BinaryCrossEntropyBackward0: GradientSpec<{ self?: Tensor; target?: Tensor; weight?: Tensor; weighted?: boolean; reduction: Reduction }> = {
  name: "BinaryCrossEntropyBackward0",
  inputs: ["self", "target"],
  formulas: (s) => [`grad · (self − target) / max(self · (1 − self), 1e-12)${s.weight ? " · weight" : ""}${s.reduction === "mean" ? " / n" : ""}`, "—"],
  gradFunc: (g, s) => {
    const x = s.self!;
    const denom = x.mul(x.neg().add(1)).clamp(1e-12);
    const d = x.sub(s.target!).div(denom);
    return [(s.weight ? d.mul(s.weight) : d).mul(g).mul(scale(s.reduction, x.numel())), null];
  },
};

export interface NllSaved {
  selfShape: readonly number[];
  target: Int32Array;
  reduction: Reduction;
  /** Class weights (null: all 1). */
  weight: number[] | null;
  ignoreIndex: number;
  /** The mean's divisor: the summed weights of the targets not ignored. */
  totalWeight: number;
}

export const NllLossBackward0: GradientSpec<NllSaved> = {
  name: "NllLossBackward0",
  inputs: ["self"],
  formulas: (s) => [`−grad${s.weight ? " · weight[target[i]]" : ""}${s.reduction === "mean" ? ` / ${s.weight ? "Σ weight[target]" : "n"}` : ""} at [i, target[i]], 0 elsewhere`],
  gradFunc: (g, s) => {
    // A constant one-hot weight (−w/n at each target) times grad, so createGraph still works.
    const n = s.target.length;
    const classes = s.selfShape[s.selfShape.length - 1]!;
    const w = allocate(g.dtype, n * classes);
    const k = s.reduction === "mean" ? -1 / s.totalWeight : -1;
    for (let i = 0; i < n; i++) {
      const t = s.target[i]!;
      if (t === s.ignoreIndex) continue;
      w[i * classes + t] = k * (s.weight === null ? 1 : s.weight[t]!);
    }
    const weight = new Tensor(w, s.selfShape, g.dtype);
    const gb = s.reduction === "none" && s.selfShape.length === 2 ? g.unsqueeze(1) : g;
    return [weight.mul(gb)];
  },
};

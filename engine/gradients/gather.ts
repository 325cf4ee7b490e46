// Derivatives of gather, scatter, scatterAdd, indexSelect, take, maskedSelect and the out-of-place
// maskedFill. The reads (gather, indexSelect, take, maskedSelect) scatter the gradient back to the
// positions they read (gatherSpec); the writes pass the gradient through where they did not write
// and hand the written positions' gradient to the source.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { gatherFlat, scatterAddFlat } from "../ops/indexing";
import { gatherSpec } from "./indexing";
import { pick } from "./elementwise";

export const GatherBackward0 = gatherSpec("GatherBackward0", (s) => `grad added back at the gathered positions along dim ${s["dim"]} (0 elsewhere)`);
export const IndexSelectBackward0 = gatherSpec("IndexSelectBackward0", (s) => `grad added back at the selected indices of dim ${s["dim"]} (0 elsewhere)`);
export const TakeBackward0 = gatherSpec("TakeBackward0", "grad added back at the taken (flat) positions (0 elsewhere)");
export const MaskedSelectBackward0 = gatherSpec("MaskedSelectBackward0", "grad placed where mask is true (0 elsewhere)");

export interface ScatterSaved {
  /** 1 where self's value survives, 0 where the scatter wrote (scatter only). */
  keep?: Tensor;
  /** Flat position in the output of each index element. */
  map: Int32Array;
  indexShape: readonly number[];
  /** Flat position in src of each index element; null when src has index's shape. */
  srcMap: Int32Array | null;
  srcShape: readonly number[];
  dim: number;
  /** The number written (scatter with a value). */
  value?: number;
}

/** src's gradient: grad read at the written positions (GatherBackward0 when recorded), laid out in src's shape. */
function srcGrad(g: Tensor, s: ScatterSaved): Tensor {
  const read = gatherFlat(g, s.map, s.indexShape, GatherBackward0, { dim: s.dim });
  return s.srcMap === null ? read : scatterAddFlat(read, s.srcMap, s.srcShape, "ScatterBackward0");
}

export const ScatterBackward0: GradientSpec<ScatterSaved> = {
  name: "ScatterBackward0",
  inputs: ["self", "src"],
  formulas: (s) => [`grad with the scattered positions set to 0 (grad.scatter(${s.dim}, index, 0))`, `grad.gather(${s.dim}, index)`],
  gradFunc: (g, s, needs) => [needs[0] ? pick(g, s.keep!) : null, needs[1] ? srcGrad(g, s) : null],
};

export const ScatterBackward1: GradientSpec<ScatterSaved> = {
  name: "ScatterBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad with the scattered positions set to 0 (grad.scatter(${s.dim}, index, 0))`],
  gradFunc: (g, s) => [pick(g, s.keep!)],
};

export const ScatterAddBackward0: GradientSpec<ScatterSaved> = {
  name: "ScatterAddBackward0",
  inputs: ["self", "src"],
  formulas: (s) => ["grad", `grad.gather(${s.dim}, index)`],
  gradFunc: (g, s, needs) => [needs[0] ? g : null, needs[1] ? srcGrad(g, s) : null],
};

/** maskedFill with a 0-dim tensor value: the value gets the sum of grad where mask is true. */
export const MaskedFillBackward1: GradientSpec<{ keep?: Tensor; fill?: Tensor }> = {
  name: "MaskedFillBackward1",
  inputs: ["self", "value"],
  formulas: ["grad · [not mask]", "sum of grad where mask"],
  gradFunc: (g, s, needs) => [needs[0] ? pick(g, s.keep!) : null, needs[1] ? pick(g, s.fill!).sum() : null],
};

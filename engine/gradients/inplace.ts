// Derivatives of the in-place-only ops (fills, copies, index_put) and of CopySlices, the node
// PyTorch gives a base when an in-place op wrote through one of its views.
import { Tensor } from "../tensor";
import type { FunctionNode, GradientSpec } from "../autograd/node";
import { zerosLike } from "../ops/creation";
import { gatherFlat, scatterAddFlat } from "../ops/indexing";
import { sumTo } from "../ops/elementwise";
import { AsStridedBackward0 } from "./indexing";
import { pick } from "./elementwise";

type None = Record<string, unknown>;
const zero = (name: string, formula = "0"): GradientSpec<None> => ({
  name,
  inputs: ["self"],
  formulas: [formula],
  gradFunc: (g) => [zerosLike(g)],
});

export const ZeroBackward0 = zero("ZeroBackward0");
/** fill_(number): PyTorch 2.x's fill_.Scalar (FillBackward0/1 are the out-of-place fill overloads). */
export const FillBackward2 = zero("FillBackward2");
export const UniformBackward0 = zero("UniformBackward0");
export const NormalBackward0 = zero("NormalBackward0");

/** fill_(0-dim tensor): the value's gradient is the sum of grad. */
export const FillBackward3: GradientSpec<None> = {
  name: "FillBackward3",
  inputs: ["self", "value"],
  formulas: ["0", "grad.sum()"],
  gradFunc: (g, _s, needs) => [needs[0] ? zerosLike(g) : null, needs[1] ? g.sum() : null],
};

/** x.copy_(src): x's old values are gone (zero gradient); src gets grad, summed to its shape and cast. */
export const CopyBackwards: GradientSpec<{ srcDType: string }> = {
  name: "CopyBackwards",
  inputs: ["self", "src"],
  formulas: (s) => ["0", `grad (summed to src's shape, as ${s.srcDType})`],
  gradFunc: (g, _s, needs) => [needs[0] ? zerosLike(g) : null, needs[1] ? g : null],
};

export const MaskedFillBackward0: GradientSpec<{ keep?: Tensor; value?: number }> = {
  name: "MaskedFillBackward0",
  inputs: ["self"],
  formulas: ["grad · [not mask]"],
  gradFunc: (g, s) => [pick(g, s.keep!)],
};

export const IndexPutBackward0: GradientSpec<{ map: Int32Array; valuesShape: readonly number[] }> = {
  name: "IndexPutBackward0",
  inputs: ["self", "values"],
  formulas: ["grad with the written positions set to 0", "grad read at the written positions"],
  gradFunc: (g, s, needs) => {
    const picked = gatherFlat(g, s.map, s.valuesShape, AsStridedBackward0, {});
    const self = needs[0] ? g.sub(scatterAddFlat(picked, s.map, g.shape, "IndexPutBackward0")) : null;
    return [self, needs[1] ? picked : null];
  },
};

export interface CopySlicesSaved {
  /** The node of the op that wrote through the view (its input 0 was the view). */
  fn: FunctionNode<object>;
  /** Row-major positions in the base of the view's elements. */
  map: Int32Array;
  baseShape: readonly number[];
  /** The view had an expanded dim: PyTorch's backward refuses to copy into it. */
  overlap: boolean;
}

/**
 * grad of the base: outside the view it flows to the base's old history unchanged; inside, it is
 * what the op's node makes of the view's part (its gradient for input 0). The op's other inputs
 * get the rest of what the node returns.
 */
export const CopySlices: GradientSpec<CopySlicesSaved> = {
  name: "CopySlices",
  inputs: ["self", "others"],
  formulas: (s, n) => [
    `grad outside the view; inside it, ${s.fn.name}'s gradient for the view: ${s.fn.formulas[0] ?? "grad"}`,
    ...s.fn.formulas.slice(1, n),
  ],
  gradFunc: (g, s, needs) => {
    if (s.overlap) {
      throw new Error(
        "CopySlices: unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
      );
    }
    const viewShape = s.fn.outShape;
    const part = gatherFlat(g, s.map, viewShape, AsStridedBackward0, {});
    const outs = s.fn.apply(part, [true, ...needs.slice(1)]);
    const g0 = outs[0] === null || outs[0] === undefined ? null : sumTo(outs[0], viewShape, "CopySlices");
    let res = needs[0] ? g.sub(scatterAddFlat(part, s.map, g.shape, "CopySlices")) : null;
    if (res !== null && g0 !== null) res = res.add(scatterAddFlat(g0, s.map, g.shape, "CopySlices"));
    return [res, ...outs.slice(1)];
  },
};

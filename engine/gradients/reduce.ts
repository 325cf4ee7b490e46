// Derivatives of reductions. A reduction's gradient spreads `grad` back over the reduced dims.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import type { GatherSaved } from "./indexing";
import { gatherSpec } from "./indexing";

type Shape = readonly number[];
const dimsText = (dims: readonly number[]) => (dims.length === 1 ? `dim ${dims[0]}` : `dims [${dims.join(", ")}]`);

/** grad (reduced over dims) made broadcastable again: re-insert the dims keepdim dropped. */
function unreduce(g: Tensor, selfShape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || dims.length === 0) return g;
  const shape = selfShape.map((s, i) => (dims.includes(i) ? 1 : s));
  return g.reshape(shape);
}

export const SumBackward0: GradientSpec<{ selfShape: Shape }> = {
  name: "SumBackward0",
  inputs: ["self"],
  formulas: ["grad.expand(self.shape)"],
  gradFunc: (g, s) => [g.expand(s.selfShape)],
};

export const SumBackward1: GradientSpec<{ selfShape: Shape; dims: readonly number[]; keepdim: boolean }> = {
  name: "SumBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad expanded over ${dimsText(s.dims)} to self.shape`],
  gradFunc: (g, s) => [unreduce(g, s.selfShape, s.dims, s.keepdim).expand(s.selfShape)],
};

export const MeanBackward0: GradientSpec<{ selfShape: Shape; count: number }> = {
  name: "MeanBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad.expand(self.shape) / ${s.count}`],
  gradFunc: (g, s) => [g.div(s.count).expand(s.selfShape)],
};

export const MeanBackward1: GradientSpec<{ selfShape: Shape; dims: readonly number[]; keepdim: boolean; count: number }> = {
  name: "MeanBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad expanded over ${dimsText(s.dims)} to self.shape / ${s.count}`],
  gradFunc: (g, s) => [unreduce(g, s.selfShape, s.dims, s.keepdim).div(s.count).expand(s.selfShape)],
};

function evenly(name: string, word: string): GradientSpec<{ self?: Tensor; result: number }> {
  return {
    name,
    inputs: ["self"],
    formulas: [`grad / (number of ${word}s) at each position where self = ${word}, 0 elsewhere`],
    gradFunc: (g, s) => {
      const x = s.self!;
      // As a mask of x's dtype: a bool mask times a 0-dim float64 grad would promote to float32.
      const m = x.eq(s.result).to(x.dtype);
      const count = m.sum().item();
      return [m.mul(g.div(count))];
    },
  };
}

/** max() over all elements (libtorch's name for the full reduction is MaxBackward1). */
export const MaxBackward1 = evenly("MaxBackward1", "max");
export const MinBackward1 = evenly("MinBackward1", "min");

/** max(dim): the gradient goes to the position of each maximum. */
export const MaxBackward0: GradientSpec<GatherSaved> = gatherSpec("MaxBackward0", "grad scattered to the argmax positions along dim (0 elsewhere)");
export const MinBackward0: GradientSpec<GatherSaved> = gatherSpec("MinBackward0", "grad scattered to the argmin positions along dim (0 elsewhere)");

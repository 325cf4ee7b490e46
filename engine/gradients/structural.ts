// Derivatives of the structural ops (repeat/tile, flip, roll, split/chunk/unbind, tril/triu): the
// copies and views scatter the gradient back to the positions they read (gatherSpec); tril/triu
// keep the same triangle of the gradient.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { gatherSpec } from "./indexing";

export const RepeatBackward0 = gatherSpec("RepeatBackward0", (s) => `grad summed over the ${JSON.stringify(s["repeats"])} copies`);
export const FlipBackward0 = gatherSpec("FlipBackward0", (s) => `grad flipped back along dims ${JSON.stringify(s["dims"])}`);
export const RollBackward0 = gatherSpec("RollBackward0", (s) => `grad rolled back by ${JSON.stringify(s["shifts"])}`);
export const SplitBackward0 = gatherSpec("SplitBackward0", (s) => `grad placed at ${s["start"]}:${s["end"]} of dim ${s["dim"]} (0 elsewhere)`);
export const SplitWithSizesBackward0 = gatherSpec("SplitWithSizesBackward0", (s) => `grad placed at ${s["start"]}:${s["end"]} of dim ${s["dim"]} (0 elsewhere)`);
export const UnbindBackward0 = gatherSpec("UnbindBackward0", (s) => `grad placed at index ${s["index"]} of dim ${s["dim"]} (0 elsewhere)`);

interface TriSaved {
  diagonal: number;
}

function triSpec(name: string, lower: boolean, apply: (g: Tensor, k: number) => Tensor): GradientSpec<TriSaved> {
  return {
    name,
    inputs: ["self"],
    formulas: (s) => [`grad.${lower ? "tril" : "triu"}(${s.diagonal})`],
    gradFunc: (g, s) => [apply(g, s.diagonal)],
  };
}

export const TrilBackward0 = triSpec("TrilBackward0", true, (g, k) => g.tril(k));
export const TriuBackward0 = triSpec("TriuBackward0", false, (g, k) => g.triu(k));

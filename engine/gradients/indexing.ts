// Derivatives of the gather family (select, slice, index, max(dim), ...): scatter the gradient
// back to the positions that were read. The scatter is differentiable too: its gradient gathers.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { gatherFlat, scatterAddFlat } from "../ops/indexing";

export interface GatherSaved {
  /** Flat positions read from self, one per output element. */
  map: Int32Array;
  selfShape: readonly number[];
  [extra: string]: unknown;
}

interface ScatterSaved {
  map: Int32Array;
  outShape: readonly number[];
}

export function gatherSpec(name: string, formula: string | ((s: GatherSaved) => string)): GradientSpec<GatherSaved> {
  return {
    name,
    inputs: ["self"],
    formulas: typeof formula === "string" ? [formula] : (s) => [formula(s)],
    gradFunc: (g: Tensor, s) => [scatterAddFlat(g, s.map, s.selfShape, name)],
  };
}

const scatterSpecs = new Map<string, GradientSpec<ScatterSaved>>();

/** The node of a scatter-add made by `name`'s backward, e.g. SelectBackwardBackward0. */
export function scatterSpec(name: string): GradientSpec<ScatterSaved> {
  let spec = scatterSpecs.get(name);
  if (!spec) {
    const own = `${name.replace(/\d+$/, "")}Backward0`;
    const again = gatherSpec(`${own}Backward0`, "grad read back at the scattered positions");
    spec = {
      name: own,
      inputs: ["grad"],
      formulas: ["grad read back at the scattered positions"],
      gradFunc: (g, s) => [gatherFlat(g, s.map, s.outShape, again, {})],
    };
    scatterSpecs.set(name, spec);
  }
  return spec;
}

export const SelectBackward0 = gatherSpec("SelectBackward0", (s) => `grad placed at index ${s["index"]} of dim ${s["dim"]} (0 elsewhere)`);
export const SliceBackward0 = gatherSpec(
  "SliceBackward0",
  (s) => `grad placed at ${s["start"]}:${s["end"]}${s["step"] === 1 ? "" : `:${s["step"]}`} of dim ${s["dim"]} (0 elsewhere)`,
);
export const IndexBackward0 = gatherSpec("IndexBackward0", "grad added at the indexed positions (0 elsewhere)");
export const DiagonalBackward0 = gatherSpec("DiagonalBackward0", (s) => `grad placed on the diagonal (offset ${s["offset"]}) of dims ${s["dim1"]}, ${s["dim2"]} (0 elsewhere)`);
export const UnfoldBackward0 = gatherSpec("UnfoldBackward0", (s) => `each window's grad added back at its positions along dim ${s["dim"]}`);
/** The grad_fn PyTorch gives a view after an in-place op through it changed its base (CopySlices). */
export const AsStridedBackward0 = gatherSpec("AsStridedBackward0", "grad placed at the view's positions in its base (0 elsewhere)");

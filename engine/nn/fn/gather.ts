// A gather that may read zeros (map entry −1: padding) and its gradient, a scatter-add that skips
// −1 entries. Each is the other's derivative, so both are differentiable to any order. Behind
// embedding, max pooling, padding and the im2col/col2im of convolutions.
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { numel } from "../../shape";
import { record } from "../../autograd/record";
import type { GradientSpec } from "../../autograd/node";

export interface GatherZeroSaved {
  /** Flat position read for each output element, or −1 for a zero. */
  map: Int32Array;
  selfShape: readonly number[];
  /** Positions the gradient is added back to (defaults to map), −1 to drop it. */
  backMap?: Int32Array;
  [extra: string]: unknown;
}
interface ScatterZeroSaved {
  map: Int32Array;
  outShape: readonly number[];
}

/** out[i] = map[i] < 0 ? fill : x[map[i]], recorded under `spec`. */
export function gatherOrZero(x: Tensor, map: Int32Array, outShape: readonly number[], spec: GradientSpec<GatherZeroSaved>, extra: Record<string, unknown> = {}, fill = 0): Tensor {
  const src = x._values;
  const out = allocate(x.dtype, map.length);
  for (let i = 0; i < map.length; i++) {
    const m = map[i]!;
    out[i] = m < 0 ? fill : src[m]!;
  }
  return record(new Tensor(out, outShape, x.dtype), spec, [x], () => ({ ...extra, map, selfShape: x.shape }));
}

/** zeros(shape) with out[map[i]] += g[i] where map[i] ≥ 0. */
export function scatterOrZero(g: Tensor, map: Int32Array, shape: readonly number[], spec: GradientSpec<ScatterZeroSaved>): Tensor {
  const out = allocate(g.dtype, numel(shape));
  const src = g._values;
  for (let i = 0; i < map.length; i++) {
    const m = map[i]!;
    if (m >= 0) out[m]! += src[i]!;
  }
  return record(new Tensor(out, shape, g.dtype), spec, [g], () => ({ map, outShape: g.shape }));
}

const specs = new Map<string, GradientSpec<GatherZeroSaved>>();
const scatterSpecs = new Map<string, GradientSpec<ScatterZeroSaved>>();

/** The spec of a scatter-add named `name`; its gradient gathers again (`${name}Backward0`). */
export function scatterZeroSpec(name: string, formula = "grad read back at the scattered positions"): GradientSpec<ScatterZeroSaved> {
  let spec = scatterSpecs.get(name);
  if (spec === undefined) {
    const again = `${name.replace(/\d+$/, "")}Backward0`;
    spec = {
      name,
      inputs: ["grad"],
      formulas: [formula],
      gradFunc: (g, s) => [gatherOrZero(g, s.map, s.outShape, gatherZeroSpec(again, "grad added back at the gathered positions"))],
    };
    scatterSpecs.set(name, spec);
  }
  return spec;
}

/** The spec of a gather named `name`; its gradient is a scatter-add (`${name}Backward0`, minus the digit). */
export function gatherZeroSpec(name: string, formula: string): GradientSpec<GatherZeroSaved> {
  let spec = specs.get(name);
  if (spec === undefined) {
    const scatter = scatterZeroSpec(`${name.replace(/\d+$/, "")}Backward0`);
    spec = {
      name,
      inputs: ["self"],
      formulas: [formula],
      gradFunc: (g, s) => [scatterOrZero(g, s.backMap ?? s.map, s.selfShape, scatter)],
    };
    specs.set(name, spec);
  }
  return spec;
}

// Attaching a backward node to an op's result: the one place every op goes through.
import { Tensor } from "../tensor";
import { isGradEnabled } from "../grad_mode";
import { FunctionNode, type Edge, type GradientSpec } from "./node";
import { observer } from "./observer";

const NO_EDGE: Edge = [null, 0];

/** The edge a tensor contributes as an input: its grad_fn, its AccumulateGrad, or nothing. */
export function gradientEdge(t: Tensor): Edge {
  if (t.gradFn !== null) return t.gradFn.selfEdge;
  if (t._leafRequiresGrad) return t.gradAccumulator().selfEdge;
  return NO_EDGE;
}

/** True when the op must record: grad mode is on and some input requires grad. */
export function needsRecord(inputs: ReadonlyArray<Tensor | null>): boolean {
  if (!isGradEnabled()) return false;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t !== null && t !== undefined && (t.gradFn !== null || t._leafRequiresGrad)) return true;
  }
  return false;
}

/**
 * Record `out = op(inputs)` in the graph if any input requires grad. `saved` is only built when
 * needed (a function), so ops in noGrad or on constants pay nothing.
 */
export function record<S extends object>(
  out: Tensor,
  spec: GradientSpec<S>,
  inputs: ReadonlyArray<Tensor | null>,
  saved: () => S,
): Tensor {
  if (!needsRecord(inputs)) return out;
  const edges = new Array<Edge>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    edges[i] = t === null || t === undefined ? NO_EDGE : gradientEdge(t);
  }
  const node = new FunctionNode(spec, edges, saved(), out.shape, out.dtype, out);
  out.gradFn = node;
  if (observer !== null && observer.nodeCreated) observer.nodeCreated(node, out, inputs);
  return out;
}

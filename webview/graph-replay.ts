// The backward replay on the drawn graph (webview/graph-view.ts): which drawn box is the node being
// run (its closed group's box when it is folded), which drawn edges carry gradient in this step
// with the value each carries, and where to pan so the running node stays in view.
import type { ValueSummary } from "../shared/protocol";
import { shortGrad } from "./box";
import type { ReplayState, ViewGraph } from "./model";
import type { Point, ViewportState } from "./renderer";
import type { Scene } from "./scene";
import type { StepMarks } from "./step-overlay";
import { panToShow } from "./viewport";

/** A gradient as an edge label of the current step. */
const flowText = (v: ValueSummary | null) => shortGrad(v).replace(/^grad /, "");

/**
 * The current step as drawn: the node being run (a drawn id) and the edges carrying gradient,
 * with the value each carries (`incoming`: the gradient arriving at the op, on its result's edge).
 */
export function stepMarks(replay: ReplayState | null, scene: Scene | null, graph: ViewGraph | null): StepMarks {
  const cur = replay?.current;
  if (!cur || !scene) return { node: null, edges: [] };
  const node = scene.rep.get(cur.viewNode) ?? cur.viewNode;
  const drawn = scene.edgeById;
  const edges: StepMarks["edges"] = [];
  for (const e of cur.edges) if (drawn.has(e.edge)) edges.push({ id: e.edge, flow: flowText(e.grad), incoming: false });
  if (graph?.byId.get(cur.viewNode)?.kind === "op" && drawn.has(`o:${cur.viewNode}`)) {
    edges.push({ id: `o:${cur.viewNode}`, flow: flowText(cur.step.gradIn), incoming: true });
  }
  return { node: scene.byId.has(node) ? node : null, edges };
}

/**
 * Stepping keeps the node being run in view: when its box is (partly) outside the pane, the pan
 * (at the same zoom) that centres it; null when it is in view.
 */
export function followPan(replay: ReplayState | null, scene: Scene, positions: Record<string, Point>, vp: ViewportState): Point | null {
  const cur = replay?.current;
  if (!cur) return null;
  const id = scene.rep.get(cur.viewNode) ?? cur.viewNode;
  const d = scene.byId.get(id);
  const p = positions[id];
  return d && p ? panToShow(vp, p, d) : null;
}

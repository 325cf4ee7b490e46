// The current backward step of a big graph (drawn by canvas-view.ts), on an overlay canvas above it:
// a ring on the node being run (visible at any zoom) and the edges it sends gradient along, dashed,
// with their values where there is room. Small graphs mark the step with cytoscape classes instead.
import { arrowhead } from "./canvas-paint";
import { BOX } from "./box";
import { boundaryPoint, type SvgNode } from "./export-svg";
import type { Scene } from "./scene";
import type { Theme } from "./theme";

export interface StepMarks {
  node: string | null;
  edges: Array<{ id: string; flow: string; incoming: boolean }>;
}

/** Draws `cur` on the overlay context (already sized to w × h CSS pixels at `ratio`). */
export function drawStepOverlay(
  ctx: CanvasRenderingContext2D,
  view: { w: number; h: number; zoom: number; pan: { x: number; y: number }; ratio: number },
  t: Theme,
  scene: Scene,
  positions: Record<string, { x: number; y: number }>,
  cur: StepMarks,
): void {
  const { w, h, zoom, pan, ratio } = view;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const screen = (id: string): SvgNode | null => {
    const d = scene.byId.get(id);
    const p = positions[id];
    if (!d || !p) return null;
    return {
      x: p.x * zoom + pan.x,
      y: p.y * zoom + pan.y,
      width: d.width * zoom,
      height: d.height * zoom,
      shape: d.kind === "op" ? "pill" : "box",
      fill: "",
      stroke: "",
      strokeWidth: 0,
      lines: [],
      align: "center",
    };
  };
  ctx.lineCap = "round";
  const labels: Array<{ x: number; y: number; text: string }> = [];
  for (const e of cur.edges) {
    const edge = scene.edgeById.get(e.id);
    const a = edge && screen(edge.source);
    const b = edge && screen(edge.target);
    if (!a || !b) continue;
    const from = boundaryPoint(a, b);
    const to = boundaryPoint(b, a);
    ctx.strokeStyle = t.step;
    ctx.fillStyle = t.step;
    ctx.lineWidth = e.incoming ? 1.8 : 2.5;
    ctx.setLineDash([7, 4]);
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    ctx.setLineDash([]);
    // The arrowhead at the source end: gradients flow back towards the input.
    const len = Math.hypot(to.x - from.x, to.y - from.y);
    if (len > 4) {
      ctx.beginPath();
      arrowhead(ctx, from, to, e.incoming ? 8 : 10, 0.5);
      ctx.fill();
    }
    // Values only where there is room for them (not in the overview of a huge graph).
    if (len > 40) labels.push({ x: (from.x + to.x) / 2, y: (from.y + to.y) / 2, text: e.flow });
  }
  const node = cur.node ? screen(cur.node) : null;
  if (node) {
    ctx.strokeStyle = t.step;
    ctx.lineWidth = 3;
    ctx.beginPath();
    if (node.width < 24 || node.height < 12) {
      // Too small to outline: a ring of fixed size, so the step is findable in the overview.
      ctx.arc(node.x, node.y, 11, 0, 2 * Math.PI);
    } else {
      const r = node.shape === "pill" ? node.height / 2 : Math.min(6 * zoom, node.height / 2);
      ctx.roundRect(node.x - node.width / 2, node.y - node.height / 2, node.width, node.height, r);
    }
    ctx.stroke();
  }
  ctx.font = `bold ${BOX.textSize}px ${t.fontMono}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const l of labels) {
    const tw = ctx.measureText(l.text).width;
    ctx.fillStyle = t.background;
    ctx.fillRect(l.x - tw / 2 - 3, l.y - 9, tw + 6, 18);
    ctx.fillStyle = t.step;
    ctx.fillText(l.text, l.x, l.y);
  }
}

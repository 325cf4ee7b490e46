// How the big-graph canvas (canvas-view.ts) paints a scene: group frames, search matches, edges with
// arrowheads, boxes batched by colour, the selection, and the texts box.ts gives each box (in their
// fonts and tones) — only what is in view, and text only at a zoom where it can be read. Pure over
// a 2D context: the PNG export paints with it too, and the tests paint into a recording context.
import { BOX, boxFonts, centredText, type BoxText } from "./box";
import type { Theme } from "./theme";

export type PaintKind = "leaf" | "intermediate" | "output" | "op" | "collapsed";

export interface PaintNode {
  id: string;
  kind: PaintKind;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PaintEdge {
  source: PaintNode;
  target: PaintNode;
}

export interface PaintGroup {
  /** The group's id (fold.ts) and what its frame says. */
  id: string;
  label: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Text is drawn from this rendered font size on. */
const MIN_FONT_PX = 7;
/** Borders and rounded corners from this rendered box width on. */
const DETAIL_PX = 14;
/** Arrowheads from this zoom on. */
const ARROW_ZOOM = 0.3;

/** What is painted. */
export interface PaintScene {
  nodes: readonly PaintNode[];
  edges: readonly PaintEdge[];
  groups: readonly PaintGroup[];
  byId: ReadonlyMap<string, PaintNode>;
}

/** State read at paint time. */
export interface PaintOptions {
  theme(): Theme;
  /** A tensor box's texts as box.ts lays them out (with the grad line of the current step). */
  texts(n: PaintNode): BoxText[];
  selected(): string | null;
  matches(): ReadonlySet<string>;
  arrows(): "target" | "source";
}

/** The part of CanvasRenderingContext2D painting uses. */
export type PaintContext = Pick<
  CanvasRenderingContext2D,
  | "setTransform" | "lineJoin" | "setLineDash" | "lineWidth" | "beginPath" | "roundRect" | "rect" | "fillStyle" | "fill" | "strokeStyle" | "stroke"
  | "font" | "textAlign" | "textBaseline" | "fillText" | "globalAlpha" | "moveTo" | "lineTo" | "closePath"
>;

/**
 * Paints the scene with model → device transform (k, px, py). `zoom` decides the level of detail
 * (Infinity: everything); `view` is the model-space rectangle to draw (culling).
 */
export function paintScene(ctx: PaintContext, scene: PaintScene, o: PaintOptions, k: number, px: number, py: number, zoom: number, view: { x1: number; y1: number; x2: number; y2: number }): void {
  const t = o.theme();
  ctx.setTransform(k, 0, 0, k, px, py);
  ctx.lineJoin = "round";
  const inView = (n: PaintNode) => n.x + n.width / 2 >= view.x1 && n.x - n.width / 2 <= view.x2 && n.y + n.height / 2 >= view.y1 && n.y - n.height / 2 <= view.y2;
  const visible = scene.nodes.filter(inView);
  const detail = zoom * 70 >= DETAIL_PX;
  const text = zoom * BOX.textSize >= MIN_FONT_PX;
  const px1 = 1 / k;

  // Group frames (grouping on, lines expanded), behind everything.
  if (scene.groups.length) {
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = Math.max(1, px1);
    for (const g of scene.groups) {
      if (g.x2 < view.x1 || g.x1 > view.x2 || g.y2 < view.y1 || g.y1 > view.y2) continue;
      ctx.beginPath();
      ctx.roundRect(g.x1, g.y1, g.x2 - g.x1, g.y2 - g.y1, 8);
      ctx.fillStyle = t.groupFill;
      ctx.fill();
      ctx.strokeStyle = t.groupBorder;
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (text) {
      ctx.font = `${BOX.groupFont}px ${t.fontMono}`;
      ctx.fillStyle = t.muted;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      // In the label's strip at the top of the frame (scene.ts's groupFrames).
      for (const g of scene.groups) ctx.fillText(g.label, (g.x1 + g.x2) / 2, g.y1 + 4);
    }
  }

  // Search matches: a translucent underlay.
  const matches = o.matches();
  if (matches.size) {
    ctx.globalAlpha = t.matchOpacity;
    ctx.fillStyle = t.match;
    ctx.beginPath();
    for (const n of visible) if (matches.has(n.id)) ctx.roundRect(n.x - n.width / 2 - 6, n.y - n.height / 2 - 6, n.width + 12, n.height + 12, 8);
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  // Edges: one path of straight lines, then the arrowheads.
  ctx.strokeStyle = t.edge;
  ctx.fillStyle = t.edge;
  ctx.lineWidth = Math.max(1.3, px1);
  ctx.beginPath();
  const drawn: PaintEdge[] = [];
  for (const e of scene.edges) {
    const a = e.source;
    const b = e.target;
    if (Math.max(a.x, b.x) < view.x1 || Math.min(a.x, b.x) > view.x2 || Math.max(a.y, b.y) < view.y1 || Math.min(a.y, b.y) > view.y2) continue;
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    drawn.push(e);
  }
  ctx.stroke();
  if (zoom >= ARROW_ZOOM && drawn.length) {
    const toSource = o.arrows() === "source";
    ctx.beginPath();
    for (const e of drawn) {
      const head = toSource ? e.source : e.target;
      const tail = toSource ? e.target : e.source;
      arrowhead(ctx, boxPoint(head, tail), tail, 8, 0.45);
    }
    ctx.fill();
  }

  // Boxes, batched by fill and by border colour. The overview (no text) uses stronger fills.
  const fillOf = (kind: PaintKind) => (kind === "op" ? (text ? t.opFill : t.opBorder) : kind === "collapsed" ? t.groupFill : text ? t.boxFill : t.boxBorder);
  const borderOf = (kind: PaintKind) => (kind === "op" ? t.opBorder : kind === "leaf" ? t.leaf : kind === "output" ? t.output : kind === "collapsed" ? t.muted : t.boxBorder);
  const shape = (n: PaintNode) => {
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    if (detail) ctx.roundRect(x, y, n.width, n.height, n.kind === "op" ? n.height / 2 : 6);
    else ctx.rect(x, y, n.width, n.height);
  };
  const kinds: PaintKind[] = ["intermediate", "leaf", "output", "op", "collapsed"];
  for (const kind of kinds) {
    ctx.beginPath();
    let any = false;
    for (const n of visible) {
      if (n.kind !== kind) continue;
      shape(n);
      any = true;
    }
    if (!any) continue;
    ctx.fillStyle = fillOf(kind);
    ctx.fill();
    if (detail || kind === "leaf" || kind === "output") {
      ctx.strokeStyle = borderOf(kind);
      ctx.lineWidth = Math.max(kind === "leaf" || kind === "output" ? t.borderWidth + 0.8 : t.borderWidth, px1);
      if (kind === "collapsed") ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  // The selection: an outline around its box.
  const sel = o.selected();
  const s = sel ? scene.byId.get(sel) : undefined;
  if (s) {
    const pad = 3 + 2.5 / 2;
    ctx.strokeStyle = t.selection;
    // At least 2 pixels wide, so the selection shows in the overview too.
    ctx.lineWidth = Number.isFinite(zoom) ? Math.max(2.5, 2 / zoom) : 2.5;
    ctx.beginPath();
    ctx.roundRect(s.x - s.width / 2 - pad, s.y - s.height / 2 - pad, s.width + 2 * pad, s.height + 2 * pad, s.kind === "op" ? s.height / 2 + pad : 8);
    ctx.stroke();
  }

  if (!text) return;
  // Text, as box.ts lays it out, batched by font and colour.
  const fonts = boxFonts(t.fontUi, t.fontMono);
  const runs = new Map<string, Array<{ text: string; x: number; y: number; center: boolean; max: number }>>();
  const put = (n: PaintNode, b: BoxText) => {
    if (!b.text) return;
    const key = `${b.font}\u0000${t[b.tone]}`;
    let list = runs.get(key);
    if (!list) runs.set(key, (list = []));
    list.push({ text: b.text, x: n.x + b.x, y: n.y + b.y, center: !!b.center, max: b.center ? n.width : n.x + n.width / 2 - BOX.padX / 2 - (n.x + b.x) });
  };
  for (const n of visible) {
    if (n.kind === "op") put(n, centredText("op", n.label));
    else for (const b of o.texts(n)) put(n, b);
  }
  ctx.textBaseline = "middle";
  for (const [key, list] of runs) {
    const [font, color] = key.split("\u0000") as [BoxText["font"], string];
    ctx.font = fonts[font];
    ctx.fillStyle = color;
    for (const r of list) {
      ctx.textAlign = r.center ? "center" : "left";
      ctx.fillText(r.text, r.x, r.y, Math.max(1, r.max));
    }
  }
}

/**
 * Adds an arrowhead to the current path (the caller fills it): a triangle with its tip at `tip`,
 * its base `size` back towards `tail` and `spread`·size wide on each side of the line. Returns
 * false, adding nothing, when `tail` is (almost) at the tip: there is no direction.
 */
export function arrowhead(ctx: Pick<CanvasRenderingContext2D, "moveTo" | "lineTo" | "closePath">, tip: { x: number; y: number }, tail: { x: number; y: number }, size: number, spread: number): boolean {
  const len = Math.hypot(tail.x - tip.x, tail.y - tip.y);
  if (len < 1) return false;
  const ux = (tail.x - tip.x) / len;
  const uy = (tail.y - tip.y) / len;
  const w = size * spread;
  ctx.moveTo(tip.x, tip.y);
  ctx.lineTo(tip.x + ux * size - uy * w, tip.y + uy * size + ux * w);
  ctx.lineTo(tip.x + ux * size + uy * w, tip.y + uy * size - ux * w);
  ctx.closePath();
  return true;
}

/** Where the segment from `n`'s centre towards `to` leaves n's box. */
function boxPoint(n: PaintNode, to: PaintNode): { x: number; y: number } {
  const dx = to.x - n.x;
  const dy = to.y - n.y;
  const hw = n.width / 2;
  const hh = n.height / 2;
  if (dx === 0 && dy === 0) return { x: n.x, y: n.y };
  const t = Math.min(dx !== 0 ? hw / Math.abs(dx) : Infinity, dy !== 0 ? hh / Math.abs(dy) : Infinity);
  return { x: n.x + dx * t, y: n.y + dy * t };
}

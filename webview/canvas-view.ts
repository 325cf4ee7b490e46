// The drawing of big graphs (see BIG_NODES in graph-view.ts): one canvas of our own instead of
// cytoscape. Cytoscape computes a style, a label box and an edge geometry for every element before
// its first frame, then caches every element in textures and keeps refining them for seconds after:
// for thousands of nodes that is seconds of work before the graph shows and frames dropped while
// stepping. This view draws straight from the layout: edges as one path, boxes batched by colour,
// only what is in view, and text only at a zoom where it can be read (in view that is a few hundred
// boxes at most). It pans (drag), zooms (wheel) and hit-tests clicks itself; graph-view.ts keeps the
// same API over both drawings, and draws the current backward step on its overlay canvas above.
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

/** What a click hit: a node (by drawn id) or an expanded group's frame. */
export type Hit = { kind: "node"; node: PaintNode } | { kind: "group"; id: string };

export interface CanvasViewOptions {
  container: HTMLElement;
  /** Device pixels per CSS pixel (1 for the biggest graphs: four times fewer pixels to fill). */
  pixelRatio: number;
  minZoom: number;
  maxZoom: number;
  /** State read at draw time. */
  theme(): Theme;
  /** A tensor box's texts as box.ts lays them out (with the grad line of the current step). */
  texts(n: PaintNode): BoxText[];
  gradKnown(id: string): boolean;
  selected(): string | null;
  matches(): ReadonlySet<string>;
  arrows(): "target" | "source";
  onTap(hit: Hit | null): void;
  onDoubleTap(hit: Hit): void;
  /** After every pan or zoom (user or API). */
  onViewport(): void;
}

/** Text is drawn from this rendered font size on. */
const MIN_FONT_PX = 7;
/** Borders and rounded corners from this rendered box width on. */
const DETAIL_PX = 14;
/** Arrowheads from this zoom on. */
const ARROW_ZOOM = 0.3;
const DOUBLE_TAP_MS = 400;
const DRAG_PX = 4;

export class CanvasView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly o: CanvasViewOptions;
  private nodes: PaintNode[] = [];
  private edges: PaintEdge[] = [];
  private groups: PaintGroup[] = [];
  private byId = new Map<string, PaintNode>();
  private zoomLevel = 1;
  private panX = 0;
  private panY = 0;
  private w = 0;
  private h = 0;
  private frame = 0;
  private readonly frameWaiters: Array<() => void> = [];
  private destroyed = false;
  private drag: { id: number; x: number; y: number; panX: number; panY: number; moved: boolean } | null = null;
  private lastTap: { key: string; at: number } | null = null;

  constructor(options: CanvasViewOptions) {
    this.o = options;
    const canvas = coveringCanvas(options.container, "lens-canvas");
    canvas.style.touchAction = "none";
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    canvas.addEventListener("pointerdown", this.onPointerDown);
    canvas.addEventListener("pointermove", this.onPointerMove);
    canvas.addEventListener("pointerup", this.onPointerUp);
    canvas.addEventListener("pointercancel", this.onPointerCancel);
    canvas.addEventListener("wheel", this.onWheel, { passive: false });
    this.resize();
  }

  setScene(nodes: PaintNode[], edges: PaintEdge[], groups: PaintGroup[]): void {
    this.nodes = nodes;
    this.edges = edges;
    this.groups = groups;
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    this.redraw();
  }

  node(id: string): PaintNode | undefined {
    return this.byId.get(id);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  // ---- viewport ------------------------------------------------------------------------------------

  width(): number {
    return this.w;
  }

  height(): number {
    return this.h;
  }

  zoom(): number {
    return this.zoomLevel;
  }

  pan(): { x: number; y: number } {
    return { x: this.panX, y: this.panY };
  }

  minZoom(): number {
    return this.o.minZoom;
  }

  maxZoom(): number {
    return this.o.maxZoom;
  }

  setViewport(zoom: number, pan: { x: number; y: number }): void {
    const z = Math.min(this.o.maxZoom, Math.max(this.o.minZoom, zoom));
    if (!Number.isFinite(z) || !Number.isFinite(pan.x) || !Number.isFinite(pan.y)) return;
    if (z === this.zoomLevel && pan.x === this.panX && pan.y === this.panY) return;
    this.zoomLevel = z;
    this.panX = pan.x;
    this.panY = pan.y;
    this.redraw();
    this.o.onViewport();
  }

  /** Zoom by `factor` keeping the point (x, y) of the canvas where it is. */
  zoomAt(factor: number, x: number, y: number): void {
    const z = Math.min(this.o.maxZoom, Math.max(this.o.minZoom, this.zoomLevel * factor));
    const k = z / this.zoomLevel;
    this.setViewport(z, { x: x - (x - this.panX) * k, y: y - (y - this.panY) * k });
  }

  renderedPosition(id: string): { x: number; y: number } | null {
    const n = this.byId.get(id);
    return n ? { x: n.x * this.zoomLevel + this.panX, y: n.y * this.zoomLevel + this.panY } : null;
  }

  /** Reads the container's size; redraws when it changed. */
  resize(): void {
    const w = this.o.container.clientWidth;
    const h = this.o.container.clientHeight;
    if (w === this.w && h === this.h && this.canvas.width > 0) return;
    this.w = w;
    this.h = h;
    const r = this.o.pixelRatio;
    this.canvas.width = Math.max(1, Math.round(w * r));
    this.canvas.height = Math.max(1, Math.round(h * r));
    this.drawNow();
    this.o.onViewport();
  }

  // ---- drawing -------------------------------------------------------------------------------------

  /** Draws on the next animation frame (several changes in one frame draw once). */
  redraw(): void {
    if (this.frame || this.destroyed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  /** Resolves once the next frame has been drawn (or after a second when frames stop: hidden page). */
  nextFrame(): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, 1000);
      this.frameWaiters.push(finish);
      this.redraw();
    });
  }

  drawNow(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    const ctx = this.ctx;
    if (ctx && !this.destroyed) {
      const r = this.o.pixelRatio;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      this.paint(ctx, r * this.zoomLevel, r * this.panX, r * this.panY, this.zoomLevel, {
        x1: -this.panX / this.zoomLevel,
        y1: -this.panY / this.zoomLevel,
        x2: (this.w - this.panX) / this.zoomLevel,
        y2: (this.h - this.panY) / this.zoomLevel,
      });
    }
    const waiters = this.frameWaiters.splice(0);
    for (const f of waiters) f();
  }

  /**
   * The whole graph as a PNG data URL: `scale` device pixels per model unit, `margin` model units
   * around `extent`, on `background`, with every label.
   */
  exportPng(extent: { x1: number; y1: number; w: number; h: number }, scale: number, margin: number, background: string): string {
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round((extent.w + 2 * margin) * scale));
    canvas.height = Math.max(1, Math.round((extent.h + 2 * margin) * scale));
    const ctx = canvas.getContext("2d");
    if (!ctx) return "";
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const px = (margin - extent.x1) * scale;
    const py = (margin - extent.y1) * scale;
    this.paint(ctx, scale, px, py, Infinity, { x1: -Infinity, y1: -Infinity, x2: Infinity, y2: Infinity });
    return canvas.toDataURL("image/png");
  }

  /**
   * Paints the scene with model → device transform (k, px, py). `zoom` decides the level of detail
   * (Infinity: everything); `view` is the model-space rectangle to draw (culling).
   */
  private paint(ctx: CanvasRenderingContext2D, k: number, px: number, py: number, zoom: number, view: { x1: number; y1: number; x2: number; y2: number }): void {
    const t = this.o.theme();
    ctx.setTransform(k, 0, 0, k, px, py);
    ctx.lineJoin = "round";
    const inView = (n: PaintNode) => n.x + n.width / 2 >= view.x1 && n.x - n.width / 2 <= view.x2 && n.y + n.height / 2 >= view.y1 && n.y - n.height / 2 <= view.y2;
    const visible = this.nodes.filter(inView);
    const detail = zoom * 70 >= DETAIL_PX;
    const text = zoom * BOX.textSize >= MIN_FONT_PX;
    const px1 = 1 / k;

    // Group frames (grouping on, lines expanded), behind everything.
    if (this.groups.length) {
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = Math.max(1, px1);
      for (const g of this.groups) {
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
        ctx.textBaseline = "bottom";
        for (const g of this.groups) ctx.fillText(g.label, (g.x1 + g.x2) / 2, g.y1 - 2);
      }
    }

    // Search matches: a translucent underlay.
    const matches = this.o.matches();
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
    for (const e of this.edges) {
      const a = e.source;
      const b = e.target;
      if (Math.max(a.x, b.x) < view.x1 || Math.min(a.x, b.x) > view.x2 || Math.max(a.y, b.y) < view.y1 || Math.min(a.y, b.y) > view.y2) continue;
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      drawn.push(e);
    }
    ctx.stroke();
    if (zoom >= ARROW_ZOOM && drawn.length) {
      const toSource = this.o.arrows() === "source";
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
    const sel = this.o.selected();
    const s = sel ? this.byId.get(sel) : undefined;
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
    const put = (n: PaintNode, b: BoxText, color: string) => {
      const key = `${b.font}\u0000${color}`;
      let list = runs.get(key);
      if (!list) runs.set(key, (list = []));
      list.push({ text: b.text, x: n.x + b.x, y: n.y + b.y, center: !!b.center, max: b.center ? n.width : n.x + n.width / 2 - BOX.padX / 2 - (n.x + b.x) });
    };
    for (const n of visible) {
      if (n.kind === "op") put(n, centredText("op", n.label), t.opText);
      else if (n.kind === "collapsed") put(n, centredText("group", n.label), t.muted);
      else {
        const known = this.o.gradKnown(n.id);
        for (const b of this.o.texts(n)) put(n, b, b.role === "grad" ? (known ? t.grad : t.muted) : t.foreground);
      }
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

  // ---- pointer -----------------------------------------------------------------------------------

  /** The node (topmost) or group frame under the canvas point (x, y). */
  hitTest(x: number, y: number): Hit | null {
    const mx = (x - this.panX) / this.zoomLevel;
    const my = (y - this.panY) / this.zoomLevel;
    // A few pixels of slack around small boxes.
    const slack = 2 / this.zoomLevel;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (Math.abs(mx - n.x) <= n.width / 2 + slack && Math.abs(my - n.y) <= n.height / 2 + slack) return { kind: "node", node: n };
    }
    // Frames are outermost first: the innermost one under the pointer is hit.
    for (let i = this.groups.length - 1; i >= 0; i--) {
      const g = this.groups[i]!;
      if (mx >= g.x1 && mx <= g.x2 && my >= g.y1 && my <= g.y2) return { kind: "group", id: g.id };
    }
    return null;
  }

  private readonly onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 || this.drag) return;
    this.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, panX: this.panX, panY: this.panY, moved: false };
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // synthetic events have no capturable pointer
    }
  };

  private readonly onPointerMove = (e: PointerEvent) => {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < DRAG_PX) return;
    d.moved = true;
    this.setViewport(this.zoomLevel, { x: d.panX + dx, y: d.panY + dy });
  };

  private readonly onPointerUp = (e: PointerEvent) => {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.drag = null;
    if (d.moved) return;
    const rect = this.canvas.getBoundingClientRect();
    const hit = this.hitTest(e.clientX - rect.left, e.clientY - rect.top);
    const key = hit ? (hit.kind === "node" ? `n:${hit.node.id}` : `g:${hit.id}`) : "";
    const now = performance.now();
    const double = hit && this.lastTap && this.lastTap.key === key && now - this.lastTap.at < DOUBLE_TAP_MS;
    this.lastTap = double ? null : { key, at: now };
    this.o.onTap(hit);
    if (double && hit) this.o.onDoubleTap(hit);
  };

  private readonly onPointerCancel = () => {
    this.drag = null;
  };

  private readonly onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    this.zoomAt(Math.exp(-e.deltaY * unit * 0.0025), e.clientX - rect.left, e.clientY - rect.top);
  };

  destroy(): void {
    this.destroyed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    for (const f of this.frameWaiters.splice(0)) f();
    this.canvas.remove();
  }
}

/** A new canvas appended to `container`, covering it (absolutely positioned, 100% × 100%). */
export function coveringCanvas(container: HTMLElement, className: string): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.className = className;
  Object.assign(canvas.style, { position: "absolute", left: "0", top: "0", width: "100%", height: "100%" });
  container.appendChild(canvas);
  return canvas;
}

/**
 * Adds an arrowhead to the current path (the caller fills it): a triangle with its tip at `tip`,
 * its base `size` back towards `tail` and `spread`·size wide on each side of the line. Returns
 * false, adding nothing, when `tail` is (almost) at the tip: there is no direction.
 */
export function arrowhead(ctx: CanvasRenderingContext2D, tip: { x: number; y: number }, tail: { x: number; y: number }, size: number, spread: number): boolean {
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

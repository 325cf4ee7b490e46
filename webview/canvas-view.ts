// The drawing of big graphs (see BIG_NODES in graph-view.ts): one canvas of our own instead of
// cytoscape. Cytoscape computes a style, a label box and an edge geometry for every element before
// its first frame, then caches every element in textures and keeps refining them for seconds after:
// for thousands of nodes that is seconds of work before the graph shows and frames dropped while
// stepping. This view draws straight from the layout: edges as one path, boxes batched by colour,
// only what is in view, and text only at a zoom where it can be read (in view that is a few hundred
// boxes at most; canvas-paint.ts paints). It pans (drag), zooms (wheel) and hit-tests clicks itself;
// graph-view.ts keeps the same API over both drawings, and draws the current backward step on its
// overlay canvas above.
import { paintScene, type PaintEdge, type PaintGroup, type PaintNode, type PaintOptions, type PaintScene } from "./canvas-paint";
import { settleWithin } from "./settle";

export type { PaintEdge, PaintGroup, PaintKind, PaintNode } from "./canvas-paint";
export { arrowhead } from "./canvas-paint";

/** What a click hit: a node (by drawn id) or an expanded group's frame. */
export type Hit = { kind: "node"; node: PaintNode } | { kind: "group"; id: string };

export interface CanvasViewOptions extends PaintOptions {
  container: HTMLElement;
  /** Device pixels per CSS pixel (1 for the biggest graphs: four times fewer pixels to fill). */
  pixelRatio: number;
  minZoom: number;
  maxZoom: number;
  onTap(hit: Hit | null): void;
  onDoubleTap(hit: Hit): void;
  /** After every pan or zoom (user or API). */
  onViewport(): void;
}

const DOUBLE_TAP_MS = 400;
const DRAG_PX = 4;

export class CanvasView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly o: CanvasViewOptions;
  private scene: PaintScene = { nodes: [], edges: [], groups: [], byId: new Map() };
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
    this.scene = { nodes, edges, groups, byId: new Map(nodes.map((n) => [n.id, n])) };
    this.redraw();
  }

  node(id: string): PaintNode | undefined {
    return this.scene.byId.get(id);
  }

  get nodeCount(): number {
    return this.scene.nodes.length;
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
    const n = this.scene.byId.get(id);
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
    return settleWithin(1000, (finish) => {
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
      paintScene(ctx, this.scene, this.o, r * this.zoomLevel, r * this.panX, r * this.panY, this.zoomLevel, {
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
    paintScene(ctx, this.scene, this.o, scale, px, py, Infinity, { x1: -Infinity, y1: -Infinity, x2: Infinity, y2: Infinity });
    return canvas.toDataURL("image/png");
  }

  // ---- pointer -----------------------------------------------------------------------------------

  /** The node (topmost) or group frame under the canvas point (x, y). */
  hitTest(x: number, y: number): Hit | null {
    const mx = (x - this.panX) / this.zoomLevel;
    const my = (y - this.panY) / this.zoomLevel;
    // A few pixels of slack around small boxes.
    const slack = 2 / this.zoomLevel;
    for (let i = this.scene.nodes.length - 1; i >= 0; i--) {
      const n = this.scene.nodes[i]!;
      if (Math.abs(mx - n.x) <= n.width / 2 + slack && Math.abs(my - n.y) <= n.height / 2 + slack) return { kind: "node", node: n };
    }
    // Frames are outermost first: the innermost one under the pointer is hit.
    for (let i = this.scene.groups.length - 1; i >= 0; i--) {
      const g = this.scene.groups[i]!;
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

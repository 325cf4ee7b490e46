// Big graphs (see BIG_NODES) drawn by canvas-view.ts instead of cytoscape (culled, text only where
// it can be read), with the current backward step on an overlay canvas above (step-overlay.ts), so
// a step does not redraw thousands of boxes.
import { BOX, tensorBoxTexts } from "./box";
import { CanvasView, coveringCanvas, type Hit, type PaintEdge, type PaintGroup, type PaintNode } from "./canvas-view";
import { PNG_MARGIN, pngScale, type Extent, type Point, type RenderContext, type Renderer, type ViewportState } from "./renderer";
import { groupFrames, type SizeClass } from "./scene";
import { drawStepOverlay } from "./step-overlay";
import { centredOn } from "./viewport";

/** Labels drawn from this rendered font size on. */
const MIN_ZOOMED_FONT = 7;

export class CanvasRenderer implements Renderer {
  readonly kind = "canvas";
  private readonly canvas: CanvasView;
  private overlay: HTMLCanvasElement | null = null;
  /** CanvasView reports a viewport while it is being constructed, before this.canvas is set. */
  private constructed = false;

  constructor(private readonly ctx: RenderContext, readonly sizeClass: SizeClass) {
    this.canvas = new CanvasView({
      container: ctx.container,
      pixelRatio: sizeClass === "huge" ? 1 : window.devicePixelRatio || 1,
      minZoom: 0.01,
      maxZoom: 5,
      theme: () => ctx.theme(),
      texts: (n) => {
        const d = ctx.scene()?.byId.get(n.id);
        return d?.box ? tensorBoxTexts(d.box, ctx.gradOf(d.id)) : [];
      },
      selected: () => ctx.selectedDrawn(),
      matches: () => ctx.matchedDrawn(),
      arrows: () => (ctx.flow() === "gradient" ? "source" : "target"),
      onTap: (hit) => this.onTap(hit),
      onDoubleTap: (hit) => this.onDoubleTap(hit),
      onViewport: () => {
        if (this.constructed) this.drawOverlay();
      },
    });
    this.constructed = true;
  }

  private onTap(hit: Hit | null): void {
    if (!hit) {
      this.ctx.tapped(null);
      return;
    }
    // A group's frame is not a node of the graph: nothing to select. A click opens a closed group.
    if (hit.kind === "group") return;
    if (hit.node.kind === "collapsed") {
      this.ctx.toggleGroup(hit.node.id);
      return;
    }
    this.ctx.tapped(hit.node.id);
  }

  private onDoubleTap(hit: Hit): void {
    // (A closed group opened on the first click.)
    if (hit.kind === "group") this.ctx.toggleGroup(hit.id);
    else if (hit.node.kind !== "collapsed") this.ctx.activated(hit.node.id);
  }

  viewport(): ViewportState {
    const c = this.canvas;
    return { zoom: c.zoom(), pan: c.pan(), w: c.width(), h: c.height(), min: c.minZoom(), max: c.maxZoom() };
  }

  setViewport(zoom: number, pan: Point): void {
    this.canvas.setViewport(zoom, pan);
  }

  /** The scene as the canvas draws it (positions from the layout). */
  show(): void {
    const scene = this.ctx.scene();
    if (!scene) return;
    const positions = this.ctx.positions();
    const nodes: PaintNode[] = [];
    const byId = new Map<string, PaintNode>();
    for (const d of scene.nodes) {
      const p = positions[d.id] ?? { x: 0, y: 0 };
      const n: PaintNode = { id: d.id, kind: d.kind, label: d.label, x: p.x, y: p.y, width: d.width, height: d.height };
      nodes.push(n);
      byId.set(d.id, n);
    }
    const edges: PaintEdge[] = [];
    for (const e of scene.edges) {
      const source = byId.get(e.source);
      const target = byId.get(e.target);
      if (source && target) edges.push({ source, target });
    }
    const groups: PaintGroup[] = [];
    for (const [id, f] of groupFrames(scene, (m) => byId.get(m))) groups.push({ id, label: scene.groups.get(id)!.label, ...f });
    this.canvas.setScene(nodes, edges, groups);
  }

  move(): void {
    this.show();
  }

  restyle(): void {
    this.canvas.redraw();
    this.drawOverlay();
  }

  showReplay(): void {
    // Grads show in the boxes' text, drawn only where it can be read: redraw just then.
    if (this.viewport().zoom * BOX.textSize >= MIN_ZOOMED_FONT) this.canvas.redraw();
    this.drawOverlay();
  }

  showStep(): void {
    this.drawOverlay();
  }

  showSelection(center: boolean): void {
    this.canvas.redraw();
    const id = center ? this.ctx.selectedDrawn() : null;
    const node = id ? this.canvas.node(id) : undefined;
    if (!node) return;
    const vp = this.viewport();
    const zoom = vp.zoom < 0.6 ? 1 : vp.zoom;
    this.setViewport(zoom, centredOn(vp, zoom, node));
  }

  showMatches(): void {
    this.canvas.redraw();
  }

  renderedPosition(id: string): Point | null {
    return this.canvas.renderedPosition(id);
  }

  zoomBy(factor: number): void {
    if (factor > 0) this.canvas.zoomAt(factor, this.canvas.width() / 2, this.canvas.height() / 2);
  }

  nextFrame(): Promise<void> {
    return this.canvas.nextFrame();
  }

  exportPng(bb: Extent | null): string {
    if (!bb) return "";
    const scale = pngScale(bb.w + 2 * PNG_MARGIN, bb.h + 2 * PNG_MARGIN);
    return this.canvas.exportPng(bb, scale, PNG_MARGIN, this.ctx.theme().background).replace(/^data:image\/png;base64,/, "");
  }

  resize(): void {
    this.canvas.resize();
  }

  /** The step's overlay canvas above the drawing, created on demand. */
  private ensureOverlay(): CanvasRenderingContext2D | null {
    if (this.overlay) return this.overlay.getContext("2d");
    const canvas = coveringCanvas(this.ctx.container, "lens-overlay");
    canvas.setAttribute("aria-hidden", "true");
    canvas.style.pointerEvents = "none";
    canvas.style.zIndex = "5";
    this.overlay = canvas;
    return canvas.getContext("2d");
  }

  /** The current step: a ring on the node (visible at any zoom), dashed edges with their values. */
  private drawOverlay(): void {
    const scene = this.ctx.scene();
    const cur = scene ? this.ctx.currentStep() : { node: null, edges: [] };
    if (!cur.node && cur.edges.length === 0) {
      if (this.overlay) this.overlay.getContext("2d")?.clearRect(0, 0, this.overlay.width, this.overlay.height);
      return;
    }
    if (!scene) return;
    const vp = this.viewport();
    const ctx = this.ensureOverlay();
    const canvas = this.overlay;
    if (!ctx || !canvas) return;
    const { w, h } = vp;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    drawStepOverlay(ctx, { w, h, zoom: vp.zoom, pan: vp.pan, ratio }, this.ctx.theme(), scene, this.ctx.positions(), cur);
  }

  destroy(): void {
    this.canvas.destroy();
    this.overlay?.remove();
    this.overlay = null;
  }
}

// The graph panel: the view graph (model.ts) as a scene of boxes (scene.ts, box.ts), laid out by
// layout.ts (in a Web Worker for big graphs), drawn by a renderer, with the backward replay on it.
// This file is the view's logic, written once over both drawings: which scene, which direction
// (LR, TB or "auto": the one whose fitted graph shows the larger text), the replay state, the
// selection, the search, Fit and the viewport (viewport.ts), the exports.
//
// Ordinary graphs are drawn by cytoscape (cy-renderer.ts). Big graphs (see BIG_NODES) are not
// given to cytoscape at all: it computes a style, a label box and an edge geometry for every
// element before the first frame and keeps refining textures for seconds after, which for
// thousands of nodes means seconds to the first paint and dropped frames while stepping;
// canvas-renderer.ts draws them instead (culled, text only where it can be read, the step on an
// overlay). renderer.ts is what both offer.
//
// Colours come from theme.ts. All text is user text: the canvases draw it as text, and the SVG
// export (graph-export.ts) escapes it.
import { TextMeasure } from "./box";
import { CanvasRenderer } from "./canvas-renderer";
import { CyRenderer } from "./cy-renderer";
import { sceneSvg } from "./graph-export";
import type { LayoutResult } from "./layout";
import { LayoutRunner, WORKER_NODES } from "./layout-runner";
import { Folding, type GroupInfo } from "./folding";
import type { ReplayState, ViewGraph } from "./model";
import type { Core } from "cytoscape";
import { framePainted, type Extent, type Point, type RenderContext, type Renderer, type ViewportState } from "./renderer";
import { buildScene, drawnIdsOf, labelMatches, type Scene, type SizeClass } from "./scene";
import type { StepMarks } from "./step-overlay";
import { readTheme, type Theme } from "./theme";
import { drawnExtent, fitViewport, fitZoom, keepInPlace, LEGIBLE_FIT_MAX_NODES, sceneExtent } from "./viewport";
import type { ValueSummary } from "../shared/protocol";
import { followPan, stepMarks } from "./graph-replay";
import type { Direction, GraphViewOptions, GraphViewTimings, Viewport } from "./graph-view-types";

export { BIG_NODES, HUGE_NODES } from "./scene";
export { WORKER_NODES } from "./layout-runner";
export { readTheme, type Theme } from "./theme";
export type { Direction, GraphViewOptions, GraphViewTimings, Viewport } from "./graph-view-types";

export class GraphView {
  private readonly container: HTMLElement;
  private readonly onSelect: (id: string | null) => void;
  private readonly onActivate: ((id: string) => void) | undefined;
  private direction: Direction;
  /** The direction the current layout has (auto resolved). */
  private laidOut: "LR" | "TB" = "LR";
  private flow: "data" | "gradient";
  private theme: Theme;
  private measure = new TextMeasure();

  /** The drawing: cytoscape for ordinary graphs, our canvas for big ones (null before the first). */
  private drawing: Renderer | null = null;
  private graph: ViewGraph | null = null;
  private scene: Scene | null = null;
  private positions: Record<string, Point> = {};
  /** Bumped by every re-layout (and dispose): a layout that finishes late is dropped. */
  private generation = 0;
  private disposed = false;

  /** Which groups there are (folding, or group by line) and which are open. */
  private readonly folds: Folding;

  private replayState: ReplayState | null = null;
  private selected: string | null = null;
  private query = "";
  private matches: string[] = [];
  /** Drawn ids of the search matches. */
  private matched = new Set<string>();

  private readonly layouts: LayoutRunner;
  private readonly context: RenderContext;

  private readonly resizeObserver: ResizeObserver | null;
  private readonly media: MediaQueryList | null;
  private readonly onMediaChange = () => this.refreshTheme();
  private readonly onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // + opens the closed group standing for the selection, - closes the open group around it.
    if ((e.key === "+" || e.key === "-") && this.selected) {
      const drawn = this.selectedDrawn();
      const id = e.key === "+" ? drawn : drawn ? this.scene?.byId.get(drawn)?.parent : undefined;
      if (id && (e.key === "-" || this.scene?.byId.get(id)?.kind === "collapsed")) {
        e.preventDefault();
        void this.toggleGroup(id);
      }
      return;
    }
    if (e.key === "Enter" && this.selected && this.onActivate) {
      e.preventDefault();
      this.onActivate(this.selected);
    }
  };

  readonly timings: GraphViewTimings = { layoutMs: 0, layoutIn: "none", firstPaintMs: 0, replayMs: 0, foldMs: 0 };

  constructor(options: GraphViewOptions) {
    this.container = options.container;
    this.direction = options.direction;
    this.flow = options.flow;
    this.onSelect = options.onSelect;
    this.onActivate = options.onActivate;
    this.layouts = new LayoutRunner(options.workerNodes ?? WORKER_NODES);
    this.folds = new Folding(options.folding ?? false);
    this.theme = readTheme();
    this.context = {
      container: this.container,
      scene: () => this.scene,
      positions: () => this.positions,
      theme: () => this.theme,
      flow: () => this.flow,
      direction: () => this.laidOut,
      gradOf: (id) => this.gradOf(id),
      selectedDrawn: () => this.selectedDrawn(),
      matchedDrawn: () => this.matched,
      currentStep: () => this.currentStep(),
      tapped: (id) => {
        this.select(id);
        this.onSelect(this.selected);
      },
      activated: (id) => this.onActivate?.(id),
      toggleGroup: (id) => void this.toggleGroup(id),
    };
    if (!this.container.hasAttribute("tabindex")) this.container.tabIndex = 0;
    this.container.addEventListener("keydown", this.onKeyDown);
    this.resizeObserver = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.drawing?.resize()) : null;
    this.resizeObserver?.observe(this.container);
    this.media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    this.media?.addEventListener("change", this.onMediaChange);
    // In VS Code the page loads, says `ready` and waits while the snippet runs: start cytoscape (its
    // stylesheet, its canvases) in that idle time, so that the first snapshot only adds elements.
    if (typeof requestIdleCallback === "function") {
      requestIdleCallback(() => {
        if (!this.graph && !this.disposed) this.ensureDrawing("small");
      });
    }
  }

  /** The cytoscape instance (null before the first graph, and for big graphs): for tests and tools, not for the app. */
  get cy(): Core | null {
    return this.drawing instanceof CyRenderer ? this.drawing.cy : null;
  }

  /** Which drawing shows the graph: cytoscape (ordinary graphs), our canvas (big ones), or none yet. */
  get renderer(): "cytoscape" | "canvas" | null {
    return this.drawing?.kind ?? null;
  }

  /** The drawn nodes that stand for view nodes or collapsed groups (not tags, not group frames), in order. */
  drawnIds(): string[] {
    return this.scene?.nodes.map((n) => n.id) ?? [];
  }

  /** Where a drawn node's centre is on the graph container (CSS pixels), or null. */
  renderedPosition(id: string): Point | null {
    return this.drawing?.renderedPosition(id) ?? null;
  }

  /** The drawn id of the selection (a collapsed group when its member is selected), or null. */
  selectedDrawn(): string | null {
    return this.selected && this.scene ? (this.scene.rep.get(this.selected) ?? null) : null;
  }

  private vp(): ViewportState | null {
    return this.drawing?.viewport() ?? null;
  }

  /** The drawing for a scene of this size class: cytoscape for small ones, else a canvas of that class. */
  private ensureDrawing(sizeClass: SizeClass): Renderer {
    const d = this.drawing;
    if (sizeClass === "small" ? d instanceof CyRenderer : d instanceof CanvasRenderer && d.sizeClass === sizeClass) return d!;
    d?.destroy();
    this.drawing = sizeClass === "small" ? new CyRenderer(this.context) : new CanvasRenderer(this.context, sizeClass);
    return this.drawing;
  }

  // ---- graph and layout --------------------------------------------------------------------------

  /**
   * Lay out and draw; resolves once the first frame showing the graph has been rendered. `initial`
   * is what that frame shows besides the graph: the backward step, the selection, the viewport (by
   * default the whole graph fitted). Passing them here rather than calling setReplay/select/
   * setViewport afterwards makes the first frame the final one: cytoscape styles and draws once.
   */
  async setGraph(graph: ViewGraph, initial: { replay?: ReplayState | null; selected?: string | null; viewport?: Viewport } = {}): Promise<void> {
    const started = performance.now();
    this.graph = graph;
    this.measure = new TextMeasure();
    this.folds.setGraph(graph);
    // The old replay belongs to the old snapshot (ids repeat across snapshots).
    this.replayState = initial.replay ?? null;
    if (initial.selected !== undefined) this.selected = initial.selected;
    if (this.selected && !graph.byId.has(this.selected)) this.selected = null;
    this.matches = this.matchesOf(this.query);
    // A big graph: start the worker now, so it boots while the scene is measured.
    if (graph.nodes.length > this.layouts.workerNodes) this.layouts.ensureWorker();
    const painted = await this.rebuild(initial.viewport ?? true);
    if (painted) this.timings.firstPaintMs = performance.now() - started;
  }

  /** Re-layout in the other direction (and fit). */
  async setDirection(direction: Direction): Promise<void> {
    if (direction === this.direction && this.drawing) return;
    this.direction = direction;
    if (!this.scene || !this.drawing) return;
    const gen = ++this.generation;
    const result = await this.layoutFor(this.scene);
    if (gen !== this.generation || !this.drawing) return;
    this.positions = result.positions;
    this.drawing.move();
    this.fit();
    this.drawing.showStep();
    await this.nextPaint();
  }

  /** Arrowheads point the way data flows (input → op → result) or the way gradients flow back. */
  setFlow(flow: "data" | "gradient"): void {
    if (flow === this.flow) return;
    this.flow = flow;
    this.drawing?.restyle();
  }

  /** Group nodes by the source line that made them (instead of folding); a closed group is drawn as one node. */
  async setGrouping(on: boolean): Promise<void> {
    if (!this.folds.setByLine(on)) return;
    if (this.graph) await this.rebuild(true);
  }

  /** Fold module calls and repeated structure (fold.ts); off draws every node. */
  async setFolding(on: boolean): Promise<void> {
    if (!this.folds.setFolding(on)) return;
    if (this.graph) await this.rebuild(true);
  }

  /** The groups of the graph (outermost first), with what they say and whether they are open. */
  groups(): GroupInfo[] {
    return this.folds.list();
  }

  /**
   * Open a closed group or close an open one (a number: the group of that source line, turning
   * Group by line on), in place: the group keeps its place on screen and the zoom stays.
   */
  async toggleGroup(id: string | number): Promise<void> {
    if (!this.graph) return;
    if (typeof id === "number") {
      this.folds.setByLine(true);
      id = `L:${id}`;
    }
    if (!this.folds.toggle(id)) return;
    const before = this.anchorOf(id);
    const started = performance.now();
    performance.mark("lens:fold-start");
    const painted = await this.rebuild(false, () => {
      const vp = this.vp();
      const after = this.anchorOf(id);
      if (!vp || !before || !after) return;
      this.drawing?.setViewport(vp.zoom, keepInPlace(vp, before, after, this.extentOf(id)));
    });
    if (painted) {
      performance.mark("lens:fold-painted");
      this.timings.foldMs = performance.now() - started;
    }
  }

  /** Where a group (its box, or the centre of its frame) is on screen, in CSS pixels. */
  private anchorOf(id: string): Point | null {
    const vp = this.vp();
    const bb = this.extentOf(id);
    return vp && bb ? { x: (bb.x1 + bb.w / 2) * vp.zoom + vp.pan.x, y: (bb.y1 + bb.h / 2) * vp.zoom + vp.pan.y } : null;
  }

  /** A drawn node's box, or an open group's frame (model coordinates). */
  private extentOf(id: string): Extent | null {
    return this.scene ? drawnExtent(this.scene, this.positions, id) : null;
  }

  /**
   * Positions for the scene in the view's direction. "auto": small graphs are laid out both ways
   * and keep the one that fits the pane at the larger zoom; big ones follow the pane's shape.
   */
  private async layoutFor(scene: Scene): Promise<LayoutResult> {
    if (this.direction !== "auto") {
      this.laidOut = this.direction;
      return this.layout(scene, this.direction);
    }
    // The app fills the panes around the graph right after asking for it: measure after that.
    await Promise.resolve();
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (!scene.rich || w <= 0 || h <= 0) {
      this.laidOut = h > w ? "TB" : "LR";
      return this.layout(scene, this.laidOut);
    }
    const lr = await this.layout(scene, "LR");
    const tb = await this.layout(scene, "TB");
    // Ties (both fit at full size) go to LR, the textbook's way of drawing it.
    const pickTb = fitZoom(w, h, tb.width, tb.height) > fitZoom(w, h, lr.width, lr.height) * 1.02;
    this.laidOut = pickTb ? "TB" : "LR";
    return pickTb ? tb : lr;
  }

  /** Direction the current drawing is laid out in (auto resolved). */
  get layoutDirection(): "LR" | "TB" {
    return this.laidOut;
  }

  /** Positions for the scene (layout-runner.ts: in the worker for big graphs), with the timings kept. */
  private async layout(scene: Scene, direction: "LR" | "TB"): Promise<LayoutResult> {
    const { result, ranIn, ms } = await this.layouts.run(scene, direction);
    this.timings.layoutIn = ranIn;
    this.timings.layoutMs = ms;
    return result;
  }

  /**
   * Scene → layout → drawing; true when it painted (false when superseded). `fit`: fit the whole
   * graph (true), keep the viewport (false), or show this viewport.
   */
  private async rebuild(fit: boolean | Viewport, place?: () => void): Promise<boolean> {
    const g = this.graph;
    if (!g || this.disposed) return false;
    const gen = ++this.generation;
    const scene = buildScene(g, { tree: this.folds.tree(), isOpen: (grp) => this.folds.isOpen(grp), theme: this.theme, measure: this.measure });
    const result = await this.layoutFor(scene);
    if (gen !== this.generation || this.disposed) return false;
    performance.mark("lens:laid-out");
    this.scene = scene;
    this.positions = result.positions;
    this.matched = this.drawnMatches();
    // For tests and tools: how many boxes are drawn, how many groups are open.
    this.container.dataset.drawn = String(scene.nodes.length);
    this.container.dataset.openGroups = String(scene.groups.size);
    const drawing = this.ensureDrawing(scene.rich ? "small" : scene.sizeClass);
    drawing.show();
    if (fit === true) this.fitTo(true);
    else if (fit) this.setViewport(fit);
    place?.();
    drawing.showStep();
    performance.mark("lens:added");
    await this.nextPaint();
    performance.mark("lens:painted");
    return gen === this.generation;
  }

  /** The grad a drawn box shows now (a folded group's: its output tensor's). */
  private gradOf(id: string): ValueSummary | null {
    id = this.scene?.byId.get(id)?.output ?? id;
    const r = this.replayState;
    if (r) return r.grads.get(id) ?? null;
    return this.graph?.byId.get(id)?.tensor?.grad ?? null;
  }

  /** Re-read theme colours from CSS variables (VS Code changes them live; call on body class change). */
  refreshTheme(): void {
    const theme = readTheme();
    // Callers may report one change several times (body class and media query): restyle once.
    if (JSON.stringify(theme) === JSON.stringify(this.theme)) return;
    this.theme = theme;
    this.drawing?.restyle();
  }

  // ---- replay ------------------------------------------------------------------------------------

  /**
   * Show the replay: the grad line of every tensor reached ("grad —" on the others), the node being
   * run, and the edges it sends gradient along (dashed, accent, labelled with the value sent).
   * null shows the end of the run (every tensor's final grad) without a current step. Only what
   * changed since the last state is touched.
   */
  setReplay(state: ReplayState | null): void {
    const started = performance.now();
    this.replayState = state;
    if (!this.drawing || !this.scene) return;
    this.followStep();
    this.drawing.showReplay();
    this.container.dataset.step = this.currentStep().node ?? "";
    this.timings.replayMs = performance.now() - started;
  }

  /** Stepping keeps the node being run in view (graph-replay.ts). */
  private followStep(): void {
    const vp = this.vp();
    const pan = this.scene && vp ? followPan(this.replayState, this.scene, this.positions, vp) : null;
    if (pan && vp) this.drawing?.setViewport(vp.zoom, pan);
  }

  /** The current step as drawn (graph-replay.ts). */
  currentStep(): StepMarks {
    return stepMarks(this.replayState, this.scene, this.graph);
  }

  // ---- selection and search ------------------------------------------------------------------------

  select(id: string | null, options: { center?: boolean } = {}): void {
    this.selected = id && this.graph?.byId.has(id) ? id : null;
    this.drawing?.showSelection(options.center === true);
  }

  /** Highlight nodes whose label contains the query (case-insensitive); returns their ids in order. */
  search(query: string): string[] {
    this.query = query;
    this.matches = this.matchesOf(query);
    this.matched = this.drawnMatches();
    this.drawing?.showMatches();
    return [...this.matches];
  }

  private matchesOf(query: string): string[] {
    return this.graph ? labelMatches(this.graph, query) : [];
  }

  /** The drawn ids standing for the matches (a collapsed group for its members). */
  private drawnMatches(): Set<string> {
    return this.scene ? drawnIdsOf(this.scene, this.matches) : new Set();
  }

  // ---- viewport ----------------------------------------------------------------------------------

  /**
   * Shows the whole graph (computed from the layout's boxes rather than cytoscape's bounding box,
   * which would measure every label and edge of a big graph before its first frame). A small graph
   * (up to LEGIBLE_FIT_MAX_NODES) is never zoomed out below legible text: when it does not fit at
   * that zoom, the view centres the selection (or the graph's output end) instead.
   */
  fit(): void {
    this.fitTo(this.scene ? this.scene.nodes.length <= LEGIBLE_FIT_MAX_NODES : false);
  }

  /** Fit; `legible`: at least LEGIBLE_ZOOM, centred on the selection or the last node made. */
  private fitTo(legible: boolean): void {
    const vp = this.vp();
    const bb = sceneExtent(this.scene, this.positions);
    if (!vp || !bb) return;
    const next = fitViewport(vp, bb, legible ? this.focusNode() : null);
    if (next) this.drawing?.setViewport(next.zoom, next.pan);
  }

  /** Where a legible first view centres: the selection, else the output (the last node made). */
  private focusNode(): Point | null {
    const scene = this.scene;
    if (!scene) return null;
    const sel = this.selectedDrawn();
    const id = sel ?? [...scene.nodes].sort((a, b) => b.order - a.order)[0]?.id;
    return id ? (this.positions[id] ?? null) : null;
  }

  zoomBy(factor: number): void {
    this.drawing?.zoomBy(factor);
  }

  viewport(): Viewport {
    const vp = this.vp();
    if (!vp) return { zoom: 1, pan: { x: 0, y: 0 } };
    return { zoom: vp.zoom, pan: { x: vp.pan.x, y: vp.pan.y } };
  }

  setViewport(v: Viewport): void {
    this.drawing?.setViewport(v.zoom, { x: v.pan.x, y: v.pan.y });
  }

  private nextPaint(): Promise<void> {
    return this.drawing ? framePainted(this.drawing) : Promise.resolve();
  }

  // ---- export ------------------------------------------------------------------------------------

  /** The whole graph as a PNG (base64, no data: prefix), at scale 2 (less for huge graphs), on the theme's background. */
  exportPng(): string {
    return this.drawing?.exportPng(sceneExtent(this.scene, this.positions)) ?? "";
  }

  /** The graph as an SVG document of our own, from the layout's positions (graph-export.ts). */
  exportSvg(): string {
    return sceneSvg({
      scene: this.scene,
      positions: this.positions,
      theme: this.theme,
      flow: this.flow,
      gradOf: (id) => this.gradOf(id),
      current: this.currentStep(),
    });
  }

  // ---- teardown ----------------------------------------------------------------------------------

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.layouts.dispose();
    this.resizeObserver?.disconnect();
    this.media?.removeEventListener("change", this.onMediaChange);
    this.container.removeEventListener("keydown", this.onKeyDown);
    this.drawing?.destroy();
    this.drawing = null;
    this.scene = null;
    this.graph = null;
  }
}

// The graph panel: the view graph (model.ts) drawn with cytoscape on a canvas, laid out by
// layout.ts (in a Web Worker for big graphs), with the backward replay painted on top.
//
// What a box says and where its texts sit is box.ts's (scene.ts builds the boxes of a graph). A
// cytoscape node has one label with one font and colour, so a tensor box's name is its label and
// its value and grad are two label-only "tag" nodes that cannot be clicked, placed where box.ts
// says. The direction is LR, TB or "auto": the one whose fitted graph shows the larger text.
//
// Big graphs (see BIG_NODES) are not given to cytoscape at all: it computes a style, a label box
// and an edge geometry for every element before the first frame and keeps refining textures for
// seconds after, which for thousands of nodes means seconds to the first paint and dropped frames
// while stepping. canvas-view.ts draws them instead (culled, text only where it can be read), and
// pans, zooms and hit-tests itself. On big graphs the replay step (node ring, dashed edges,
// values) is drawn on an overlay canvas above either drawing.
//
// Colours come from theme.ts. All text is user text: the canvases draw it as text, and the SVG
// export (graph-export.ts) escapes it.
import cytoscape from "cytoscape";
import type { Core, ElementDefinition, EventObject, NodeSingular } from "cytoscape";
import { BOX, LEGIBLE_ZOOM, tensorBoxTexts, TextMeasure, shortGrad } from "./box";
import { CanvasView, coveringCanvas, type Hit, type PaintEdge, type PaintGroup, type PaintNode } from "./canvas-view";
import { cyElements, cyStylesheet, gradTagId, NO_FLOW, tagPositions, tuneRenderer, valueTagId } from "./cy-style";
import { sceneSvg } from "./graph-export";
import type { LayoutResult } from "./layout";
import { LayoutRunner, WORKER_NODES } from "./layout-runner";
import type { ReplayState, ViewGraph } from "./model";
import { buildScene, groupFrame, type Scene, type SizeClass } from "./scene";
import { drawStepOverlay } from "./step-overlay";
import { readTheme, type Theme } from "./theme";
import type { ValueSummary } from "../shared/protocol";

export { BIG_NODES, HUGE_NODES } from "./scene";
export { WORKER_NODES } from "./layout-runner";
export { readTheme, type Theme } from "./theme";

export interface GraphViewOptions {
  container: HTMLElement;
  direction: Direction;
  flow: "data" | "gradient";
  onSelect(id: string | null): void;
  /** Double click, or Enter on the selected node. */
  onActivate?(id: string): void;
  /** Lay out in a worker above this many drawn nodes (default WORKER_NODES). */
  workerNodes?: number;
}

/** "auto": whichever of LR and TB shows the graph larger in the pane. */
export type Direction = "LR" | "TB" | "auto";

export interface Viewport {
  zoom: number;
  pan: { x: number; y: number };
}

/** How long the last setGraph/re-layout took, for status lines and tests. */
export interface GraphViewTimings {
  layoutMs: number;
  /** "worker", "main" (synchronous on the page), or "none" (empty graph). */
  layoutIn: "worker" | "main" | "none";
  /** setGraph call → first paint. */
  firstPaintMs: number;
  /** The last setReplay call's own time. */
  replayMs: number;
}

// ---- sizes and thresholds -----------------------------------------------------------------------

/** Big graphs: labels drawn from this rendered font size on (cytoscape's min-zoomed-font-size). */
const MIN_ZOOMED_FONT = 7;
const FIT_PADDING = 16;
/** Fit never zooms a small graph in beyond this. */
const FIT_MAX_ZOOM = 1.5;
/** Up to this many drawn nodes, Fit and the first view never zoom out below legible text (LEGIBLE_ZOOM). */
const LEGIBLE_FIT_MAX_NODES = 40;
/** The biggest PNG side and area Chromium's canvas handles comfortably. */
const PNG_MAX_SIDE = 16000;
const PNG_MAX_AREA = 120_000_000;
/** Room around the graph in PNG exports (model units). */
const PNG_MARGIN = 16;

/** A gradient as an edge label of the current step. */
const flowText = (v: ValueSummary | null) => shortGrad(v).replace(/^grad /, "");

/** The centre coordinate that shows `focus` with a window of `span` over [lo, lo + size], as much of it as fits. */
function clampCentre(focus: number, lo: number, size: number, span: number): number {
  if (span >= size) return lo + size / 2;
  return Math.min(lo + size - span / 2, Math.max(lo + span / 2, focus));
}


// ---- the view ------------------------------------------------------------------------------------

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

  private core: Core | null = null;
  /** Big graphs: the canvas drawing (instead of cytoscape), and its size class. */
  private canvas: CanvasView | null = null;
  private canvasClass: SizeClass | null = null;
  /** Big graphs: drawn ids of the search matches. */
  private matchedDrawn = new Set<string>();
  private graph: ViewGraph | null = null;
  private scene: Scene | null = null;
  private positions: Record<string, { x: number; y: number }> = {};
  /** Bumped by every re-layout (and dispose): a layout that finishes late is dropped. */
  private generation = 0;
  private disposed = false;

  private grouping = false;
  private readonly collapsed = new Set<number>();

  private replayState: ReplayState | null = null;
  /** The layout direction cytoscape's stylesheet was made for (edge labels sit above LR edges). */
  private styledFor: "LR" | "TB" | null = null;
  /** Tensor ids (view) in order, and the grad each currently shows. */
  private tensorIds: string[] = [];
  private readonly shownGrad = new Map<string, ValueSummary | null>();
  private markedStep: string[] = [];
  private markedEdges: string[] = [];
  private overlay: HTMLCanvasElement | null = null;

  private selected: string | null = null;
  /** What the last two clicks hit (view ids, or a group's id). */
  private lastTap: string | null = null;
  private previousTap: string | null = null;
  private markedSelection: string | null = null;
  private query = "";
  private matches: string[] = [];
  private markedMatches: string[] = [];

  private readonly layouts: LayoutRunner;

  private readonly resizeObserver: ResizeObserver | null;
  private readonly media: MediaQueryList | null;
  private readonly onMediaChange = () => this.refreshTheme();
  private readonly onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && this.selected && this.onActivate && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.onActivate(this.selected);
    }
  };

  readonly timings: GraphViewTimings = { layoutMs: 0, layoutIn: "none", firstPaintMs: 0, replayMs: 0 };

  constructor(options: GraphViewOptions) {
    this.container = options.container;
    this.direction = options.direction;
    this.flow = options.flow;
    this.onSelect = options.onSelect;
    this.onActivate = options.onActivate;
    this.layouts = new LayoutRunner(options.workerNodes ?? WORKER_NODES);
    this.theme = readTheme();
    if (!this.container.hasAttribute("tabindex")) this.container.tabIndex = 0;
    this.container.addEventListener("keydown", this.onKeyDown);
    this.resizeObserver = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
      this.syncCoreSize();
      this.canvas?.resize();
    }) : null;
    this.resizeObserver?.observe(this.container);
    this.media = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
    this.media?.addEventListener("change", this.onMediaChange);
    // In VS Code the page loads, says `ready` and waits while the snippet runs: start cytoscape (its
    // stylesheet, its canvases) in that idle time, so that the first snapshot only adds elements.
    if (typeof requestIdleCallback === "function") {
      requestIdleCallback(() => {
        if (!this.graph && !this.disposed) this.ensureCore();
      });
    }
  }

  /** The cytoscape instance (null before the first graph, and for big graphs): for tests and tools, not for the app. */
  get cy(): Core | null {
    return this.core;
  }

  /** Which drawing shows the graph: cytoscape (ordinary graphs), our canvas (big ones), or none yet. */
  get renderer(): "cytoscape" | "canvas" | null {
    return this.core ? "cytoscape" : this.canvas ? "canvas" : null;
  }

  /** The drawn nodes that stand for view nodes or collapsed groups (not tags, not group frames), in order. */
  drawnIds(): string[] {
    return this.scene?.nodes.map((n) => n.id) ?? [];
  }

  /** Where a drawn node's centre is on the graph container (CSS pixels), or null. */
  renderedPosition(id: string): { x: number; y: number } | null {
    if (this.canvas) return this.canvas.renderedPosition(id);
    const ele = this.core?.getElementById(id);
    if (!ele || ele.empty()) return null;
    const p = ele.renderedPosition();
    return { x: p.x, y: p.y };
  }

  /** The drawn id of the selection (a collapsed group when its member is selected), or null. */
  selectedDrawn(): string | null {
    return this.selected && this.scene ? (this.scene.rep.get(this.selected) ?? null) : null;
  }

  // ---- the viewport of either drawing ---------------------------------------------------------------

  private vp(): { zoom: number; pan: { x: number; y: number }; w: number; h: number; min: number; max: number } | null {
    const c = this.canvas ?? this.core;
    if (!c) return null;
    return { zoom: c.zoom(), pan: c.pan(), w: c.width(), h: c.height(), min: c.minZoom(), max: c.maxZoom() };
  }

  private setVp(zoom: number, pan: { x: number; y: number }): void {
    if (this.canvas) this.canvas.setViewport(zoom, pan);
    else this.core?.viewport({ zoom, pan });
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
    this.collapsed.clear();
    // The old replay belongs to the old snapshot (ids repeat across snapshots).
    this.replayState = initial.replay ?? null;
    if (initial.selected !== undefined) this.selected = initial.selected;
    this.tensorIds = graph.nodes.filter((n) => n.kind !== "op").map((n) => n.id);
    this.markedStep = [];
    this.markedEdges = [];
    this.markedSelection = null;
    this.markedMatches = [];
    if (this.selected && !graph.byId.has(this.selected)) this.selected = null;
    this.matches = this.matchesOf(this.query);
    // A big graph: start the worker now, so it boots while the scene is measured.
    if (graph.nodes.length > this.layouts.workerNodes) this.layouts.ensureWorker();
    const painted = await this.rebuild(initial.viewport ?? true);
    if (painted) this.timings.firstPaintMs = performance.now() - started;
  }

  /** Re-layout in the other direction (and fit). */
  async setDirection(direction: Direction): Promise<void> {
    if (direction === this.direction && this.renderer) return;
    this.direction = direction;
    if (!this.scene || !this.renderer) return;
    const gen = ++this.generation;
    const result = await this.layoutFor(this.scene);
    if (gen !== this.generation || !this.renderer) return;
    this.positions = result.positions;
    if (this.canvas) {
      this.paintScene(this.scene);
      this.fit();
      this.drawOverlay();
      await this.nextPaint();
      return;
    }
    const cy = this.core!;
    this.restyle();
    cy.batch(() => {
      for (const n of this.scene!.nodes) {
        const p = this.positions[n.id];
        if (!p) continue;
        cy.getElementById(n.id).position(p);
        if (this.scene!.rich && n.box) {
          const tags = tagPositions(n, p);
          if (tags.value) cy.getElementById(valueTagId(n.id)).position(tags.value);
          cy.getElementById(gradTagId(n.id)).position(tags.grad);
        }
      }
    });
    this.fit();
    await this.nextPaint();
  }

  /** Arrowheads point the way data flows (input → op → result) or the way gradients flow back. */
  setFlow(flow: "data" | "gradient"): void {
    if (flow === this.flow) return;
    this.flow = flow;
    this.restyle();
  }

  /** Group nodes by the source line that made them; a collapsed group is drawn as one node. */
  async setGrouping(on: boolean): Promise<void> {
    if (on === this.grouping) return;
    this.grouping = on;
    if (!on) this.collapsed.clear();
    if (this.graph) await this.rebuild(true);
  }

  /** Collapse or expand the group of one source line (turns grouping on). */
  async toggleGroup(line: number): Promise<void> {
    if (!this.graph) return;
    this.grouping = true;
    if (this.collapsed.has(line)) this.collapsed.delete(line);
    else this.collapsed.add(line);
    await this.rebuild(true);
  }

  private buildScene(g: ViewGraph): Scene {
    return buildScene(g, { grouping: this.grouping, collapsed: this.collapsed, theme: this.theme, measure: this.measure });
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
    const zoomOf = (r: LayoutResult) => Math.min((w - 2 * FIT_PADDING) / Math.max(1, r.width), (h - 2 * FIT_PADDING) / Math.max(1, r.height));
    // Ties (both fit at full size) go to LR, the textbook's way of drawing it.
    const pickTb = Math.min(FIT_MAX_ZOOM, zoomOf(tb)) > Math.min(FIT_MAX_ZOOM, zoomOf(lr)) * 1.02;
    this.laidOut = pickTb ? "TB" : "LR";
    return pickTb ? tb : lr;
  }

  /** Direction the current drawing is laid out in (auto resolved). */
  get layoutDirection(): "LR" | "TB" {
    return this.laidOut;
  }

  /** Positions for the scene (layout-runner.ts: in the worker for big graphs), with the timings kept. */
  private async layout(scene: Scene, direction: "LR" | "TB"): Promise<LayoutResult> {
    const { result, ranIn, ms } = await this.layouts.run(scene, direction, this.grouping);
    this.timings.layoutIn = ranIn;
    this.timings.layoutMs = ms;
    return result;
  }

  /**
   * Scene → layout → cytoscape elements; true when it painted (false when superseded). `fit`: fit
   * the whole graph (true), keep the viewport (false), or show this viewport.
   */
  private async rebuild(fit: boolean | Viewport): Promise<boolean> {
    const g = this.graph;
    if (!g || this.disposed) return false;
    const gen = ++this.generation;
    const scene = this.buildScene(g);
    const result = await this.layoutFor(scene);
    if (gen !== this.generation || this.disposed) return false;
    performance.mark("lens:laid-out");
    this.scene = scene;
    this.positions = result.positions;
    this.shownGrad.clear();
    this.markedStep = [];
    this.markedEdges = [];
    this.markedSelection = null;
    this.markedMatches = [];
    if (!scene.rich) {
      this.ensureCanvas(scene.sizeClass);
      this.paintScene(scene);
      this.applyMatches();
    } else {
      const cy = this.ensureCore();
      // The panes around the graph were filled while the layout ran, which may have changed its size:
      // refresh cytoscape's now, so the fit below and the first frame use the real one (the
      // ResizeObserver would only do it after that frame, and resizing clears the canvases).
      this.syncCoreSize();
      if (this.styledFor !== this.laidOut) this.restyle();
      const elements = this.elements(scene);
      cy.batch(() => {
        cy.elements().remove();
        cy.add(elements);
        this.applyCurrent();
        this.applySelection();
        this.applyMatches();
      });
    }
    this.fitOrShow(fit);
    this.drawOverlay();
    performance.mark("lens:added");
    await this.nextPaint();
    performance.mark("lens:painted");
    return gen === this.generation;
  }

  /** Cytoscape caches its container's size: tell it when that changed (only then: cy.resize() redraws everything). */
  private syncCoreSize(): void {
    const cy = this.core;
    if (cy && (cy.width() !== this.container.clientWidth || cy.height() !== this.container.clientHeight)) cy.resize();
  }

  /** Big graphs: the canvas drawing (replacing cytoscape). */
  private ensureCanvas(sizeClass: SizeClass): CanvasView {
    if (this.canvas && this.canvasClass === sizeClass) return this.canvas;
    this.canvas?.destroy();
    this.core?.destroy();
    this.core = null;
    this.overlay?.remove();
    this.overlay = null;
    this.canvas = new CanvasView({
      container: this.container,
      pixelRatio: sizeClass === "huge" ? 1 : window.devicePixelRatio || 1,
      minZoom: 0.01,
      maxZoom: 5,
      theme: () => this.theme,
      texts: (n) => {
        const d = this.scene?.byId.get(n.id);
        return d?.box ? tensorBoxTexts(d.box, d.width, shortGrad(this.gradOf(d.id))) : [];
      },
      gradKnown: (id) => this.gradOf(id) !== null,
      selected: () => this.selectedDrawn(),
      matches: () => this.matchedDrawn,
      arrows: () => (this.flow === "gradient" ? "source" : "target"),
      onTap: (hit) => this.onCanvasTap(hit),
      onDoubleTap: (hit) => this.onCanvasDoubleTap(hit),
      onViewport: this.onViewport,
    });
    this.canvasClass = sizeClass;
    return this.canvas;
  }

  private onCanvasTap(hit: Hit | null): void {
    if (!hit) {
      this.select(null);
      this.onSelect(null);
      return;
    }
    // A group's frame or a collapsed group is not a node of the graph: nothing to select.
    if (hit.kind === "group" || hit.node.kind === "collapsed") return;
    this.select(hit.node.id);
    this.onSelect(hit.node.id);
  }

  private onCanvasDoubleTap(hit: Hit): void {
    if (hit.kind === "group") void this.toggleGroup(hit.line);
    else if (hit.node.kind === "collapsed" && hit.node.line !== undefined) void this.toggleGroup(hit.node.line);
    else this.onActivate?.(hit.node.id);
  }

  /** Big graphs: the scene as the canvas draws it (positions from the layout). */
  private paintScene(scene: Scene): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const nodes: PaintNode[] = [];
    const byId = new Map<string, PaintNode>();
    for (const d of scene.nodes) {
      const p = this.positions[d.id] ?? { x: 0, y: 0 };
      const n: PaintNode = { id: d.id, kind: d.kind, label: d.label, x: p.x, y: p.y, width: d.width, height: d.height };
      if (d.line !== undefined) n.line = d.line;
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
    for (const [, grp] of scene.groups) {
      const f = groupFrame(grp.members, (id) => byId.get(id));
      if (f) groups.push({ line: grp.line, ...f });
    }
    canvas.setScene(nodes, edges, groups);
  }

  /** Ordinary graphs: cytoscape. */
  private ensureCore(): Core {
    if (this.core) return this.core;
    this.canvas?.destroy();
    this.canvas = null;
    this.canvasClass = null;
    this.overlay?.remove();
    this.overlay = null;
    const cy = cytoscape({
      container: this.container,
      elements: [],
      style: cyStylesheet(this.theme, this.flow, this.laidOut),
      layout: { name: "preset" },
      minZoom: 0.01,
      maxZoom: 5,
      boxSelectionEnabled: false,
      autounselectify: true,
      autoungrabify: true,
      motionBlur: false,
    });
    tuneRenderer(cy);
    cy.on("viewport resize", this.onViewport);
    cy.on("tap", (e: EventObject) => {
      if (e.target === cy) {
        this.previousTap = this.lastTap;
        this.lastTap = null;
        this.select(null);
        this.onSelect(null);
      }
    });
    cy.on("tap", "node", (e: EventObject) => {
      const id = this.viewIdOf(e.target as NodeSingular);
      this.previousTap = this.lastTap;
      this.lastTap = id ?? (e.target as NodeSingular).id();
      if (!id) return;
      this.select(id);
      this.onSelect(id);
    });
    // The full name (boxes elide long ones) and value as the tooltip.
    cy.on("mouseover", "node", (e: EventObject) => {
      const id = this.viewIdOf(e.target as NodeSingular);
      const d = id ? this.scene?.byId.get(id) : undefined;
      this.container.title = d ? (d.box ? `${d.label} ${d.box.value}`.trim() : d.label) : "";
    });
    cy.on("mouseout", "node", () => {
      this.container.title = "";
    });
    cy.on("dbltap", "node", (e: EventObject) => {
      const node = e.target as NodeSingular;
      // cytoscape reports any two quick clicks as a double click, even on two different nodes.
      if (this.previousTap !== this.lastTap) return;
      const line = node.data("line") as number | undefined;
      if ((node.hasClass("collapsed") || node.hasClass("group")) && line !== undefined) {
        void this.toggleGroup(line);
        return;
      }
      const id = this.viewIdOf(node);
      if (id && this.onActivate) this.onActivate(id);
    });
    this.core = cy;
    this.styledFor = this.laidOut;
    return cy;
  }

  /** The view node a drawn node stands for (null for groups). */
  private viewIdOf(node: NodeSingular): string | null {
    const box = node.data("box") as string | undefined;
    if (box) return box;
    if (node.hasClass("group") || node.hasClass("collapsed")) return null;
    return node.id();
  }

  private gradOf(id: string): ValueSummary | null {
    const r = this.replayState;
    if (r) return r.grads.get(id) ?? null;
    return this.graph?.byId.get(id)?.tensor?.grad ?? null;
  }

  private elements(scene: Scene): ElementDefinition[] {
    return cyElements(scene, this.positions, (id: string) => {
      const grad = this.gradOf(id);
      this.shownGrad.set(id, grad);
      return grad;
    });
  }

  // ---- style -------------------------------------------------------------------------------------

  private restyle(): void {
    this.canvas?.redraw();
    this.core?.style(cyStylesheet(this.theme, this.flow, this.laidOut));
    this.styledFor = this.laidOut;
  }

  /** Re-read theme colours from CSS variables (VS Code changes them live; call on body class change). */
  refreshTheme(): void {
    const theme = readTheme();
    // Callers may report one change several times (body class and media query): restyle once.
    if (JSON.stringify(theme) === JSON.stringify(this.theme)) return;
    this.theme = theme;
    this.restyle();
    this.drawOverlay();
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
    const scene = this.scene;
    if (this.canvas && scene) {
      // Grads show in the boxes' text, drawn only where it can be read: redraw just then.
      this.followStep();
      if (this.labelsVisible()) this.canvas.redraw();
      this.drawOverlay();
      this.timings.replayMs = performance.now() - started;
      return;
    }
    const cy = this.core;
    if (!cy || !scene) return;
    this.followStep();
    cy.batch(() => {
      for (const id of this.tensorIds) {
        const want = this.gradOf(id);
        if (this.shownGrad.get(id) === want) continue;
        this.shownGrad.set(id, want);
        if (scene.rep.get(id) !== id) continue;
        const tag = cy.getElementById(gradTagId(id));
        tag.data("label", shortGrad(want));
        if (want) tag.removeClass("pending");
        else tag.addClass("pending");
      }
      this.applyCurrent();
    });
    this.timings.replayMs = performance.now() - started;
  }

  /**
   * Stepping keeps the node being run in view: when its box is (partly) outside the pane, the view
   * pans (at the same zoom) to centre it.
   */
  private followStep(): void {
    const cur = this.replayState?.current;
    const scene = this.scene;
    const vp = this.vp();
    if (!cur || !scene || !vp || vp.w <= 0 || vp.h <= 0) return;
    const id = scene.rep.get(cur.viewNode) ?? cur.viewNode;
    const d = scene.byId.get(id);
    const p = this.positions[id];
    if (!d || !p) return;
    const x = p.x * vp.zoom + vp.pan.x;
    const y = p.y * vp.zoom + vp.pan.y;
    const hw = (d.width * vp.zoom) / 2;
    const hh = (d.height * vp.zoom) / 2;
    const margin = 8;
    if (x - hw >= margin && x + hw <= vp.w - margin && y - hh >= margin && y + hh <= vp.h - margin) return;
    this.setVp(vp.zoom, { x: vp.w / 2 - vp.zoom * p.x, y: vp.h / 2 - vp.zoom * p.y });
  }

  /**
   * The current step as drawn: the node being run (a drawn id) and the edges carrying gradient,
   * with the value each carries (`incoming`: the gradient arriving at the op, on its result's edge).
   */
  currentStep(): { node: string | null; edges: Array<{ id: string; flow: string; incoming: boolean }> } {
    const cur = this.replayState?.current;
    const scene = this.scene;
    if (!cur || !scene) return { node: null, edges: [] };
    const node = scene.rep.get(cur.viewNode) ?? cur.viewNode;
    const drawn = scene.edgeById;
    const edges: Array<{ id: string; flow: string; incoming: boolean }> = [];
    for (const e of cur.edges) if (drawn.has(e.edge)) edges.push({ id: e.edge, flow: flowText(e.grad), incoming: false });
    if (this.graph?.byId.get(cur.viewNode)?.kind === "op" && drawn.has(`o:${cur.viewNode}`)) {
      edges.push({ id: `o:${cur.viewNode}`, flow: flowText(cur.step.gradIn), incoming: true });
    }
    return { node: scene.byId.has(node) ? node : null, edges };
  }

  /**
   * Marks the current step. Small graphs: classes on the cytoscape elements. Big graphs: the overlay
   * canvas, so a step does not make cytoscape redraw thousands of elements. Call inside a batch.
   */
  private applyCurrent(): void {
    const cy = this.core;
    const scene = this.scene;
    if (!scene) return;
    if (!cy) {
      this.drawOverlay();
      return;
    }
    for (const id of this.markedStep) cy.getElementById(id).removeClass("step");
    for (const id of this.markedEdges) cy.getElementById(id).removeClass("current incoming").data("flow", NO_FLOW);
    this.markedStep = [];
    this.markedEdges = [];
    if (!scene.rich) {
      this.drawOverlay();
      return;
    }
    const cur = this.currentStep();
    if (cur.node) {
      cy.getElementById(cur.node).addClass("step");
      this.markedStep.push(cur.node);
    }
    for (const e of cur.edges) {
      cy.getElementById(e.id).data("flow", e.flow).addClass(e.incoming ? "incoming" : "current");
      this.markedEdges.push(e.id);
    }
  }

  // ---- big graphs: the step on an overlay ----------------------------------------------------------

  /** Whether the canvas drawing shows the boxes' text at the current zoom. */
  private labelsVisible(): boolean {
    return (this.vp()?.zoom ?? 0) * BOX.textSize >= MIN_ZOOMED_FONT;
  }

  private readonly onViewport = () => {
    this.drawOverlay();
  };

  /** The step's overlay canvas above the big-graph canvas (big graphs only), created on demand. */
  private ensureOverlay(): CanvasRenderingContext2D | null {
    if (this.overlay) return this.overlay.getContext("2d");
    const canvas = coveringCanvas(this.container, "lens-overlay");
    canvas.setAttribute("aria-hidden", "true");
    canvas.style.pointerEvents = "none";
    canvas.style.zIndex = "5";
    this.overlay = canvas;
    return canvas.getContext("2d");
  }

  /** Draws the current step of a big graph: a ring on the node (visible at any zoom), dashed edges with their values. */
  private drawOverlay(): void {
    const vp = this.vp();
    const scene = this.scene;
    const cur = scene && !scene.rich ? this.currentStep() : { node: null, edges: [] };
    if (!cur.node && cur.edges.length === 0) {
      if (this.overlay) {
        const ctx = this.overlay.getContext("2d");
        ctx?.clearRect(0, 0, this.overlay.width, this.overlay.height);
      }
      return;
    }
    if (!vp || !scene) return;
    const ctx = this.ensureOverlay();
    const canvas = this.overlay;
    if (!ctx || !canvas) return;
    const { w, h } = vp;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    drawStepOverlay(ctx, { w, h, zoom: vp.zoom, pan: vp.pan, ratio }, this.theme, scene, this.positions, cur);
  }

  // ---- selection and search ------------------------------------------------------------------------

  select(id: string | null, options: { center?: boolean } = {}): void {
    this.selected = id && this.graph?.byId.has(id) ? id : null;
    if (this.canvas) {
      this.canvas.redraw();
      const p = options.center ? this.selectedDrawn() : null;
      const node = p ? this.canvas.node(p) : undefined;
      const vp = this.vp();
      if (node && vp) {
        const zoom = vp.zoom < 0.6 ? 1 : vp.zoom;
        this.setVp(zoom, { x: vp.w / 2 - zoom * node.x, y: vp.h / 2 - zoom * node.y });
      }
      return;
    }
    const cy = this.core;
    if (!cy) return;
    cy.batch(() => this.applySelection());
    if (options.center && this.markedSelection) {
      const ele = cy.getElementById(this.markedSelection);
      if (cy.zoom() < 0.6) cy.zoom(1);
      cy.center(ele);
    }
  }

  private applySelection(): void {
    const cy = this.core;
    if (!cy || !this.scene) return;
    if (this.markedSelection) cy.getElementById(this.markedSelection).removeClass("sel");
    this.markedSelection = null;
    if (!this.selected) return;
    const id = this.scene.rep.get(this.selected) ?? this.selected;
    const ele = cy.getElementById(id);
    if (ele.empty()) return;
    ele.addClass("sel");
    this.markedSelection = id;
  }

  /** Highlight nodes whose label contains the query (case-insensitive); returns their ids in order. */
  search(query: string): string[] {
    this.query = query;
    this.matches = this.matchesOf(query);
    if (this.canvas) this.applyMatches();
    else this.core?.batch(() => this.applyMatches());
    return [...this.matches];
  }

  private matchesOf(query: string): string[] {
    const q = query.trim().toLowerCase();
    return q && this.graph ? this.graph.nodes.filter((n) => n.label.toLowerCase().includes(q)).map((n) => n.id) : [];
  }

  private applyMatches(): void {
    if (this.canvas && this.scene) {
      const marked = new Set<string>();
      for (const id of this.matches) {
        const d = this.scene.rep.get(id);
        if (d) marked.add(d);
      }
      this.matchedDrawn = marked;
      this.canvas.redraw();
      return;
    }
    const cy = this.core;
    if (!cy || !this.scene) return;
    for (const id of this.markedMatches) cy.getElementById(id).removeClass("match");
    const marked = new Set<string>();
    for (const id of this.matches) {
      const d = this.scene.rep.get(id);
      if (d && !marked.has(d)) {
        marked.add(d);
        cy.getElementById(d).addClass("match");
      }
    }
    this.markedMatches = [...marked];
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
    const bb = this.extent();
    if (!vp || !bb) return;
    const { w, h } = vp;
    if (w <= 0 || h <= 0) return;
    const zoom = Math.max(vp.min, Math.min(FIT_MAX_ZOOM, (w - 2 * FIT_PADDING) / bb.w, (h - 2 * FIT_PADDING) / bb.h));
    if (legible && zoom < LEGIBLE_ZOOM) {
      const focus = this.focusNode();
      if (focus) {
        const z = LEGIBLE_ZOOM;
        // Keep as much of the graph in view as the legible zoom allows, the focus inside it.
        const cx = clampCentre(focus.x, bb.x1, bb.w, w / z - 2 * FIT_PADDING / z);
        const cy = clampCentre(focus.y, bb.y1, bb.h, h / z - 2 * FIT_PADDING / z);
        this.setVp(z, { x: w / 2 - z * cx, y: h / 2 - z * cy });
        return;
      }
    }
    this.setVp(zoom, { x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2) });
  }

  /** Where a legible first view centres: the selection, else the output (the last node made). */
  private focusNode(): { x: number; y: number } | null {
    const scene = this.scene;
    if (!scene) return null;
    const sel = this.selectedDrawn();
    const id = sel ?? [...scene.nodes].sort((a, b) => b.order - a.order)[0]?.id;
    return id ? (this.positions[id] ?? null) : null;
  }

  /** The drawing's extent in model coordinates: boxes, group frames (padding and label), edge labels' room. */
  private extent(): { x1: number; y1: number; w: number; h: number } | null {
    const scene = this.scene;
    if (!scene || scene.nodes.length === 0) return null;
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (const n of scene.nodes) {
      const p = this.positions[n.id];
      if (!p) continue;
      const pad = n.parent ? BOX.groupPad : 0;
      const top = n.parent ? BOX.groupPad + BOX.groupLabel : 0;
      x1 = Math.min(x1, p.x - n.width / 2 - pad);
      y1 = Math.min(y1, p.y - n.height / 2 - top);
      x2 = Math.max(x2, p.x + n.width / 2 + pad);
      y2 = Math.max(y2, p.y + n.height / 2 + pad);
    }
    if (!Number.isFinite(x1)) return null;
    return { x1, y1, w: Math.max(1, x2 - x1), h: Math.max(1, y2 - y1) };
  }

  zoomBy(factor: number): void {
    if (this.canvas && factor > 0) {
      this.canvas.zoomAt(factor, this.canvas.width() / 2, this.canvas.height() / 2);
      return;
    }
    const cy = this.core;
    if (!cy || !(factor > 0)) return;
    const level = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), cy.zoom() * factor));
    cy.zoom({ level, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  viewport(): Viewport {
    const vp = this.vp();
    if (!vp) return { zoom: 1, pan: { x: 0, y: 0 } };
    return { zoom: vp.zoom, pan: { x: vp.pan.x, y: vp.pan.y } };
  }

  setViewport(v: Viewport): void {
    this.setVp(v.zoom, { x: v.pan.x, y: v.pan.y });
  }

  /** The first view of a graph: fitted, at a legible zoom around the selection when the whole does not fit legibly. */
  private fitOrShow(fit: boolean | Viewport): void {
    if (fit === true) this.fitTo(true);
    else if (fit) this.setViewport(fit);
  }

  /**
   * Resolves once the next frame has been rendered: the drawing happens in an animation frame
   * callback (cytoscape's or the canvas view's), and a task posted from there runs after that
   * frame's style, layout and paint. After a second it resolves anyway (a hidden page has no frames).
   */
  private nextPaint(): Promise<void> {
    const cy = this.core;
    if (!this.canvas && !cy) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        cy?.removeListener("render", drawn);
        resolve();
      };
      const drawn = () => {
        const channel = new MessageChannel();
        channel.port1.onmessage = finish;
        channel.port2.postMessage(null);
      };
      const timer = setTimeout(finish, 1000);
      if (this.canvas) void this.canvas.nextFrame().then(drawn);
      else cy!.one("render", drawn);
    });
  }

  // ---- export ------------------------------------------------------------------------------------

  /** The whole graph as a PNG (base64, no data: prefix), at scale 2 (less for huge graphs), on the theme's background. */
  exportPng(): string {
    if (this.canvas) {
      const bb = this.extent();
      if (!bb) return "";
      const w = bb.w + 2 * PNG_MARGIN;
      const h = bb.h + 2 * PNG_MARGIN;
      const scale = Math.min(2, PNG_MAX_SIDE / w, PNG_MAX_SIDE / h, Math.sqrt(PNG_MAX_AREA / (w * h)));
      return this.canvas.exportPng(bb, scale, PNG_MARGIN, this.theme.background).replace(/^data:image\/png;base64,/, "");
    }
    const cy = this.core;
    if (!cy || cy.elements().empty()) return "";
    const bb = cy.elements().boundingBox();
    // cy.png crops to the elements: two invisible corner nodes give the picture a margin.
    const pad = cy.add([
      { group: "nodes", data: { id: "png:pad1", label: NO_FLOW }, classes: "pad", position: { x: bb.x1 - PNG_MARGIN, y: bb.y1 - PNG_MARGIN } },
      { group: "nodes", data: { id: "png:pad2", label: NO_FLOW }, classes: "pad", position: { x: bb.x2 + PNG_MARGIN, y: bb.y2 + PNG_MARGIN } },
    ]);
    try {
      const w = bb.w + 2 * PNG_MARGIN;
      const h = bb.h + 2 * PNG_MARGIN;
      let scale = Math.min(2, PNG_MAX_SIDE / w, PNG_MAX_SIDE / h, Math.sqrt(PNG_MAX_AREA / (w * h)));
      // cytoscape multiplies the scale by its pixel ratio.
      const ratio = window.devicePixelRatio || 1;
      scale /= ratio;
      return cy.png({ output: "base64", full: true, scale, bg: this.theme.background });
    } finally {
      pad.remove();
    }
  }

  /** The graph as an SVG document of our own, from the layout's positions (graph-export.ts). */
  exportSvg(): string {
    return sceneSvg({
      scene: this.scene,
      positions: this.positions,
      theme: this.theme,
      flow: this.flow,
      gradLine: (id) => {
        const g = this.gradOf(id);
        return { text: shortGrad(g), known: !!g };
      },
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
    this.core?.destroy();
    this.canvas?.destroy();
    this.canvas = null;
    this.overlay?.remove();
    this.overlay = null;
    this.core = null;
    this.scene = null;
    this.graph = null;
  }
}

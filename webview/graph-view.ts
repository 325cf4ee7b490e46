// The graph panel: the view graph (model.ts) drawn with cytoscape on a canvas, laid out by
// layout.ts (in a Web Worker for big graphs), with the backward replay painted on top.
//
// Tensor boxes show three lines — the name (bold), the value and the grad (in the grad accent
// colour, "grad —" until the replay reaches it). A cytoscape node has one label with one font and
// colour, so each box carries two label-only "tag" nodes (value, grad) that cannot be clicked and
// sit inside the box.
//
// Big graphs (see BIG_NODES) are not given to cytoscape at all: it computes a style, a label box
// and an edge geometry for every element before the first frame and keeps refining textures for
// seconds after, which for thousands of nodes means seconds to the first paint and dropped frames
// while stepping. canvas-view.ts draws them instead (culled, text only where it can be read), and
// pans, zooms and hit-tests itself. On big graphs the replay step (node ring, dashed edges,
// values) is drawn on an overlay canvas above either drawing.
//
// Colours come from VS Code's CSS variables, resolved to concrete colours (the canvas cannot use
// var()), with light/dark defaults for the standalone page. All text is user text: the canvas
// draws it as text, and the SVG export escapes it.
import cytoscape from "cytoscape";
import type { Core, ElementDefinition, EventObject, NodeSingular, StylesheetJson } from "cytoscape";
import { arrowhead, CanvasView, coveringCanvas, type Hit, type PaintEdge, type PaintGroup, type PaintNode } from "./canvas-view";
import { boundaryPoint, renderSvg, type SvgEdge, type SvgNode, type SvgTextLine } from "./export-svg";
import { layeredLayout, type LayoutEdge, type LayoutNode, type LayoutOptions, type LayoutResult } from "./layout";
import type { LayoutRequest, LayoutResponse } from "./layout-worker";
import { formatValue, groupsByLine, type ReplayState, type ViewGraph, type ViewNode } from "./model";
import type { ValueSummary } from "../shared/protocol";

/** The layout worker's bundled source, injected by the build (esbuild `define`); undefined when not built in. */
declare const __LAYOUT_WORKER_SOURCE__: string | undefined;

export interface GraphViewOptions {
  container: HTMLElement;
  direction: "LR" | "TB";
  flow: "data" | "gradient";
  onSelect(id: string | null): void;
  /** Double click, or Enter on the selected node. */
  onActivate?(id: string): void;
  /** Lay out in a worker above this many drawn nodes (default WORKER_NODES). */
  workerNodes?: number;
}

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

/**
 * Lay out in a Web Worker above this many drawn nodes. Below it the layout takes a few hundred
 * milliseconds at most on the page, less than starting a worker costs: a fresh worker compiles
 * and runs the layout cold, which for ~2,000 nodes took twice as long as the page's warm run.
 */
export const WORKER_NODES = 2500;
/** Above this many drawn nodes the graph is drawn by canvas-view.ts, not by cytoscape. */
export const BIG_NODES = 600;
/** Above this many drawn nodes: pixel ratio 1 (four times fewer pixels to fill on a HiDPI screen). */
export const HUGE_NODES = 4000;

const NAME_SIZE = 13;
/** Big graphs: labels drawn from this rendered font size on (cytoscape's min-zoomed-font-size). */
const MIN_ZOOMED_FONT = 7;
const TEXT_SIZE = 12;
const LINE = 17;
const PAD_X = 11;
const PAD_Y = 8;
const BOX_MIN_W = 70;
const BOX_H = PAD_Y * 2 + LINE * 3;
const PILL_H = 28;
const PILL_PAD = 11;
const GROUP_H = 34;
/** Compound groups: padding around their members, and the room of the label above. */
const GROUP_PAD = 10;
const GROUP_LABEL = 16;
const FIT_PADDING = 24;
/** Fit never zooms a small graph in beyond this. */
const FIT_MAX_ZOOM = 1.5;
/** The biggest PNG side and area Chromium's canvas handles comfortably. */
const PNG_MAX_SIDE = 16000;
const PNG_MAX_AREA = 120_000_000;
/** Room around the graph in PNG exports (model units). */
const PNG_MARGIN = 16;

type SizeClass = "small" | "big" | "huge";

/**
 * The label of an edge outside the current step: a zero-width space, never empty (nor blank) — a
 * label turning empty or non-empty makes cytoscape re-sort every element by z-order on the next frame.
 */
const NO_FLOW = "\u200b";

// ---- theme --------------------------------------------------------------------------------------

interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export interface Theme {
  dark: boolean;
  highContrast: boolean;
  background: string;
  foreground: string;
  muted: string;
  boxFill: string;
  boxBorder: string;
  leaf: string;
  output: string;
  grad: string;
  step: string;
  opFill: string;
  opBorder: string;
  opText: string;
  edge: string;
  selection: string;
  match: string;
  matchOpacity: number;
  groupFill: string;
  groupBorder: string;
  fontUi: string;
  fontMono: string;
  borderWidth: number;
}

const DEFAULT_UI_FONT = `-apple-system, BlinkMacSystemFont, "Segoe UI", Ubuntu, "Helvetica Neue", "Noto Sans", "DejaVu Sans", sans-serif`;
const DEFAULT_MONO_FONT = `"SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", "Courier New", monospace`;

/** VS Code's Dark Modern / Light Modern values, for pages outside VS Code. */
const DEFAULTS = {
  dark: {
    background: "#1f1f1f",
    foreground: "#cccccc",
    muted: "#9d9d9d",
    border: "#454545",
    blue: "#3794ff",
    green: "#89d185",
    orange: "#e8a04c",
    yellow: "#f2cc60",
    purple: "#b180d7",
    focus: "#0078d4",
    match: "#ea5c0055",
  },
  light: {
    background: "#ffffff",
    foreground: "#3b3b3b",
    muted: "#717171",
    border: "#c8c8c8",
    blue: "#1a85ff",
    green: "#388a34",
    orange: "#c76a00",
    yellow: "#b38600",
    purple: "#7a3fa8",
    focus: "#005fb8",
    match: "#ea5c0055",
  },
};

let colorCtx: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour → RGBA bytes (alpha 0..1), by painting one pixel; null when it does not parse. */
function parseColor(css: string): Rgba | null {
  const value = css.trim();
  if (!value) return null;
  if (colorCtx === undefined) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    colorCtx = canvas.getContext("2d", { willReadFrequently: true });
  }
  const ctx = colorCtx;
  if (!ctx) return null;
  const sentinel = "#010203";
  ctx.fillStyle = sentinel;
  ctx.fillStyle = value;
  if (ctx.fillStyle === sentinel && value.toLowerCase() !== sentinel) return null;
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return { r: r!, g: g!, b: b!, a: a! / 255 };
}

const hex = (c: Rgba) => "#" + [c.r, c.g, c.b].map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0")).join("");

function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/** A translucent colour composited onto the background (cytoscape colours carry no alpha). */
const flatten = (c: Rgba, bg: Rgba): Rgba => (c.a >= 1 ? c : mix(bg, { ...c, a: 1 }, c.a));

const luminance = (c: Rgba) => (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;

/** Reads the theme from VS Code's CSS variables on <body>, with defaults for the colour scheme. */
export function readTheme(): Theme {
  const body = document.body;
  const style = getComputedStyle(body);
  const cssVar = (name: string) => style.getPropertyValue(name).trim();
  const classes = body.classList;
  const hcClass = classes.contains("vscode-high-contrast") || classes.contains("vscode-high-contrast-light");
  const prefersDark = typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
  const themeDark = classes.contains("vscode-dark") || (classes.contains("vscode-high-contrast") && !classes.contains("vscode-high-contrast-light"));
  const themeLight = classes.contains("vscode-light") || classes.contains("vscode-high-contrast-light");
  let d = themeDark ? DEFAULTS.dark : themeLight ? DEFAULTS.light : prefersDark ? DEFAULTS.dark : DEFAULTS.light;
  const bgVar = parseColor(cssVar("--vscode-editor-background"));
  // A background from the host decides which defaults fit, whatever the body classes say.
  if (bgVar) d = luminance(bgVar) < 0.5 ? DEFAULTS.dark : DEFAULTS.light;
  const dark = d === DEFAULTS.dark;
  const bg = flatten(bgVar ?? parseColor(d.background)!, parseColor(d.background)!);
  const pick = (name: string, fallback: string): Rgba => {
    const c = parseColor(cssVar(name));
    return c ? flatten(c, bg) : parseColor(fallback)!;
  };
  const fg = pick("--vscode-editor-foreground", d.foreground);
  const contrastBorder = parseColor(cssVar("--vscode-contrastBorder"));
  const highContrast = hcClass || (contrastBorder !== null && contrastBorder.a > 0);
  const purple = pick("--vscode-charts-purple", d.purple);
  const border = pick("--vscode-editorWidget-border", d.border);
  const matchRaw = parseColor(cssVar("--vscode-editor-findMatchHighlightBackground")) ?? parseColor(d.match)!;
  const hcBorder = contrastBorder ? flatten(contrastBorder, bg) : fg;
  return {
    dark,
    highContrast,
    background: hex(bg),
    foreground: hex(fg),
    muted: hex(pick("--vscode-descriptionForeground", d.muted)),
    boxFill: hex(highContrast ? bg : mix(bg, fg, dark ? 0.07 : 0.035)),
    boxBorder: hex(highContrast ? hcBorder : mix(border, fg, dark ? 0.15 : 0.1)),
    leaf: hex(pick("--vscode-charts-blue", d.blue)),
    output: hex(pick("--vscode-charts-green", d.green)),
    grad: hex(pick("--vscode-charts-orange", d.orange)),
    step: hex(pick("--vscode-charts-yellow", d.yellow)),
    opFill: hex(highContrast ? bg : mix(bg, purple, dark ? 0.2 : 0.1)),
    opBorder: hex(highContrast ? purple : mix(bg, purple, dark ? 0.65 : 0.55)),
    opText: hex(highContrast ? fg : mix(purple, fg, dark ? 0.55 : 0.35)),
    edge: hex(highContrast ? fg : mix(bg, fg, dark ? 0.45 : 0.5)),
    selection: hex(pick("--vscode-focusBorder", d.focus)),
    match: hex({ ...matchRaw, a: 1 }),
    matchOpacity: Math.max(0.35, Math.min(0.8, matchRaw.a)),
    groupFill: hex(mix(bg, fg, dark ? 0.03 : 0.02)),
    groupBorder: hex(highContrast ? hcBorder : mix(bg, fg, dark ? 0.25 : 0.3)),
    fontUi: cssVar("--vscode-font-family") || DEFAULT_UI_FONT,
    fontMono: cssVar("--vscode-editor-font-family") || DEFAULT_MONO_FONT,
    borderWidth: highContrast ? 2 : 1.2,
  };
}

// ---- text ----------------------------------------------------------------------------------------

/** Text widths from a canvas 2D context (the fonts cytoscape draws with), or a per-character estimate. */
class TextMeasure {
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly cache = new Map<string, number>();
  private font = "";

  constructor() {
    let ctx: CanvasRenderingContext2D | null;
    try {
      ctx = document.createElement("canvas").getContext("2d");
    } catch {
      ctx = null;
    }
    this.ctx = ctx;
  }

  width(text: string, font: string, size: number): number {
    const key = font + "\u0000" + text;
    let w = this.cache.get(key);
    if (w === undefined) {
      if (this.ctx) {
        if (this.font !== font) this.ctx.font = this.font = font;
        w = this.ctx.measureText(text).width;
      } else {
        w = text.length * size * 0.62;
      }
      this.cache.set(key, w);
    }
    return w;
  }

  /** For a monospace font: one measurement per font, then characters × advance (big graphs). */
  monoWidth(text: string, font: string, size: number): number {
    return text.length * (this.width("0000000000", font, size) / 10);
  }
}

/** Formatted values, per ValueSummary object (replay states share the snapshot's objects). */
const formatted = new WeakMap<ValueSummary, string>();
function fmt(v: ValueSummary | null | undefined): string {
  if (!v) return "—";
  let s = formatted.get(v);
  if (s === undefined) formatted.set(v, (s = formatValue(v)));
  return s;
}

const gradLine = (v: ValueSummary | null | undefined) => `grad ${fmt(v)}`;

// ---- the drawn scene -----------------------------------------------------------------------------

type DrawnKind = "leaf" | "intermediate" | "output" | "op" | "collapsed";

/** One node as drawn: a view node, or a collapsed line group standing for several. */
interface Drawn {
  id: string;
  kind: DrawnKind;
  label: string;
  width: number;
  height: number;
  order: number;
  /** The compound group it sits in (grouping on, line expanded). */
  parent?: string;
  view?: ViewNode;
  /** A collapsed group: its line and members. */
  line?: number;
  members?: string[];
  /** Tensor boxes: the name's width (to left-align it). */
  nameWidth?: number;
}

interface DrawnEdge {
  id: string;
  source: string;
  target: string;
}

interface Scene {
  nodes: Drawn[];
  edges: DrawnEdge[];
  edgeById: Map<string, DrawnEdge>;
  byId: Map<string, Drawn>;
  /** View node id → the drawn node standing for it. */
  rep: Map<string, string>;
  /** Expanded groups: compound id → line and members (drawn ids). */
  groups: Map<string, { line: number; members: string[] }>;
  sizeClass: SizeClass;
  rich: boolean;
}

const groupId = (line: number) => `L:${line}`;
const valueTagId = (id: string) => `tv:${id}`;
const gradTagId = (id: string) => `tg:${id}`;

function sizeClassOf(count: number): SizeClass {
  return count > HUGE_NODES ? "huge" : count > BIG_NODES ? "big" : "small";
}

/** Up to this many elements (nodes, edges, tags) cytoscape draws each frame directly. */
const DIRECT_DRAW_MAX = 150;

/**
 * Two changes to cytoscape's canvas renderer (internal API: 3.34, pinned in package.json; a method
 * that is not there is left alone), both for the first frame, which on the benchmark machine took
 * over 100 ms for the textbook's 14 nodes:
 *
 * - Small graphs are drawn element by element straight onto the canvas, not through the texture
 *   caches. The caches pay off when hundreds of elements are panned, but building them costs a fresh
 *   off-screen canvas per element and per layer: 30–40 ms of that frame. Cytoscape's own fallback
 *   (when no layer is cached) draws the same way; this takes that path from the start.
 * - The drag and selection-box layers (canvases 1 and 0) get no pixels. Nothing can be dragged or
 *   box-selected here (autoungrabify, boxSelectionEnabled: false), yet the renderer clears both every
 *   frame, which allocated them (about 7 ms each) and had them composited again. At 0×0 they cost
 *   nothing; style.css hides them too.
 */
function tuneRenderer(cy: Core): void {
  type Fn = (...args: unknown[]) => unknown;
  // The renderer is not part of cytoscape's typings (cy.renderer() is internal API).
  const r = (cy as unknown as { renderer?: () => Record<string, unknown> }).renderer?.();
  if (!r) return;
  const layered = r.drawLayeredElements;
  const underlay = r.drawElementUnderlay;
  const element = r.drawElement;
  if (typeof layered === "function" && typeof underlay === "function" && typeof element === "function") {
    r.drawLayeredElements = function (context: unknown, eles: ArrayLike<unknown>, ...rest: unknown[]) {
      if (eles.length > DIRECT_DRAW_MAX) return (layered as Fn).call(r, context, eles, ...rest);
      for (let i = 0; i < eles.length; i++) {
        (underlay as Fn).call(r, context, eles[i]);
        (element as Fn).call(r, context, eles[i]);
      }
    };
  }
  const match = r.matchCanvasSize;
  const canvases = (r.data as { canvases?: unknown } | undefined)?.canvases;
  if (typeof match === "function" && Array.isArray(canvases)) {
    const unused = canvases.slice(0, 2).filter((c): c is HTMLCanvasElement => c instanceof HTMLCanvasElement);
    const empty = () => {
      for (const c of unused) if (c.width || c.height) c.width = c.height = 0;
    };
    r.matchCanvasSize = function (...args: unknown[]) {
      const result = (match as Fn).apply(r, args);
      empty();
      return result;
    };
    empty();
  }
}

// ---- the view ------------------------------------------------------------------------------------

export class GraphView {
  private readonly container: HTMLElement;
  private readonly onSelect: (id: string | null) => void;
  private readonly onActivate: ((id: string) => void) | undefined;
  private readonly workerNodes: number;
  private direction: "LR" | "TB";
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

  private worker: Worker | null | undefined;
  private workerUrl: string | null = null;
  private workerSeq = 0;
  private readonly pending = new Map<number, { resolve(r: LayoutResult): void; reject(e: Error): void }>();

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
    this.workerNodes = options.workerNodes ?? WORKER_NODES;
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
    if (graph.nodes.length > this.workerNodes) this.ensureWorker();
    const painted = await this.rebuild(initial.viewport ?? true);
    if (painted) this.timings.firstPaintMs = performance.now() - started;
  }

  /** Re-layout in the other direction (and fit). */
  async setDirection(direction: "LR" | "TB"): Promise<void> {
    if (direction === this.direction && this.renderer) return;
    this.direction = direction;
    if (!this.scene || !this.renderer) return;
    const gen = ++this.generation;
    const result = await this.layout(this.scene);
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
        if (this.scene!.rich && n.view && n.kind !== "op") {
          const tags = this.tagPositions(n, p);
          cy.getElementById(valueTagId(n.id)).position(tags.value);
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

  /**
   * The widest grad text a box must fit: its final grad, and a template of the same shape with
   * 4-decimal negative numbers (a replay shows other values than the final one).
   */
  private gradTemplate(n: ViewNode): string[] {
    const t = n.tensor;
    if (!t) return ["grad —"];
    const k = Math.min(4, t.value.numel);
    const nums = Array.from({ length: k }, () => "-0.0000").join(", ");
    const template = t.value.numel === 1 ? "grad -0.0000" : `grad [${t.shape.join("×")}] ${nums}${t.value.numel > 4 ? ", …" : ""}`;
    return [gradLine(t.grad), template];
  }

  private buildScene(g: ViewGraph): Scene {
    const lines = groupsByLine(g);
    const rep = new Map<string, string>();
    const nodes: Drawn[] = [];
    const byId = new Map<string, Drawn>();
    const groups = new Map<string, { line: number; members: string[] }>();
    // The size class decides the label style, which decides the sizes: count drawn nodes first.
    let count = 0;
    for (const n of g.nodes) {
      const line = n.range?.line;
      if (this.grouping && line !== undefined && this.collapsed.has(line) && (lines.get(line)?.length ?? 0) > 1) continue;
      count++;
    }
    count += this.grouping ? [...this.collapsed].filter((l) => (lines.get(l)?.length ?? 0) > 1).length : 0;
    const sizeClass = sizeClassOf(count);
    const rich = sizeClass === "small";
    const t = this.theme;
    const nameFont = `bold ${NAME_SIZE}px ${t.fontUi}`;
    const monoFont = `${TEXT_SIZE}px ${t.fontMono}`;
    const uiFont = `${TEXT_SIZE}px ${t.fontUi}`;
    const m = this.measure;

    for (const n of g.nodes) {
      const line = n.range?.line;
      const members = line !== undefined ? lines.get(line) : undefined;
      const inGroup = this.grouping && line !== undefined && members !== undefined && members.length > 1;
      if (inGroup && this.collapsed.has(line)) {
        const id = groupId(line);
        rep.set(n.id, id);
        let d = byId.get(id);
        if (!d) {
          const label = `L${line} · ${members.length} nodes`;
          d = {
            id,
            kind: "collapsed",
            label,
            width: Math.ceil(m.width(label, monoFont, TEXT_SIZE)) + 2 * PILL_PAD,
            height: GROUP_H,
            order: n.order,
            line,
            members: [],
          };
          nodes.push(d);
          byId.set(id, d);
        }
        d.members!.push(n.id);
        continue;
      }
      rep.set(n.id, n.id);
      const parent = inGroup ? groupId(line) : undefined;
      let d: Drawn;
      if (n.kind === "op") {
        d = { id: n.id, kind: "op", label: n.label, width: Math.ceil(m.width(n.label, uiFont, TEXT_SIZE)) + 2 * PILL_PAD, height: PILL_H, order: n.order, view: n };
      } else {
        const value = fmt(n.tensor?.value);
        const mono = (s: string) => (rich ? m.width(s, monoFont, TEXT_SIZE) : m.monoWidth(s, monoFont, TEXT_SIZE));
        const nameWidth = rich ? m.width(n.label, nameFont, NAME_SIZE) : mono(n.label);
        let width = Math.max(nameWidth, mono(value));
        for (const s of this.gradTemplate(n)) width = Math.max(width, mono(s));
        d = { id: n.id, kind: n.kind, label: n.label, width: Math.max(BOX_MIN_W, Math.ceil(width) + 2 * PAD_X), height: BOX_H, order: n.order, view: n, nameWidth };
      }
      if (parent) {
        d.parent = parent;
        let grp = groups.get(parent);
        if (!grp) groups.set(parent, (grp = { line: line!, members: [] }));
        grp.members.push(d.id);
      }
      nodes.push(d);
      byId.set(d.id, d);
    }
    const edges: DrawnEdge[] = [];
    const seen = new Set<string>();
    for (const e of g.edges) {
      const s = rep.get(e.source);
      const tg = rep.get(e.target);
      if (!s || !tg || s === tg) continue;
      if (s === e.source && tg === e.target) {
        edges.push({ id: e.id, source: s, target: tg });
        continue;
      }
      // An edge into or out of a collapsed group: one edge per pair of drawn nodes.
      const id = `c:${s}>${tg}`;
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push({ id, source: s, target: tg });
    }
    return { nodes, edges, edgeById: new Map(edges.map((e) => [e.id, e])), byId, rep, groups, sizeClass, rich };
  }

  private layoutOptions(): LayoutOptions {
    // Group frames take room the layout does not know about: widen the gaps while grouping.
    const g = this.grouping ? 2 * GROUP_PAD + GROUP_LABEL : 0;
    return this.direction === "LR" ? { direction: "LR", rankSep: 32 + g, nodeSep: 20 + g } : { direction: "TB", rankSep: 40 + g, nodeSep: 24 + g };
  }

  /** Positions for the scene: in the worker for big graphs (when it can be created), else here. */
  private async layout(scene: Scene): Promise<LayoutResult> {
    const nodes: LayoutNode[] = scene.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height, order: n.order }));
    const edges: LayoutEdge[] = scene.edges.map((e) => ({ source: e.source, target: e.target }));
    const options = this.layoutOptions();
    const started = performance.now();
    if (nodes.length === 0) {
      this.timings.layoutIn = "none";
      this.timings.layoutMs = 0;
      return { positions: {}, width: 0, height: 0, ranks: 0 };
    }
    if (nodes.length > this.workerNodes) {
      const worker = this.ensureWorker();
      if (worker) {
        try {
          const result = await this.layoutInWorker(worker, { id: 0, nodes, edges, options });
          this.timings.layoutIn = "worker";
          this.timings.layoutMs = performance.now() - started;
          return result;
        } catch {
          if (this.disposed) return { positions: {}, width: 0, height: 0, ranks: 0 };
          // The worker failed (it could not start, or threw): lay out here instead.
          this.dropWorker();
        }
      }
      // Let the page paint whatever it shows meanwhile before the long synchronous run.
      await new Promise((r) => setTimeout(r, 0));
    }
    const result = layeredLayout(nodes, edges, options);
    this.timings.layoutIn = "main";
    this.timings.layoutMs = performance.now() - started;
    return result;
  }

  private ensureWorker(): Worker | null {
    if (this.worker !== undefined) return this.worker;
    this.worker = null;
    const source = typeof __LAYOUT_WORKER_SOURCE__ === "string" ? __LAYOUT_WORKER_SOURCE__ : undefined;
    if (!source || typeof Worker !== "function" || typeof Blob !== "function" || typeof URL.createObjectURL !== "function") return null;
    try {
      this.workerUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      const worker = new Worker(this.workerUrl);
      worker.onmessage = (e: MessageEvent<LayoutResponse>) => {
        const p = this.pending.get(e.data.id);
        if (!p) return;
        this.pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.result);
        else p.reject(new Error(e.data.error));
      };
      const fail = () => {
        for (const p of this.pending.values()) p.reject(new Error("layout worker failed"));
        this.pending.clear();
        this.dropWorker();
      };
      worker.onerror = (e) => {
        e.preventDefault();
        fail();
      };
      worker.onmessageerror = fail;
      this.worker = worker;
    } catch {
      // Typically a Content-Security-Policy without `worker-src blob:`.
      this.dropWorker();
    }
    return this.worker;
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
    if (this.workerUrl) URL.revokeObjectURL(this.workerUrl);
    this.workerUrl = null;
  }

  private layoutInWorker(worker: Worker, req: LayoutRequest): Promise<LayoutResult> {
    const id = ++this.workerSeq;
    return new Promise<LayoutResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...req, id } satisfies LayoutRequest);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
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
    const result = await this.layout(scene);
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
      gradLine: (id) => {
        const g = this.gradOf(id);
        return { text: gradLine(g), known: !!g };
      },
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
      if (d.kind !== "op" && d.kind !== "collapsed") n.value = fmt(d.view?.tensor?.value);
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
      let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
      for (const id of grp.members) {
        const n = byId.get(id);
        if (!n) continue;
        x1 = Math.min(x1, n.x - n.width / 2);
        y1 = Math.min(y1, n.y - n.height / 2);
        x2 = Math.max(x2, n.x + n.width / 2);
        y2 = Math.max(y2, n.y + n.height / 2);
      }
      if (Number.isFinite(x1)) groups.push({ line: grp.line, x1: x1 - GROUP_PAD, y1: y1 - GROUP_PAD - GROUP_LABEL, x2: x2 + GROUP_PAD, y2: y2 + GROUP_PAD });
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
      style: this.stylesheet(),
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
    return cy;
  }

  /** The view node a drawn node stands for (null for groups). */
  private viewIdOf(node: NodeSingular): string | null {
    const box = node.data("box") as string | undefined;
    if (box) return box;
    if (node.hasClass("group") || node.hasClass("collapsed")) return null;
    return node.id();
  }

  private tagPositions(n: Drawn, p: { x: number; y: number }) {
    const left = p.x - n.width / 2 + PAD_X;
    return { value: { x: left, y: p.y }, grad: { x: left, y: p.y + LINE } };
  }

  private gradOf(id: string): ValueSummary | null {
    const r = this.replayState;
    if (r) return r.grads.get(id) ?? null;
    return this.graph?.byId.get(id)?.tensor?.grad ?? null;
  }

  private elements(scene: Scene): ElementDefinition[] {
    const out: ElementDefinition[] = [];
    for (const [id, grp] of scene.groups) out.push({ group: "nodes", data: { id, label: `L${grp.line}`, line: grp.line }, classes: "group" });
    for (const n of scene.nodes) {
      const position = this.positions[n.id] ?? { x: 0, y: 0 };
      if (n.kind === "collapsed") {
        out.push({ group: "nodes", data: { id: n.id, label: n.label, w: n.width, h: n.height, line: n.line }, classes: "collapsed", position });
        continue;
      }
      const parent = n.parent;
      if (n.kind === "op") {
        out.push({ group: "nodes", data: { id: n.id, label: n.label, w: n.width, h: n.height, ...(parent ? { parent } : {}) }, classes: "op", position });
        continue;
      }
      const grad = this.gradOf(n.id);
      this.shownGrad.set(n.id, grad);
      const lmx = -n.width / 2 + PAD_X + (n.nameWidth ?? 0) / 2;
      out.push({
        group: "nodes",
        data: { id: n.id, label: n.label, w: n.width, h: n.height, lmx, ...(parent ? { parent } : {}) },
        classes: `tensor ${n.kind}`,
        position,
      });
      const tags = this.tagPositions(n, position);
      out.push({
        group: "nodes",
        data: { id: valueTagId(n.id), label: fmt(n.view?.tensor?.value), box: n.id, ...(parent ? { parent } : {}) },
        classes: "tag value",
        position: tags.value,
      });
      out.push({
        group: "nodes",
        data: { id: gradTagId(n.id), label: gradLine(grad), box: n.id, ...(parent ? { parent } : {}) },
        classes: grad ? "tag grad" : "tag grad pending",
        position: tags.grad,
      });
    }
    for (const e of scene.edges) out.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, flow: NO_FLOW } });
    return out;
  }

  // ---- style -------------------------------------------------------------------------------------

  /** Cytoscape's style (ordinary graphs only: big ones are drawn by canvas-view.ts). */
  private stylesheet(): StylesheetJson {
    const t = this.theme;
    const arrow = this.flow === "gradient" ? "source" : "target";
    const rules: Array<{ selector: string; style: Record<string, string | number | number[]> }> = [
      {
        selector: "node",
        style: {
          label: "data(label)",
          shape: "round-rectangle",
          "corner-radius": 6,
          "background-color": t.boxFill,
          "border-width": t.borderWidth,
          "border-color": t.boxBorder,
          color: t.foreground,
          "font-family": t.fontUi,
          "font-size": TEXT_SIZE,
          "text-valign": "center",
          "text-halign": "center",
        },
      },
      { selector: "node[w]", style: { width: "data(w)", height: "data(h)" } },
      { selector: "node.pad", style: { width: 1, height: 1, "background-opacity": 0, "border-width": 0, events: "no" } },
      {
        selector: "node.tensor",
        style: { "font-weight": "bold", "font-size": NAME_SIZE, "text-margin-x": "data(lmx)", "text-margin-y": -LINE },
      },
      { selector: "node.leaf", style: { "border-color": t.leaf, "border-width": t.borderWidth + 0.8 } },
      { selector: "node.output", style: { "border-color": t.output, "border-width": t.borderWidth + 0.8 } },
      {
        selector: "node.op",
        style: {
          "corner-radius": PILL_H / 2,
          "background-color": t.opFill,
          "border-color": t.opBorder,
          color: t.opText,
        },
      },
      {
        selector: "node.tag",
        style: {
          width: 1,
          height: 1,
          "background-opacity": 0,
          "border-width": 0,
          events: "no",
          "text-halign": "right",
          "text-valign": "center",
          "font-family": t.fontMono,
          "font-size": TEXT_SIZE,
          color: t.foreground,
        },
      },
      { selector: "node.tag.grad", style: { color: t.grad } },
      { selector: "node.tag.grad.pending", style: { color: t.muted } },
      {
        selector: "node.group",
        style: {
          shape: "round-rectangle",
          "corner-radius": 8,
          "background-color": t.groupFill,
          "border-width": 1,
          "border-style": "dashed",
          "border-color": t.groupBorder,
          padding: GROUP_PAD,
          label: "data(label)",
          color: t.muted,
          "font-size": 11,
          "font-family": t.fontMono,
          "text-valign": "top",
          "text-halign": "center",
          "text-margin-y": -2,
        },
      },
      {
        selector: "node.collapsed",
        style: {
          "border-style": "dashed",
          "border-color": t.groupBorder,
          "background-color": t.groupFill,
          color: t.muted,
          "font-family": t.fontMono,
        },
      },
      { selector: "node.step", style: { "border-width": 3.5, "border-color": t.step } },
      {
        selector: "node.sel",
        style: { "outline-width": 2.5, "outline-color": t.selection, "outline-offset": 3, "outline-opacity": 1 },
      },
      {
        selector: "node.match",
        style: { "underlay-color": t.match, "underlay-opacity": t.matchOpacity, "underlay-padding": 6, "underlay-shape": "round-rectangle" },
      },
      {
        selector: "edge",
        style: {
          width: 1.3,
          "line-color": t.edge,
          "curve-style": "bezier",
          [`${arrow}-arrow-shape`]: "triangle",
          [`${arrow}-arrow-color`]: t.edge,
          "arrow-scale": 0.8,
          label: "data(flow)",
          "font-family": t.fontMono,
          "font-size": 11,
        },
      },
      {
        selector: "edge.current, edge.incoming",
        style: {
          "curve-style": "straight",
          "line-color": t.step,
          "line-style": "dashed",
          "line-dash-pattern": [7, 4],
          width: 2.5,
          "target-arrow-shape": "none",
          "mid-target-arrow-shape": "none",
          "mid-source-arrow-shape": "none",
          "source-arrow-shape": "triangle",
          "source-arrow-color": t.step,
          "arrow-scale": 1.3,
          color: t.step,
          "font-weight": "bold",
          "text-background-color": t.background,
          "text-background-opacity": 1,
          "text-background-padding": "2",
          "text-background-shape": "roundrectangle",
          // Above a left-to-right edge, so the dashes stay visible.
          ...(this.direction === "LR" ? { "text-margin-y": -11 } : {}),
          // No z-index here: a z-order change makes cytoscape re-sort every element on the next frame.
        },
      },
      { selector: "edge.incoming", style: { width: 1.8, "arrow-scale": 1.1 } },
    ];
    return rules as unknown as StylesheetJson;
  }

  private restyle(): void {
    this.canvas?.redraw();
    this.core?.style(this.stylesheet());
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
        tag.data("label", gradLine(want));
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
    for (const e of cur.edges) if (drawn.has(e.edge)) edges.push({ id: e.edge, flow: fmt(e.grad), incoming: false });
    if (this.graph?.byId.get(cur.viewNode)?.kind === "op" && drawn.has(`o:${cur.viewNode}`)) {
      edges.push({ id: `o:${cur.viewNode}`, flow: fmt(cur.step.gradIn), incoming: true });
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
    return (this.vp()?.zoom ?? 0) * TEXT_SIZE >= MIN_ZOOMED_FONT;
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
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const { zoom, pan } = vp;
    const t = this.theme;
    const screen = (id: string): SvgNode | null => {
      const d = scene.byId.get(id);
      const p = this.positions[id];
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
    ctx.font = `bold 11px ${t.fontMono}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const l of labels) {
      const tw = ctx.measureText(l.text).width;
      ctx.fillStyle = t.background;
      ctx.fillRect(l.x - tw / 2 - 3, l.y - 8, tw + 6, 16);
      ctx.fillStyle = t.step;
      ctx.fillText(l.text, l.x, l.y);
    }
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
   * Shows the whole graph. Computed from the layout's boxes rather than cytoscape's bounding box,
   * which would measure every label and edge of a big graph before its first frame.
   */
  fit(): void {
    const vp = this.vp();
    const bb = this.extent();
    if (!vp || !bb) return;
    const { w, h } = vp;
    if (w <= 0 || h <= 0) return;
    const zoom = Math.max(vp.min, Math.min(FIT_MAX_ZOOM, (w - 2 * FIT_PADDING) / bb.w, (h - 2 * FIT_PADDING) / bb.h));
    this.setVp(zoom, { x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2) });
  }

  /** The drawing's extent in model coordinates: boxes, group frames (padding and label), edge labels' room. */
  private extent(): { x1: number; y1: number; w: number; h: number } | null {
    const scene = this.scene;
    if (!scene || scene.nodes.length === 0) return null;
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (const n of scene.nodes) {
      const p = this.positions[n.id];
      if (!p) continue;
      const pad = n.parent ? GROUP_PAD : 0;
      const top = n.parent ? GROUP_PAD + GROUP_LABEL : 0;
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

  private fitOrShow(fit: boolean | Viewport): void {
    if (fit === true) this.fit();
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

  /** The graph as an SVG document of our own, from the layout's positions. */
  exportSvg(): string {
    const scene = this.scene;
    const t = this.theme;
    if (!scene) return renderSvg({ background: t.background, nodes: [], edges: [] });
    const nodes: SvgNode[] = [];
    const index = new Map<string, number>();
    const text = (s: string, color: string, mono: boolean, bold = false, size = TEXT_SIZE): SvgTextLine => ({
      text: s,
      color,
      fontFamily: mono ? t.fontMono : t.fontUi,
      fontSize: size,
      bold,
    });
    // Group frames from their members' boxes.
    for (const [, grp] of scene.groups) {
      let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
      for (const id of grp.members) {
        const d = scene.byId.get(id);
        const p = this.positions[id];
        if (!d || !p) continue;
        x1 = Math.min(x1, p.x - d.width / 2);
        y1 = Math.min(y1, p.y - d.height / 2);
        x2 = Math.max(x2, p.x + d.width / 2);
        y2 = Math.max(y2, p.y + d.height / 2);
      }
      if (!Number.isFinite(x1)) continue;
      const pad = 10;
      const top = 16;
      nodes.push({
        x: (x1 + x2) / 2,
        y: (y1 - top + y2) / 2,
        width: x2 - x1 + 2 * pad,
        height: y2 - y1 + pad + top + pad,
        shape: "group",
        fill: t.groupFill,
        stroke: t.groupBorder,
        strokeWidth: 1,
        dashed: true,
        lines: [text(`L${grp.line}`, t.muted, true, false, 11)],
        align: "left",
      });
    }
    const current = this.currentStep();
    const stepNode = current.node;
    for (const d of scene.nodes) {
      const p = this.positions[d.id];
      if (!p) continue;
      index.set(d.id, nodes.length);
      const isStep = d.id === stepNode;
      const base = { x: p.x, y: p.y, width: d.width, height: d.height };
      if (d.kind === "collapsed") {
        nodes.push({ ...base, shape: "box", fill: t.groupFill, stroke: t.groupBorder, strokeWidth: 1, dashed: true, lines: [text(d.label, t.muted, true)], align: "center" });
      } else if (d.kind === "op") {
        nodes.push({
          ...base,
          shape: "pill",
          fill: t.opFill,
          stroke: isStep ? t.step : t.opBorder,
          strokeWidth: isStep ? 3.5 : t.borderWidth,
          lines: [text(d.label, t.opText, false)],
          align: "center",
          title: d.label,
        });
      } else {
        const grad = this.gradOf(d.id);
        const stroke = isStep ? t.step : d.kind === "leaf" ? t.leaf : d.kind === "output" ? t.output : t.boxBorder;
        nodes.push({
          ...base,
          shape: "box",
          fill: t.boxFill,
          stroke,
          strokeWidth: isStep ? 3.5 : d.kind === "intermediate" ? t.borderWidth : t.borderWidth + 0.8,
          lines: [
            text(d.label, t.foreground, false, true, NAME_SIZE),
            text(fmt(d.view?.tensor?.value), t.foreground, true),
            text(gradLine(grad), grad ? t.grad : t.muted, true),
          ],
          align: "left",
          padding: PAD_X,
          lineHeight: LINE,
          title: d.label,
        });
      }
    }
    const flowOf = new Map(current.edges.map((e) => [e.id, { label: e.flow, incoming: e.incoming }]));
    const edges: SvgEdge[] = [];
    for (const e of scene.edges) {
      const s = index.get(e.source);
      const tg = index.get(e.target);
      if (s === undefined || tg === undefined) continue;
      const f = flowOf.get(e.id);
      if (f) {
        edges.push({ source: s, target: tg, color: t.step, width: f.incoming ? 1.8 : 2.5, dashed: true, arrow: "source", label: f.label, labelFontFamily: t.fontMono });
      } else {
        edges.push({ source: s, target: tg, color: t.edge, width: 1.3, arrow: this.flow === "gradient" ? "source" : "target" });
      }
    }
    return renderSvg({ background: t.background, nodes, edges, title: "Autograd Lens graph" });
  }

  // ---- teardown ----------------------------------------------------------------------------------

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    for (const p of this.pending.values()) p.reject(new Error("disposed"));
    this.pending.clear();
    this.dropWorker();
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

// The graph view page: header (file, counts, trace time, stale badge), error banner, toolbar
// (search, direction, data/gradient flow, group by line, fit, zoom, export), the outline on the
// left, the cytoscape graph in the centre, the inspector on the right, and at the bottom the step
// controls, the chain-rule text, the loss plot and the console output. One App per page; it owns
// the selection and the step position and keeps both (with the viewport and the toggles) in the
// host's state so the view comes back as it was.
import { RunStatus } from "./run-status";
import type { GraphSnapshot, HostToWebview, SourceRange, StepPosition, ExportFormat } from "../shared/protocol";
import { toDot } from "../shared/dot";
import { checkSnapshot } from "../shared/validate";
import { encodeSnapshot } from "../shared/snapshot-codec";
import { baseName, el, formatCount, isTyping, linkButton, plural, setChildren, setText, type Child } from "./dom";
import { GraphView } from "./graph-view";
import { describeRange, type Host } from "./host";
import { Inspector } from "./inspector";
import { Landscape } from "./landscape";
import { LossPlot } from "./loss-plot";
import { buildViewGraph, clampPosition, finishedPosition, replay, type ReplayState, type ViewGraph } from "./model";
import { Outline } from "./outline";
import { CollapsiblePane, type PaneChoice } from "./side-panes";
import { SPEEDS, Stepper, type Speed } from "./stepper";

type Direction = "LR" | "TB" | "auto";
type Flow = "data" | "gradient";
type Viewport = ReturnType<GraphView["viewport"]>;

/** What the page keeps across being hidden (host.setState). */
export interface ViewState {
  v: 1;
  file?: string;
  selected?: string | null;
  position?: StepPosition;
  viewport?: Viewport;
  direction: Direction;
  flow: Flow;
  grouping: boolean;
  consoleOpen: boolean;
  /** Draw every backward call's graph at once (else the graph of the call being shown). */
  allCalls?: boolean;
  /** The user's choice for the outline and the inspector (unset: open when wide, collapsed when narrow). */
  outlinePane?: PaneChoice;
  inspectorPane?: PaneChoice;
  speed: Speed;
  /** The Graph or the Landscape tab. */
  tab?: "graph" | "landscape";
  /** The host's layout-direction setting last applied: a changed setting overrides the toggle, an unchanged one does not. */
  directionSetting?: Direction;
}

/** Selecting from the outline or the inspector centres the graph on the node above this many drawn nodes. */
const CENTER_ABOVE = 40;

const DEFAULT_STATE: ViewState = { v: 1, direction: "auto", flow: "data", grouping: false, consoleOpen: false, speed: 1 };

const ERROR_KIND: Record<string, string> = {
  syntax: "Syntax error",
  import: "Import error",
  runtime: "Runtime error",
  timeout: "Timed out",
  memory: "Out of memory",
  unsupported: "Unsupported syntax",
  internal: "Internal error",
};

/** "Data| flow": the part after "|" is hidden in a narrow panel (style.css), so the toolbar fits one line. */
function narrowText(text: string): Child[] {
  const [short, rest] = text.split("|");
  return rest ? [short!, el("span", { class: "wide-only" }, rest)] : [short!];
}

export class App {
  private readonly host: Host;
  private state: ViewState;

  // layout
  private readonly fileName: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly staleBadge: HTMLElement;
  private readonly runStatus: RunStatus;
  private readonly status: HTMLElement;
  private readonly banners: HTMLElement;
  private readonly graphPane: HTMLElement;
  private readonly graphContainer: HTMLElement;
  private readonly graphMessage: HTMLElement;
  private readonly consolePanel: HTMLElement;
  private readonly consoleToggle: HTMLButtonElement;
  private readonly consoleList: HTMLElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchCount: HTMLElement;
  private readonly dirButtons: Record<Direction, HTMLButtonElement>;
  private readonly flowButtons: Record<Flow, HTMLButtonElement>;
  private readonly groupButton: HTMLButtonElement;
  private readonly exportButton: HTMLButtonElement;
  private readonly exportMenu: HTMLElement;
  private readonly allCallsButton: HTMLButtonElement;

  // parts
  private readonly outline: Outline;
  private readonly inspector: Inspector;
  private readonly stepper: Stepper;
  private readonly lossPlot: LossPlot;
  private readonly landscape: Landscape;
  private graph: GraphView | undefined;

  // data
  private s: GraphSnapshot | undefined;
  private g: ViewGraph | undefined;
  private replayState: ReplayState | null = null;
  private selected: string | null = null;
  private generation = 0;
  private graphReady = false;
  private matches: string[] = [];
  private matchIndex = -1;
  private requestId = 0;
  private viewportTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly root: HTMLElement, host: Host) {
    this.host = host;
    const saved = host.getState<Partial<ViewState>>();
    this.state = { ...DEFAULT_STATE, ...(saved && saved.v === 1 ? saved : {}) };
    if (!SPEEDS.includes(this.state.speed)) this.state.speed = 1;

    // A small graph is all in view after fit: centering on a click would only zoom it in and cut it off.
    const center = () => (this.g?.nodes.length ?? 0) > CENTER_ABOVE;
    this.outline = new Outline({ onSelect: (id) => this.select(id, { from: "user", center: center() }) });
    this.inspector = new Inspector({ onSelect: (id) => this.select(id, { from: "user", center: center() }), onReveal: (r) => this.reveal(r) });
    this.stepper = new Stepper({
      onPosition: (p) => this.setPosition(p),
      onSpeed: (speed) => {
        this.state.speed = speed;
        this.saveState();
      },
    });
    this.stepper.setSpeed(this.state.speed);
    this.allCallsButton = el(
      "button",
      { type: "button", class: "all-calls", "aria-pressed": "false", title: "Draw the graphs of every backward call at once (else only the call picked)", on: { click: () => void this.setAllCalls(!this.state.allCalls) } },
      "All calls",
    );
    this.stepper.callRow.appendChild(this.allCallsButton);
    this.lossPlot = new LossPlot({ onPick: (call) => this.setPosition(this.s ? finishedPosition(this.s, call) : { call, step: 0 }) });
    this.landscape = new Landscape({
      host,
      note: (text, error) => this.note(text, error),
      tab: this.state.tab,
      onTab: (tab) => {
        this.state.tab = tab;
        this.saveState();
      },
    });

    // header
    this.fileName = el("span", { class: "file-name" });
    this.meta = el("span", { class: "meta" });
    this.runStatus = new RunStatus(this.root);
    this.staleBadge = el("span", { class: "badge stale", hidden: true, title: "The source changed since this trace; it is traced again when you save or pause typing." }, "stale");
    this.status = el("span", { class: "status", role: "status", "aria-live": "polite" });

    // toolbar
    this.searchInput = el("input", {
      type: "search",
      class: "search",
      placeholder: "Search nodes…  /",
      "aria-label": "Search nodes by name or grad_fn (Enter: next match)",
      spellcheck: "false",
      autocomplete: "off",
      on: { input: () => this.search(), keydown: (e) => this.onSearchKey(e) },
    });
    this.searchCount = el("span", { class: "search-count muted", "aria-live": "polite" });
    const seg = <K extends string>(label: string, options: Array<[K, string, string]>, onPick: (k: K) => void): [HTMLElement, Record<K, HTMLButtonElement>] => {
      const buttons = {} as Record<K, HTMLButtonElement>;
      const group = el("div", { class: "segmented", role: "group", "aria-label": label });
      for (const [key, text, title] of options) {
        buttons[key] = el("button", { type: "button", title, "aria-pressed": "false", on: { click: () => onPick(key) } }, ...narrowText(text));
        group.appendChild(buttons[key]);
      }
      return [group, buttons];
    };
    const [dirGroup, dirButtons] = seg<Direction>(
      "Graph direction",
      [
        ["auto", "Auto", "Lay the graph out the way it shows largest in this pane"],
        ["LR", "→| LR", "Lay the graph out left to right"],
        ["TB", "↓| TB", "Lay the graph out top to bottom"],
      ],
      (d) => void this.setDirection(d),
    );
    const [flowGroup, flowButtons] = seg<Flow>(
      "Arrows show",
      [
        ["data", "Data| flow", "Arrows point the way values flow (forward)"],
        ["gradient", "Grad|ient flow", "Arrows point the way gradients flow (backward)"],
      ],
      (f) => this.setFlow(f),
    );
    this.dirButtons = dirButtons;
    this.flowButtons = flowButtons;
    this.groupButton = el("button", { type: "button", "aria-pressed": "false", title: "Group the nodes made on one source line", on: { click: () => void this.setGrouping(!this.state.grouping) } }, ...narrowText("Group| by line"));
    const fitButton = el("button", { type: "button", title: "Fit the graph to the view", on: { click: () => this.graph?.fit() } }, "Fit");
    const zoomOut = el("button", { type: "button", class: "icon-button", title: "Zoom out", "aria-label": "Zoom out", on: { click: () => this.zoom(1 / 1.25) } }, "−");
    const zoomIn = el("button", { type: "button", class: "icon-button", title: "Zoom in", "aria-label": "Zoom in", on: { click: () => this.zoom(1.25) } }, "+");
    this.exportButton = el(
      "button",
      { type: "button", class: "export-button", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": "export-menu", on: { click: () => this.toggleExportMenu(), keydown: (e) => this.onExportButtonKey(e) } },
      "Export ▾",
    );
    const formats: Array<[ExportFormat, string]> = [
      ["png", "PNG image"],
      ["svg", "SVG drawing"],
      ["dot", "Graphviz DOT"],
      ["json", "Snapshot JSON"],
    ];
    this.exportMenu = el(
      "div",
      { class: "menu", id: "export-menu", role: "menu", "aria-label": "Export", hidden: true, on: { keydown: (e) => this.onMenuKey(e) } },
      ...formats.map(([f, text]) =>
        el("button", { type: "button", role: "menuitem", tabindex: "-1", data: { format: f }, on: { click: () => this.export(f) } }, text),
      ),
    );
    const toolbar = el(
      "div",
      { class: "toolbar", role: "group", "aria-label": "Graph tools" },
      el("div", { class: "search-box" }, this.searchInput, this.searchCount),
      dirGroup,
      flowGroup,
      this.groupButton,
      el("div", { class: "segmented", role: "group", "aria-label": "Zoom" }, zoomOut, fitButton, zoomIn),
      el("div", { class: "menu-host" }, this.exportButton, this.exportMenu),
    );
    const header = el(
      "header",
      { class: "header" },
      el("div", { class: "title" }, el("h1", null, "Autograd Lens"), this.fileName, this.meta, this.staleBadge, this.runStatus.element, this.status),
      toolbar,
    );

    this.banners = el("div", { class: "banners" });

    // centre
    this.graphContainer = el("div", {
      class: "graph-canvas",
      role: "group",
      "aria-label": "Graph canvas: click a node to select it, double-click or Enter to show its line. The outline lists the same nodes.",
    });
    this.graphMessage = el("div", { class: "graph-message", hidden: true });
    const legend = el(
      "div",
      { class: "legend", "aria-hidden": "true" },
      el("span", { class: "key leaf" }, "leaf (requires grad)"),
      el("span", { class: "key output" }, "output"),
      el("span", { class: "key op" }, "grad_fn"),
      el("span", { class: "key step" }, "running in this step"),
      el("span", { class: "key flowing" }, "gradient it sends"),
      el("span", { class: "gradtext" }, "grad"),
    );
    this.graphPane = el("section", { class: "graph-pane", "aria-label": "Graph" }, this.graphContainer, this.graphMessage, legend);

    // bottom
    this.consoleToggle = el("button", { type: "button", class: "console-toggle", "aria-expanded": "false", "aria-controls": "console-list", on: { click: () => this.setConsoleOpen(!this.state.consoleOpen) } });
    this.consoleList = el("div", { class: "console-list", id: "console-list", hidden: true });
    this.consolePanel = el("section", { class: "console-panel", "aria-label": "Console output and warnings" }, this.consoleToggle, this.consoleList);
    const bottom = el("footer", { class: "bottom" }, this.stepper.controls, this.stepper.rule, this.lossPlot.element);

    setChildren(
      root,
      el(
        "div",
        { class: "app-shell" },
        header,
        this.banners,
        el("main", { class: "panes" }, this.outline.element, this.landscape.wrap(this.graphPane), this.inspector.element),
        bottom,
        this.consolePanel,
      ),
    );
    root.classList.add("lens-app");
    root.dataset.state = "waiting";
    this.showGraphMessage("Waiting for a trace…");

    for (const [pane, key] of [
      [this.outline.element, "outlinePane"],
      [this.inspector.element, "inspectorPane"],
    ] as const) {
      new CollapsiblePane(pane, this.state[key], (choice) => {
        this.state[key] = choice;
        this.saveState();
      });
    }

    this.createGraph();
    this.syncToggles();
    this.setConsoleOpen(this.state.consoleOpen, false);

    host.onMessage((m) => this.onMessage(m));
    document.addEventListener("keydown", (e) => this.onKey(e));
    document.addEventListener("click", (e) => {
      if (!this.exportMenu.hidden && !(e.target as HTMLElement).closest(".menu-host")) this.closeExportMenu(false);
    });
    const rememberViewport = () => {
      if (this.viewportTimer) clearTimeout(this.viewportTimer);
      this.viewportTimer = setTimeout(() => this.saveState(), 250);
    };
    for (const type of ["pointerup", "wheel", "keyup"]) this.graphContainer.addEventListener(type, rememberViewport, { passive: true });
    window.addEventListener("pagehide", () => this.saveState());
    document.addEventListener("visibilitychange", () => this.saveState());
    // Theme changes: VS Code swaps body classes; the standalone page follows the OS.
    new MutationObserver(() => this.graph?.refreshTheme()).observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => this.graph?.refreshTheme());
  }

  private createGraph(): void {
    try {
      this.graph = new GraphView({
        container: this.graphContainer,
        direction: this.state.direction,
        flow: this.state.flow,
        onSelect: (id) => this.onGraphSelect(id),
        onActivate: (id) => {
          const r = this.rangeOf(id);
          if (r) this.reveal(r);
        },
      });
      void this.graph.setGrouping(this.state.grouping);
    } catch (e) {
      this.graph = undefined;
      this.showGraphMessage(`The graph could not be drawn (${(e as Error).message}). The outline and the inspector still work.`);
    }
  }

  // ---- messages ---------------------------------------------------------------------------------

  private onMessage(m: HostToWebview): void {
    switch (m.type) {
      case "snapshot": {
        this.runStatus.stop();
        // A snapshot is checked like everything that crosses a boundary (shared/validate.ts): one
        // that is not valid (or of a version this page does not read) is named in a banner.
        const checked = checkSnapshot(m.snapshot);
        if (checked.ok) void this.showSnapshot(checked.snapshot, m.select, m.position);
        else this.showInvalid(checked.error);
        break;
      }
      case "select":
        this.select(m.id, { from: "host", center: true });
        break;
      case "position":
        this.setPosition(m.position);
        break;
      case "stale":
        this.staleBadge.hidden = !m.stale;
        this.root.classList.toggle("is-stale", m.stale);
        break;
      case "running":
        if (m.running) this.runStatus.start(m.timeoutMs);
        else this.runStatus.stop();
        break;
      case "saved":
        this.note(m.ok ? (m.message ?? "Saved.") : `Not saved${m.message ? `: ${m.message}` : "."}`, !m.ok);
        break;
      case "options":
        if (this.state.directionSetting !== m.layoutDirection) {
          this.state.directionSetting = m.layoutDirection;
          void this.setDirection(m.layoutDirection);
          this.saveState();
        }
        break;
    }
  }

  private async showSnapshot(s: GraphSnapshot, select?: string, position?: StepPosition): Promise<void> {
    const gen = ++this.generation;
    this.stepper.pause();
    this.root.dataset.state = "loading";
    const prev = this.host.getState<Partial<ViewState>>();
    const same = !!prev && prev.v === 1 && prev.file === s.file;
    // The view opens on the state the snippet left: its last backward call run to the end, every
    // gradient in place (Home goes back to before backward).
    const pos = clampPosition(s, position ?? (same && prev?.position ? prev.position : finishedPosition(s)));
    const g = this.viewGraph(s, pos.call);
    this.s = s;
    this.g = g;
    this.graphReady = false;

    const exists = (id: string | null | undefined): id is string => !!id && (g.byId.has(id) || s.nodes.some((n) => n.id === id));
    const selection = exists(select) ? select : same && exists(prev?.selected) ? prev.selected : (s.output ?? g.nodes[g.nodes.length - 1]?.id ?? null);
    const viewport = !select && same ? prev?.viewport : undefined;

    // The graph first: a big graph's layout runs in a worker while the DOM parts are built. Its
    // first frame already shows the step, the selection and the viewport (one cytoscape render).
    const first = replay(s, g, pos);
    this.replayState = first; // setPosition below keeps it: the same object the graph draws
    const drawing = this.graph?.setGraph(g, { replay: first.call ? first : null, selected: this.drawnId(selection), viewport });
    this.staleBadge.hidden = true;
    this.root.classList.remove("is-stale");
    this.state.file = s.file;

    this.renderHeader(s, g);
    this.renderBanners(s);
    this.renderConsole(s);
    this.outline.setGraph(s, g);
    this.inspector.setSnapshot(s, g);
    this.stepper.setSnapshot(s);
    this.syncAllCalls();
    this.lossPlot.setSnapshot(s);
    this.clearSearch();
    this.landscape.setSnapshot(s);

    // The DOM parts first: they are ready long before the canvas has laid out.
    // The host hears of the position only when it asked for one (Step Through Backward): the
    // finished state the view opens on highlights no line in the editor.
    this.setPosition(pos, { post: true, quiet: !position, graph: false });
    this.select(selection, { from: "restore", graph: false });

    if (g.nodes.length === 0) {
      this.showGraphMessage(s.error ? "The snippet failed before it made a tensor that requires grad." : "No tensor that requires grad was made, so there is no graph to draw.");
    } else if (this.graph) {
      this.showGraphMessage(null);
    }
    if (this.graph) {
      try {
        await drawing;
        if (gen !== this.generation) return;
        // The page's own record of when the graph first showed (the benchmark reads it).
        performance.mark("lens:graph-painted");
        this.graphReady = true;
        // Only if something changed while the first frame was being drawn (the user stepped or
        // clicked in the outline): setGraph already drew this step, selection and viewport.
        if (this.replayState !== first) this.graph.setReplay(this.graphReplay());
        if (this.selected !== selection) this.graph.select(this.drawnId(this.selected), { center: false });
      } catch (e) {
        if (gen !== this.generation) return;
        this.showGraphMessage(`The graph could not be drawn (${(e as Error).message}). The outline and the inspector still work.`);
      }
    }
    this.root.dataset.state = "ready";
    this.saveState();
  }

  // ---- selection and position -------------------------------------------------------------------

  /** The view node that stands for a snapshot id in the drawing (an AccumulateGrad shows as its leaf). */
  private drawnId(id: string | null): string | null {
    if (!id || !this.g) return null;
    return this.g.drawnAs.get(id) ?? (this.g.byId.has(id) ? id : null);
  }

  private rangeOf(id: string | null): SourceRange | undefined {
    if (!id || !this.s) return undefined;
    const t = this.s.tensors.find((x) => x.id === id);
    if (t) return t.range ?? t.boundAt;
    const n = this.s.nodes.find((x) => x.id === id);
    if (!n) return undefined;
    if (n.range) return n.range;
    const leaf = n.tensor ? this.s.tensors.find((x) => x.id === n.tensor) : undefined;
    return leaf?.range ?? leaf?.boundAt;
  }

  private select(id: string | null, opts: { from: "user" | "host" | "graph" | "restore"; center?: boolean; graph?: boolean }): void {
    if (!this.s) return;
    if (id && !this.g?.byId.has(id) && !this.s.nodes.some((n) => n.id === id) && !this.s.tensors.some((t) => t.id === id)) return;
    this.selected = id;
    if (opts.from !== "graph" && opts.graph !== false && this.graphReady) this.graph?.select(this.drawnId(id), { center: opts.center ?? false });
    this.outline.setSelected(id);
    this.inspector.show(id, this.replayState);
    this.state.selected = id;
    this.saveState();
    if (opts.from === "user" || opts.from === "graph") this.host.post({ type: "selected", id, range: this.rangeOf(id) });
  }

  private onGraphSelect(id: string | null): void {
    if (id !== null && id === this.drawnId(this.selected)) return;
    this.select(id, { from: "graph" });
  }

  /** The graph to draw: one backward call's (when the snippet made several), or all of them. */
  private viewGraph(s: GraphSnapshot, call: number): ViewGraph {
    return s.backward.length > 1 && !this.state.allCalls ? buildViewGraph(s, call) : buildViewGraph(s);
  }

  /** Another call picked while one call's graph is drawn: draw that call's graph (selection kept when it is in it). */
  private switchCall(call: number): void {
    const s = this.s;
    if (!s) return;
    const g = this.viewGraph(s, call);
    this.g = g;
    this.graphReady = false;
    const root = s.backward[call]?.roots[0];
    const keep = this.selected && (g.byId.has(this.selected) || g.drawnAs.has(this.selected)) ? this.selected : (root ?? null);
    this.outline.setGraph(s, g);
    this.inspector.setSnapshot(s, g);
    this.selected = keep;
    const gen = this.generation;
    const drawing = this.graph?.setGraph(g, { replay: null, selected: this.drawnId(keep) });
    void drawing?.then(() => {
      if (gen !== this.generation || this.g !== g) return;
      this.graphReady = true;
      this.graph?.setReplay(this.graphReplay());
      this.search();
    });
    this.select(keep, { from: "restore", graph: false });
  }

  private async setAllCalls(on: boolean): Promise<void> {
    this.state.allCalls = on;
    this.syncAllCalls();
    this.saveState();
    const s = this.s;
    if (!s || s.backward.length < 2) return;
    const pos = this.replayState?.position ?? finishedPosition(s);
    this.replayState = null;
    this.switchCall(pos.call);
    this.setPosition(pos, { post: true, quiet: true });
  }

  private syncAllCalls(): void {
    this.allCallsButton.setAttribute("aria-pressed", String(!!this.state.allCalls));
    this.allCallsButton.hidden = (this.s?.backward.length ?? 0) < 2;
  }

  private setPosition(p: StepPosition, opts: { post?: boolean; quiet?: boolean; graph?: boolean } = {}): void {
    if (!this.s || !this.g) return;
    const pos = clampPosition(this.s, p);
    if (this.g.call !== undefined && this.g.call !== pos.call) this.switchCall(pos.call);
    const same = this.replayState && this.replayState.position.call === pos.call && this.replayState.position.step === pos.step && this.replayState.call === this.s.backward[pos.call];
    if (same && !opts.post) return;
    const state = same && this.replayState ? this.replayState : replay(this.s, this.g, pos);
    this.replayState = state;
    if (opts.graph !== false && this.graphReady) this.graph?.setReplay(this.graphReplay());
    this.outline.setReplay(state);
    this.inspector.setReplay(state);
    this.stepper.show(state);
    this.lossPlot.setCurrent(pos.call);
    this.state.position = pos;
    this.saveState();
    if (opts.quiet) return;
    const node = state.current?.step.node;
    // A user-defined autograd.Function's step runs its backward: the editor shows that code.
    const userBackward = node ? this.s.nodes.find((n) => n.id === node)?.userDefined?.backward : undefined;
    this.host.post({ type: "positionChanged", position: pos, range: userBackward ?? (node ? this.rangeOf(node) : undefined) });
  }

  /** No backward call: the graph shows the values and grads at the end of the run. */
  private graphReplay(): ReplayState | null {
    return this.replayState?.call ? this.replayState : null;
  }

  private reveal(range: SourceRange): void {
    this.host.post({ type: "reveal", range });
  }

  // ---- toolbar ----------------------------------------------------------------------------------

  private syncToggles(): void {
    for (const d of ["auto", "LR", "TB"] as const) this.dirButtons[d].setAttribute("aria-pressed", String(this.state.direction === d));
    for (const f of ["data", "gradient"] as const) this.flowButtons[f].setAttribute("aria-pressed", String(this.state.flow === f));
    this.groupButton.setAttribute("aria-pressed", String(this.state.grouping));
  }

  private async setDirection(d: Direction): Promise<void> {
    if (this.state.direction === d) return;
    this.state.direction = d;
    this.syncToggles();
    this.saveState();
    if (!this.graph) return;
    await this.graph.setDirection(d);
    this.graph.fit();
    this.saveState();
  }

  private setFlow(f: Flow): void {
    if (this.state.flow === f) return;
    this.state.flow = f;
    this.syncToggles();
    this.graph?.setFlow(f);
    this.saveState();
  }

  private async setGrouping(on: boolean): Promise<void> {
    this.state.grouping = on;
    this.syncToggles();
    this.saveState();
    await this.graph?.setGrouping(on);
  }

  private zoom(factor: number): void {
    this.graph?.zoomBy(factor);
    this.saveState();
  }

  private search(): void {
    const q = this.searchInput.value.trim();
    if (!q || !this.g) {
      this.matches = [];
      this.matchIndex = -1;
      setText(this.searchCount, "");
      this.searchCount.parentElement?.classList.remove("has-count");
      this.outline.setMatches([]);
      if (this.graphReady) this.graph?.search("");
      return;
    }
    const needle = q.toLowerCase();
    const ids =
      this.graph && this.graphReady
        ? this.graph.search(q)
        : this.g.nodes.filter((n) => n.label.toLowerCase().includes(needle)).map((n) => n.id);
    this.matches = ids;
    this.matchIndex = -1;
    this.outline.setMatches(ids);
    setText(this.searchCount, ids.length ? plural(ids.length, "match", "matches") : "no match");
    this.searchCount.parentElement?.classList.add("has-count");
  }

  private onSearchKey(e: KeyboardEvent): void {
    if (e.key === "Enter" && this.matches.length) {
      e.preventDefault();
      const n = this.matches.length;
      this.matchIndex = (this.matchIndex + (e.shiftKey ? -1 : 1) + n) % n;
      this.select(this.matches[this.matchIndex]!, { from: "user", center: true });
      setText(this.searchCount, `${this.matchIndex + 1} of ${n}`);
    } else if (e.key === "Escape") {
      if (this.searchInput.value) {
        e.preventDefault();
        this.clearSearch();
      } else this.searchInput.blur();
    }
  }

  private clearSearch(): void {
    this.searchInput.value = "";
    this.search();
  }

  private toggleExportMenu(): void {
    if (this.exportMenu.hidden) this.openExportMenu();
    else this.closeExportMenu(true);
  }

  private menuItems(): HTMLButtonElement[] {
    return [...this.exportMenu.querySelectorAll<HTMLButtonElement>("[role=menuitem]")];
  }

  private openExportMenu(focusLast = false): void {
    this.exportMenu.hidden = false;
    this.exportButton.setAttribute("aria-expanded", "true");
    const items = this.menuItems();
    (focusLast ? items[items.length - 1] : items[0])?.focus();
  }

  private closeExportMenu(focusButton: boolean): void {
    this.exportMenu.hidden = true;
    this.exportButton.setAttribute("aria-expanded", "false");
    if (focusButton) this.exportButton.focus();
  }

  private onExportButtonKey(e: KeyboardEvent): void {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.openExportMenu(e.key === "ArrowUp");
    }
  }

  private onMenuKey(e: KeyboardEvent): void {
    const items = this.menuItems();
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    let handled = true;
    if (e.key === "ArrowDown") items[(i + 1) % items.length]?.focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape") this.closeExportMenu(true);
    else if (e.key === "Tab") {
      this.closeExportMenu(false);
      handled = false;
    } else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  private export(format: ExportFormat): void {
    this.closeExportMenu(true);
    const s = this.s;
    if (!s) return;
    let data: string;
    let encoding: "utf8" | "base64" = "utf8";
    try {
      switch (format) {
        case "png": {
          if (!this.graph || !this.graphReady) throw new Error("the graph is not drawn");
          data = this.graph.exportPng().replace(/^data:image\/png;base64,/, "");
          encoding = "base64";
          break;
        }
        case "svg":
          if (!this.graph || !this.graphReady) throw new Error("the graph is not drawn");
          data = this.graph.exportSvg();
          break;
        case "dot":
          data = toDot(s);
          break;
        case "json":
          data = JSON.stringify(encodeSnapshot(s), null, 1) + "\n";
          break;
      }
    } catch (e) {
      this.note(`Export failed: ${(e as Error).message}`, true);
      return;
    }
    const stem = baseName(s.file).replace(/\.[^.]*$/, "") || "graph";
    this.host.post({ type: "save", requestId: ++this.requestId, format, fileName: `${stem}.graph.${format}`, data, encoding });
  }

  private note(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
    const shown = text;
    setTimeout(() => {
      if (this.status.textContent === shown) this.status.textContent = "";
    }, 5000);
  }

  // ---- keyboard ---------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented) return;
    if (this.stepper.handleKey(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === "/" && !isTyping(e.target) && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.searchInput.focus();
      this.searchInput.select();
    } else if (e.key === "Escape" && !this.exportMenu.hidden) {
      this.closeExportMenu(true);
    }
  }

  // ---- header, banners, console -----------------------------------------------------------------

  private renderHeader(s: GraphSnapshot, g: ViewGraph): void {
    setText(this.fileName, baseName(s.file));
    this.fileName.title = s.file;
    const tensors = g.nodes.filter((n) => n.kind !== "op").length;
    const acc = s.nodes.filter((n) => n.kind === "accumulate").length;
    const calls = s.backward.length + (s.backwardCallsDropped ?? 0);
    const parts = [`traced in ${Math.round(s.durationMs)} ms`, plural(tensors, "tensor"), `${formatCount(s.nodes.length)} grad_fn`, plural(calls, "backward call")];
    setText(this.meta, parts.join(" · "));
    const at = new Date(s.tracedAt);
    const when = Number.isNaN(at.getTime()) ? "" : `traced at ${at.toLocaleString()}; `;
    // The summary may be cut short in a narrow panel: the tooltip has all of it, and more.
    this.meta.title = `${parts.join(" · ")}\n${when}${formatCount(s.nodes.length)} grad_fn nodes, ${formatCount(acc)} of them AccumulateGrad`;
    document.title = `${baseName(s.file)} — Autograd Lens`;
  }

  /** A snapshot that failed validation: an error banner with the reason; nothing else changes. */
  private showInvalid(reason: string): void {
    ++this.generation;
    setChildren(
      this.banners,
      el(
        "div",
        { class: "banner error kind-invalid", role: "alert" },
        el("div", { class: "banner-main" }, el("strong", { class: "error-kind" }, "Invalid trace"), " ", el("span", { class: "error-message" }, `This trace cannot be shown: ${reason}`)),
      ),
    );
    this.banners.hidden = false;
    if (!this.s) this.showGraphMessage("The trace could not be read (see the message above).");
    this.root.dataset.state = "invalid";
  }

  private renderBanners(s: GraphSnapshot): void {
    const banners: Child[] = [];
    const err = s.error;
    if (err) {
      const where = err.range
        ? linkButton(describeRange(err.range, s.file), () => this.reveal(err.range!), { class: "location", title: "Show in the editor" })
        : null;
      banners.push(
        el(
          "div",
          { class: `banner error kind-${err.kind}`, role: "alert" },
          el("div", { class: "banner-main" }, el("strong", { class: "error-kind" }, ERROR_KIND[err.kind] ?? err.kind), " ", el("span", { class: "error-message" }, err.message), where ? " " : null, where),
          el("div", { class: "banner-sub muted" }, "The graph shows what was recorded up to the failure."),
          err.stack ? el("details", { class: "stack" }, el("summary", null, "Stack"), el("pre", null, err.stack)) : null,
        ),
      );
    }
    if (s.nodesTruncated) {
      banners.push(el("div", { class: "banner info", role: "status" }, `Recording stopped at ${formatCount(s.limits.nodeCap)} grad_fn nodes; the snippet itself ran on. The graph shows the first ${formatCount(s.limits.nodeCap)}.`));
    }
    const failed = s.backward.filter((c) => c.error);
    if (failed.length && !err) {
      banners.push(el("div", { class: "banner warn", role: "status" }, `${plural(failed.length, "backward call")} failed: ${failed[0]!.error}`));
    }
    setChildren(this.banners, ...banners);
    this.banners.hidden = banners.length === 0;
  }

  private renderConsole(s: GraphSnapshot): void {
    const lineLink = (r: SourceRange | undefined) => (r ? linkButton(`L${r.line}`, () => this.reveal(r), { class: "line-link", title: `Show line ${r.line}` }) : el("span", { class: "line-link muted" }, ""));
    const rows: Child[] = [];
    for (const w of s.warnings) {
      rows.push(el("div", { class: "console-row level-warning" }, lineLink(w.range), el("span", { class: "level" }, "warning"), el("pre", { class: "text" }, w.message)));
    }
    for (const c of s.console) {
      rows.push(el("div", { class: `console-row level-${c.level}` }, lineLink(c.range), el("span", { class: "level" }, c.level), el("pre", { class: "text" }, c.text)));
    }
    if (!rows.length) rows.push(el("div", { class: "muted empty" }, "The snippet printed nothing."));
    setChildren(this.consoleList, ...rows);
    const errors = s.console.filter((c) => c.level === "error").length;
    setChildren(
      this.consoleToggle,
      el("span", { class: "chevron", "aria-hidden": "true" }),
      "Console ",
      el("span", { class: "count" }, formatCount(s.console.length)),
      s.warnings.length ? el("span", { class: "count warn" }, ` · ${plural(s.warnings.length, "warning")}`) : null,
      errors ? el("span", { class: "count error" }, ` · ${plural(errors, "error")}`) : null,
    );
  }

  private setConsoleOpen(open: boolean, save = true): void {
    this.state.consoleOpen = open;
    this.consoleToggle.setAttribute("aria-expanded", String(open));
    this.consoleList.hidden = !open;
    this.consolePanel.classList.toggle("open", open);
    if (save) this.saveState();
  }

  private showGraphMessage(text: string | null): void {
    this.graphMessage.hidden = text === null;
    setText(this.graphMessage, text ?? "");
  }

  private saveState(): void {
    if (this.graph && this.graphReady) {
      try {
        this.state.viewport = this.graph.viewport();
      } catch {
        // keep the last one
      }
    }
    this.host.setState<ViewState>({ ...this.state });
  }
}

// The graph view page: header (file, counts, trace time, stale badge), error banner, toolbar
// (toolbar.ts: search, direction, data/gradient flow, fold, group by line, fit, zoom, export), the outline on the
// left, the cytoscape graph in the centre, the inspector on the right, and at the bottom the step
// controls, the chain-rule text, the loss plot and the console output. One App per page; it owns
// the selection and the step position and keeps both (with the viewport and the toggles) in the
// host's state so the view comes back as it was. Header text, banners, the console and the page's layout are app-chrome.ts's.
import { RunStatus } from "./run-status";
import type { GraphSnapshot, HostToWebview, SourceRange, StepPosition, ExportFormat } from "../shared/protocol";
import { exportFile } from "./export-file";
import { ConsolePanel, GraphPane, invalidBanner, layoutPage, PageTitle, snapshotBanners } from "./app-chrome";
import { Toolbar, type Direction, type Flow } from "./toolbar";
import { SearchBox } from "./search-box";
import { checkSnapshot } from "../shared/validate";
import { el, isTyping, setChildren } from "./dom";
import { GraphView } from "./graph-view";
import type { Host } from "./host";
import { Inspector } from "./inspector";
import { Landscape } from "./landscape";
import { LossPlot } from "./loss-plot";
import { buildViewGraph, clampPosition, finishedPosition, replay, sourceRangeOf, type ReplayState, type ViewGraph } from "./model";
import { Outline } from "./outline";
import { CollapsiblePane } from "./side-panes";
import { SPEEDS, Stepper } from "./stepper";
import { CENTER_ABOVE, DEFAULT_STATE, type ViewState } from "./view-state";

export class App {
  private readonly host: Host;
  private state: ViewState;

  // layout
  private readonly title: PageTitle;
  private readonly runStatus: RunStatus;
  private readonly banners: HTMLElement;
  private readonly graphPane: GraphPane;
  private readonly consolePanel: ConsolePanel;
  private readonly toolbar: Toolbar;
  private readonly searchBox: SearchBox;
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
    this.runStatus = new RunStatus(this.root);
    this.title = new PageTitle(this.runStatus.element);

    this.searchBox = new SearchBox({
      graph: () => this.g,
      drawnSearch: (q) => (this.graph && this.graphReady ? this.graph.search(q) : null),
      matched: (ids) => this.outline.setMatches(ids),
      pick: (id) => this.select(id, { from: "user", center: true }),
    });
    this.toolbar = new Toolbar(this.searchBox.element, {
      direction: (d) => void this.setDirection(d),
      flow: (f) => this.setFlow(f),
      folding: () => void this.setFolding(this.state.folding === false),
      grouping: () => void this.setGrouping(!this.state.grouping),
      zoom: (factor) => this.zoom(factor),
      fit: () => this.graph?.fit(),
      export: (f) => this.export(f),
    });
    this.banners = el("div", { class: "banners" });
    this.graphPane = new GraphPane();
    this.consolePanel = new ConsolePanel(() => this.setConsoleOpen(!this.state.consoleOpen));
    layoutPage(root, {
      header: [this.title.element, this.toolbar.element],
      banners: this.banners,
      panes: [this.outline.element, this.landscape.wrap(this.graphPane.element), this.inspector.element],
      bottom: [this.stepper.controls, this.stepper.rule, this.lossPlot.element],
      console: this.consolePanel.element,
    });
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
    const rememberViewport = () => {
      if (this.viewportTimer) clearTimeout(this.viewportTimer);
      this.viewportTimer = setTimeout(() => this.saveState(), 250);
    };
    for (const type of ["pointerup", "wheel", "keyup"]) this.graphPane.container.addEventListener(type, rememberViewport, { passive: true });
    window.addEventListener("pagehide", () => this.saveState());
    document.addEventListener("visibilitychange", () => this.saveState());
    // Theme changes: VS Code swaps body classes; the standalone page follows the OS.
    new MutationObserver(() => this.graph?.refreshTheme()).observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => this.graph?.refreshTheme());
  }

  private createGraph(): void {
    try {
      this.graph = new GraphView({
        container: this.graphPane.container,
        direction: this.state.direction,
        flow: this.state.flow,
        folding: this.state.folding !== false,
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
        this.title.staleBadge.hidden = !m.stale;
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
    this.title.staleBadge.hidden = true;
    this.root.classList.remove("is-stale");
    this.state.file = s.file;

    this.title.render(s, g);
    this.renderBanners(s);
    this.consolePanel.render(s, (r) => this.reveal(r));
    this.outline.setGraph(s, g);
    this.inspector.setSnapshot(s, g);
    this.stepper.setSnapshot(s);
    this.syncAllCalls();
    this.lossPlot.setSnapshot(s);
    this.searchBox.clear();
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
    return id && this.s ? sourceRangeOf(this.s, id) : undefined;
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
      this.searchBox.run();
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
    this.toolbar.sync({ ...this.state, folding: this.state.folding !== false });
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

  private async setFolding(on: boolean): Promise<void> {
    this.state.folding = on;
    this.syncToggles();
    this.saveState();
    await this.graph?.setFolding(on);
  }

  private zoom(factor: number): void {
    this.graph?.zoomBy(factor);
    this.saveState();
  }

  private export(format: ExportFormat): void {
    const s = this.s;
    if (!s) return;
    try {
      const file = exportFile(format, s, this.graph && this.graphReady ? this.graph : null);
      this.host.post({ type: "save", requestId: ++this.requestId, format, ...file });
    } catch (e) {
      this.note(`Export failed: ${(e as Error).message}`, true);
    }
  }

  private note(text: string, error = false): void {
    this.title.note(text, error);
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
      this.searchBox.focus();
    } else if (e.key === "Escape" && this.toolbar.exportMenuOpen) {
      this.toolbar.closeExportMenu(true);
    }
  }

  // ---- header, banners, console -----------------------------------------------------------------

  /** A snapshot that failed validation: an error banner with the reason; nothing else changes. */
  private showInvalid(reason: string): void {
    ++this.generation;
    setChildren(this.banners, invalidBanner(reason));
    this.banners.hidden = false;
    if (!this.s) this.showGraphMessage("The trace could not be read (see the message above).");
    this.root.dataset.state = "invalid";
  }

  private renderBanners(s: GraphSnapshot): void {
    const banners = snapshotBanners(s, (r) => this.reveal(r));
    setChildren(this.banners, ...banners);
    this.banners.hidden = banners.length === 0;
  }

  private setConsoleOpen(open: boolean, save = true): void {
    this.state.consoleOpen = open;
    this.consolePanel.setOpen(open);
    if (save) this.saveState();
  }

  private showGraphMessage(text: string | null): void {
    this.graphPane.message(text);
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

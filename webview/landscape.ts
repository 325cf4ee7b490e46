// The Landscape tab of the graph view (issue 6): f, the traced scalar output, drawn as a function of
// one or two inputs (scalar leaves that require grad, or elements of a larger leaf) around the
// current point, with the negative gradient and gradient descent on it. f is re-evaluated by the
// engine's replay of the recorded program (snapshot.program) in a Web Worker; the plot is
// landscape-plot.ts, the pure maths landscape-math.ts.
//
// The tab is offered when the program is recorded and available, the output is a scalar made by an
// op, and it depends on at least one candidate input; when the program cannot be replayed the tab
// is shown disabled with the reason. The worker gets a time budget per grid (then the grid is
// cancelled with a message); Cancel terminates it.
import type { GraphSnapshot } from "../shared/protocol";
import * as replay from "../engine/replay/index";
import { baseName, el, setChildren, setText } from "./dom";
import type { Host } from "./host";
import { arrowScale, DEFAULT_VIEW, fmt, fmtPoint, gridPoints, linspace, type Range, type View3D } from "./landscape-math";
import { PLOT, pngDataUrl, svgFile, type PathMethod, type PlotKind, type PlotPath } from "./landscape-plot";
import { landscapeAvailability, type Availability } from "./landscape-availability";
import { Cancelled, CannotDraw, Evaluator } from "./landscape-evaluator";
import { drawFigure } from "./landscape-figure";
import { renderDescent, renderReadout, type DescentPath, type GridResult } from "./landscape-readout";
import { DEFAULT_RES_1D, DEFAULT_RES_2D, RangeControls } from "./landscape-ranges";
import { buildLandscapePanel, DEFAULT_BUDGET_S, MAX_STEPS, type LandscapeActions, type LandscapePanel } from "./landscape-panel";

export { landscapeAvailability, type Availability } from "./landscape-availability";

type Candidate = replay.Candidate;

export interface LandscapeOptions {
  host: Host;
  /** A short message in the header's status line. */
  note(text: string, error?: boolean): void;
  /** The tab to show when the Landscape is offered (restored from the host's state). */
  tab?: "graph" | "landscape";
  /** The user picked a tab (to keep it in the host's state). */
  onTab?(tab: "graph" | "landscape"): void;
}

/** The arrow is drawn about this fraction of the plot across (its direction and components are exact). */
const ARROW_FRACTION = 0.2;
/** Most options in an input picker (a big leaf offers its first elements). */
const MAX_PICKER_OPTIONS = 2000;


let uid = 0;

export class Landscape {
  /** The tab strip, the graph pane and the landscape panel together (what app.ts puts in the middle). */
  readonly element: HTMLElement;
  private readonly ui: LandscapePanel;
  private graphPane: HTMLElement | undefined;

  // state
  private readonly evaluator = new Evaluator();
  private availability: Availability = { kind: "absent", reason: "" };
  private snapshot: GraphSnapshot | undefined;
  /** The tab the user chose last (kept in the host's state); Landscape shows only when it is offered. */
  private selectedTab: "graph" | "landscape";
  private xPick = 0;
  private yPick: number | null = null;
  /** The Range box: from/to per input, resolution, Equal scales (landscape-ranges.ts). */
  private readonly rangeControls: RangeControls;
  /** The point the arrow and descent start from: the traced values unless moved (a click on the plot, the inputs). */
  private start: number[] = [];
  private startInputs: HTMLInputElement[] = [];
  private kind2d: "contour" | "surface" = "contour";
  private view: View3D = { ...DEFAULT_VIEW };
  private grid: GridResult | undefined;
  private at: { value: number; grad: number[] } | undefined;
  /** Per method: its learning rate, the steps from the start point, and why the engine stopped the run (null: it did not). */
  private paths = new Map<PathMethod, DescentPath>();
  private method: PathMethod = "sgd";
  private generation = 0;
  private plot: SVGSVGElement | undefined;
  private drag: { x: number; y: number; view: View3D } | undefined;
  private shownOnce = false;
  private exportId = 1_000_000;

  constructor(private readonly options: LandscapeOptions) {
    this.selectedTab = options.tab ?? "graph";
    const id = `ls${++uid}`;
    this.ui = buildLandscapePanel(id, this.actions());
    this.element = this.ui.element;
    this.rangeControls = new RangeControls({
      idPrefix: id,
      rangeBox: this.ui.rangeBox,
      resSelect: this.ui.resSelect,
      vary: () => this.vary(),
      compute: () => void this.compute(),
      error: (text) => this.setStatus(text, "error"),
    });
    new MutationObserver(() => this.redraw()).observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => this.redraw());
  }

  /** The controls' handlers (landscape-panel.ts wires them). */
  private actions(): LandscapeActions {
    return {
      selectTab: (key, focus) => this.selectTab(key, focus),
      onTabKey: (e) => this.onTabKey(e),
      setKind2d: (k) => this.setKind2d(k),
      export: (f) => this.export(f),
      onPlotKey: (e) => this.onPlotKey(e),
      onPointerDown: (e) => this.onPointerDown(e),
      onPointerMove: (e) => this.onPointerMove(e),
      endDrag: () => (this.drag = undefined),
      onPlotClick: (e) => this.onPlotClick(e),
      pickInputs: () => this.pickInputs(),
      compute: () => this.compute(),
      cancel: () => this.cancel(),
      centreRanges: () => this.centreRanges(),
      resetRanges: () => this.resetRanges(),
      setMethod: (m) => this.setMethod(m),
      onLrChange: () => this.onLrChange(),
      descend: (k) => this.descend(k),
      stepCount: () => this.stepCount(),
      clearPath: () => this.clearPath(),
    };
  }

  /** Puts the graph pane under the tabs (call once, before the element is in the page). */
  wrap(graphPane: HTMLElement): HTMLElement {
    this.graphPane = graphPane;
    graphPane.id = this.ui.graphTab.getAttribute("aria-controls")!;
    this.element.insertBefore(graphPane, this.ui.panel);
    this.syncTabs();
    return this.element;
  }

  // ---- tabs -------------------------------------------------------------------------------------

  private syncTabs(): void {
    const a = this.availability;
    const offered = a.kind !== "absent";
    this.ui.tabList.hidden = !offered;
    this.element.classList.toggle("has-tabs", offered);
    this.ui.landscapeTab.setAttribute("aria-disabled", String(a.kind === "disabled"));
    this.ui.landscapeTab.title = a.kind === "disabled" ? a.reason : a.kind === "ok" ? `${fName(a.outputLabel)} as a function of its inputs` : "";
    const graph = this.shownTab() === "graph";
    this.ui.graphTab.setAttribute("aria-selected", String(graph));
    this.ui.landscapeTab.setAttribute("aria-selected", String(!graph));
    this.ui.graphTab.tabIndex = graph ? 0 : -1;
    this.ui.landscapeTab.tabIndex = graph ? -1 : 0;
    if (this.graphPane) {
      this.graphPane.hidden = !graph;
      // A tab panel only while there are tabs; otherwise the graph pane is what it always was.
      if (offered) {
        this.graphPane.setAttribute("role", "tabpanel");
        this.graphPane.setAttribute("aria-labelledby", this.ui.graphTab.id);
      } else {
        this.graphPane.removeAttribute("role");
        this.graphPane.removeAttribute("aria-labelledby");
      }
    }
    this.ui.panel.hidden = graph;
  }

  private shownTab(): "graph" | "landscape" {
    return this.selectedTab === "landscape" && this.availability.kind === "ok" ? "landscape" : "graph";
  }

  private selectTab(key: "graph" | "landscape", focus: boolean): void {
    if (key === "landscape" && this.availability.kind !== "ok") {
      if (this.availability.kind === "disabled") this.options.note(this.availability.reason, true);
      return;
    }
    this.selectedTab = key;
    this.options.onTab?.(key);
    this.syncTabs();
    if (key === "landscape") this.ensureDrawn();
    if (focus) (key === "graph" ? this.ui.graphTab : this.ui.landscapeTab).focus();
    if (key === "landscape" && !this.shownOnce) {
      this.shownOnce = true;
      void this.compute();
    }
  }

  private onTabKey(e: KeyboardEvent): void {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft" || e.key === "Home" || e.key === "End") {
      e.preventDefault();
      e.stopPropagation();
      const next = e.key === "Home" ? "graph" : e.key === "End" ? "landscape" : this.shownTab() === "graph" ? "landscape" : "graph";
      if (next === "landscape" && this.availability.kind !== "ok") this.ui.graphTab.focus();
      else this.selectTab(next, true);
    }
  }

  // ---- snapshot ---------------------------------------------------------------------------------

  setSnapshot(s: GraphSnapshot): void {
    this.snapshot = s;
    this.generation++;
    if (this.evaluator.busy) this.evaluator.stop(new Cancelled("a new trace arrived"));
    // The same inputs as before (the snippet traced again, e.g. on save): keep the picks, ranges and resolution.
    const before = { labels: this.vary().map((c) => c.label), ranges: this.rangeControls.ranges, res: this.ui.resSelect.value };
    this.availability = landscapeAvailability(s);
    this.grid = undefined;
    this.at = undefined;
    this.paths.clear();
    this.shownOnce = false;
    const a = this.availability;
    if (a.kind === "ok") {
      this.evaluator.setProgram(a.program);
      this.fillPicker(a.candidates);
      const find = (label: string | undefined) => (label === undefined ? -1 : a.candidates.findIndex((c) => c.label === label));
      const [x, y] = [find(before.labels[0]), find(before.labels[1])];
      const same = x >= 0 && (before.labels.length < 2 || y >= 0) && before.ranges.length === before.labels.length;
      this.xPick = same ? x : 0;
      this.yPick = same ? (before.labels.length > 1 ? y : null) : a.candidates.length > 1 ? 1 : null;
      this.syncPicker();
      this.resetRanges(false);
      if (same) this.rangeControls.restore(before.ranges, before.res);
      this.resetStart(false);
    }
    this.ui.panel.dataset.state = "idle";
    this.setStatus("");
    this.renderHeading();
    this.renderReadout();
    this.renderDescent();
    this.syncTabs();
    if (this.selectedTab === "landscape" && a.kind === "ok") {
      this.shownOnce = true;
      void this.compute();
    }
  }

  private candidates(): Candidate[] {
    return this.availability.kind === "ok" ? this.availability.candidates : [];
  }

  private vary(): Candidate[] {
    const c = this.candidates();
    const out = [c[this.xPick]!];
    if (this.yPick !== null && c[this.yPick]) out.push(c[this.yPick]!);
    return out.filter(Boolean);
  }

  private fillPicker(c: Candidate[]): void {
    const opts = c.slice(0, MAX_PICKER_OPTIONS);
    setChildren(this.ui.xSelect, ...opts.map((k, i) => el("option", { value: String(i) }, `${k.label} = ${fmt(k.value)}`)));
    setChildren(this.ui.ySelect, el("option", { value: "" }, "none (a curve)"), ...opts.map((k, i) => el("option", { value: String(i) }, `${k.label} = ${fmt(k.value)}`)));
    this.ui.pickerBox.hidden = c.length <= 2;
  }

  private syncPicker(): void {
    this.ui.xSelect.value = String(this.xPick);
    this.ui.ySelect.value = this.yPick === null ? "" : String(this.yPick);
    for (const o of this.ui.ySelect.options) o.disabled = o.value === String(this.xPick);
  }

  private pickInputs(): void {
    const x = Number(this.ui.xSelect.value);
    let y: number | null = this.ui.ySelect.value === "" ? null : Number(this.ui.ySelect.value);
    if (y === x) y = null;
    this.xPick = x;
    this.yPick = y;
    this.syncPicker();
    this.resetRanges(false);
    this.resetStart(false);
    void this.compute();
  }

  private resetRanges(recompute = true): void {
    this.rangeControls.reset(recompute);
  }

  private centreRanges(): void {
    this.rangeControls.centreOn(this.start);
  }

  /** Back to the traced values (clears the descent paths). */
  private resetStart(update = true): void {
    this.setStart(this.vary().map((c) => c.value), update);
  }

  private setStart(p: number[], update = true): void {
    this.start = p.slice();
    this.at = undefined;
    this.paths.clear();
    const vary = this.vary();
    this.startInputs = vary.map((c, k) =>
      el("input", {
        type: "number",
        step: "any",
        value: String(+p[k]!.toPrecision(6)),
        "aria-label": `Point: ${c.label}`,
        on: { change: (e) => this.onStartInput(k, e.target as HTMLInputElement) },
      }),
    );
    const traced = vary.every((c, k) => c.value === p[k]);
    setChildren(
      this.ui.startBox,
      ...this.startInputs.map((input, k) => el("div", { class: "ls-row ls-start-row" }, el("span", { class: "ls-range-name", title: vary[k]!.label }, vary[k]!.label), input)),
      traced ? null : el("button", { type: "button", class: "ls-traced", on: { click: () => this.resetStart() } }, "Back to the traced point"),
    );
    if (!update) return;
    this.renderDescent();
    void this.updatePoint();
  }

  private onStartInput(k: number, input: HTMLInputElement): void {
    const v = Number(input.value);
    if (input.value === "" || !Number.isFinite(v)) {
      this.setStatus(`The point's ${this.vary()[k]?.label ?? "value"} must be a number.`, "error");
      return;
    }
    const p = this.start.slice();
    p[k] = v;
    this.setStart(p);
    this.startInputs[k]?.focus();
  }

  /** f and its gradient at the start point (after it moved). */
  private async updatePoint(): Promise<void> {
    const a = this.availability;
    if (a.kind !== "ok") return;
    const gen = this.generation;
    const vary = this.vary().map(({ leaf, index }) => ({ leaf, index }));
    try {
      const g = await this.evaluator.request({ kind: "grad", output: a.output, vary, point: this.start.slice() }, { watchdogMs: this.budgetMs() + 2000 });
      if (gen !== this.generation) return;
      if (g.kind === "error") throw new Error(g.error);
      if (g.kind === "grad") this.at = { value: g.value, grad: g.grad };
    } catch (e) {
      if (gen !== this.generation) return;
      this.setStatus(`f could not be evaluated at ${fmtPoint(this.start)}: ${(e as Error).message}`, "error");
    }
    this.renderReadout();
    this.redraw();
  }

  /** A click on the contour plot or the curve moves the point there. */
  private onPlotClick(e: MouseEvent): void {
    const kind = this.plotKind();
    const plot = this.plot;
    if (kind === "surface" || !plot || !this.grid || this.evaluator.busy) return;
    const ctm = plot.getScreenCTM();
    if (!ctm) return;
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    const { L, T, P } = PLOT;
    const u = (pt.x - L) / P, w = 1 - (pt.y - T) / P;
    if (u < 0 || u > 1 || w < 0 || w > 1) return;
    // Snapped to the nearest grid sample (where f was evaluated).
    const { ranges, nx, ny } = this.grid;
    const snap = (t: number, r: Range, n: number) => (n > 1 ? r.lo + ((r.hi - r.lo) * Math.round(t * (n - 1))) / (n - 1) : r.lo);
    const p = kind === "curve" ? [snap(u, ranges[0]!, nx)] : [snap(u, ranges[0]!, nx), snap(w, ranges[1]!, ny)];
    this.setStart(p.map((v) => +v.toPrecision(12)));
  }

  private setKind2d(k: "contour" | "surface"): void {
    this.kind2d = k;
    this.redraw();
  }

  private plotKind(): PlotKind {
    return this.vary().length === 1 ? "curve" : this.kind2d;
  }

  // ---- evaluation -------------------------------------------------------------------------------

  private budgetMs(): number {
    const s = Number(this.ui.budgetInput.value);
    return Math.round((Number.isFinite(s) && s > 0 ? Math.min(600, s) : DEFAULT_BUDGET_S) * 1000);
  }

  private setStatus(text: string, kind: "info" | "error" | "busy" = "info"): void {
    setText(this.ui.status, text);
    this.ui.status.classList.toggle("error", kind === "error");
  }

  private setBusy(busy: boolean): void {
    this.ui.cancelButton.disabled = !busy;
    this.ui.progress.hidden = !busy;
    if (!busy) this.ui.progress.value = 0;
  }

  private async compute(): Promise<void> {
    const a = this.availability;
    if (a.kind !== "ok") return;
    const gen = ++this.generation;
    // A grid still running is replaced (a descent or a point query waits its turn in the worker).
    if (this.evaluator.gridPending) this.evaluator.stop(new Cancelled("superseded"));
    const vary = this.vary();
    const varied = vary.map(({ leaf, index }) => ({ leaf, index }));
    this.renderHeading();
    const n = Number(this.ui.resSelect.value) || (vary.length === 2 ? DEFAULT_RES_2D : DEFAULT_RES_1D);
    const nx = n, ny = vary.length === 2 ? n : 1;
    const ranges = this.rangeControls.ranges.map((r) => ({ ...r }));
    const points = vary.length === 2 ? gridPoints(ranges[0]!, ranges[1]!, nx, ny) : linspace(ranges[0]!, nx);
    this.ui.panel.dataset.state = "computing";
    this.setBusy(true);
    this.setStatus(`Evaluating f at ${(nx * ny).toLocaleString("en-US")} points…`, "busy");
    const budget = this.budgetMs();
    const started = performance.now();
    try {
      const start = this.start.slice();
      if (!this.at) {
        const g = await this.evaluator.request({ kind: "grad", output: a.output, vary: varied, point: start }, { watchdogMs: budget + 2000 });
        if (gen !== this.generation) return;
        if (g.kind === "error") throw g.name === "ReplayError" ? new CannotDraw(g.error) : new Error(`at the point: ${g.error}`);
        if (g.kind === "grad") this.at = { value: g.value, grad: g.grad };
        this.renderReadout();
      }
      this.grid = undefined;
      this.redraw();
      const r = await this.evaluator.request(
        { kind: "grid", output: a.output, vary: varied, points, count: nx * ny, budgetMs: Math.max(1, budget - (performance.now() - started)) },
        {
          watchdogMs: budget + 2000,
          progress: (done, count) => {
            if (gen !== this.generation) return;
            this.ui.progress.value = done / count;
            this.setStatus(`Evaluating f: ${Math.round((100 * done) / count)}% of ${count.toLocaleString("en-US")} points…`, "busy");
          },
        },
      );
      if (gen !== this.generation) return;
      if (r.kind === "error") {
        if (r.cancelled) throw new Cancelled(`Stopped: the grid took longer than the time limit (${fmt(budget / 1000, 3)} s). Lower the resolution or raise the limit.`);
        throw r.name === "ReplayError" ? new CannotDraw(r.error) : new Error(r.error);
      }
      if (r.kind !== "grid") return;
      this.grid = { values: r.values, nx, ny, ranges, ms: r.ms };
      this.ui.panel.dataset.state = "ready";
      const bad = r.values.reduce((c, v) => c + (Number.isFinite(v) ? 0 : 1), 0);
      this.setStatus(
        `${vary.length === 2 ? `${nx} × ${ny} grid` : `${nx} points`} evaluated in ${Math.round(r.ms)} ms by re-running the traced program.${bad ? ` f is not finite at ${bad.toLocaleString("en-US")} of them (left blank).` : ""}`,
      );
    } catch (e) {
      if (gen !== this.generation) return;
      const cancelled = e instanceof Cancelled;
      this.ui.panel.dataset.state = cancelled ? "cancelled" : "error";
      if (e instanceof CannotDraw) {
        this.grid = undefined;
        this.setStatus(`Cannot draw: ${e.message}`, "error");
      } else {
        this.setStatus(cancelled ? (e.message.startsWith("Stopped") ? e.message : `Cancelled (${e.message}).`) : `The evaluation failed: ${(e as Error).message}`, "error");
      }
    } finally {
      if (gen === this.generation) this.setBusy(false);
    }
    this.renderReadout();
    this.redraw();
  }

  private cancel(): void {
    if (!this.evaluator.gridPending) return;
    this.evaluator.stop(new Cancelled("by you"));
  }

  // ---- descent ----------------------------------------------------------------------------------

  private stepCount(): number {
    const n = Math.round(Number(this.ui.stepsInput.value));
    return Number.isFinite(n) && n >= 1 ? Math.min(MAX_STEPS, n) : 10;
  }

  private lr(): number | null {
    const v = Number(this.ui.lrInput.value);
    return this.ui.lrInput.value !== "" && Number.isFinite(v) && v >= 0 ? v : null;
  }

  private setMethod(m: PathMethod): void {
    this.method = m;
    const p = this.paths.get(m);
    if (p) this.ui.lrInput.value = String(p.lr);
    this.renderDescent();
    this.redraw();
  }

  private onLrChange(): void {
    const p = this.paths.get(this.method);
    if (p && p.lr !== this.lr()) {
      this.paths.delete(this.method);
      this.renderDescent();
      this.redraw();
    }
  }

  private clearPath(): void {
    this.paths.delete(this.method);
    this.renderDescent();
    this.redraw();
  }

  /** k more steps of the current method: the engine re-runs the whole path from the start (optimizer state included). */
  private async descend(k: number): Promise<void> {
    const a = this.availability;
    if (a.kind !== "ok") return;
    const lr = this.lr();
    if (lr === null) {
      setText(this.ui.verdict, "The learning rate must be a number ≥ 0.");
      this.ui.verdict.className = "ls-verdict error";
      return;
    }
    const prev = this.paths.get(this.method);
    if (prev?.diverged) {
      setText(this.ui.verdict, "This path already diverged: clear it or change the learning rate.");
      return;
    }
    const total = Math.min(MAX_STEPS, (prev && prev.lr === lr ? prev.steps.length - 1 : 0) + k);
    const vary = this.vary();
    const method = this.method;
    // The answer counts only for the same snapshot, inputs and start point (the method is captured).
    const asked = () => JSON.stringify([vary.map((c) => c.label), this.start]);
    const snapshot = this.snapshot, key = asked();
    const stale = () => snapshot !== this.snapshot || key !== asked();
    this.ui.stepButton.disabled = this.ui.runButton.disabled = true;
    try {
      const r = await this.evaluator.request(
        { kind: "descend", output: a.output, vary: vary.map(({ leaf, index }) => ({ leaf, index })), start: this.start.slice(), method, lr, steps: total },
        { watchdogMs: this.budgetMs() + 2000 },
      );
      if (stale()) return;
      if (r.kind === "error") throw new Error(r.error);
      if (r.kind !== "descend") return;
      this.paths.set(method, { lr, steps: r.steps, diverged: r.diverged, stopped: r.diverged ? (r.reason ?? "diverged") : null });
    } catch (e) {
      if (stale()) return;
      setText(this.ui.verdict, `Descent failed: ${(e as Error).message}`);
      this.ui.verdict.className = "ls-verdict error";
      return;
    } finally {
      this.ui.stepButton.disabled = this.ui.runButton.disabled = false;
    }
    this.renderDescent();
    this.redraw();
  }

  // ---- rendering --------------------------------------------------------------------------------

  private renderHeading(): void {
    const a = this.availability;
    if (a.kind !== "ok") return;
    const names = this.vary().map((c) => c.label);
    setText(this.ui.heading, `${fName(a.outputLabel)} as a function of ${names.join(" and ")}`);
    this.ui.viewGroup.hidden = names.length < 2;
  }

  private renderReadout(): void {
    renderReadout(this.ui.readout, this.vary().map((c) => c.label), this.start, this.at, this.grid);
  }

  private renderDescent(): void {
    renderDescent(this.ui.table, this.ui.verdict, this.vary().map((c) => c.label), this.method, this.paths.get(this.method));
  }

  private redraw(): void {
    const a = this.availability;
    if (a.kind !== "ok" || this.ui.panel.hidden) {
      if (a.kind === "ok") this.dirty = true;
      return;
    }
    this.dirty = false;
    const vary = this.vary();
    const kind = this.plotKind();
    for (const k of ["contour", "surface"] as const) this.ui.viewButtons[k].setAttribute("aria-pressed", String(this.kind2d === k));
    const grid = this.grid;
    const ranges = grid?.ranges ?? this.rangeControls.ranges;
    const g = this.at?.grad;
    const arrowLength = g ? arrowScale(this.start, g, ranges, ARROW_FRACTION) : 0;
    const paths: PlotPath[] = [];
    for (const [method, p] of this.paths) {
      if (method !== this.method) paths.push({ method, steps: p.steps, current: false });
    }
    const cur = this.paths.get(this.method);
    if (cur) paths.push({ method: this.method, steps: cur.steps, current: true });
    this.plot = drawFigure(this.ui, {
      kind,
      labels: vary.map((c) => c.label),
      ranges,
      grid: grid ? { values: grid.values, nx: grid.nx, ny: grid.ny } : undefined,
      point: this.start,
      value: this.at?.value ?? NaN,
      grad: g ?? null,
      arrowScale: arrowLength,
      paths,
      view: this.view,
    }, this.at !== undefined);
  }

  private dirty = false;

  /** Call when the panel becomes visible after changes made while hidden. */
  private ensureDrawn(): void {
    if (this.dirty) this.redraw();
  }

  // ---- surface rotation -------------------------------------------------------------------------

  private onPlotKey(e: KeyboardEvent): void {
    if (this.plotKind() !== "surface") return;
    const step = Math.PI / 24;
    const v = { ...this.view };
    if (e.key === "ArrowLeft") v.azimuth -= step;
    else if (e.key === "ArrowRight") v.azimuth += step;
    else if (e.key === "ArrowUp") v.elevation = Math.min(Math.PI / 2, v.elevation + step);
    else if (e.key === "ArrowDown") v.elevation = Math.max(0, v.elevation - step);
    else if (e.key === "Home") Object.assign(v, DEFAULT_VIEW);
    else return;
    e.preventDefault();
    e.stopPropagation();
    this.view = v;
    this.redraw();
  }

  private onPointerDown(e: PointerEvent): void {
    if (this.plotKind() !== "surface" || e.button !== 0) return;
    this.drag = { x: e.clientX, y: e.clientY, view: { ...this.view } };
    this.ui.plotHost.setPointerCapture?.(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const az = d.view.azimuth - (e.clientX - d.x) * 0.01;
    const el_ = Math.min(Math.PI / 2, Math.max(0, d.view.elevation + (e.clientY - d.y) * 0.01));
    this.view = { azimuth: az, elevation: el_ };
    this.redraw();
  }

  // ---- export -----------------------------------------------------------------------------------

  private async export(format: "png" | "svg"): Promise<void> {
    const plot = this.plot;
    const s = this.snapshot;
    if (!plot || !s || !this.grid) {
      this.options.note("Export failed: the plot is not drawn yet", true);
      return;
    }
    let data: string;
    let encoding: "utf8" | "base64" = "utf8";
    try {
      if (format === "svg") data = svgFile(plot);
      else {
        data = (await pngDataUrl(plot)).replace(/^data:image\/png;base64,/, "");
        encoding = "base64";
      }
    } catch (e) {
      this.options.note(`Export failed: ${(e as Error).message}`, true);
      return;
    }
    const stem = baseName(s.file).replace(/\.[^.]*$/, "") || "graph";
    this.options.host.post({ type: "save", requestId: ++this.exportId, format, fileName: `${stem}.landscape.${format}`, data, encoding });
  }
}

/** "f = loss", or just "f" when the output is itself called f (not "f = f"). */
function fName(outputLabel: string): string {
  return outputLabel === "f" ? "f" : `f = ${outputLabel}`;
}

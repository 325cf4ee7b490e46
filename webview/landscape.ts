// The Landscape tab of the graph view (issue 6): f, the traced scalar output, drawn as a function of
// one or two inputs (scalar leaves that require grad, or elements of a larger leaf) around the
// current point, with the negative gradient and gradient descent on it. f is re-evaluated by the
// engine's replay of the recorded program (snapshot.program) in a Web Worker; the plot is
// landscape-plot.ts, the pure maths landscape-math.ts.
//
// The tab is offered when the program is recorded and available, the output is a scalar made by an
// op, and it depends on at least one candidate input; when the program cannot be replayed the tab
// is shown disabled with the reason. The worker gets a time budget per grid (then the grid is
// cancelled with a message); Cancel terminates it. The tab strip is landscape-tabs.ts, gradient
// descent landscape-descent.ts, turning the surface landscape-rotation.ts.
import type { GraphSnapshot } from "../shared/protocol";
import * as replay from "../engine/replay/index";
import { formatCount } from "../shared/format";
import { el, setChildren, setText } from "./dom";
import type { Host } from "./host";
import { arrowScale, fmt, fmtPoint, gridPoints, linspace, type Range } from "./landscape-math";
import { PLOT, type PlotKind } from "./landscape-plot";
import { landscapeAvailability, type Availability } from "./landscape-availability";
import { Cancelled, CannotDraw, Evaluator } from "./landscape-evaluator";
import { drawFigure, figureFile } from "./landscape-figure";
import { renderDescent, renderReadout, type GridResult } from "./landscape-readout";
import { DEFAULT_RES_1D, DEFAULT_RES_2D, RangeControls } from "./landscape-ranges";
import { buildLandscapePanel, DEFAULT_BUDGET_S, type LandscapeActions, type LandscapePanel } from "./landscape-panel";
import { LandscapeDescent } from "./landscape-descent";
import { SurfaceRotation } from "./landscape-rotation";
import { LandscapeTabs } from "./landscape-tabs";

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
  private readonly tabs: LandscapeTabs;
  private readonly descent: LandscapeDescent;
  private readonly rotation: SurfaceRotation;

  // state
  private readonly evaluator = new Evaluator();
  private availability: Availability = { kind: "absent", reason: "" };
  private snapshot: GraphSnapshot | undefined;
  private xPick = 0;
  private yPick: number | null = null;
  /** The Range box: from/to per input, resolution, Equal scales (landscape-ranges.ts). */
  private readonly rangeControls: RangeControls;
  /** The point the arrow and descent start from: the traced values unless moved (a click on the plot, the inputs). */
  private start: number[] = [];
  private startInputs: HTMLInputElement[] = [];
  private kind2d: "contour" | "surface" = "contour";
  private grid: GridResult | undefined;
  private at: { value: number; grad: number[] } | undefined;
  private generation = 0;
  private plot: SVGSVGElement | undefined;
  private shownOnce = false;
  private exportId = 1_000_000;

  constructor(private readonly options: LandscapeOptions) {
    const id = `ls${++uid}`;
    this.ui = buildLandscapePanel(id, this.actions());
    this.element = this.ui.element;
    this.tabs = new LandscapeTabs(
      {
        ui: this.ui,
        element: this.element,
        availability: () => this.availability,
        title: () => (this.availability.kind === "ok" ? `${fName(this.availability.outputLabel)} as a function of its inputs` : ""),
        note: (text, error) => options.note(text, error),
        ...(options.onTab ? { onTab: options.onTab } : {}),
        onShowLandscape: () => {
          this.ensureDrawn();
          if (this.shownOnce) return;
          this.shownOnce = true;
          void this.compute();
        },
      },
      options.tab ?? "graph",
    );
    this.descent = new LandscapeDescent({
      ui: this.ui,
      evaluator: this.evaluator,
      availability: () => this.availability,
      vary: () => this.vary(),
      start: () => this.start,
      snapshot: () => this.snapshot,
      budgetMs: () => this.budgetMs(),
      changed: () => {
        this.renderDescent();
        this.redraw();
      },
    });
    this.rotation = new SurfaceRotation({ plotHost: this.ui.plotHost, active: () => this.plotKind() === "surface", changed: () => this.redraw() });
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
      selectTab: (key, focus) => this.tabs.select(key, focus),
      onTabKey: (e) => this.tabs.onKey(e),
      setKind2d: (k) => this.setKind2d(k),
      export: (f) => this.export(f),
      onPlotKey: (e) => this.rotation.onKey(e),
      onPointerDown: (e) => this.rotation.onPointerDown(e),
      onPointerMove: (e) => this.rotation.onPointerMove(e),
      endDrag: () => this.rotation.endDrag(),
      onPlotClick: (e) => this.onPlotClick(e),
      pickInputs: () => this.pickInputs(),
      compute: () => this.compute(),
      cancel: () => this.cancel(),
      centreRanges: () => this.centreRanges(),
      resetRanges: () => this.resetRanges(),
      setMethod: (m) => this.descent.setMethod(m),
      onLrChange: () => this.descent.onLrChange(),
      descend: (k) => this.descent.descend(k),
      stepCount: () => this.descent.stepCount(),
      clearPath: () => this.descent.clear(),
    };
  }

  /** Puts the graph pane under the tabs (call once, before the element is in the page). */
  wrap(graphPane: HTMLElement): HTMLElement {
    this.tabs.wrap(graphPane);
    return this.element;
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
    this.descent.reset();
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
    this.tabs.sync();
    if (this.tabs.selected === "landscape" && a.kind === "ok") {
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
    this.descent.reset();
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
    this.setStatus(`Evaluating f at ${formatCount(nx * ny)} points…`, "busy");
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
            this.setStatus(`Evaluating f: ${Math.round((100 * done) / count)}% of ${formatCount(count)} points…`, "busy");
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
        `${vary.length === 2 ? `${nx} × ${ny} grid` : `${nx} points`} evaluated in ${Math.round(r.ms)} ms by re-running the traced program.${bad ? ` f is not finite at ${formatCount(bad)} of them (left blank).` : ""}`,
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
    renderDescent(this.ui.table, this.ui.verdict, this.vary().map((c) => c.label), this.descent.method, this.descent.path());
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
    const paths = this.descent.plotPaths();
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
      view: this.rotation.view,
    }, this.at !== undefined);
  }

  private dirty = false;

  /** Call when the panel becomes visible after changes made while hidden. */
  private ensureDrawn(): void {
    if (this.dirty) this.redraw();
  }

  // ---- export -----------------------------------------------------------------------------------

  private async export(format: "png" | "svg"): Promise<void> {
    const plot = this.plot;
    const s = this.snapshot;
    if (!plot || !s || !this.grid) {
      this.options.note("Export failed: the plot is not drawn yet", true);
      return;
    }
    try {
      const file = await figureFile(plot, format, s.file);
      this.options.host.post({ type: "save", requestId: ++this.exportId, format, ...file });
    } catch (e) {
      this.options.note(`Export failed: ${(e as Error).message}`, true);
    }
  }
}

/** "f = loss", or just "f" when the output is itself called f (not "f = f"). */
function fName(outputLabel: string): string {
  return outputLabel === "f" ? "f" : `f = ${outputLabel}`;
}

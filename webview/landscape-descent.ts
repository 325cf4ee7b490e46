// Gradient descent on the Landscape (issue 6): per method (SGD, momentum, Adam) its learning rate,
// its steps from the start point and why the engine stopped it, run by the evaluator's worker (the
// engine re-runs the whole path from the start, optimizer state included). landscape.ts owns the
// inputs and the start point; this owns the paths and the Step / Run / Clear controls' state.
import type { GraphSnapshot } from "../shared/protocol";
import { setText } from "./dom";
import type { Availability } from "./landscape-availability";
import type { Evaluator } from "./landscape-evaluator";
import { MAX_STEPS, type LandscapePanel } from "./landscape-panel";
import type { PathMethod, PlotPath } from "./landscape-plot";
import type { DescentPath } from "./landscape-readout";
import type * as replay from "../engine/replay/index";

export interface DescentContext {
  ui: LandscapePanel;
  evaluator: Evaluator;
  availability(): Availability;
  /** The inputs varied and the start point. */
  vary(): replay.Candidate[];
  start(): number[];
  snapshot(): GraphSnapshot | undefined;
  budgetMs(): number;
  /** A path or the method changed: redraw the table and the plot. */
  changed(): void;
}

export class LandscapeDescent {
  private readonly paths = new Map<PathMethod, DescentPath>();
  private current: PathMethod = "sgd";

  constructor(private readonly c: DescentContext) {}

  get method(): PathMethod {
    return this.current;
  }

  /** The current method's path, if it ran. */
  path(): DescentPath | undefined {
    return this.paths.get(this.current);
  }

  /** Every path for the plot, the current method's last (drawn on top). */
  plotPaths(): PlotPath[] {
    const out: PlotPath[] = [];
    for (const [method, p] of this.paths) if (method !== this.current) out.push({ method, steps: p.steps, current: false });
    const cur = this.paths.get(this.current);
    if (cur) out.push({ method: this.current, steps: cur.steps, current: true });
    return out;
  }

  /** Forget every path (a new snapshot, inputs or start point). */
  reset(): void {
    this.paths.clear();
  }

  stepCount(): number {
    const n = Math.round(Number(this.c.ui.stepsInput.value));
    return Number.isFinite(n) && n >= 1 ? Math.min(MAX_STEPS, n) : 10;
  }

  private lr(): number | null {
    const input = this.c.ui.lrInput;
    const v = Number(input.value);
    return input.value !== "" && Number.isFinite(v) && v >= 0 ? v : null;
  }

  setMethod(m: PathMethod): void {
    this.current = m;
    const p = this.paths.get(m);
    if (p) this.c.ui.lrInput.value = String(p.lr);
    this.c.changed();
  }

  onLrChange(): void {
    const p = this.paths.get(this.current);
    if (p && p.lr !== this.lr()) {
      this.paths.delete(this.current);
      this.c.changed();
    }
  }

  clear(): void {
    this.paths.delete(this.current);
    this.c.changed();
  }

  /** k more steps of the current method. */
  async descend(k: number): Promise<void> {
    const a = this.c.availability();
    if (a.kind !== "ok") return;
    const ui = this.c.ui;
    const lr = this.lr();
    if (lr === null) {
      setText(ui.verdict, "The learning rate must be a number ≥ 0.");
      ui.verdict.className = "ls-verdict error";
      return;
    }
    const prev = this.paths.get(this.current);
    if (prev?.diverged) {
      setText(ui.verdict, "This path already diverged: clear it or change the learning rate.");
      return;
    }
    const total = Math.min(MAX_STEPS, (prev && prev.lr === lr ? prev.steps.length - 1 : 0) + k);
    const vary = this.c.vary();
    const method = this.current;
    // The answer counts only for the same snapshot, inputs and start point (the method is captured).
    const asked = () => JSON.stringify([this.c.vary().map((c) => c.label), this.c.start()]);
    const snapshot = this.c.snapshot(), key = asked();
    const stale = () => snapshot !== this.c.snapshot() || key !== asked();
    ui.stepButton.disabled = ui.runButton.disabled = true;
    try {
      const r = await this.c.evaluator.request(
        { kind: "descend", output: a.output, vary: vary.map(({ leaf, index }) => ({ leaf, index })), start: this.c.start().slice(), method, lr, steps: total },
        { watchdogMs: this.c.budgetMs() + 2000 },
      );
      if (stale()) return;
      if (r.kind === "error") throw new Error(r.error);
      if (r.kind !== "descend") return;
      this.paths.set(method, { lr, steps: r.steps, diverged: r.diverged, stopped: r.diverged ? (r.reason ?? "diverged") : null });
    } catch (e) {
      if (stale()) return;
      setText(ui.verdict, `Descent failed: ${(e as Error).message}`);
      ui.verdict.className = "ls-verdict error";
      return;
    } finally {
      ui.stepButton.disabled = ui.runButton.disabled = false;
    }
    this.c.changed();
  }
}

// "Running… 1.4 s (limit 5 s)" in the header while the host runs the shown document again, with the
// previous graph dimmed under it (the page root's `is-running` class) until the new snapshot comes.
// The host says when a run starts and ends (`running` messages); the page counts the seconds itself.
import { el } from "./dom";

/** Past this the label stops counting: a host that never said "done" must not tick forever. */
const MAX_TICK_MS = 10 * 60 * 1000;

export class RunStatus {
  readonly element: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;
  private startedAt = 0;
  private timeoutMs: number | undefined;

  constructor(private readonly root: HTMLElement) {
    this.element = el("span", { class: "badge running", role: "status", hidden: true });
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** A run started; `timeoutMs` is its time limit when the host knows it (a finite, positive number). */
  start(timeoutMs?: number): void {
    this.stop();
    this.startedAt = Date.now();
    this.timeoutMs = typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined;
    this.element.hidden = false;
    this.root.classList.add("is-running");
    this.render();
    this.timer = setInterval(() => this.render(), 200);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.element.hidden = true;
    this.root.classList.remove("is-running");
  }

  private render(): void {
    const elapsed = Date.now() - this.startedAt;
    if (elapsed > MAX_TICK_MS) {
      this.stop();
      return;
    }
    // The limit is the snippet's own run time; starting the sandbox and building the graph come on
    // top (seconds on a busy machine), so past the limit the label only counts.
    const limit = this.timeoutMs === undefined || elapsed > this.timeoutMs ? "" : ` (limit ${seconds(this.timeoutMs)})`;
    this.element.textContent = `Running… ${seconds(elapsed)}${limit}`;
    this.element.title =
      "The document is being traced again; the graph below is the previous run's until the new one arrives." +
      (this.timeoutMs === undefined ? "" : ` The snippet may run for ${seconds(this.timeoutMs)} (autogradLens.runTimeout); starting the sandbox and building the graph come on top.`);
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

// Checkpoints: while a snippet runs, the child sends everything recorded so far as a "partial"
// message, so that the graph survives the child (a timeout it cannot stop itself, an out-of-memory
// abort, a V8 fatal error, a SIGKILL): the parent keeps the last one and shows it with its own error.
// Each checkpoint is a whole version-2 snapshot (the same codec and validator as the result), at most
// PARTIAL_BUDGET (bytes, and cost in the parent's memory); the parent stores the latest as bytes and parses it only if the child dies.
//
// When: at the moments after which the child may never get control back (the end of the synchronous
// part of the script when code of the snippet is left to run, before a timer callback: "urgent"),
// and every MIN_INTERVAL_MS from the loop and microtask checks once the run is FIRST_AFTER_MS old,
// only when something new was recorded. Building costs time, so the next one waits at least
// COST_FACTOR times as long as the last took. A checkpoint of the whole graph costs about as much as
// the result (it is one), so a run that ends within FIRST_AFTER_MS sends none from its loops: a
// checkpoint there would about double the time to its result, to guard its first second only.
import { PARTIAL_BUDGET, PARTIAL_MAX_BYTES } from "./channel";
import { encodeFitting } from "./child-result";
import type { ProgressInfo } from "./messages";
import type { Recorder } from "./recorder";

const MIN_INTERVAL_MS = 200;
/** Checkpoints from loop and microtask checks begin this far into the run (urgent ones at once). */
const FIRST_AFTER_MS = 1000;
const COST_FACTOR = 20;
/** Checkpoint bytes sent in all; past it the last one stands (a long run does not flood the pipe). */
const TOTAL_BUDGET_BYTES = 16 * PARTIAL_MAX_BYTES;

export class Checkpoints {
  private sentChanges = -1;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private lastCost = 0;
  private sentBytes = 0;
  private busy = false;
  private off = false;
  private sentOp: ProgressInfo["range"];

  constructor(
    private readonly recorder: Recorder,
    private readonly start: number,
    private readonly write: (line: Uint8Array) => boolean,
    /** Where the snippet is, sent along with each checkpoint (the parent's error names it). */
    private readonly progress: (where: ProgressInfo) => void,
  ) {}

  /** Send one if something new was recorded and it is time; `urgent` skips the minimum interval. */
  maybe(urgent = false): void {
    if (this.off || this.busy) return;
    const changes = this.recorder.changes;
    if (changes === this.sentChanges) return;
    const now = performance.now();
    const wait = Math.max(urgent ? 0 : MIN_INTERVAL_MS, COST_FACTOR * this.lastCost);
    if (now - this.lastEnd < wait || (!urgent && now - this.start < FIRST_AFTER_MS)) {
      // Too soon for the graph, but the parent can still learn the line of the last op.
      const op = this.recorder.lastOpRange;
      if (urgent && op && op !== this.sentOp) {
        this.sentOp = op;
        this.progress({ what: "op", range: op });
      }
      return;
    }
    this.busy = true;
    try {
      const snapshot = this.recorder.checkpoint(now - this.start);
      if (!snapshot) return;
      const { line, bare } = encodeFitting(snapshot, PARTIAL_BUDGET, "partial");
      // Too large with its graph: the last one that fit stands (the graph only grows).
      if (bare) {
        this.off = true;
        return;
      }
      const op = this.recorder.lastOpRange;
      if (op) this.progress({ what: "op", range: op });
      this.sentOp = op;
      this.sentBytes += line.length;
      if (!this.write(line) || this.sentBytes > TOTAL_BUDGET_BYTES) this.off = true;
      this.sentChanges = changes;
    } finally {
      this.busy = false;
      this.lastEnd = performance.now();
      this.lastCost = this.lastEnd - now;
    }
  }

  /** The run is over: no more checkpoints (the result follows). */
  stop(): void {
    this.off = true;
  }
}

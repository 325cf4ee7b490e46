// The Landscape's Web Worker (landscape-worker.ts, the engine's replay): one at a time, restarted
// after a cancel, requests answered in order, each with a watchdog.
import type { ProgramInfo } from "../shared/protocol";
import { fmt } from "./landscape-math";
import type { LandscapeRequest, LandscapeResponse } from "./landscape-worker";

declare const __LANDSCAPE_WORKER_SOURCE__: string | undefined;

export class Cancelled extends Error {}
/** The program cannot give f over these inputs (replay's landscapeProblem, reported by the worker). */
export class CannotDraw extends Error {}

/** The worker: one at a time, restarted after a cancel; requests answered in order. */
export class Evaluator {
  private worker: Worker | null = null;
  private url: string | null = null;
  private program: ProgramInfo | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { kind: string; resolve(r: LandscapeResponse): void; reject(e: Error): void; progress?: (done: number, count: number) => void; timer?: ReturnType<typeof setTimeout> }>();

  setProgram(p: ProgramInfo): void {
    this.program = p;
    if (this.worker) this.send({ id: 0, kind: "program", program: p });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const source = typeof __LANDSCAPE_WORKER_SOURCE__ === "string" ? __LANDSCAPE_WORKER_SOURCE__ : undefined;
    if (!source || typeof Worker !== "function") throw new Error("Web Workers are not available here");
    this.url ??= URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const w = new Worker(this.url);
    w.onmessage = (e: MessageEvent<LandscapeResponse>) => this.onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(e.message || "the worker failed"));
    };
    this.worker = w;
    if (this.program) this.send({ id: 0, kind: "program", program: this.program });
    return w;
  }

  private send(req: LandscapeRequest): void {
    this.worker?.postMessage(req);
  }

  private onMessage(r: LandscapeResponse): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.kind === "progress") {
      p.progress?.(r.done, r.count);
      return;
    }
    this.pending.delete(r.id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(r);
  }

  /** Sends a request; rejects with Cancelled when cancelled, or when no answer comes within watchdogMs. */
  request(req: DistributiveOmit<LandscapeRequest, "id">, opts: { watchdogMs: number; progress?: (done: number, count: number) => void }): Promise<LandscapeResponse> {
    const w = this.ensure();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(new Cancelled(`no answer within ${fmt(opts.watchdogMs / 1000, 3)} s`));
      }, opts.watchdogMs);
      this.pending.set(id, { kind: req.kind, resolve, reject, progress: opts.progress, timer });
      w.postMessage({ ...req, id } as LandscapeRequest);
    });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** A grid (the long kind of request) is being evaluated or waits. */
  get gridPending(): boolean {
    return [...this.pending.values()].some((p) => p.kind === "grid");
  }

  /** Terminates the worker and rejects whatever was waiting (a new worker starts on the next request). */
  stop(reason: Error): void {
    this.worker?.terminate();
    this.worker = null;
    this.fail(reason);
  }

  private fail(reason: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(reason);
    }
  }
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;


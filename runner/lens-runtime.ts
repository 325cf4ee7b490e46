// The host side of the snippet's runtime inside the sandbox child: answers the context's bridge
// (context-bootstrap.ts), owns the timers, enforces the clock and memory limits behind `__lens.tick`,
// tells when a snippet is finished, sends progress messages for the parent, and makes the context.
import * as util from "node:util";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import type { RunError, RunLimits, SourceRange } from "../shared/protocol";
import { contextBootstrap } from "./context-bootstrap";
import { GUARDED_CONSTRUCTORS, RUNNER_ONLY, type ContextInternal, type HostBridge } from "./context-contract";
import { contextConsole } from "./context-console";
import { contextText } from "./context-text";
import { contextTimers } from "./context-timers";
import { contextCalls } from "./context-calls";
import { heapMessage, timeoutMessage, type ChildMessage, type ConsoleLevel, type ProgressInfo } from "./messages";
import type { Recorder } from "./recorder";

export { ENGINE_GLOBALS, GUARDED_CONSTRUCTORS } from "./context-contract";

// ---- the host side --------------------------------------------------------------------------------------

interface HostTimer {
  /** Undefined until the microtask that makes Node's timer ran. */
  handle: ReturnType<typeof setTimeout> | undefined;
  repeat: boolean;
  refed: boolean;
}

export interface RuntimeHooks {
  /** Send a message to the parent (progress). */
  send(message: ChildMessage): void;
  /** A timer callback ran (the run may be finished now). */
  afterTimer(): void;
  uncaught(error: unknown): void;
  settled(ok: boolean, error: unknown): void;
  /** Full garbage collection, when available (child runs with --expose-gc). */
  gc?: () => void;
  /** A chance to send a checkpoint of the graph (runner/checkpoints.ts); `urgent` before a timer callback. */
  checkpoint?: (urgent: boolean) => void;
}

/** Per-run state the host side needs. */
export interface RunSetup {
  recorder: Recorder;
  limits: RunLimits;
  loops: readonly SourceRange[];
  locate(stack: string | undefined): SourceRange | undefined;
  userStack(stack: string | undefined): string;
}

const PROGRESS_EVERY_MS = 100;
/** A place seen longer ago than this may be behind the snippet ("last seen" in messages). */
const WHERE_FRESH_MS = 250;
/** Aim for a clock check every ~2 ms of loop work: double the stride while checks come faster. */
const FAST_CHECK_MS = 1;
const SLOW_CHECK_MS = 8;
const MAX_STRIDE = 1 << 16;

/** The host side of one context: answers the bridge, owns the timers, enforces the limits. */
export class LensRuntime implements HostBridge {
  private run: RunSetup | null = null;
  private internal: ContextInternal | null = null;
  private readonly timers = new Map<number, HostTimer>();
  private deadline = Number.POSITIVE_INFINITY;
  private stride = 1;
  private lastCheck = 0;
  private lastProgress = 0;
  private lastGc = 0;
  private fatalError: (RunError & { name: string }) | null = null;
  private token = "__lens_token__";
  private stopped = false;
  /** Last place reported (loop or timer), for messages. */
  private where: ProgressInfo | undefined;
  private whereAt = 0;

  constructor(private readonly hooks: RuntimeHooks) {}

  attach(internal: ContextInternal): void {
    this.internal = internal;
  }

  /** Start a run: the clock starts now. */
  begin(run: RunSetup): void {
    this.run = run;
    this.stopped = false;
    this.fatalError = null;
    this.stride = 1;
    const now = performance.now();
    this.deadline = now + run.limits.timeoutMs;
    this.lastCheck = now;
    this.lastProgress = now;
    this.token = `__lens_${Math.random().toString(36).slice(2, 10)}_`;
    this.internal?.configure(JSON.stringify({ limitBytes: run.limits.memoryMb * 2 ** 20, token: this.token }));
  }

  /** The condition that stopped the run (timeout, memory), if any. */
  get failure(): RunError | null {
    if (!this.fatalError) return null;
    const { name: _name, ...error } = this.fatalError;
    return error;
  }

  /** Where the snippet was last seen (loop or timer), if anywhere. */
  get lastWhere(): ProgressInfo | undefined {
    if (!this.where) return undefined;
    return performance.now() - this.whereAt > WHERE_FRESH_MS ? { ...this.where, stale: true } : this.where;
  }

  /** Number of timers that keep the snippet alive (refed, not yet fired or cleared). */
  get pendingTimers(): number {
    let n = 0;
    for (const t of this.timers.values()) if (t.refed) n++;
    return n;
  }

  /** Called when the deadline passes while the snippet waits on timers: record the timeout. */
  timeOut(): void {
    if (this.fatalError || !this.run) return;
    let blame: number | undefined;
    let what: ProgressInfo["what"] = "code";
    for (const [id, t] of this.timers) {
      if (!t.refed) continue;
      if (t.repeat) {
        blame = id;
        what = "interval";
        break;
      }
      blame = id;
      what = "timeout";
    }
    const where: ProgressInfo =
      blame !== undefined ? { what, range: this.run.locate(this.internal?.timerStack(blame)) } : (this.lastWhere ?? { what: "code" });
    this.fatalError = { kind: "timeout", name: "TimeoutError", message: timeoutMessage(this.run.limits.timeoutMs, where), range: where.range };
  }

  /** Stop everything: no more timer callbacks, no more checks succeed. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) if (t.handle) clearTimeout(t.handle);
    this.timers.clear();
    this.internal?.clearTimers();
  }

  // ---- HostBridge -----------------------------------------------------------------------------------------

  console(level: ConsoleLevel, args: readonly unknown[], specials: ReadonlyArray<readonly [string, string]>, indent: number, stack: string): void {
    const run = this.run;
    if (!run) return;
    try {
      const rendered = Array.from(specials, ([kind, text]) => (kind === "tensor" ? text : run.userStack(text) || text));
      const token = this.token;
      const whole = new RegExp(`^${token}(\\d+)__$`);
      const top = Array.from(args, (a) => {
        const m = typeof a === "string" ? whole.exec(a) : null;
        return m ? rendered[Number(m[1])] : a;
      });
      let text = util.formatWithOptions({ customInspect: false, colors: false }, ...top);
      if (rendered.length > 0) {
        text = text.replace(new RegExp(`(['"\`])${token}(\\d+)__\\1`, "g"), (_m, _q, i: string) => rendered[Number(i)] ?? "");
      }
      if (indent > 0) {
        const pad = "  ".repeat(indent);
        text = text
          .split("\n")
          .map((l) => pad + l)
          .join("\n");
      }
      run.recorder.console(level, text, stack);
    } catch (e) {
      run.recorder.console(level, `[Autograd Lens could not format this console output: ${String(e)}]`, stack);
    }
  }

  bind(value: unknown, name: string, line: number, column: number): void {
    try {
      this.run?.recorder.bind(value, name, line, column);
    } catch {
      // Naming is a nicety; a recorder hiccup must not change what the snippet does.
    }
  }

  bindPattern(value: unknown, pattern: unknown, line: number, column: number): void {
    try {
      this.run?.recorder.bindPattern(value, pattern, line, column);
    } catch {
      // As in bind.
    }
  }

  /** `loop` is the loop's index, or -1 for a microtask (queued where `stack` says, when known). */
  check(loop: number, stack?: string): number {
    const run = this.run;
    if (!run || this.stopped) return -1;
    if (this.fatalError) return -1;
    const now = performance.now();
    const where: ProgressInfo =
      loop >= 0 ? { what: "loop", range: run.loops[loop] } : { what: "code", range: (stack ? run.locate(stack) : undefined) ?? this.where?.range };
    this.where = where;
    this.whereAt = now;
    if (now >= this.deadline) {
      this.fatalError = { kind: "timeout", name: "TimeoutError", message: timeoutMessage(run.limits.timeoutMs, where), range: where.range };
      return -1;
    }
    const used = this.memoryUsedMb(now);
    if (used > run.limits.memoryMb) {
      this.fatalError = { kind: "memory", name: "MemoryError", message: heapMessage(used, run.limits.memoryMb, where), range: where.range };
      return -1;
    }
    this.hooks.checkpoint?.(false);
    if (now - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.lastProgress = now;
      this.hooks.send({ type: "progress", ...where });
    }
    const dt = now - this.lastCheck;
    this.lastCheck = now;
    if (dt < FAST_CHECK_MS) this.stride = Math.min(MAX_STRIDE, this.stride * 2);
    else if (dt > SLOW_CHECK_MS) this.stride = Math.max(1, this.stride >> 2);
    return this.stride;
  }

  /** Heap plus array buffers, in MB; a full GC first when over the limit (garbage is not usage). */
  private memoryUsedMb(now: number): number {
    const stats = (): number => {
      const h = v8.getHeapStatistics();
      return (h.used_heap_size + h.external_memory) / 2 ** 20;
    };
    let used = stats();
    const limit = this.run?.limits.memoryMb ?? Number.POSITIVE_INFINITY;
    if (used > limit && this.hooks.gc && now - this.lastGc > 200) {
      this.hooks.gc();
      this.lastGc = performance.now();
      used = stats();
    }
    return used;
  }

  fatal(): string {
    const f = this.fatalError ?? { name: "Error", kind: "internal", message: "The run was stopped." };
    return JSON.stringify({ name: f.name, message: f.message, kind: f.kind });
  }

  schedule(id: number, ms: number, repeat: boolean): void {
    if (this.stopped) return;
    const prev = this.timers.get(id);
    if (prev?.handle) clearTimeout(prev.handle);
    const timer: HostTimer = { handle: undefined, repeat, refed: prev?.refed ?? true };
    this.timers.set(id, timer);
    // Node's timer is made from a microtask, on a short stack: called at the edge of the snippet's
    // stack (deep recursion), Node's timer list could be left half-updated and the timer never fire.
    void Promise.resolve().then(() => {
      if (this.stopped || this.timers.get(id) !== timer) return;
      timer.handle = repeat
        ? setInterval(() => this.fire(id), ms)
        : setTimeout(() => {
            this.timers.delete(id);
            this.fire(id);
          }, ms);
    });
  }

  cancel(id: number): void {
    const t = this.timers.get(id);
    if (!t) return;
    if (t.handle) clearTimeout(t.handle);
    this.timers.delete(id);
  }

  ref(id: number, on: boolean): void {
    const t = this.timers.get(id);
    if (t) t.refed = on;
  }

  uncaught(error: unknown): void {
    this.hooks.uncaught(error);
  }

  settled(ok: boolean, error: unknown): void {
    this.hooks.settled(ok, error);
  }

  now(): number {
    return performance.now();
  }

  private fire(id: number): void {
    if (this.stopped || this.fatalError || !this.internal) return;
    const run = this.run;
    if (run) {
      const repeat = this.timers.get(id)?.repeat ?? false;
      this.where = { what: repeat ? "interval" : "timeout", range: run.locate(this.internal.timerStack(id)) };
      const now = performance.now();
      this.whereAt = now;
      if (now - this.lastProgress >= PROGRESS_EVERY_MS) {
        this.lastProgress = now;
        this.hooks.send({ type: "progress", ...this.where });
      }
    }
    // The callback may never give control back: what was recorded so far goes to the parent first.
    this.hooks.checkpoint?.(true);
    this.internal.fire(id);
    this.hooks.afterTimer();
  }
}

/** The context: the bootstrap evaluated in it, the host runtime attached. */
export function createLensContext(runtime: LensRuntime): { context: vm.Context; internal: ContextInternal } {
  // The contextified object has no prototype: property lookups on the context's global that it does
  // not answer fall through to it, and `globalThis.constructor` must not find the host's Object there.
  const sandbox = Object.create(null) as object;
  const context = vm.createContext(sandbox, { name: "autograd-lens snippet", codeGeneration: { strings: true, wasm: true } });
  const inContext = <F>(f: F & { toString(): string }, name: string): F =>
    vm.runInContext(`(${f.toString()})`, context, { filename: `autograd-lens:${name}` }) as F;
  const boot = inContext(contextBootstrap, "runtime");
  const internal = boot(runtime, GUARDED_CONSTRUCTORS, RUNNER_ONLY, inContext(contextConsole, "console"), inContext(contextText, "text"), inContext(contextTimers, "timers"), inContext(contextCalls, "calls"));
  runtime.attach(internal);
  return { context, internal };
}

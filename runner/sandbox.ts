// The parent side of the sandbox (pure Node, no vscode): runs a snippet in a fresh child process
// (dist/runner-child.js) and resolves with its GraphSnapshot. One spare child is kept booted ("warm":
// engine compiled and loaded, transpiler warmed) so a run only pays for the snippet itself; each child
// serves one run and is then discarded, so no state leaks between runs.
//
// run() never rejects and never hangs: the child enforces the time and memory limits itself and
// reports the graph recorded so far; if it does not answer within timeoutMs + a grace period it is
// killed (SIGKILL), and if it dies (out of memory, a V8 fatal error, a signal) the parent makes the
// snapshot from the child's last checkpoint (runner/checkpoints.ts: the graph as recorded until
// then), with the last position the child reported.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { SNAPSHOT_VERSION, type GraphSnapshot, type RunError, type RunLimits } from "../shared/protocol";
import { MessageReader, readPartial, type ChannelEvent } from "./channel";
import { SPARE_ARG, childLaunch } from "./child-launch";
import { checkpointNote, crashMessage, diedMessage, timeoutMessage, type ChildMessage, type ProgressInfo, type RunMessage } from "./messages";

export interface RunRequest {
  source: string;
  language: "typescript" | "javascript";
  fileName: string;
  /**
   * Run only this part of the text (a selection); positions still refer to the whole file. 1-based,
   * inclusive. Lines outside become blank (so positions stay exact), except import declarations and
   * `require("autograd-lens")` lines, which the selected code needs.
   */
  selection?: { startLine: number; endLine: number };
  limits?: Partial<RunLimits>;
}

export interface SnippetRunnerOptions {
  /** Where runner-child.js and engine.js live; default: this file's folder if it is dist/, else ../dist. */
  distDir?: string;
  /** Keep a spare child booted for the next run (default true; runSnippet turns it off). */
  keepWarm?: boolean;
}

/** For the host side (bench, CLI): the snapshot as it travels, what a message costs the parent. */
export { encodeSnapshot } from "../shared/snapshot-codec";
export { messageCost } from "./message-cost";
export { MAX_MESSAGE_BYTES, MAX_MESSAGE_COST } from "./channel";

export const DEFAULT_LIMITS: RunLimits = Object.freeze({
  timeoutMs: 5000,
  nodeCap: 20_000,
  valueCap: 1000,
  stepCap: 30_000,
  memoryMb: 1024,
});

/** After timeoutMs the child has this long to report before it is killed. */
export const KILL_GRACE_MS = 1500;
/** A progress report older than this no longer says where the child is. */
const PROGRESS_FRESH_MS = 1000;
/** Once the child says the snippet is over, building and sending the snapshot may take this long. */
const SNAPSHOT_GRACE_MS = 10_000;
/** Boot (fork + engine + transpiler) must not take longer than this. */
const BOOT_TIMEOUT_MS = 20_000;
/** V8's heap limit is the snippet's limit plus this headroom, so the child's own memory check (at the
 * limit) fires first and the child still has room to build the snapshot. */
const HEAP_HEADROOM_MB = 256;
const STDERR_TAIL_CHARS = 8192;

function defaultDistDir(): string {
  return path.basename(__dirname) === "dist" ? __dirname : path.resolve(__dirname, "..", "dist");
}

function positive(v: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.min(v, max) : fallback;
}

/** The request's limits, completed with the defaults and sanitized. */
export function resolveLimits(limits: Partial<RunLimits> | undefined): RunLimits {
  const l = limits ?? {};
  return {
    timeoutMs: positive(l.timeoutMs, DEFAULT_LIMITS.timeoutMs, 3_600_000),
    nodeCap: Math.floor(positive(l.nodeCap, DEFAULT_LIMITS.nodeCap)),
    valueCap: Math.floor(positive(l.valueCap, DEFAULT_LIMITS.valueCap)),
    stepCap: Math.floor(positive(l.stepCap, DEFAULT_LIMITS.stepCap)),
    memoryMb: Math.floor(positive(l.memoryMb, DEFAULT_LIMITS.memoryMb, 1 << 20)),
  };
}

const IMPORT_START = /^\s*import(?:\s+type)?[\s{*]/;
// Linear on any line: no two adjacent quantifiers can share characters (`\s*;?\s*` could, and took
// seconds on a line ending in 80,000 spaces and a letter).
const IMPORT_COMPLETE = /(?:\bfrom\s*|^\s*import\s*)["'][^"']*["'](?:\s*;)?\s*(?:\/\/.*)?$/;
const ENGINE_REQUIRE = /^\s*(?:const|let|var)\b.*=\s*require\(\s*["']autograd-lens["']\s*\)/;

/**
 * Blank the lines outside a selection, keeping line and column positions exact. Import declarations
 * (also multi-line ones) and `const ... = require("autograd-lens")` lines are kept: the selected code
 * needs `torch`.
 */
export function applySelection(source: string, selection: { startLine: number; endLine: number }): string {
  const parts = source.split(/(\r\n|\r|\n)/); // [line, separator, line, ...]
  const start = Math.max(1, Math.floor(selection.startLine));
  const end = Math.max(start, Math.floor(selection.endLine));
  let inImport = false;
  for (let i = 0; i < parts.length; i += 2) {
    const line = i / 2 + 1;
    const text = parts[i]!;
    if (line >= start && line <= end) {
      inImport = false;
      continue;
    }
    if (inImport) {
      if (IMPORT_COMPLETE.test(text) || /\bfrom\s*["']/.test(text)) inImport = false;
      continue;
    }
    if (IMPORT_START.test(text) && !/^\s*import\s*\(/.test(text)) {
      if (!IMPORT_COMPLETE.test(text)) inImport = true;
      continue;
    }
    if (ENGINE_REQUIRE.test(text)) continue;
    parts[i] = "";
  }
  return parts.join("");
}

/** A snapshot made by the parent when the child could not make one. */
export function emptySnapshot(req: { fileName: string; language: GraphSnapshot["language"] }, limits: RunLimits, durationMs: number, error: RunError): GraphSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    file: req.fileName,
    language: req.language,
    tracedAt: new Date().toISOString(),
    durationMs,
    limits,
    console: [],
    warnings: [],
    tensors: [],
    nodes: [],
    edges: [],
    backward: [],
    nodesTruncated: false,
    error,
  };
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** One forked child: boots, serves one run, exits. */
class ChildHandle {
  readonly proc: ChildProcess;
  readonly ready: Promise<boolean>;
  readonly closed: Promise<ExitInfo>;
  bootMs: number | undefined;
  killedByUs = false;
  alive = true;
  private readonly group: boolean;
  private stderr = "";
  private listener: ((m: ChildMessage | { invalid: string }) => void) | null = null;
  private onReady: ((bootMs: number) => void) | undefined;
  /** Why the channel was closed on this child (an invalid or oversized message), if it was. */
  invalid: string | undefined;
  private readonly reader: MessageReader;

  constructor(
    readonly childPath: string,
    readonly memoryMb: number,
    /** A spare: it has time before its run to warm up what every run uses (runner/child-warmup.ts). */
    spare: boolean,
  ) {
    // No NODE_OPTIONS (the host's inspector, loaders, heap size are not the child's) and nothing else
    // of the host's environment either; Node's permission model; its own process group.
    const launch = childLaunch(childPath, memoryMb + HEAP_HEADROOM_MB);
    // No Node IPC: the run request goes in on stdin, messages come back on fd 3 (runner/channel.ts),
    // where the parent counts the bytes before it parses anything.
    this.proc = spawn(process.execPath, [...launch.execArgv, childPath, ...(spare ? [SPARE_ARG] : [])], {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      env: launch.env,
      detached: launch.detached,
      windowsHide: true,
    });
    this.group = launch.detached;
    this.proc.stdout?.resume(); // nobody reads the child's stdout; keep the pipe drained
    this.proc.stdin?.on("error", () => undefined); // a child that died: 'close' says so
    this.proc.stderr?.setEncoding("utf8");
    this.proc.stderr?.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const channel = this.proc.stdio[3] as Readable | null | undefined;
    const reader = new MessageReader((e) => this.onChannel(e));
    this.reader = reader;
    channel?.on("data", (chunk: Buffer) => reader.push(chunk));
    channel?.on("error", () => undefined);
    this.closed = new Promise<ExitInfo>((resolve) => {
      let done = false;
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        this.alive = false;
        resolve({ code, signal, stderr: this.stderr });
      };
      this.proc.on("close", end);
      this.proc.on("error", (err) => {
        this.stderr += `\n${err.message}`;
        // 'close' may never come when the process could not be spawned.
        if (this.proc.pid === undefined) end(null, null);
      });
    });
    this.ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), BOOT_TIMEOUT_MS);
      this.onReady = (bootMs) => {
        this.bootMs = bootMs;
        clearTimeout(timer);
        resolve(true);
      };
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    // An unused spare must not keep the host's event loop alive.
    this.unref();
  }

  private onChannel(e: ChannelEvent): void {
    if ("invalid" in e) {
      // Nothing more from this child is believed; the run ends with the reason.
      this.invalid = e.invalid;
      this.listener?.({ invalid: e.invalid });
      this.kill();
      return;
    }
    const m = e.message;
    if (m.type === "ready") this.onReady?.(m.bootMs);
    else this.listener?.(m);
  }

  onMessage(listener: ((m: ChildMessage | { invalid: string }) => void) | null): void {
    this.listener = listener;
  }

  send(message: RunMessage): boolean {
    try {
      this.proc.stdin?.end(`${JSON.stringify(message)}\n`);
      return true;
    } catch {
      return false;
    }
  }

  /** Keep the host's event loop alive for this child (while it runs a snippet) or not (a spare). */
  ref(): void {
    this.setRef(true);
  }

  unref(): void {
    this.setRef(false);
  }

  private setRef(on: boolean): void {
    type Refable = { ref?: () => void; unref?: () => void } | null | undefined;
    // The process and its pipes (net.Sockets) each hold the loop.
    for (const h of [this.proc, this.proc.stdin, this.proc.stdout, this.proc.stderr, this.proc.stdio[3]] as Refable[]) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  kill(): void {
    if (!this.alive) return;
    this.killedByUs = true;
    try {
      // The whole group: anything the child might have started goes with it.
      if (this.group && this.proc.pid !== undefined) process.kill(-this.proc.pid, "SIGKILL");
      else this.proc.kill("SIGKILL");
    } catch {
      try {
        this.proc.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  /** The child's last checkpoint (bytes, not parsed yet), handed over once. */
  takePartial(): Buffer | undefined {
    const p = this.reader.partial;
    this.reader.partial = undefined;
    return p;
  }

  stderrTail(): string {
    return this.stderr;
  }
}

function looksLikeOom(exit: ExitInfo): boolean {
  return /heap out of memory|Allocation failed|Reached heap limit|out of memory|OOM/i.test(exit.stderr);
}

/** How a child died that did not say why: a V8 fatal error's own line, else the signal or exit code. */
function howItDied(exit: ExitInfo): string {
  const fatal = [...exit.stderr.matchAll(/^#?\s*(Fatal (?:JavaScript )?[^\n]{0,200}|FATAL ERROR:[^\n]{0,200})$/gim)].map((m) => m[1]!.trim());
  const last = fatal.filter((l) => !/^Fatal error in /i.test(l)).pop() ?? fatal.pop();
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  if (last) return `a V8 fatal error, ${how}: ${last}`;
  if (exit.signal === "SIGKILL") return "killed by SIGKILL: the system ran out of memory, or something outside stopped it";
  return how;
}

/** Runs snippets one at a time, each in a fresh child process; keeps one spare child warm. */
export class SnippetRunner {
  private readonly childPath: string;
  private readonly keepWarm: boolean;
  private spare: ChildHandle | null = null;
  private readonly live = new Set<ChildHandle>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private lastMemoryMb = DEFAULT_LIMITS.memoryMb;
  /** Runs queued behind the one in progress. */
  private waiting = 0;
  /** Boot time (ms) of the child that served the last run, as it measured it. */
  lastBootMs: number | undefined;

  constructor(options: SnippetRunnerOptions = {}) {
    this.childPath = path.join(options.distDir ?? defaultDistDir(), "runner-child.js");
    this.keepWarm = options.keepWarm ?? true;
    if (this.keepWarm && fs.existsSync(this.childPath)) this.spare = this.spawn(this.lastMemoryMb, true);
  }

  /** Child processes of this runner that have not exited yet (the spare included). */
  get childCount(): number {
    return this.live.size;
  }

  /** Pids of those processes. */
  get childPids(): number[] {
    return [...this.live].map((c) => c.proc.pid).filter((p): p is number => p !== undefined);
  }

  run(req: RunRequest): Promise<GraphSnapshot> {
    this.waiting++;
    const result = this.queue.then(() => {
      this.waiting--;
      return this.runNow(req);
    });
    this.queue = result.catch(() => undefined);
    return result.catch((e: unknown) =>
      emptySnapshot(req, resolveLimits(req.limits), 0, {
        kind: "internal",
        message: `Autograd Lens could not run the snippet: ${e instanceof Error ? e.message : String(e)}`,
      }),
    );
  }

  dispose(): void {
    this.disposed = true;
    this.spare = null;
    for (const c of this.live) c.kill();
  }

  /** A child process; `spare` when it will wait for a later run (it warms up first). */
  private spawn(memoryMb: number, spare: boolean): ChildHandle {
    const child = new ChildHandle(this.childPath, memoryMb, spare);
    this.live.add(child);
    void child.closed.then(() => this.live.delete(child));
    return child;
  }

  /** A booted child for this memory limit: the spare when it fits, else a fresh one. */
  private async takeChild(memoryMb: number): Promise<ChildHandle | { failure: string }> {
    let failure = "";
    for (let attempt = 0; attempt < 2; attempt++) {
      let child = this.spare;
      this.spare = null;
      if (!child || !child.alive || child.memoryMb !== memoryMb) {
        child?.kill();
        child = this.spawn(memoryMb, false);
      }
      if (await child.ready) return child;
      child.kill();
      const exit = await Promise.race([child.closed, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      failure = exit ? exit.stderr.trim() : child.stderrTail().trim();
      if (this.disposed) break;
    }
    return { failure };
  }

  private async runNow(req: RunRequest): Promise<GraphSnapshot> {
    const limits = resolveLimits(req.limits);
    const t0 = Date.now();
    const fail = (kind: RunError["kind"], message: string, range?: RunError["range"]) =>
      emptySnapshot(req, limits, Date.now() - t0, range ? { kind, message, range } : { kind, message });
    if (this.disposed) return fail("internal", "The snippet runner was disposed.");
    if (!fs.existsSync(this.childPath)) {
      return fail("internal", `The sandbox is not built: ${this.childPath} is missing (run npm run build).`);
    }
    const source = req.selection ? applySelection(req.source, req.selection) : req.source;

    const taken = await this.takeChild(limits.memoryMb);
    if ("failure" in taken) {
      return fail("internal", `Could not start the sandbox process.${taken.failure ? `\n${taken.failure.slice(-2000)}` : ""}`);
    }
    const child = taken;
    this.lastMemoryMb = limits.memoryMb;
    this.lastBootMs = child.bootMs;
    // Another run is already waiting for this one: its child boots now, not after (see bootSpare),
    // unless one is booting already (bootSpare's, from the run before, while this one's child booted).
    if (this.keepWarm && this.waiting > 0 && !this.disposed && !this.spare) this.spare = this.spawn(limits.memoryMb, true);
    if (this.disposed) {
      child.kill();
      return fail("internal", "The snippet runner was disposed.");
    }

    /** A failure of a child that died or was stopped: its last checkpoint's graph, if it sent one, with this error. */
    const failKeeping = (kind: RunError["kind"], message: string, range?: RunError["range"], stack?: string): GraphSnapshot => {
      const bytes = child.takePartial();
      const kept = bytes ? readPartial(bytes) : undefined;
      if (!kept || !("snapshot" in kept)) {
        const why = kept ? `${message} (Its last checkpoint of the graph could not be used: ${kept.invalid.slice(0, 300)}.)` : message;
        const error: RunError = { kind, message: why };
        if (range) error.range = range;
        if (stack) error.stack = stack;
        return { ...fail(kind, why), error };
      }
      const error: RunError = { kind, message: message + checkpointNote(kept.snapshot.durationMs) };
      if (range) error.range = range;
      if (stack) error.stack = stack;
      return { ...kept.snapshot, limits, durationMs: Date.now() - t0, error };
    };

    child.ref();
    let lastProgress: ProgressInfo | undefined;
    let progressAt = 0;
    /** Where the child last said it was; marked stale when that was a while ago (it may have moved on). */
    const recent = (): ProgressInfo | undefined =>
      lastProgress && Date.now() - progressAt > PROGRESS_FRESH_MS ? { ...lastProgress, stale: true } : lastProgress;
    let settle!: (s: GraphSnapshot) => void;
    const outcome = new Promise<GraphSnapshot>((resolve) => (settle = resolve));
    let done = false;
    const finish = (s: GraphSnapshot) => {
      if (done) return;
      done = true;
      settle(s);
    };

    const onDeadline = () => {
      if (done) return;
      child.kill();
      if (finishing) {
        finish(failKeeping("internal", "The snippet finished, but building its graph took too long; lower the node cap (--node-cap, autogradLens.nodeCap) or the value cap (--value-cap)."));
        return;
      }
      const where = recent() ?? { what: "code" as const };
      finish(failKeeping("timeout", timeoutMessage(limits.timeoutMs, where, true), where.range));
    };
    let finishing = false;
    let deadline = setTimeout(onDeadline, limits.timeoutMs + KILL_GRACE_MS);
    child.onMessage((m) => {
      if ("invalid" in m) {
        // With the last checkpoint (runner/channel.ts lets it go once a result begins).
        finish(failKeeping("internal", `The run sent an invalid result (${m.invalid}); it was stopped.`));
        return;
      }
      if (m.type === "progress") {
        lastProgress = { what: m.what, range: m.range };
        progressAt = Date.now();
      }
      else if (m.type === "result") finish(Object.assign(m.snapshot, { limits })); // the parent's, whatever the child says
      else if (m.type === "finishing" && !finishing) {
        // The snippet is over (the child stopped it in time); give the snapshot time to be built.
        finishing = true;
        clearTimeout(deadline);
        deadline = setTimeout(onDeadline, SNAPSHOT_GRACE_MS);
      }
    });
    void child.closed.then((exit) => {
      if (done) return;
      if (child.invalid) {
        finish(failKeeping("internal", `The run sent an invalid result (${child.invalid}); it was stopped.`));
      } else if (child.killedByUs && this.disposed) {
        finish(fail("internal", "The snippet runner was disposed."));
      } else if (looksLikeOom(exit)) {
        const where = recent();
        finish(failKeeping("memory", crashMessage(limits.memoryMb, where), where?.range));
      } else {
        // The native stack of a V8 fatal error goes to the stack, not the message.
        const tail = exit.stderr.trim().slice(-2000);
        const where = recent();
        finish(failKeeping("internal", diedMessage(howItDied(exit), where), where?.range, tail || undefined));
      }
    });

    const message: RunMessage = { type: "run", source, language: req.language, fileName: req.fileName, limits };
    child.send(message); // if this fails, 'close' or the deadline reports what happened
    const snapshot = await outcome;
    clearTimeout(deadline);
    child.onMessage(null);
    child.kill(); // it served its one run and exits by itself; this makes sure
    this.bootSpare(limits.memoryMb);
    return snapshot;
  }

  /**
   * Boot the next spare once a run is over, after the caller has its snapshot: while a snippet runs it
   * has the cores to itself (a booting child competed with it and with the parent reading its result),
   * and forking is not on the way from the run request to the child.
   */
  private bootSpare(memoryMb: number): void {
    if (!this.keepWarm) return;
    setImmediate(() => {
      if (this.disposed || this.spare) return;
      this.spare = this.spawn(memoryMb, true);
    });
  }
}

/** One-shot convenience: a runner without a spare, disposed after the run. */
export async function runSnippet(req: RunRequest, options: Omit<SnippetRunnerOptions, "keepWarm"> = {}): Promise<GraphSnapshot> {
  const runner = new SnippetRunner({ ...options, keepWarm: false });
  try {
    return await runner.run(req);
  } finally {
    runner.dispose();
  }
}

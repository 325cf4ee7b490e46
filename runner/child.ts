// The sandbox child process (bundled as dist/runner-child.js, forked by runner/sandbox.ts). It boots
// "warm": reads dist/engine.js, compiles it once and evaluates it inside a fresh vm context whose
// globals are only the runtime's (lens-runtime.ts), and warms the transpiler. Then it waits for ONE
// run request on stdin, runs the snippet in that context with a Recorder attached, sends checkpoints
// of the graph while it runs (runner/checkpoints.ts) and the GraphSnapshot at the end (fd 3,
// runner/child-out.ts), and exits: every run gets a fresh process, so nothing leaks between runs.
//
// A run is finished when its top-level promise settled and no timer is pending. It fails early on an
// error thrown by the snippet (also from a timer callback or an unhandled rejection), on the timeout
// (loops through __lens.tick, async code through the runtime's deadline) and on the memory limit.
import * as fs from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import type { GraphSnapshot, RunError, RunErrorKind } from "../shared/protocol";
import { Recorder, type EngineModule } from "./recorder";
import { prepareScript, verifyPrepared } from "./transpile";
import { Checkpoints } from "./checkpoints";
import { writeLine } from "./child-out";
import { encodeResultLine } from "./child-result";
import { WARMUP_LIMITS, warmUp } from "./child-warmup";
import { SPARE_ARG } from "./child-launch";
import type { EngineHooks } from "./context-contract";
import { ENGINE_GLOBALS, GUARDED_CONSTRUCTORS, LensRuntime, createLensContext } from "./lens-runtime";
import { timeoutMessage, type ChildMessage, type RunMessage } from "./messages";
import { SyncEndWatch } from "./sync-end";

const bootStart = performance.now();
// Host-realm stacks (the recorder's `new Error().stack` inside engine callbacks) must reach past the
// engine's frames to the user's line.
Error.stackTraceLimit = 60;

/** Extra time for the synchronous part of the script before vm's own watchdog stops it (a backstop for
 * long loop-free code; loops stop through __lens.tick at the limit itself). */
const SYNC_WATCHDOG_GRACE_MS = 300;
/** With nothing pending and the top-level promise still open, wait this long before calling it stuck. */
const STALL_MS = 50;

/** Messages to the parent: one JSON line each on fd 3 (runner/channel.ts reads them), written at once. */
function send(message: ChildMessage): void {
  let line: string;
  try {
    line = `${JSON.stringify(message)}\n`;
  } catch (e) {
    process.stderr.write(`autograd-lens child: could not encode ${message.type}: ${String(e)}\n`);
    return;
  }
  // The parent is gone: nobody wants the result.
  if (!writeLine(line)) process.exit(0);
}

// ---- boot -------------------------------------------------------------------------------------------------

interface RunState {
  msg: RunMessage;
  recorder: Recorder;
  checkpoints: Checkpoints;
  start: number;
  topSettled: boolean;
  /** No code of the snippet is left to run once its top-level promise settles (runner/sync-end.ts). */
  overWhenSettled: boolean;
  finished: boolean;
  deadline?: ReturnType<typeof setTimeout>;
  stallTimer?: ReturnType<typeof setTimeout>;
}

let current: RunState | null = null;

/** A full GC for the memory check (garbage is not usage). Taken from a throwaway context made while
 * --expose-gc was on, so that the snippet's context (made after) has no `gc` global. */
function obtainGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    v8.setFlagsFromString("--no-expose-gc");
    return typeof gc === "function" ? () => void (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}

const fullGc = obtainGc();
const runtime = new LensRuntime({
  send: (m) => send(m),
  afterTimer: () => setImmediate(checkDone),
  uncaught: (e) => finish({ thrown: e }),
  checkpoint: (urgent) => current?.checkpoints.maybe(urgent),
  settled: (ok, e) => {
    if (!current) return;
    current.topSettled = true;
    if (!ok) finish({ thrown: e });
    // In this microtask: nothing of the snippet can run before the result is sent (sync-end.ts).
    else if (current.overWhenSettled) checkDone();
    else setImmediate(checkDone);
  },
  gc: fullGc,
});

const enginePath = path.join(__dirname, "engine.js");
const engineSource = fs.readFileSync(enginePath, "utf8");
// CommonJS wrapper; the engine gets the native typed-array constructors (the snippet's are guarded)
// and the intrinsics its kernels use as parameters (fast locals, not global lookups: ENGINE_GLOBALS).
const ENGINE_PARAMS = [...GUARDED_CONSTRUCTORS, ...ENGINE_GLOBALS];
const engineScript = new vm.Script(`(function (module, exports, require, ${ENGINE_PARAMS.join(", ")}) {\n${engineSource}\n})`, {
  filename: enginePath,
  lineOffset: -1,
});
const { context, internal } = createLensContext(runtime);
const engineExports = internal.loadEngine(engineScript.runInContext(context), ENGINE_PARAMS) as EngineModule;
// The recorder's view of the engine: its observer and warning handler are installed through the
// context (functions of the snippet's realm call the recorder; nothing of this realm goes in).
const engine: EngineModule = {
  torch: engineExports.torch,
  Tensor: engineExports.Tensor,
  setObserver(o) {
    internal.observe(o && { observer: o as unknown as EngineHooks["observer"], warning: (w) => warningHandler?.(w as never) });
    return null;
  },
  setWarningHandler(h) {
    warningHandler = h;
    return null;
  },
  setAllocationLimit: (bytes) => internal.setAllocationLimit(bytes),
};
let warningHandler: Parameters<EngineModule["setWarningHandler"]>[0] = null;

// A spare (booted ahead of its run) warms what every run goes through (runner/child-warmup.ts) and
// collects the boot's garbage: its run finds the code compiled and a young generation of its own. A
// child started for a run at once only warms the transpiler's modules (the run would wait for more).
if (process.argv.includes(SPARE_ARG)) {
  warmUp(WARMUP_LIMITS);
  fullGc?.();
} else {
  warmUp(WARMUP_LIMITS, 0);
}

// ---- running ----------------------------------------------------------------------------------------------

function describeThrown(thrown: unknown, recorder: Recorder, timeoutMs: number): RunError {
  let d: { name: string; message: string; stack?: string; code?: string; kind?: string; line?: number; column?: number; plain?: boolean; inplaceStack?: string };
  try {
    d = JSON.parse(internal.describe(thrown)) as typeof d;
  } catch {
    d = { name: "Error", message: "(an error that could not be read)" };
  }
  if (d.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    // vm's watchdog stopped loop-free synchronous code (a blocking call, a huge single operation).
    const where = runtime.lastWhere ?? { what: "code" as const };
    return { kind: "timeout", message: timeoutMessage(timeoutMs, where), range: where.range };
  }
  const memory =
    d.name === "TensorMemoryError" || d.name === "MemoryError" || (/RangeError/.test(d.name) && /Array buffer allocation failed/i.test(d.message));
  const kind: RunErrorKind = d.kind === "import" || d.kind === "timeout" || d.kind === "memory" ? d.kind : memory ? "memory" : "runtime";
  let message = d.plain || kind === "import" || !d.name ? d.message : `${d.name}: ${d.message}`;
  // A saved tensor changed in place: the engine kept where; say which line of the snippet did it.
  const modifiedAt = d.inplaceStack !== undefined ? recorder.locate(d.inplaceStack) : undefined;
  if (modifiedAt) message += ` The in-place change was at line ${modifiedAt.line}.`;
  const range = d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : recorder.locate(d.stack);
  const error: RunError = { kind, message };
  if (range) error.range = range;
  if (d.stack && !d.plain) error.stack = recorder.userStack(d.stack);
  return error;
}

function sendResultAndExit(snapshot: GraphSnapshot): void {
  let line: string | Buffer;
  try {
    line = encodeResultLine(snapshot);
  } catch (e) {
    const bare = { ...snapshot, tensors: [], nodes: [], edges: [], backward: [], output: undefined, program: undefined, values: [] };
    line = `${JSON.stringify({ type: "result", snapshot: { ...bare, console: [], warnings: [], error: { kind: "internal", message: `Autograd Lens could not send the result: ${String(e)}` } } })}\n`;
  }
  writeLine(line);
  process.exit(0);
}

function finish(outcome?: { thrown: unknown } | { error: RunError }): void {
  const run = current;
  if (!run || run.finished) return;
  run.finished = true;
  if (run.deadline) clearTimeout(run.deadline);
  if (run.stallTimer) clearTimeout(run.stallTimer);
  runtime.stop();
  run.checkpoints.stop();
  const duration = performance.now() - run.start;
  send({ type: "finishing" });
  let error: RunError | undefined = runtime.failure ?? undefined;
  if (!error && outcome) {
    try {
      error = "error" in outcome ? outcome.error : describeThrown(outcome.thrown, run.recorder, run.msg.limits.timeoutMs);
    } catch (e) {
      error = { kind: "internal", message: `Autograd Lens could not read the snippet's error: ${String(e)}` };
    }
  }
  sendResultAndExit(run.recorder.snapshot(duration, error));
}

function checkDone(): void {
  const run = current;
  if (!run || run.finished) return;
  if (runtime.failure) return finish();
  if (runtime.pendingTimers > 0) return;
  if (run.topSettled) return finish();
  // Nothing scheduled, yet the top-level promise is open: nothing can ever settle it.
  if (!run.stallTimer) {
    run.stallTimer = setTimeout(() => {
      run.stallTimer = undefined;
      if (run.finished || run.topSettled || runtime.pendingTimers > 0) return;
      finish({
        error: {
          kind: "runtime",
          message:
            "The snippet never finished: its top-level code waits for a promise that nothing will settle (no timer or other work is pending). A missing resolve() call?",
        },
      });
    }, STALL_MS);
  }
}

function run(msg: RunMessage): void {
  const { fileName, language, limits } = msg;
  const prepared = prepareScript(msg.source, language, fileName, { verify: false });
  if (!prepared.ok) {
    const recorder = new Recorder(engine, { fileName, language, limits });
    sendResultAndExit(recorder.snapshot(0, prepared.error));
    return;
  }
  const script = prepared.script;
  const recorder = new Recorder(engine, { fileName, language, limits, script });
  recorder.install();
  recorder.useCallFrames(internal.callFrames());
  runtime.begin({
    recorder,
    limits,
    loops: script.loops,
    locate: (s) => recorder.locate(s),
    userStack: (s) => recorder.userStack(s),
  });
  const start = performance.now();
  const checkpoints = new Checkpoints(recorder, start, writeLine, (where) => send({ type: "progress", ...where }));
  const state: RunState = { msg, recorder, checkpoints, start, topSettled: false, overWhenSettled: false, finished: false };
  current = state;
  let compiled: vm.Script;
  try {
    compiled = new vm.Script(script.code, {
      filename: fileName,
      // import() in code the transpiler never saw (eval, new Function) rejects with an error of the
      // snippet's realm: without this callback Node rejects with one of its own (the child runs with
      // --experimental-vm-modules so that Node calls it at all).
      importModuleDynamically: ((spec: string) => {
        throw internal.importError(String(spec));
      }) as unknown as vm.ScriptOptions["importModuleDynamically"],
    });
  } catch (e) {
    // prepareScript left its safety net to V8 (verify: false): the transpiler's mistake, in the user's terms.
    finish({ error: verifyPrepared(script, fileName) ?? { kind: "internal", message: `The prepared script did not compile: ${String(e)}` } });
    return;
  }
  state.start = performance.now();
  state.deadline = setTimeout(() => {
    runtime.timeOut();
    finish();
  }, limits.timeoutMs);
  const syncEnd = new SyncEndWatch();
  try {
    syncEnd.start();
    const value: unknown = compiled.runInContext(context, { timeout: limits.timeoutMs + SYNC_WATCHDOG_GRACE_MS, displayErrors: false });
    state.overWhenSettled = syncEnd.over(value) && runtime.pendingTimers === 0;
    internal.watch(value);
  } catch (e) {
    syncEnd.over(undefined);
    finish({ thrown: e });
    return;
  }
  // The snippet ran to its end and nothing of it is left to run: the result follows in the next
  // microtask (watch's), which a checkpoint of the same graph would only delay.
  if (state.overWhenSettled) return;
  // The synchronous part is over; the microtasks that follow (after an await) may never give control
  // back (a loop in eval'd code): what was recorded so far goes to the parent now.
  checkpoints.maybe(true);
  setImmediate(checkDone);
}

// ---- process wiring ---------------------------------------------------------------------------------------

process.on("unhandledRejection", (reason) => {
  // Only the snippet makes promises here; an unhandled rejection ends it as Node would.
  if (current && !current.finished) finish({ thrown: reason });
});

process.on("uncaughtException", (err) => {
  if (current && !current.finished) {
    finish({ error: { kind: "internal", message: `Autograd Lens failed while running the snippet: ${err.stack ?? String(err)}` } });
  } else {
    process.stderr.write(`autograd-lens child: ${err.stack ?? String(err)}\n`);
    process.exit(70);
  }
});

// The run request: one JSON line on stdin. Its end without a request means the parent is gone.
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  if (current) return;
  input += chunk;
  const nl = input.indexOf("\n");
  if (nl < 0) return;
  let msg: Partial<RunMessage> | null = null;
  try {
    msg = JSON.parse(input.slice(0, nl)) as Partial<RunMessage>;
  } catch {
    process.exit(2);
  }
  input = "";
  if (!msg || msg.type !== "run") return;
  try {
    run(msg as RunMessage);
  } catch (e) {
    const recorder = new Recorder(engine, { fileName: msg.fileName ?? "", language: msg.language ?? "typescript", limits: msg.limits! });
    const error: RunError = { kind: "internal", message: `Autograd Lens could not run the snippet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
    if (current) finish({ error });
    else sendResultAndExit(recorder.snapshot(0, error));
  }
});
process.stdin.on("end", () => {
  // The parent closed our input after the request (normal) or died before sending one.
  if (!current) process.exit(0);
});
process.stdin.on("error", () => undefined);

send({ type: "ready", bootMs: performance.now() - bootStart });

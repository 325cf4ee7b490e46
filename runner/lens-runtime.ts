// The snippet's runtime inside the sandbox child: the globals of its vm context (console, timers,
// require, `__lens` for the transpiler's calls, structuredClone, TextEncoder/TextDecoder, typed
// arrays that refuse oversized allocations) and the host side of them (the clock and memory checks
// behind `__lens.tick`, the timer bookkeeping that tells when a snippet is finished, progress
// messages for the parent).
//
// Realm hygiene: every function and object the snippet can reach is created *inside* its context
// by `contextBootstrap` (its source is evaluated there), so no host function, host Error or host
// prototype is reachable from the snippet (`console.log.constructor` is the context's Function, not
// the child's, whose `process` it would otherwise hand out). The bootstrap talks to the host through
// one `HostBridge` that it keeps in a closure; the bridge only passes primitives and context objects
// across. This is hygiene, not a security boundary: the snippet is the user's own code.
import * as util from "node:util";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import type { GraphSnapshot, RunError, RunLimits, SourceRange } from "../shared/protocol";
import type { Recorder } from "./recorder";

// ---- messages between the parent (sandbox.ts) and the child (child.ts) ------------------------------

/** Parent → child: run this (selection already applied, limits complete). */
export interface RunMessage {
  type: "run";
  source: string;
  language: "typescript" | "javascript";
  fileName: string;
  limits: RunLimits;
}

/** Where the snippet is, for the parent's message if it has to kill the child. */
export interface ProgressInfo {
  what: "loop" | "interval" | "timeout" | "code";
  range?: SourceRange;
  /** Reported a while ago: the snippet may have moved on since (parent side only). */
  stale?: boolean;
}

export type ChildMessage =
  | { type: "ready"; bootMs: number }
  | ({ type: "progress" } & ProgressInfo)
  /** The snippet is over; the child is building the snapshot (the parent extends its deadline once). */
  | { type: "finishing" }
  | { type: "result"; snapshot: GraphSnapshot };

// ---- user-facing texts -------------------------------------------------------------------------------

export const TIMEOUT_SETTING = "autogradLens.runTimeout";
export const MEMORY_SETTING = "autogradLens.memoryLimit";

/** 5000 → "5 s", 1500 → "1.5 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 1000 ? 3 : 2))} s`;
}

export function formatMb(mb: number): string {
  return Math.ceil(mb).toLocaleString("en-US");
}

function describeWhere(p: ProgressInfo | undefined): string {
  const at = p?.range ? ` at line ${p.range.line}` : "";
  if (p?.stale && p.range) {
    const what = p.what === "loop" ? "the loop" : p.what === "interval" ? "the setInterval timer started" : p.what === "timeout" ? "the setTimeout" : "the code";
    return `running (last seen in ${what}${at}).`;
  }
  switch (p?.what) {
    case "loop":
      return `running the loop${at}. Infinite loop?`;
    case "interval":
      return `running the setInterval timer started${at}. A timer that never stops? Call clearInterval when done.`;
    case "timeout":
      return `waiting for the setTimeout${at}.`;
    case "code":
      return at ? `running the code${at}.` : "running.";
    default:
      return "running.";
  }
}

export function timeoutMessage(timeoutMs: number, where: ProgressInfo | undefined, killed = false): string {
  const tail = killed ? " It did not respond and was stopped." : "";
  return `Timed out after ${formatSeconds(timeoutMs)}: the snippet was still ${describeWhere(where)}${tail} (The limit is the ${TIMEOUT_SETTING} setting.)`;
}

export function heapMessage(usedMb: number, limitMb: number, where: ProgressInfo | undefined): string {
  const at = where?.range ? ` while running the ${where.what === "loop" ? "loop" : "code"} at line ${where.range.line}` : "";
  return `Out of memory: the snippet used ${formatMb(usedMb)} MB, more than the memory limit of ${formatMb(limitMb)} MB${at ? `,${at}` : ""}. (The limit is the ${MEMORY_SETTING} setting.)`;
}

export function crashMessage(limitMb: number, where: ProgressInfo | undefined): string {
  const place = where?.what === "loop" ? "the loop" : "the code";
  const at = where?.range ? ` ${where.stale ? "(last seen in" : "while running"} ${place} at line ${where.range.line}${where.stale ? ")" : ""}` : "";
  return `Out of memory: the snippet ran out of memory${at} (the memory limit is ${formatMb(limitMb)} MB) and its process was stopped. (The limit is the ${MEMORY_SETTING} setting.)`;
}

// ---- the bridge ---------------------------------------------------------------------------------------

export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/** Host functions the context's runtime calls. Arguments and results: primitives or context objects. */
export interface HostBridge {
  /** Format and record one console call. `specials[i]` = [kind, text] stands for token i in args. */
  console(level: ConsoleLevel, args: readonly unknown[], specials: ReadonlyArray<readonly [string, string]>, indent: number, stack: string): void;
  bind(value: unknown, name: string, line: number, column: number): void;
  bindPattern(value: unknown, pattern: unknown, line: number, column: number): void;
  /** Called by tick every `budget` ticks: the next budget, or -1 when the run must stop (see fatal()). */
  check(loop: number, stack?: string): number;
  /** JSON {name, message} of the error that stops the run (timeout, memory). */
  fatal(): string;
  schedule(id: number, ms: number, repeat: boolean): void;
  cancel(id: number): void;
  ref(id: number, on: boolean): void;
  /** An exception escaped a timer or microtask callback. */
  uncaught(error: unknown): void;
  /** The top-level promise settled. */
  settled(ok: boolean, error: unknown): void;
  now(): number;
}

/** The host's side of the engine's observer and warning channel (called through context functions). */
export interface EngineHooks {
  tensorCreated(t: unknown): void;
  nodeCreated(node: unknown, out: unknown, inputs: unknown): void;
  backwardBegin(info: unknown): void;
  backwardStep(step: unknown): void;
  backwardEnd(info: unknown): void;
  warning(w: unknown): void;
}

/** Engine exports only the runner uses: the snippet's `require("autograd-lens")` gets stubs that refuse. */
export const RUNNER_ONLY: readonly string[] = ["setObserver", "setWarningHandler", "setAllocationLimit"];

/** What the bootstrap hands back to the host (never reachable from the snippet). */
export interface ContextInternal {
  /** Evaluate the engine's CommonJS wrapper with the native typed arrays; returns module.exports. */
  loadEngine(wrapper: unknown, natives: readonly string[]): unknown;
  /** The error a dynamic `import()` in eval'd code rejects with (an error of the snippet's realm). */
  importError(spec: string): unknown;
  /** Install (or with null remove) the host's hooks as the engine's observer and warning handler. */
  observe(hooks: EngineHooks | null): void;
  setAllocationLimit(bytes: number): void;
  /** JSON {limitBytes, token}. */
  configure(json: string): void;
  fire(id: number): void;
  timerStack(id: number): string;
  /** JSON {name, message, stack?, code?, kind?, line?, column?, plain?} of a thrown value. */
  describe(error: unknown): string;
  /** Report the settling of the top-level value (a promise) through host.settled. */
  watch(value: unknown): void;
  clearTimers(): void;
}

/** Native constructors the engine gets unguarded (its own allocate() checks sizes, with its message). */
export const GUARDED_CONSTRUCTORS = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

/**
 * Evaluated INSIDE the snippet's context (through its source text): it must not refer to anything
 * outside its own body, and everything it creates belongs to the context's realm. The identifiers
 * below (Error, Promise, Proxy, ...) are the context's intrinsics, captured before any user code runs.
 */
export function contextBootstrap(hostBridge: HostBridge, natives: readonly string[], runnerOnlyNames: readonly string[]): ContextInternal {
  "use strict";
  const runnerOnly: string[] = [];
  for (const n of runnerOnlyNames) runnerOnly.push(`${n}`);
  const g = globalThis as unknown as Record<string, unknown>;
  const ObjectProto = Object.prototype;
  const getProto = Object.getPrototypeOf;
  const defineProperty = Object.defineProperty;
  const isArray = Array.isArray;
  const json = JSON;
  const reflectApply = Reflect.apply;
  const reflectConstruct = Reflect.construct;
  const NativeError = Error;
  const NativeTypeError = TypeError;
  const NativeRangeError = RangeError;
  const NativeProxy = Proxy;
  const NativePromise = Promise;
  const promiseThen = Promise.prototype.then;
  const NativeUint8Array = Uint8Array;
  const NativeMap = Map;
  const NativeWeakMap = WeakMap;
  const NativeSet = Set;
  const NativeDate = Date;
  const NativeRegExp = RegExp;
  const NativeArrayBuffer = ArrayBuffer;
  const NativeDataView = DataView;
  const isView = ArrayBuffer.isView;
  const fromCodePoint = String.fromCodePoint;

  (NativeError as unknown as { stackTraceLimit: number }).stackTraceLimit = 30;
  /** The current stack as V8's text, whatever the snippet did to Error.prepareStackTrace. */
  const stackHere = (): string => {
    const E = NativeError as unknown as { prepareStackTrace?: unknown };
    let saved: unknown;
    let swapped = false;
    try {
      saved = E.prepareStackTrace;
      E.prepareStackTrace = undefined;
      swapped = true;
    } catch {
      // a non-writable prepareStackTrace: take what it gives if it is text
    }
    try {
      const s = new NativeError().stack;
      return typeof s === "string" ? s : "";
    } catch {
      return "";
    } finally {
      if (swapped) E.prepareStackTrace = saved;
    }
  };

  // ---- the bridge, guarded ---------------------------------------------------------------------------
  // Whatever a host function throws (a stack overflow at the edge of the stack, a bug) is an object of
  // the host's realm: it must never reach the snippet. Every call goes through `guard`, which turns
  // it into an error of this realm with the same name and message.
  const hostError = (e: unknown): Error => {
    let name = "Error";
    let message = "Autograd Lens failed inside its runtime.";
    try {
      const n = (e as { name?: unknown }).name;
      const m = (e as { message?: unknown }).message;
      if (typeof n === "string") name = n;
      if (typeof m === "string") message = m;
    } catch {
      // keep the defaults
    }
    const err = name === "RangeError" ? new NativeRangeError(message) : new NativeError(message);
    if (name !== "RangeError") err.name = name;
    return err;
  };
  const guard = <A extends unknown[], R>(f: (...a: A) => R): ((...a: A) => R) => {
    const fn = f;
    return (...a: A): R => {
      try {
        return reflectApply(fn, hostBridge, a) as R;
      } catch (e) {
        throw hostError(e);
      }
    };
  };
  const host: HostBridge = {
    console: guard(hostBridge.console),
    bind: guard(hostBridge.bind),
    bindPattern: guard(hostBridge.bindPattern),
    check: guard(hostBridge.check),
    fatal: guard(hostBridge.fatal),
    schedule: guard(hostBridge.schedule),
    cancel: guard(hostBridge.cancel),
    ref: guard(hostBridge.ref),
    uncaught: guard(hostBridge.uncaught),
    settled: guard(hostBridge.settled),
    now: guard(hostBridge.now),
  };

  /** The whole engine (the runtime's); the snippet gets `publicEngine`, without the runner-only exports. */
  let engine: Record<string, unknown> | undefined;
  let publicEngine: Readonly<Record<string, unknown>> | undefined;
  let TensorClass: (abstract new (...a: never[]) => object) | undefined;
  let limitBytes = Number.POSITIVE_INFINITY;
  let token = "__lens_token__";

  /** Errors made by the runtime, with what kind of failure they stand for. */
  const kinds = new NativeWeakMap<object, { kind: string; line?: number; column?: number }>();

  const define = (name: string, value: unknown, locked = false): void => {
    defineProperty(g, name, { value, writable: !locked, configurable: !locked, enumerable: false });
  };
  const safeString = (v: unknown): string => {
    try {
      return typeof v === "string" ? v : String(v);
    } catch {
      return "[object]";
    }
  };
  const grouped = (n: number): string => n.toLocaleString("en-US");
  const megabytes = (bytes: number): string => grouped(Math.ceil(bytes / 2 ** 20));

  // ---- require / import ----------------------------------------------------------------------------
  const lensRequire = function require(spec: unknown, line?: number, column?: number): unknown {
    if (spec === "autograd-lens" && publicEngine) return publicEngine;
    const name = safeString(spec);
    const err = new NativeError(
      `Cannot import "${name}": a snippet can only import "autograd-lens". It runs in a sandbox without Node's modules (fs, child_process, ...) or node_modules.`,
    );
    err.name = "ImportError";
    kinds.set(err, { kind: "import", line: typeof line === "number" ? line : undefined, column: typeof column === "number" ? column : undefined });
    throw err;
  };

  // ---- where values without a stack were thrown or rejected ------------------------------------------
  /** The last `throw` (the transpiler's __lens.thrown) and the last Promise.reject(value). */
  let lastThrow: { value: unknown; line: number; column: number } | undefined;
  let lastReject: { value: unknown; stack: string } | undefined;
  const nativeReject = Promise.reject;
  defineProperty(Promise, "reject", {
    value: function reject(this: unknown, value: unknown): Promise<never> {
      if (value === null || (typeof value !== "object" && typeof value !== "function")) lastReject = { value, stack: stackHere() };
      return reflectApply(nativeReject, this, [value]) as Promise<never>;
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });

  // ---- __lens ----------------------------------------------------------------------------------------
  let budget = 1;
  const fatalError = (): Error => {
    const info = json.parse(host.fatal()) as { name: string; message: string; kind: string };
    const err = new NativeError(info.message);
    err.name = info.name;
    kinds.set(err, { kind: info.kind });
    return err;
  };
  const lens = Object.freeze({
    require: (spec: unknown, line?: number, column?: number) => lensRequire(spec, line, column),
    bind: <T>(value: T, name: string, line: number, column: number): T => {
      host.bind(value, name, line, column);
      return value;
    },
    bindPattern: <T>(value: T, pattern: unknown, line: number, column: number): T => {
      host.bindPattern(value, pattern, line, column);
      return value;
    },
    thrown: <T>(value: T, line: number, column: number): T => {
      lastThrow = { value, line, column };
      return value;
    },
    tick: (loop: number): void => {
      if (--budget <= 0) {
        budget = host.check(loop);
        if (budget < 0) {
          budget = 0;
          throw fatalError();
        }
      }
    },
  });

  // ---- console -----------------------------------------------------------------------------------------
  let indent = 0;
  const counts = new NativeMap<string, number>();
  const timersByLabel = new NativeMap<string, number>();
  const tensorText = (t: object): string => {
    try {
      return safeString((t as { toString(): unknown }).toString());
    } catch {
      return "[Tensor]";
    }
  };
  const prepare = (args: unknown[]): { args: unknown[]; specials: Array<[string, string]> } => {
    const specials: Array<[string, string]> = [];
    const special = (kind: string, text: string): string => {
      specials.push([kind, text]);
      return `${token}${specials.length - 1}__`;
    };
    const seen = new NativeMap<object, unknown>();
    // Tensors anywhere in arrays/plain objects print with their toString(); other values untouched.
    const conv = (v: unknown, depth: number): unknown => {
      if (v === null || typeof v !== "object") return v;
      if (TensorClass && v instanceof TensorClass) return special("tensor", tensorText(v));
      if (depth === 0 && v instanceof NativeError) {
        let stack: unknown;
        try {
          stack = (v as Error).stack;
        } catch {
          stack = undefined;
        }
        return typeof stack === "string" ? special("error", stack) : v;
      }
      if (depth >= 4) return v;
      if (seen.has(v)) return seen.get(v);
      seen.set(v, v);
      if (isArray(v)) {
        let copy: unknown[] | undefined;
        const n = Math.min(v.length, 1000);
        for (let i = 0; i < n; i++) {
          const c = conv(v[i], depth + 1);
          if (c !== v[i] && !copy) copy = v.slice();
          if (copy) copy[i] = c;
        }
        if (copy) seen.set(v, copy);
        return copy ?? v;
      }
      const proto = getProto(v);
      if (proto === ObjectProto || proto === null) {
        let copy: Record<string, unknown> | undefined;
        const obj = v as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
          const d = Object.getOwnPropertyDescriptor(obj, key);
          if (!d || !("value" in d)) continue;
          const c = conv(d.value, depth + 1);
          if (c !== d.value && !copy) copy = { ...obj };
          if (copy) copy[key] = c;
        }
        if (copy) seen.set(v, copy);
        return copy ?? v;
      }
      return v;
    };
    return { args: args.map((a) => conv(a, 0)), specials };
  };
  const emit = (level: ConsoleLevel, args: unknown[]): void => {
    const p = prepare(args);
    host.console(level, p.args, p.specials, indent, stackHere());
  };
  const label = (l: unknown): string => (l === undefined ? "default" : safeString(l));
  const consoleObject = {
    log: (...args: unknown[]) => emit("log", args),
    info: (...args: unknown[]) => emit("info", args),
    warn: (...args: unknown[]) => emit("warn", args),
    error: (...args: unknown[]) => emit("error", args),
    debug: (...args: unknown[]) => emit("debug", args),
    trace: (...args: unknown[]) => {
      const err = new NativeError(args.map(safeString).join(" "));
      err.name = "Trace";
      emit("log", [err]);
    },
    dir: (value: unknown) => emit("log", [value]),
    table: (value: unknown) => emit("log", [value]),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (condition) return;
      if (typeof args[0] === "string") emit("error", [`Assertion failed: ${args[0]}`, ...args.slice(1)]);
      else emit("error", ["Assertion failed", ...args]);
    },
    group: (...args: unknown[]) => {
      if (args.length > 0) emit("log", args);
      indent++;
    },
    groupCollapsed: (...args: unknown[]) => {
      if (args.length > 0) emit("log", args);
      indent++;
    },
    groupEnd: () => {
      if (indent > 0) indent--;
    },
    count: (l?: unknown) => {
      const k = label(l);
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      emit("info", [`${k}: ${n}`]);
    },
    countReset: (l?: unknown) => {
      counts.delete(label(l));
    },
    time: (l?: unknown) => {
      timersByLabel.set(label(l), host.now());
    },
    timeLog: (l?: unknown, ...args: unknown[]) => {
      const start = timersByLabel.get(label(l));
      if (start === undefined) emit("warn", [`No such label '${label(l)}' for console.timeLog()`]);
      else emit("info", [`${label(l)}: ${(host.now() - start).toFixed(3)}ms`, ...args]);
    },
    timeEnd: (l?: unknown) => {
      const start = timersByLabel.get(label(l));
      if (start === undefined) emit("warn", [`No such label '${label(l)}' for console.timeEnd()`]);
      else {
        timersByLabel.delete(label(l));
        emit("info", [`${label(l)}: ${(host.now() - start).toFixed(3)}ms`]);
      }
    },
  };

  // ---- timers ------------------------------------------------------------------------------------------
  interface TimerRecord {
    cb: (...a: unknown[]) => unknown;
    args: unknown[];
    repeat: boolean;
    ms: number;
    refed: boolean;
    /** The stack where the timer was made (V8 text). */
    origin: string;
    handle: object;
  }
  const timers = new NativeMap<number, TimerRecord>();
  let nextTimerId = 1;
  const idKey = Symbol("timerId");
  class Timeout {
    constructor(id: number) {
      defineProperty(this, idKey, { value: id });
    }
    private get id(): number {
      return (this as unknown as Record<symbol, number>)[idKey]!;
    }
    ref(): this {
      const t = timers.get(this.id);
      if (t) t.refed = true;
      host.ref(this.id, true);
      return this;
    }
    unref(): this {
      const t = timers.get(this.id);
      if (t) t.refed = false;
      host.ref(this.id, false);
      return this;
    }
    hasRef(): boolean {
      return timers.get(this.id)?.refed ?? false;
    }
    refresh(): this {
      const t = timers.get(this.id);
      if (t) host.schedule(this.id, t.ms, t.repeat);
      return this;
    }
    [Symbol.toPrimitive](): number {
      return this.id;
    }
  }
  const addTimer = (cb: unknown, ms: unknown, args: unknown[], repeat: boolean): Timeout => {
    if (typeof cb !== "function") {
      throw new NativeTypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
    let after = Number(ms);
    if (!(after >= 1 && after <= 2 ** 31 - 1)) after = 1;
    const id = nextTimerId++;
    const handle = new Timeout(id);
    timers.set(id, { cb: cb as TimerRecord["cb"], args, repeat, ms: after, refed: true, origin: stackHere(), handle });
    host.schedule(id, after, repeat);
    return handle;
  };
  const clearTimer = (t: unknown): void => {
    if (t === null || t === undefined) return;
    const id = typeof t === "object" ? (t as Record<symbol, unknown>)[idKey] : Number(t);
    if (typeof id !== "number" || !timers.has(id)) return;
    timers.delete(id);
    host.cancel(id);
  };
  const queueMicrotaskImpl = (cb: unknown): void => {
    if (typeof cb !== "function") {
      throw new NativeTypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
    // A microtask that queues itself never lets the event loop run: the clock and memory are checked
    // here as in loops (every `microBudget` callbacks), and where it was queued is taken now and then.
    const origin = microBudget <= 2 ? stackHere() : "";
    reflectApply(promiseThen, NativePromise.resolve(), [
      () => {
        if (--microBudget <= 0) {
          microBudget = host.check(-1, origin);
          if (microBudget < 0) {
            microBudget = 0;
            host.uncaught(fatalError());
            return;
          }
        }
        try {
          reflectApply(cb as () => unknown, undefined, []);
        } catch (e) {
          host.uncaught(e);
        }
      },
    ]);
  };
  let microBudget = 1;

  // ---- structuredClone -----------------------------------------------------------------------------
  const cloneError = (what: string): Error => {
    const e = new NativeError(`${what} could not be cloned.`);
    e.name = "DataCloneError";
    return e;
  };
  const structuredCloneImpl = (value: unknown): unknown => {
    const seen = new NativeMap<object, unknown>();
    const clone = (v: unknown): unknown => {
      if (typeof v === "function") throw cloneError(safeString(v).slice(0, 60));
      if (typeof v === "symbol") throw cloneError(safeString(v));
      if (v === null || typeof v !== "object") return v;
      if (seen.has(v)) return seen.get(v);
      let out: unknown;
      if (isArray(v)) {
        const a: unknown[] = new Array(v.length);
        seen.set(v, a);
        for (let i = 0; i < v.length; i++) if (i in v) a[i] = clone(v[i]);
        return a;
      }
      if (v instanceof NativeDate) out = new NativeDate(v.getTime());
      else if (v instanceof NativeRegExp) out = new NativeRegExp(v.source, v.flags);
      else if (v instanceof NativeArrayBuffer) out = v.slice(0);
      else if (isView(v)) {
        const buffer = clone(v.buffer) as ArrayBuffer;
        const C = v.constructor as new (b: ArrayBuffer, o: number, l: number) => unknown;
        const length = v instanceof NativeDataView ? v.byteLength : (v as unknown as { length: number }).length;
        out = new C(buffer, v.byteOffset, length);
      } else if (v instanceof NativeMap) {
        const m = new NativeMap<unknown, unknown>();
        seen.set(v, m);
        for (const [k, x] of v) m.set(clone(k), clone(x));
        return m;
      } else if (v instanceof NativeSet) {
        const s = new NativeSet<unknown>();
        seen.set(v, s);
        for (const x of v) s.add(clone(x));
        return s;
      } else if (v instanceof NativeError) {
        const e = new NativeError(v.message);
        e.name = v.name;
        if (v.stack !== undefined) e.stack = v.stack;
        out = e;
      } else if (v instanceof Boolean || v instanceof Number || v instanceof String) {
        out = Object(v.valueOf());
      } else {
        const o: Record<string, unknown> = {};
        seen.set(v, o);
        for (const key of Object.keys(v)) o[key] = clone((v as Record<string, unknown>)[key]);
        return o;
      }
      seen.set(v, out);
      return out;
    };
    return clone(value);
  };

  // ---- TextEncoder / TextDecoder (UTF-8 only) ---------------------------------------------------------
  class TextEncoderImpl {
    get encoding(): string {
      return "utf-8";
    }
    encode(input: unknown = ""): Uint8Array {
      const s = safeString(input);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          } else c = 0xfffd;
        } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new NativeUint8Array(out);
    }
  }
  class TextDecoderImpl {
    private readonly fatal: boolean;
    constructor(label: unknown = "utf-8", options?: { fatal?: boolean }) {
      const l = safeString(label).trim().toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") {
        throw new NativeRangeError(`The "${safeString(label)}" encoding is not supported (only utf-8 in a snippet).`);
      }
      this.fatal = !!options?.fatal;
    }
    get encoding(): string {
      return "utf-8";
    }
    decode(input?: unknown): string {
      if (input === undefined) return "";
      let bytes: Uint8Array;
      if (input instanceof NativeArrayBuffer) bytes = new NativeUint8Array(input);
      else if (isView(input)) bytes = new NativeUint8Array(input.buffer as ArrayBuffer, input.byteOffset, input.byteLength);
      else throw new NativeTypeError('The "input" argument must be an ArrayBuffer or ArrayBufferView.');
      let s = "";
      let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const bad = (): number => {
        if (this.fatal) throw new NativeTypeError("The encoded data was not valid for encoding utf-8");
        return 0xfffd;
      };
      while (i < bytes.length) {
        const b = bytes[i]!;
        let c: number;
        let n = 0;
        if (b < 0x80) c = b;
        else if (b >= 0xc2 && b < 0xe0) {
          c = b & 31;
          n = 1;
        } else if (b >= 0xe0 && b < 0xf0) {
          c = b & 15;
          n = 2;
        } else if (b >= 0xf0 && b < 0xf5) {
          c = b & 7;
          n = 3;
        } else c = -1;
        i++;
        for (let k = 0; k < n && c >= 0; k++) {
          const x = bytes[i];
          if (x === undefined || (x & 0xc0) !== 0x80) c = -1;
          else {
            c = (c << 6) | (x & 63);
            i++;
          }
        }
        if (c < 0 || (n === 2 && c < 0x800) || (n === 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff)) c = bad();
        s += fromCodePoint(c);
      }
      return s;
    }
  }

  // ---- typed arrays that refuse oversized allocations ------------------------------------------------
  const memoryError = (what: string, bytes: number): Error => {
    const err = new NativeRangeError(
      `Out of memory: ${what} needs ${megabytes(bytes)} MB, more than the memory limit of ${megabytes(limitBytes)} MB. Use smaller arrays (or raise the limit in the settings).`,
    );
    err.name = "MemoryError";
    kinds.set(err, { kind: "memory" });
    return err;
  };
  const nativeCtors: Record<string, unknown> = {};
  for (const name of natives) {
    const C = g[name] as (new (...a: unknown[]) => object) & { BYTES_PER_ELEMENT?: number };
    if (typeof C !== "function") continue;
    nativeCtors[name] = C;
    const perElement = C.BYTES_PER_ELEMENT;
    const proxy: object = new NativeProxy(C, {
      construct(target, args: unknown[], newTarget) {
        const a0 = args[0];
        let bytes = 0;
        let what = "";
        if (perElement === undefined) {
          bytes = Number(a0) || 0;
          what = `an ${name} of ${grouped(bytes)} bytes`;
        } else if (a0 !== null && typeof a0 === "object") {
          if (!(a0 instanceof NativeArrayBuffer) && !(typeof SharedArrayBuffer === "function" && a0 instanceof SharedArrayBuffer)) {
            const n = Number((a0 as { length?: unknown }).length) || 0;
            bytes = n * perElement;
            what = `a ${name} of ${grouped(n)} elements`;
          }
        } else {
          const n = Number(a0) || 0;
          bytes = n * perElement;
          what = `a ${name} of ${grouped(n)} elements`;
        }
        if (bytes > limitBytes) throw memoryError(what, bytes);
        return reflectConstruct(target, args, newTarget === proxy ? target : newTarget) as object;
      },
    });
    define(name, proxy);
  }

  // ---- globals ------------------------------------------------------------------------------------------
  define("console", consoleObject);
  define("setTimeout", function setTimeout(cb: unknown, ms?: unknown, ...args: unknown[]) {
    return addTimer(cb, ms, args, false);
  });
  define("setInterval", function setInterval(cb: unknown, ms?: unknown, ...args: unknown[]) {
    return addTimer(cb, ms, args, true);
  });
  define("clearTimeout", function clearTimeout(t: unknown) {
    clearTimer(t);
  });
  define("clearInterval", function clearInterval(t: unknown) {
    clearTimer(t);
  });
  define("queueMicrotask", function queueMicrotask(cb: unknown) {
    queueMicrotaskImpl(cb);
  });
  define("structuredClone", function structuredClone(value: unknown) {
    return structuredCloneImpl(value);
  });
  define("TextEncoder", TextEncoderImpl);
  define("TextDecoder", TextDecoderImpl);
  define("require", function require(spec: unknown) {
    return lensRequire(spec);
  });
  define("__lens", lens, true);

  return {
    loadEngine(wrapper: unknown, names: readonly string[]): unknown {
      const module = { exports: {} as Record<string, unknown> };
      const engineRequire = (spec: unknown): never => {
        throw new NativeError(`The engine cannot require "${safeString(spec)}".`);
      };
      reflectApply(wrapper as (...a: unknown[]) => unknown, module.exports, [module, module.exports, engineRequire, ...names.map((n) => nativeCtors[n])]);
      engine = module.exports;
      const T = engine["Tensor"];
      if (typeof T === "function") TensorClass = T as typeof TensorClass;
      // What `require("autograd-lens")` gives: a frozen copy of the exports where the runner's own
      // plumbing (observer, warning channel, allocation limit) refuses with a clear error.
      const pub: Record<string, unknown> = {};
      for (const key of Object.keys(engine)) {
        if (runnerOnly.includes(key)) {
          pub[key] = function runnerOnly(): never {
            throw new NativeError(`${key}() is used by Autograd Lens itself to trace the snippet; a snippet cannot call it.`);
          };
        } else pub[key] = engine[key];
      }
      publicEngine = Object.freeze(pub);
      return engine;
    },
    importError(spec: string): unknown {
      const err = new NativeError(
        `Cannot import "${safeString(spec)}": dynamic import() is not supported in a snippet; write a static \`import { torch } from "autograd-lens"\` at the top instead.`,
      );
      err.name = "ImportError";
      kinds.set(err, { kind: "import" });
      return err;
    },
    observe(hooks: EngineHooks | null): void {
      const e = engine as { setObserver?: (o: unknown) => unknown; setWarningHandler?: (h: unknown) => unknown } | undefined;
      if (!e?.setObserver || !e.setWarningHandler) return;
      if (!hooks) {
        e.setObserver(null);
        e.setWarningHandler(null);
        return;
      }
      // The observer and the handler the engine calls are functions of this realm; what the host's
      // hooks throw is dropped here (recording is a nicety: it must not change what the snippet does,
      // nor hand it a host error).
      const hookFns = hooks;
      const quiet = (name: keyof EngineHooks) => {
        const f = hookFns[name] as (...a: unknown[]) => unknown;
        return (...a: unknown[]): void => {
          try {
            reflectApply(f, hookFns, a);
          } catch {
            // dropped
          }
        };
      };
      e.setObserver(
        Object.freeze({
          tensorCreated: quiet("tensorCreated"),
          nodeCreated: quiet("nodeCreated"),
          backwardBegin: quiet("backwardBegin"),
          backwardStep: quiet("backwardStep"),
          backwardEnd: quiet("backwardEnd"),
        }),
      );
      e.setWarningHandler(quiet("warning"));
    },
    setAllocationLimit(bytes: number): void {
      const f = engine?.["setAllocationLimit"];
      if (typeof f === "function") reflectApply(f, undefined, [bytes]);
    },
    configure(text: string): void {
      const c = json.parse(text) as { limitBytes: number; token: string };
      limitBytes = c.limitBytes > 0 ? c.limitBytes : Number.POSITIVE_INFINITY;
      token = c.token;
    },
    fire(id: number): void {
      const t = timers.get(id);
      if (!t) return;
      if (!t.repeat) timers.delete(id);
      try {
        reflectApply(t.cb, t.handle, t.args);
      } catch (e) {
        host.uncaught(e);
      }
    },
    timerStack(id: number): string {
      return timers.get(id)?.origin ?? "";
    },
    describe(error: unknown): string {
      if (error === null || (typeof error !== "object" && typeof error !== "function")) {
        const shown = typeof error === "string" ? json.stringify(error) : safeString(error);
        const at = lastThrow && Object.is(lastThrow.value, error) ? lastThrow : undefined;
        const rejected = !at && lastReject && Object.is(lastReject.value, error) ? lastReject.stack : undefined;
        return json.stringify({ name: "", message: `Uncaught ${shown}`, plain: true, line: at?.line, column: at?.column, stack: rejected });
      }
      const e = error as Record<string, unknown>;
      const read = (key: string): unknown => {
        try {
          return e[key];
        } catch {
          return undefined;
        }
      };
      const k = kinds.get(error);
      const name = read("name");
      const message = read("message");
      const stack = read("stack");
      const code = read("code");
      return json.stringify({
        code: typeof code === "string" ? code : undefined,
        name: name === undefined ? "Error" : safeString(name),
        message: message === undefined ? safeString(error) : safeString(message),
        stack: typeof stack === "string" ? stack : undefined,
        kind: k?.kind,
        // An object thrown without a stack (`throw { code: 1 }`): where the transpiler saw it thrown.
        ...(k?.line === undefined && typeof stack !== "string" && lastThrow && Object.is(lastThrow.value, error)
          ? { line: lastThrow.line, column: lastThrow.column }
          : { line: k?.line, column: k?.column }),
      });
    },
    watch(value: unknown): void {
      const p = NativePromise.resolve(value);
      reflectApply(promiseThen, p, [
        () => host.settled(true, undefined),
        (e: unknown) => host.settled(false, e),
      ]);
    },
    clearTimers(): void {
      timers.clear();
    },
  };
}

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
  const boot = vm.runInContext(`(${contextBootstrap.toString()})`, context, { filename: "autograd-lens:runtime" }) as typeof contextBootstrap;
  const internal = boot(runtime, GUARDED_CONSTRUCTORS, RUNNER_ONLY);
  runtime.attach(internal);
  return { context, internal };
}

// What the host and the snippet's context runtime (context-bootstrap.ts) exchange: the host
// functions the runtime calls, the engine hooks, what the bootstrap hands back, and the lists of
// natives and engine exports it treats specially. Types and constants only: the bootstrap itself is
// evaluated inside the context from its source text.
import type { CallFrames } from "./context-calls";
import type { ConsoleLevel } from "./messages";

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
  /** The recorder's observer: each of its methods gets a function of the context that calls it. */
  observer: Readonly<Record<string, (...a: never[]) => unknown>>;
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
  /** The snippet's own function calls in progress (context-calls.ts), read-only. */
  callFrames(): CallFrames;
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
 * The context's intrinsics the engine reads in its kernels, handed to it as parameters of its
 * wrapper: a global looked up from code running in a vm context goes through the contextified
 * global object's interceptors on every access, which made `Math.tanh` in a loop four times slower
 * than in plain Node (a 500-step training loop: 8 s instead of 2 s). As parameters they are plain
 * locals. They are the values the engine would have read anyway (taken when it loads, before any
 * snippet code runs).
 */
export const ENGINE_GLOBALS = [
  "Math",
  "Number",
  "Array",
  "Object",
  "Symbol",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Error",
  "TypeError",
  "RangeError",
  "String",
  "Boolean",
  "JSON",
  "Reflect",
  "BigInt",
  "Promise",
  "WebAssembly",
  "isFinite",
  "isNaN",
] as const;

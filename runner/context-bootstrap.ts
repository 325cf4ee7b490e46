// The snippet's runtime inside the sandbox child, made INSIDE its vm context: the globals (console,
// timers, require, `__lens` for the transpiler's calls, structuredClone, TextEncoder/TextDecoder,
// typed arrays that refuse oversized allocations), the guarded bridge to the host (lens-runtime.ts),
// and what the host drives the context with (ContextInternal).
//
// The boundary: every function and object the snippet can reach is created inside its context (this
// function's source is evaluated there), so no host function, host Error or host prototype is
// reachable from the snippet (`console.log.constructor` is the context's Function, not the child's).
// The bridge to the host is kept in a closure, and every call through it is guarded: what a host
// function throws becomes an error of this realm. The engine's observer and warning channel are
// installed through functions of this realm too, and the runner-only exports of the engine
// (setObserver, setWarningHandler, setAllocationLimit) are refused to the snippet.
import type { contextConsole } from "./context-console";
import type { contextText } from "./context-text";
import type { contextTimers } from "./context-timers";
import type { CallFrames, contextCalls } from "./context-calls";
import type { ContextInternal, EngineHooks, HostBridge } from "./context-contract";

/**
 * Evaluated INSIDE the snippet's context (through its source text): it must not refer to anything
 * outside its own body, and everything it creates belongs to the context's realm. The identifiers
 * below (Error, Promise, Proxy, ...) are the context's intrinsics, captured before any user code runs.
 */
export function contextBootstrap(
  hostBridge: HostBridge,
  natives: readonly string[],
  runnerOnlyNames: readonly string[],
  makeConsole: typeof contextConsole,
  makeText: typeof contextText,
  makeTimers: typeof contextTimers,
  makeCalls: typeof contextCalls,
): ContextInternal {
  "use strict";
  const runnerOnly: string[] = [];
  for (const n of runnerOnlyNames) runnerOnly.push(`${n}`);
  const g = globalThis as unknown as Record<string, unknown>;
  const defineProperty = Object.defineProperty;
  const json = JSON;
  const reflectApply = Reflect.apply;
  const reflectConstruct = Reflect.construct;
  const NativeError = Error;
  const NativeRangeError = RangeError;
  const NativeProxy = Proxy;
  const NativePromise = Promise;
  const promiseThen = Promise.prototype.then;
  const NativeWeakMap = WeakMap;
  const NativeArrayBuffer = ArrayBuffer;

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
  /** torch.nn.Module: modules are functions (callable), printed with their toString like PyTorch's repr. */
  let ModuleClass: (abstract new (...a: never[]) => object) | undefined;
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
  // The snippet's function calls (folding by call): a method of an nn.Module is not one (its call folds as a module).
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const calls = makeCalls((v: unknown): boolean => {
    if (ModuleClass === undefined || v === null || (typeof v !== "object" && typeof v !== "function")) return false;
    try {
      return reflectApply(hasInstance, ModuleClass, [v]) as boolean;
    } catch {
      return false; // a revoked Proxy, a getPrototypeOf trap that throws
    }
  });
  const lens = Object.freeze({
    enter: calls.enter,
    exit: calls.exit,
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

  // ---- console (context-console.ts) ----------------------------------------------------------------
  const consoleObject = makeConsole({
    emit: (level, args, specials, indent, stack) => host.console(level, args, specials, indent, stack),
    now: () => host.now(),
    tensorClass: () => TensorClass,
    moduleClass: () => ModuleClass,
    token: () => token,
    stackHere,
  });

  // ---- timers (context-timers.ts) ----------------------------------------------------------------------
  const timers = makeTimers({
    schedule: (id, ms, repeat) => host.schedule(id, ms, repeat),
    cancel: (id) => host.cancel(id),
    ref: (id, on) => host.ref(id, on),
    uncaught: (e) => host.uncaught(e),
    check: (loop, stack) => host.check(loop, stack),
    fatalError,
    stackHere,
  });

  // ---- structuredClone, TextEncoder, TextDecoder (context-text.ts) -------------------------------------
  const text = makeText();
  const structuredCloneImpl = text.structuredClone;
  const TextEncoderImpl = text.TextEncoder;
  const TextDecoderImpl = text.TextDecoder;

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
    return timers.setTimeout(cb, ms, args);
  });
  define("setInterval", function setInterval(cb: unknown, ms?: unknown, ...args: unknown[]) {
    return timers.setInterval(cb, ms, args);
  });
  define("clearTimeout", function clearTimeout(t: unknown) {
    timers.clear(t);
  });
  define("clearInterval", function clearInterval(t: unknown) {
    timers.clear(t);
  });
  define("queueMicrotask", function queueMicrotask(cb: unknown) {
    timers.queueMicrotask(cb);
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
      // The typed-array constructors unguarded; every other name (ENGINE_GLOBALS) as the context has it now.
      const args = names.map((n) => (n in nativeCtors ? nativeCtors[n] : g[n]));
      reflectApply(wrapper as (...a: unknown[]) => unknown, module.exports, [module, module.exports, engineRequire, ...args]);
      engine = module.exports;
      const T = engine["Tensor"];
      if (typeof T === "function") TensorClass = T as typeof TensorClass;
      const M = (engine["torch"] as { nn?: { Module?: unknown } } | undefined)?.nn?.Module;
      if (typeof M === "function") ModuleClass = M as typeof ModuleClass;
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
      const quiet = (target: object, name: string) => {
        const f = (target as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
        return (...a: unknown[]): void => {
          try {
            reflectApply(f, target, a);
          } catch {
            // dropped
          }
        };
      };
      // Every method the recorder's observer has (the engine may grow new ones: follow them).
      const observer: Record<string, unknown> = {};
      const hostObserver = hooks.observer;
      for (const name of Object.keys(hostObserver)) {
        if (typeof (hostObserver as Record<string, unknown>)[name] === "function") observer[name] = quiet(hostObserver, name);
      }
      e.setObserver(Object.freeze(observer));
      e.setWarningHandler(quiet(hooks, "warning"));
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
      timers.fire(id);
    },
    timerStack(id: number): string {
      return timers.origin(id);
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
      const inplaceStack = read("inplaceStack");
      return json.stringify({
        code: typeof code === "string" ? code : undefined,
        inplaceStack: typeof inplaceStack === "string" ? inplaceStack : undefined,
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
      timers.clearAll();
    },
    callFrames(): CallFrames {
      return calls.frames;
    },
  };
}


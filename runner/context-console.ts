// The snippet's `console`, made INSIDE its vm context (evaluated there through its source text, as
// contextBootstrap is): it must not refer to anything outside its own body, and everything it makes
// belongs to the context's realm. It formats nothing itself: tensors (anywhere in arrays and plain
// objects) and Errors are turned into tokens with their text, and the host formats the call.
import type { ConsoleLevel } from "./messages";

/** What the console needs from the bootstrap (functions of the context's realm). */
export interface ConsoleDeps {
  emit(level: ConsoleLevel, args: unknown[], specials: Array<[string, string]>, indent: number, stack: string): void;
  now(): number;
  /** The engine's Tensor class, once it is loaded. */
  tensorClass(): (abstract new (...a: never[]) => object) | undefined;
  /** torch.nn.Module (its instances are functions), once the engine is loaded. */
  moduleClass(): (abstract new (...a: never[]) => object) | undefined;
  /** The per-run token that marks special values in the arguments. */
  token(): string;
  stackHere(): string;
}

export function contextConsole(deps: ConsoleDeps): Record<string, (...a: unknown[]) => void> {
  "use strict";
  const NativeError = Error;
  const NativeMap = Map;
  const ObjectProto = Object.prototype;
  const getProto = Object.getPrototypeOf;
  const isArray = Array.isArray;
  const safeString = (v: unknown): string => {
    try {
      return typeof v === "string" ? v : String(v);
    } catch {
      return "[object]";
    }
  };
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
      return `${deps.token()}${specials.length - 1}__`;
    };
    const seen = new NativeMap<object, unknown>();
    // Tensors and nn modules anywhere in arrays/plain objects print with their toString(); other values untouched.
    const conv = (v: unknown, depth: number): unknown => {
      if (typeof v === "function") {
        const ModuleClass = deps.moduleClass();
        return ModuleClass && v instanceof ModuleClass ? special("tensor", tensorText(v)) : v;
      }
      if (v === null || typeof v !== "object") return v;
      const TensorClass = deps.tensorClass();
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
    deps.emit(level, p.args, p.specials, indent, deps.stackHere());
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
      timersByLabel.set(label(l), deps.now());
    },
    timeLog: (l?: unknown, ...args: unknown[]) => {
      const start = timersByLabel.get(label(l));
      if (start === undefined) emit("warn", [`No such label '${label(l)}' for console.timeLog()`]);
      else emit("info", [`${label(l)}: ${(deps.now() - start).toFixed(3)}ms`, ...args]);
    },
    timeEnd: (l?: unknown) => {
      const start = timersByLabel.get(label(l));
      if (start === undefined) emit("warn", [`No such label '${label(l)}' for console.timeEnd()`]);
      else {
        timersByLabel.delete(label(l));
        emit("info", [`${label(l)}: ${(deps.now() - start).toFixed(3)}ms`]);
      }
    },
  };

  return consoleObject;
}

// The checking primitives of shared/validate.ts: caps, the error type, and a Checker that reads a
// hostile object field by field (strict, or repairing what can be repaired). Pure TypeScript.
import type { GraphSnapshot } from "./protocol";


/** Caps on strings (characters) and counts. Longer strings are cut and end with TRUNCATION_MARK. */
export const CAPS = Object.freeze({
  /** Names, labels, ids, op names, file paths. */
  name: 1_000,
  /** Error messages, warnings, notes. */
  message: 20_000,
  /** Stacks. */
  stack: 20_000,
  /** One console line (the recorder caps all console output at 200,000 characters). */
  consoleLine: 200_000,
  /** Dimensions of a shape. */
  ndim: 64,
  /** One dimension. */
  dim: 2 ** 31 - 1,
  /** Elements of a tensor (product of its shape). */
  numel: Number.MAX_SAFE_INTEGER,
  /** Nesting depth of JSON attributes of program ops. */
  attrDepth: 16,
});

export const TRUNCATION_MARK = "… [truncated]";

/** A field that is wrong; `path` names it ("tensors[3].shape[1]"). */
export class ValidationError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = "ValidationError";
  }
}

export interface ValidateOptions {
  /** Repair what can be repaired (the child's own snapshot) instead of rejecting it. */
  repair?: boolean;
  /**
   * The input is the caller's own, used once (the parent's freshly parsed message): the entries of
   * its large lists are let go as they are checked, so the input and its checked copy are not both
   * whole in memory at once. The input is left with holes.
   */
  consume?: boolean;
}

export type Obj = Record<string, unknown>;

/** Texts longer than V8 shares by itself (it internalizes JSON strings of up to 10 characters) and
 * up to this long are shared by `Checker.str` when `intern` is set. */
const INTERN_MAX_CHARS = 256;
/** Distinct texts one intern table keeps (a graph repeats a few hundred: op names, formulas, notes). */
const INTERN_MAX_ENTRIES = 4096;

export class Checker {
  /**
   * Set while checking a large list (the parent, runner/channel.ts): equal texts of its entries
   * become one string (20,000 tensors share one gradNote, their nodes a few dozen op names and
   * formulas) instead of one copy each as JSON.parse makes them.
   */
  intern: Map<string, string> | null = null;

  constructor(
    readonly repair: boolean,
    readonly consume = false,
  ) {}

  /**
   * Whether `at`/`atIndex` build the paths they are given (the text that names a field in an error).
   * Off while `each` checks an entry the first time: a path is text made for every field of every
   * entry, and only a failure reads one; an entry that fails is checked again with paths on.
   */
  paths = true;

  /** `base` + `suffix` ("snapshot.tensors[3]" + ".id"), made only while paths are on. */
  at(base: string, suffix: string): string {
    return this.paths ? base + suffix : base;
  }

  /** `base` + `name` + `[index]` + `suffix`, made only while paths are on. */
  atIndex(base: string, name: string, index: number, suffix = ""): string {
    return this.paths ? `${base}${name}[${index}]${suffix}` : base;
  }

  /** `fn()` without paths; if it fails, again with them (fn must give the same result when run twice). */
  quietly<T>(fn: () => T): T {
    if (!this.paths) return fn();
    this.paths = false;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      this.paths = true;
      return fn();
    } finally {
      this.paths = true;
    }
  }

  /**
   * `a.map(fn)`; when consuming, each entry of `a` is let go once it has been checked. Each entry is
   * checked without paths first (see `paths`); one that fails is checked again, with them, so that
   * the error names its field (an entry is let go only once checked, so it is still there).
   */
  each<T>(a: unknown[], fn: (x: unknown, i: number) => T): T[] {
    const out: T[] = [];
    const named = this.paths;
    for (let i = 0; i < a.length; i++) {
      let v: T;
      if (!named) v = fn(a[i], i);
      else {
        this.paths = false;
        try {
          v = fn(a[i], i);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          this.paths = true;
          v = fn(a[i], i);
        } finally {
          this.paths = named;
        }
      }
      out.push(v);
      if (this.consume) a[i] = undefined;
    }
    return out;
  }

  fail(path: string, problem: string): never {
    throw new ValidationError(path, problem);
  }

  /** Read a property without letting a getter or Proxy trap escape as an exception. */
  get(o: Obj, key: string, path: string): unknown {
    try {
      return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
    } catch {
      return this.fail(`${path}.${key}`, "cannot be read");
    }
  }

  obj(v: unknown, path: string): Obj {
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.fail(path, `must be an object, not ${kindOf(v)}`);
    return v as Obj;
  }

  arr(v: unknown, path: string, max = Number.POSITIVE_INFINITY): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `must be an array, not ${kindOf(v)}`);
    if (v.length > max) this.fail(path, `has ${v.length} entries, more than ${max}`);
    return v;
  }

  str(v: unknown, path: string, cap: number): string {
    let s: string;
    if (typeof v === "string") s = v;
    else if (this.repair) s = describe(v);
    else return this.fail(path, `must be text, not ${kindOf(v)}`);
    if (s.length > cap) return s.slice(0, Math.max(0, cap - TRUNCATION_MARK.length)) + TRUNCATION_MARK;
    const table = this.intern;
    if (table && s.length > 10 && s.length <= INTERN_MAX_CHARS) {
      const known = table.get(s);
      if (known !== undefined) return known;
      if (table.size < INTERN_MAX_ENTRIES) table.set(s, s);
    }
    return s;
  }

  optStr(v: unknown, path: string, cap: number): string | undefined {
    return v === undefined ? undefined : this.str(v, path, cap);
  }

  num(v: unknown, path: string, min = -Infinity, max = Infinity): number {
    if (typeof v !== "number" || Number.isNaN(v)) this.fail(path, `must be a number, not ${kindOf(v)}`);
    if (v < min || v > max) this.fail(path, `${v} is out of range [${min}, ${max}]`);
    return v;
  }

  /** A number JSON can carry (finite); in repair mode a non-finite one becomes 0 (statistics). */
  finite(v: unknown, path: string): number {
    if (this.repair && typeof v === "number" && !Number.isFinite(v)) return 0;
    const n = this.num(v, path);
    if (!Number.isFinite(n)) this.fail(path, `must be finite, not ${n}`);
    return n;
  }

  int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.num(v, path, min, max);
    if (!Number.isInteger(n)) this.fail(path, `must be a whole number, not ${n}`);
    return n;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, `must be true or false, not ${kindOf(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    const i = typeof v === "string" ? (allowed as readonly string[]).indexOf(v) : -1;
    if (i < 0) {
      this.fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, not ${typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}`);
    }
    // Our own copy of the word: a graph's thousands of "function"/"float32" share one string.
    return allowed[i]!;
  }

  range(v: unknown, path: string): GraphSnapshot["console"][number]["range"] {
    if (v === undefined) return undefined;
    const o = this.obj(v, path);
    const line = this.int(this.get(o, "line", path), this.at(path, ".line"), 0);
    const column = this.int(this.get(o, "column", path), this.at(path, ".column"), 0);
    const endLineIn = this.get(o, "endLine", path);
    const endColumnIn = this.get(o, "endColumn", path);
    const endLine = endLineIn === undefined ? undefined : this.int(endLineIn, this.at(path, ".endLine"), 0);
    const endColumn = endColumnIn === undefined ? undefined : this.int(endColumnIn, this.at(path, ".endColumn"), 0);
    // One literal with every field it has (a graph holds many ranges: no property added later).
    if (endLine !== undefined && endColumn !== undefined) return { line, column, endLine, endColumn };
    const r: { line: number; column: number; endLine?: number; endColumn?: number } = { line, column };
    if (endLine !== undefined) r.endLine = endLine;
    if (endColumn !== undefined) r.endColumn = endColumn;
    return r;
  }
}

export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

/** A short description of a value that is not what a field wants (repair mode). */
export function describe(v: unknown): string {
  try {
    if (typeof v === "function") return `[function ${String((v as { name?: unknown }).name ?? "").slice(0, 60) || "(anonymous)"}]`;
    if (typeof v === "symbol") return v.toString().slice(0, 100);
    if (v === null || typeof v !== "object") return String(v).slice(0, 100);
    return Array.isArray(v) ? `[array of ${v.length}]` : "[object]";
  } catch {
    return "[value]";
  }
}

/** Cut a string to `cap` characters with the truncation mark (for producers that cap before sending). */
export function capString(s: string, cap: number): string {
  return s.length > cap ? s.slice(0, Math.max(0, cap - TRUNCATION_MARK.length)) + TRUNCATION_MARK : s;
}


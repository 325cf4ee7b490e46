// The one validator for everything that crosses a trust boundary: the sandbox child's messages (in
// the parent), and snapshots arriving in the webview (from the host, from a saved JSON file). A
// snapshot is treated as hostile: it is rebuilt field by field into a fresh plain object, every
// type, enum, number range and id reference is checked, every string is capped (truncated with a
// marker, never dropped), and shapes are bounded and must agree with their element counts, so that
// nothing downstream (hovers, the inspector, layout) loops over a number the snippet chose.
//
// Two modes: strict (the parent and the page: anything wrong is an error naming the field) and
// repair (the child, before sending its own snapshot: a wrong-typed text becomes a description of the
// value, a shape that disagrees with its values becomes flat), so that a snippet's odd values (a
// function as a tensor's name) are described instead of failing the run.
// Pure TypeScript: no Node, no DOM, no vscode.
import { SNAPSHOT_VERSION, type GraphSnapshot } from "./protocol";

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
}

type Obj = Record<string, unknown>;

class Checker {
  constructor(readonly repair: boolean) {}

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
    return s.length > cap ? s.slice(0, Math.max(0, cap - TRUNCATION_MARK.length)) + TRUNCATION_MARK : s;
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
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, not ${typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : kindOf(v)}`);
    }
    return v as T;
  }

  range(v: unknown, path: string): GraphSnapshot["console"][number]["range"] {
    if (v === undefined) return undefined;
    const o = this.obj(v, path);
    const r: { line: number; column: number; endLine?: number; endColumn?: number } = {
      line: this.int(this.get(o, "line", path), `${path}.line`, 0),
      column: this.int(this.get(o, "column", path), `${path}.column`, 0),
    };
    const endLine = this.get(o, "endLine", path);
    const endColumn = this.get(o, "endColumn", path);
    if (endLine !== undefined) r.endLine = this.int(endLine, `${path}.endLine`, 0);
    if (endColumn !== undefined) r.endColumn = this.int(endColumn, `${path}.endColumn`, 0);
    return r;
  }
}

function kindOf(v: unknown): string {
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

const DTYPES = ["float32", "float64", "int64"] as const;
const SPECIAL_NUMBERS = ["NaN", "Infinity", "-Infinity"];

/** A shape: at most CAPS.ndim whole dimensions in [0, CAPS.dim]; returns it and its element count. */
function shape(c: Checker, v: unknown, path: string): { shape: number[]; numel: number } {
  const a = c.arr(v, path, CAPS.ndim);
  const out: number[] = [];
  let numel = 1;
  a.forEach((d, i) => {
    const n = c.int(d, `${path}[${i}]`, 0, CAPS.dim);
    out.push(n);
    numel *= n;
  });
  if (numel > CAPS.numel) c.fail(path, `has ${numel} elements, more than ${CAPS.numel}`);
  return { shape: out, numel };
}

/** Values as the snapshot carries them: numbers, or NaN/±Inf as strings. */
function values(c: Checker, v: unknown, path: string, max: number): Array<number | "NaN" | "Infinity" | "-Infinity"> {
  const a = c.arr(v, path, max);
  const out = new Array<number | "NaN" | "Infinity" | "-Infinity">(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x === "number" && Number.isFinite(x)) out[i] = x;
    else if (typeof x === "string" && SPECIAL_NUMBERS.includes(x)) out[i] = x as "NaN";
    else c.fail(`${path}[${i}]`, `must be a finite number or "NaN"/"Infinity"/"-Infinity", not ${kindOf(x)}`);
  }
  return out;
}

/** Shape and element count agree; in repair mode a disagreeing shape becomes flat. */
function agreeingShape(c: Checker, raw: unknown, numel: number, path: string): number[] {
  let s: { shape: number[]; numel: number };
  try {
    s = shape(c, raw, path);
  } catch (e) {
    if (c.repair) return [numel];
    throw e;
  }
  if (s.numel !== numel) {
    if (c.repair) return [numel];
    c.fail(path, `[${s.shape.join(", ")}] has ${s.numel} elements, but numel is ${numel}`);
  }
  return s.shape;
}

function valueSummary(c: Checker, v: unknown, path: string): GraphSnapshot["tensors"][number]["value"] {
  const o = c.obj(v, path);
  const numel = c.int(c.get(o, "numel", path), `${path}.numel`, 0, CAPS.numel);
  const vals = values(c, c.get(o, "values", path), `${path}.values`, numel);
  const out: GraphSnapshot["tensors"][number]["value"] = {
    shape: agreeingShape(c, c.get(o, "shape", path), numel, `${path}.shape`),
    dtype: c.oneOf(c.get(o, "dtype", path), `${path}.dtype`, DTYPES),
    numel,
    values: vals,
    truncated: c.bool(c.get(o, "truncated", path), `${path}.truncated`),
  };
  const stats = c.get(o, "stats", path);
  if (stats !== undefined) {
    const s = c.obj(stats, `${path}.stats`);
    out.stats = {
      min: c.finite(c.get(s, "min", path), `${path}.stats.min`),
      max: c.finite(c.get(s, "max", path), `${path}.stats.max`),
      mean: c.finite(c.get(s, "mean", path), `${path}.stats.mean`),
      nanCount: c.int(c.get(s, "nanCount", path), `${path}.stats.nanCount`),
      infCount: c.int(c.get(s, "infCount", path), `${path}.stats.infCount`),
    };
  }
  return out;
}

function optionalSummary(c: Checker, v: unknown, path: string): GraphSnapshot["tensors"][number]["value"] | undefined {
  return v === undefined ? undefined : valueSummary(c, v, path);
}

/** A JSON value (program op attributes): bounded depth, capped strings, finite numbers. */
function jsonValue(c: Checker, v: unknown, path: string, depth: number): unknown {
  if (depth > CAPS.attrDepth) c.fail(path, `is nested deeper than ${CAPS.attrDepth}`);
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : c.fail(path, "must be a finite number");
  if (typeof v === "string") return c.str(v, path, CAPS.message);
  if (Array.isArray(v)) return v.map((x, i) => jsonValue(c, x, `${path}[${i}]`, depth + 1));
  const o = c.obj(v, path);
  const out: Obj = {};
  for (const k of Object.keys(o)) out[c.str(k, path, CAPS.name)] = jsonValue(c, c.get(o, k, path), `${path}.${k}`, depth + 1);
  return out;
}

function fullTensor(c: Checker, v: unknown, path: string): NonNullable<GraphSnapshot["program"]>["leaves"][string] {
  const o = c.obj(v, path);
  const s = shape(c, c.get(o, "shape", path), `${path}.shape`);
  const vals = values(c, c.get(o, "values", path), `${path}.values`, s.numel);
  if (vals.length !== s.numel) c.fail(`${path}.values`, `has ${vals.length} values for a shape of ${s.numel} elements`);
  const out: NonNullable<GraphSnapshot["program"]>["leaves"][string] = {
    shape: s.shape,
    dtype: c.oneOf(c.get(o, "dtype", path), `${path}.dtype`, DTYPES),
    values: vals,
  };
  const label = c.optStr(c.get(o, "label", path), `${path}.label`, CAPS.name);
  if (label !== undefined) out.label = label;
  return out;
}

function tensorMap(c: Checker, v: unknown, path: string): Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> {
  const o = c.obj(v, path);
  const out: Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> = {};
  for (const k of Object.keys(o)) out[c.str(k, path, CAPS.name)] = fullTensor(c, c.get(o, k, path), `${path}.${k}`);
  return out;
}

function program(c: Checker, v: unknown, path: string): GraphSnapshot["program"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["program"]> = {
    leaves: tensorMap(c, c.get(o, "leaves", path), `${path}.leaves`),
    constants: tensorMap(c, c.get(o, "constants", path), `${path}.constants`),
    ops: c.arr(c.get(o, "ops", path), `${path}.ops`).map((x, i) => {
      const p = `${path}.ops[${i}]`;
      const op = c.obj(x, p);
      const r: NonNullable<GraphSnapshot["program"]>["ops"][number] = {
        node: c.str(c.get(op, "node", p), `${p}.node`, CAPS.name),
        op: c.str(c.get(op, "op", p), `${p}.op`, CAPS.name),
        inputs: c.arr(c.get(op, "inputs", p), `${p}.inputs`).map((id, j) => (id === null ? null : c.str(id, `${p}.inputs[${j}]`, CAPS.name))),
        attrs: jsonValue(c, c.get(op, "attrs", p) ?? {}, `${p}.attrs`, 0) as Obj,
        out: c.str(c.get(op, "out", p), `${p}.out`, CAPS.name),
      };
      const line = c.get(op, "line", p);
      if (line !== undefined) r.line = c.int(line, `${p}.line`, 0);
      return r;
    }),
  };
  const unavailable = c.optStr(c.get(o, "unavailable", path), `${path}.unavailable`, CAPS.message);
  if (unavailable !== undefined) out.unavailable = unavailable;
  if (out.ops.some((op) => typeof op.attrs !== "object" || op.attrs === null || Array.isArray(op.attrs))) c.fail(`${path}.ops`, "attrs must be objects");
  return out;
}

function runError(c: Checker, v: unknown, path: string): GraphSnapshot["error"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["error"]> = {
    kind: c.oneOf(c.get(o, "kind", path), `${path}.kind`, ["syntax", "import", "runtime", "timeout", "memory", "unsupported", "internal"] as const),
    message: c.str(c.get(o, "message", path), `${path}.message`, CAPS.message),
  };
  const range = c.range(c.get(o, "range", path), `${path}.range`);
  if (range) out.range = range;
  const stack = c.optStr(c.get(o, "stack", path), `${path}.stack`, CAPS.stack);
  if (stack !== undefined) out.stack = stack;
  return out;
}

/**
 * Check a snapshot and return a fresh, plain copy of it (strings capped). Throws ValidationError
 * naming the first wrong field. Unknown fields are dropped.
 */
export function validateSnapshot(input: unknown, options: ValidateOptions = {}): GraphSnapshot {
  const c = new Checker(options.repair ?? false);
  const o = c.obj(input, "snapshot");
  const version = c.get(o, "version", "snapshot");
  if (version !== SNAPSHOT_VERSION) {
    c.fail("snapshot.version", `version ${typeof version === "number" ? version : kindOf(version)} is not one this Autograd Lens reads (it reads version ${SNAPSHOT_VERSION}); trace the file again with this version`);
  }
  const f = (key: string) => c.get(o, key, "snapshot");
  const limitsIn = c.obj(f("limits"), "snapshot.limits");
  const limit = (k: string) => c.num(c.finite(c.get(limitsIn, k, "snapshot.limits"), `snapshot.limits.${k}`), `snapshot.limits.${k}`, 0);
  const tensorsIn = c.arr(f("tensors"), "snapshot.tensors");
  const nodesIn = c.arr(f("nodes"), "snapshot.nodes");

  const nodes = nodesIn.map((x, i) => {
    const p = `snapshot.nodes[${i}]`;
    const n = c.obj(x, p);
    const g = (k: string) => c.get(n, k, p);
    const seq = g("sequenceNr");
    const tensor = g("tensor");
    const out: GraphSnapshot["nodes"][number] = {
      id: c.str(g("id"), `${p}.id`, CAPS.name),
      name: c.str(g("name"), `${p}.name`, CAPS.name),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["function", "accumulate"] as const),
      sequenceNr: seq === null ? null : c.finite(seq, `${p}.sequenceNr`),
      tensor: tensor === null ? null : c.str(tensor, `${p}.tensor`, CAPS.name),
      inputs: c.arr(g("inputs"), `${p}.inputs`).map((s, j) => c.str(s, `${p}.inputs[${j}]`, CAPS.name)),
      formulas: c.arr(g("formulas"), `${p}.formulas`).map((s, j) => c.str(s, `${p}.formulas[${j}]`, CAPS.message)),
      saved: c.arr(g("saved"), `${p}.saved`).map((sv, j) => {
        const q = `${p}.saved[${j}]`;
        const so = c.obj(sv, q);
        const r: GraphSnapshot["nodes"][number]["saved"][number] = { name: c.str(c.get(so, "name", q), `${q}.name`, CAPS.name) };
        const t = c.get(so, "tensor", q);
        if (t !== undefined) r.tensor = c.str(t, `${q}.tensor`, CAPS.name);
        const value = optionalSummary(c, c.get(so, "value", q), `${q}.value`);
        if (value) r.value = value;
        const scalar = c.get(so, "scalar", q);
        if (scalar !== undefined) {
          if (scalar === null || typeof scalar === "boolean" || (typeof scalar === "number" && Number.isFinite(scalar))) r.scalar = scalar;
          else r.scalar = c.str(scalar, `${q}.scalar`, CAPS.message);
        }
        return r;
      }),
      released: c.bool(g("released"), `${p}.released`),
    };
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const user = g("userDefined");
    if (user !== undefined) {
      const q = `${p}.userDefined`;
      const u = c.obj(user, q);
      out.userDefined = { className: c.str(c.get(u, "className", q), `${q}.className`, CAPS.name) };
      const fwd = c.range(c.get(u, "forward", q), `${q}.forward`);
      if (fwd) out.userDefined.forward = fwd;
      const bwd = c.range(c.get(u, "backward", q), `${q}.backward`);
      if (bwd) out.userDefined.backward = bwd;
    }
    return out;
  });
  const nodeIds = new Set<string>();
  nodes.forEach((n, i) => {
    if (nodeIds.has(n.id)) c.fail(`snapshot.nodes[${i}].id`, `"${n.id}" is used twice`);
    nodeIds.add(n.id);
  });

  const tensors = tensorsIn.map((x, i) => {
    const p = `snapshot.tensors[${i}]`;
    const t = c.obj(x, p);
    const g = (k: string) => c.get(t, k, p);
    const value = valueSummary(c, g("value"), `${p}.value`);
    const grad = g("grad");
    const gradFn = g("gradFn");
    const out: GraphSnapshot["tensors"][number] = {
      id: c.str(g("id"), `${p}.id`, CAPS.name),
      label: c.str(g("label"), `${p}.label`, CAPS.name),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["leaf", "intermediate", "output", "constant"] as const),
      shape: agreeingShape(c, g("shape"), value.numel, `${p}.shape`),
      dtype: c.oneOf(g("dtype"), `${p}.dtype`, DTYPES),
      value,
      grad: grad === null || grad === undefined ? null : valueSummary(c, grad, `${p}.grad`),
      requiresGrad: c.bool(g("requiresGrad"), `${p}.requiresGrad`),
      isLeaf: c.bool(g("isLeaf"), `${p}.isLeaf`),
      retainsGrad: c.bool(g("retainsGrad"), `${p}.retainsGrad`),
      gradFn: gradFn === null || gradFn === undefined ? null : c.str(gradFn, `${p}.gradFn`, CAPS.name),
    };
    const name = c.optStr(g("name"), `${p}.name`, CAPS.name);
    if (name !== undefined) out.name = name;
    const note = c.optStr(g("gradNote"), `${p}.gradNote`, CAPS.message);
    if (note !== undefined) out.gradNote = note;
    const version = g("version");
    if (version !== undefined) out.version = c.int(version, `${p}.version`);
    const valueNote = c.optStr(g("valueNote"), `${p}.valueNote`, CAPS.message);
    if (valueNote !== undefined) out.valueNote = valueNote;
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const boundAt = c.range(g("boundAt"), `${p}.boundAt`);
    if (boundAt) out.boundAt = boundAt;
    // gradFn may name a node that was not recorded (past the node cap, or the node of an earlier
    // version of a tensor changed in place): consumers look it up and find none. Not checked.
    return out;
  });
  const tensorIds = new Set<string>();
  tensors.forEach((t, i) => {
    if (tensorIds.has(t.id)) c.fail(`snapshot.tensors[${i}].id`, `"${t.id}" is used twice`);
    tensorIds.add(t.id);
  });

  const edges = c.arr(f("edges"), "snapshot.edges").map((x, i) => {
    const p = `snapshot.edges[${i}]`;
    const e = c.obj(x, p);
    const out: GraphSnapshot["edges"][number] = {
      from: c.str(c.get(e, "from", p), `${p}.from`, CAPS.name),
      to: c.str(c.get(e, "to", p), `${p}.to`, CAPS.name),
      index: c.int(c.get(e, "index", p), `${p}.index`),
      inputNr: c.int(c.get(e, "inputNr", p), `${p}.inputNr`),
    };
    if (!nodeIds.has(out.from)) c.fail(`${p}.from`, `"${out.from}" is not a node of this snapshot`);
    if (!nodeIds.has(out.to)) c.fail(`${p}.to`, `"${out.to}" is not a node of this snapshot`);
    return out;
  });

  const backward = c.arr(f("backward"), "snapshot.backward").map((x, i) => {
    const p = `snapshot.backward[${i}]`;
    const b = c.obj(x, p);
    const g = (k: string) => c.get(b, k, p);
    const out: GraphSnapshot["backward"][number] = {
      index: c.int(g("index"), `${p}.index`),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["backward", "grad"] as const),
      roots: c.arr(g("roots"), `${p}.roots`).map((r, j) => c.str(r, `${p}.roots[${j}]`, CAPS.name)),
      steps: c.arr(g("steps"), `${p}.steps`).map((y, j) => {
        const q = `${p}.steps[${j}]`;
        const s = c.obj(y, q);
        const h = (k: string) => c.get(s, k, q);
        const step: GraphSnapshot["backward"][number]["steps"][number] = {
          index: c.int(h("index"), `${q}.index`),
          node: c.str(h("node"), `${q}.node`, CAPS.name),
          gradIn: valueSummary(c, h("gradIn"), `${q}.gradIn`),
          gradsOut: c.arr(h("gradsOut"), `${q}.gradsOut`).map((z, k) => {
            const r = `${q}.gradsOut[${k}]`;
            const go = c.obj(z, r);
            const to = c.get(go, "to", r);
            const grad = c.get(go, "grad", r);
            return {
              index: c.int(c.get(go, "index", r), `${r}.index`),
              to: to === null || to === undefined ? null : c.str(to, `${r}.to`, CAPS.name),
              grad: grad === null || grad === undefined ? null : valueSummary(c, grad, `${r}.grad`),
            };
          }),
        };
        const leaf = c.optStr(h("leaf"), `${q}.leaf`, CAPS.name);
        if (leaf !== undefined) step.leaf = leaf;
        const retained = c.optStr(h("retained"), `${q}.retained`, CAPS.name);
        if (retained !== undefined) step.retained = retained;
        const after = optionalSummary(c, h("gradAfter"), `${q}.gradAfter`);
        if (after) step.gradAfter = after;
        if (!nodeIds.has(step.node)) c.fail(`${q}.node`, `"${step.node}" is not a node of this snapshot`);
        return step;
      }),
      stepsTruncated: c.bool(g("stepsTruncated"), `${p}.stepsTruncated`),
    };
    const loss = g("loss");
    if (loss !== undefined) out.loss = c.finite(loss, `${p}.loss`);
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const error = c.optStr(g("error"), `${p}.error`, CAPS.message);
    if (error !== undefined) out.error = error;
    return out;
  });

  const snapshot: GraphSnapshot = {
    version: SNAPSHOT_VERSION,
    file: c.str(f("file"), "snapshot.file", CAPS.name * 4),
    language: c.oneOf(f("language"), "snapshot.language", ["typescript", "javascript", "python"] as const),
    tracedAt: c.str(f("tracedAt"), "snapshot.tracedAt", 100),
    durationMs: c.num(c.finite(f("durationMs"), "snapshot.durationMs"), "snapshot.durationMs", 0),
    limits: { timeoutMs: limit("timeoutMs"), nodeCap: limit("nodeCap"), valueCap: limit("valueCap"), stepCap: limit("stepCap"), memoryMb: limit("memoryMb") },
    console: c.arr(f("console"), "snapshot.console").map((x, i) => {
      const p = `snapshot.console[${i}]`;
      const e = c.obj(x, p);
      const out: GraphSnapshot["console"][number] = {
        level: c.oneOf(c.get(e, "level", p), `${p}.level`, ["log", "info", "warn", "error", "debug"] as const),
        text: c.str(c.get(e, "text", p), `${p}.text`, CAPS.consoleLine),
      };
      const range = c.range(c.get(e, "range", p), `${p}.range`);
      if (range) out.range = range;
      return out;
    }),
    warnings: c.arr(f("warnings"), "snapshot.warnings").map((x, i) => {
      const p = `snapshot.warnings[${i}]`;
      const e = c.obj(x, p);
      const out: GraphSnapshot["warnings"][number] = { message: c.str(c.get(e, "message", p), `${p}.message`, CAPS.message) };
      const range = c.range(c.get(e, "range", p), `${p}.range`);
      if (range) out.range = range;
      return out;
    }),
    tensors,
    nodes,
    edges,
    backward,
    nodesTruncated: c.bool(f("nodesTruncated"), "snapshot.nodesTruncated"),
  };
  const producer = c.optStr(f("producer"), "snapshot.producer", CAPS.name);
  if (producer !== undefined) snapshot.producer = producer;
  const dropped = f("backwardCallsDropped");
  if (dropped !== undefined) snapshot.backwardCallsDropped = c.int(dropped, "snapshot.backwardCallsDropped");
  const output = c.optStr(f("output"), "snapshot.output", CAPS.name);
  if (output !== undefined) snapshot.output = output;
  const error = runError(c, f("error"), "snapshot.error");
  if (error) snapshot.error = error;
  const prog = program(c, f("program"), "snapshot.program");
  if (prog) snapshot.program = prog;
  return snapshot;
}

/** validateSnapshot as a result instead of an exception (for callers that must never throw). */
export function checkSnapshot(input: unknown, options: ValidateOptions = {}): { ok: true; snapshot: GraphSnapshot } | { ok: false; error: string } {
  try {
    return { ok: true, snapshot: validateSnapshot(input, options) };
  } catch (e) {
    if (e instanceof ValidationError) return { ok: false, error: e.message };
    // A stack overflow on absurd nesting, or a getter that threw in an unexpected place.
    return { ok: false, error: `snapshot: could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}

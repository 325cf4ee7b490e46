// The entries of a snapshot's large lists (nodes, tensors, edges, backward calls, console lines,
// value table entries), each checked on its own: types, enums, bounds, capped strings, indices that
// are whole numbers. What needs the other entries (ids that must exist, indices that must be in the
// value table, shapes that must agree with their entry) is checked afterwards by shared/validate.ts.
//
// Because an entry needs nothing else, the parent checks each one as soon as it has been parsed
// (`precheckEntry`, called by runner/json-stream.ts while a large message arrives): the parsed entry
// is dropped at once and only its checked copy is kept, so a large graph is never in memory twice.
// Pure TypeScript.
import type { BackwardCallWire, GraphSnapshot, NodeWire, TensorWire } from "./protocol";
import { CAPS, Checker } from "./validate-checker";
import { DTYPES, encodedValue, optionalRefIndex, refIndex, shape } from "./validate-values";

/** A tensor entry before its shape is compared with its value (shared/validate.ts: `checkedNumel`). */
export type TensorItem = TensorWire;

/** Tensor entries whose shape was wrong (repair mode only: strict mode throws). Kept aside rather
 * than on the entry, so that the entry needs no copy once its shape is compared (a graph's tensors
 * are the largest list). */
const badShape = new WeakSet<TensorWire>();

/** The element count of a checked tensor entry's shape; null when its shape was wrong (repair mode). */
export function checkedNumel(t: TensorWire): number | null {
  return badShape.has(t) ? null : t.shape.reduce((a, d) => a * d, 1);
}

export function nodeItem(c: Checker, x: unknown, p: string): NodeWire {
  const n = c.obj(x, p);
  const g = (k: string) => c.get(n, k, p);
  const seq = g("sequenceNr");
  const tensor = g("tensor");
  const out: NodeWire = {
    id: c.str(g("id"), c.at(p, ".id"), CAPS.name),
    name: c.str(g("name"), c.at(p, ".name"), CAPS.name),
    kind: c.oneOf(g("kind"), c.at(p, ".kind"), ["function", "accumulate"] as const),
    sequenceNr: seq === null ? null : c.finite(seq, c.at(p, ".sequenceNr")),
    tensor: tensor === null ? null : c.str(tensor, c.at(p, ".tensor"), CAPS.name),
    inputs: c.arr(g("inputs"), c.at(p, ".inputs")).map((s, j) => c.str(s, c.atIndex(p, ".inputs", j), CAPS.name)),
    formulas: c.arr(g("formulas"), c.at(p, ".formulas")).map((s, j) => c.str(s, c.atIndex(p, ".formulas", j), CAPS.message)),
    saved: c.arr(g("saved"), c.at(p, ".saved")).map((sv, j) => {
      const q = c.atIndex(p, ".saved", j);
      const so = c.obj(sv, q);
      const r: NodeWire["saved"][number] = { name: c.str(c.get(so, "name", q), c.at(q, ".name"), CAPS.name) };
      const t = c.get(so, "tensor", q);
      if (t !== undefined) r.tensor = c.str(t, c.at(q, ".tensor"), CAPS.name);
      const value = optionalRefIndex(c, c.get(so, "value", q), c.at(q, ".value"));
      if (value !== undefined) r.value = value;
      const scalar = c.get(so, "scalar", q);
      if (scalar !== undefined) {
        if (scalar === null || typeof scalar === "boolean" || (typeof scalar === "number" && Number.isFinite(scalar))) r.scalar = scalar;
        else r.scalar = c.str(scalar, c.at(q, ".scalar"), CAPS.message);
      }
      return r;
    }),
    released: c.bool(g("released"), c.at(p, ".released")),
  };
  const range = c.range(g("range"), c.at(p, ".range"));
  if (range) out.range = range;
  const user = g("userDefined");
  if (user !== undefined) {
    const q = c.at(p, ".userDefined");
    const u = c.obj(user, q);
    out.userDefined = { className: c.str(c.get(u, "className", q), c.at(q, ".className"), CAPS.name) };
    const fwd = c.range(c.get(u, "forward", q), c.at(q, ".forward"));
    if (fwd) out.userDefined.forward = fwd;
    const bwd = c.range(c.get(u, "backward", q), c.at(q, ".backward"));
    if (bwd) out.userDefined.backward = bwd;
  }
  const scope = g("scope");
  if (scope !== undefined) out.scope = c.int(scope, c.at(p, ".scope"));
  return out;
}

export function tensorItem(c: Checker, x: unknown, p: string): TensorItem {
  const t = c.obj(x, p);
  const g = (k: string) => c.get(t, k, p);
  const value = refIndex(c, g("value"), c.at(p, ".value"));
  const grad = g("grad");
  const gradFn = g("gradFn");
  let shapeIn: { shape: number[]; numel: number } | null = null;
  try {
    shapeIn = shape(c, g("shape"), c.at(p, ".shape"));
  } catch (e) {
    // Repair mode makes a wrong shape flat once the value's element count is known.
    if (!c.repair) throw e;
  }
  const out: TensorItem = {
    id: c.str(g("id"), c.at(p, ".id"), CAPS.name),
    label: c.str(g("label"), c.at(p, ".label"), CAPS.name),
    kind: c.oneOf(g("kind"), c.at(p, ".kind"), ["leaf", "intermediate", "output", "constant"] as const),
    shape: shapeIn?.shape ?? [],
    dtype: c.oneOf(g("dtype"), c.at(p, ".dtype"), DTYPES),
    value,
    grad: grad === null || grad === undefined ? null : refIndex(c, grad, c.at(p, ".grad")),
    requiresGrad: c.bool(g("requiresGrad"), c.at(p, ".requiresGrad")),
    isLeaf: c.bool(g("isLeaf"), c.at(p, ".isLeaf")),
    retainsGrad: c.bool(g("retainsGrad"), c.at(p, ".retainsGrad")),
    gradFn: gradFn === null || gradFn === undefined ? null : c.str(gradFn, c.at(p, ".gradFn"), CAPS.name),
  };
  if (!shapeIn) badShape.add(out);
  const name = c.optStr(g("name"), c.at(p, ".name"), CAPS.name);
  if (name !== undefined) out.name = name;
  const note = c.optStr(g("gradNote"), c.at(p, ".gradNote"), CAPS.message);
  if (note !== undefined) out.gradNote = note;
  const version = g("version");
  if (version !== undefined) out.version = c.int(version, c.at(p, ".version"));
  const valueNote = c.optStr(g("valueNote"), c.at(p, ".valueNote"), CAPS.message);
  if (valueNote !== undefined) out.valueNote = valueNote;
  const range = c.range(g("range"), c.at(p, ".range"));
  if (range) out.range = range;
  const boundAt = c.range(g("boundAt"), c.at(p, ".boundAt"));
  if (boundAt) out.boundAt = boundAt;
  return out;
}

export function edgeItem(c: Checker, x: unknown, p: string): GraphSnapshot["edges"][number] {
  const e = c.obj(x, p);
  return {
    from: c.str(c.get(e, "from", p), c.at(p, ".from"), CAPS.name),
    to: c.str(c.get(e, "to", p), c.at(p, ".to"), CAPS.name),
    index: c.int(c.get(e, "index", p), c.at(p, ".index")),
    inputNr: c.int(c.get(e, "inputNr", p), c.at(p, ".inputNr")),
  };
}

export function callItem(c: Checker, x: unknown, p: string): BackwardCallWire {
  const b = c.obj(x, p);
  const g = (k: string) => c.get(b, k, p);
  const out: BackwardCallWire = {
    index: c.int(g("index"), c.at(p, ".index")),
    kind: c.oneOf(g("kind"), c.at(p, ".kind"), ["backward", "grad"] as const),
    roots: c.arr(g("roots"), c.at(p, ".roots")).map((r, j) => c.str(r, c.atIndex(p, ".roots", j), CAPS.name)),
    steps: c.arr(g("steps"), c.at(p, ".steps")).map((y, j) => {
      const q = c.atIndex(p, ".steps", j);
      const s = c.obj(y, q);
      const h = (k: string) => c.get(s, k, q);
      const step: BackwardCallWire["steps"][number] = {
        index: c.int(h("index"), c.at(q, ".index")),
        node: c.str(h("node"), c.at(q, ".node"), CAPS.name),
        gradIn: refIndex(c, h("gradIn"), c.at(q, ".gradIn")),
        gradsOut: c.arr(h("gradsOut"), c.at(q, ".gradsOut")).map((z, k) => {
          const r = c.atIndex(q, ".gradsOut", k);
          const go = c.obj(z, r);
          const to = c.get(go, "to", r);
          const grad = c.get(go, "grad", r);
          return {
            index: c.int(c.get(go, "index", r), c.at(r, ".index")),
            to: to === null || to === undefined ? null : c.str(to, c.at(r, ".to"), CAPS.name),
            grad: grad === null || grad === undefined ? null : refIndex(c, grad, c.at(r, ".grad")),
          };
        }),
      };
      const leaf = c.optStr(h("leaf"), c.at(q, ".leaf"), CAPS.name);
      if (leaf !== undefined) step.leaf = leaf;
      const retained = c.optStr(h("retained"), c.at(q, ".retained"), CAPS.name);
      if (retained !== undefined) step.retained = retained;
      const after = optionalRefIndex(c, h("gradAfter"), c.at(q, ".gradAfter"));
      if (after !== undefined) step.gradAfter = after;
      return step;
    }),
    stepsTruncated: c.bool(g("stepsTruncated"), c.at(p, ".stepsTruncated")),
  };
  const loss = g("loss");
  if (loss !== undefined) out.loss = c.finite(loss, c.at(p, ".loss"));
  const range = c.range(g("range"), c.at(p, ".range"));
  if (range) out.range = range;
  const error = c.optStr(g("error"), c.at(p, ".error"), CAPS.message);
  if (error !== undefined) out.error = error;
  return out;
}

export function consoleItem(c: Checker, x: unknown, p: string): GraphSnapshot["console"][number] {
  const e = c.obj(x, p);
  const out: GraphSnapshot["console"][number] = {
    level: c.oneOf(c.get(e, "level", p), c.at(p, ".level"), ["log", "info", "warn", "error", "debug"] as const),
    text: c.str(c.get(e, "text", p), c.at(p, ".text"), CAPS.consoleLine),
  };
  const range = c.range(c.get(e, "range", p), c.at(p, ".range"));
  if (range) out.range = range;
  return out;
}

/** The snapshot's lists whose entries are checked on their own, and how. */
export const ITEM_CHECKS = {
  values: encodedValue,
  tensors: tensorItem,
  nodes: nodeItem,
  edges: edgeItem,
  backward: callItem,
  console: consoleItem,
} as const;

/** Lists whose every entry was checked ahead (strictly) by precheckEntry: the validator takes them as they are. */
const prechecked = new WeakSet<object>();

export function isPrecheckedList(a: unknown): boolean {
  return typeof a === "object" && a !== null && prechecked.has(a);
}

const strict = new Checker(false);
/** One intern table per list being parsed (Checker.intern), let go with the list. */
const internTables = new WeakMap<unknown[], Map<string, string>>();

/**
 * Check entry `index` of `snapshot.<list>` as soon as it has been parsed, before it is put into
 * `into` (the list being parsed, every entry of which comes through here); returns its checked copy
 * or, for any other list, the entry unchanged. Throws ValidationError naming the entry.
 */
export function precheckEntry(list: string, index: number, x: unknown, into: unknown[]): unknown {
  if (!Object.prototype.hasOwnProperty.call(ITEM_CHECKS, list)) return x;
  const check = ITEM_CHECKS[list as keyof typeof ITEM_CHECKS] as (c: Checker, x: unknown, p: string) => object;
  let table = internTables.get(into);
  if (!table) internTables.set(into, (table = new Map()));
  strict.intern = table;
  try {
    // As Checker.each: without paths first, again with them (to name the field) only if it fails.
    const out = strict.each([x], () => check(strict, x, strict.atIndex("snapshot.", list, index)))[0]!;
    if (index === 0) prechecked.add(into);
    return out;
  } finally {
    strict.intern = null;
  }
}

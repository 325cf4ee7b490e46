// GraphSnapshot (what consumers read: ValueSummary objects) ⇄ SnapshotWire (what travels: a value
// table of base64 entries that tensors, saved values and steps refer to by index). Encoding shares
// one entry between every place that holds the same values (a step's gradIn is the previous step's
// gradOut; a leaf's final grad is its last AccumulateGrad's gradAfter), so a backward step costs a
// few numbers instead of copies. Decoding expects a wire snapshot that shared/validate.ts checked.
// Pure TypeScript (runner, host, page).
import type {
  BackwardCallWire,
  EncodedValue,
  GraphSnapshot,
  NodeWire,
  SnapshotWire,
  TensorWire,
  ValueRef,
  ValueSummary,
} from "./protocol";
import { decodeValues, encodeValues } from "./value-codec";

/**
 * The value table a decoded snapshot came from, and which decoded object is which entry: sending
 * the snapshot on re-uses the encoded values (the rest of the snapshot is rebuilt from its current
 * fields, so a changed name or file travels as changed; a replaced ValueSummary is encoded anew).
 */
const tableOf = new WeakMap<GraphSnapshot, { values: EncodedValue[]; refs: Map<ValueSummary, ValueRef> }>();

/** The snapshot as it travels. Never changes `s`. */
export function encodeSnapshot(s: GraphSnapshot): SnapshotWire {
  const cached = tableOf.get(s);
  const values: EncodedValue[] = cached ? cached.values.slice() : [];
  const byObject = new Map<ValueSummary, ValueRef>(cached?.refs);
  // Entries made here, by their data (the base64 text): the first entry with a data is found by it
  // alone and compared field by field; only entries whose data an earlier one had (the same first
  // values, other statistics or shape) are found by a key of every field, built for them alone.
  const byData = new Map<string, ValueRef>();
  const byContent = new Map<string, ValueRef>();
  const add = (entry: EncodedValue): ValueRef => {
    values.push(entry);
    return values.length - 1;
  };
  const ref = (v: ValueSummary): ValueRef => {
    const known = byObject.get(v);
    if (known !== undefined) return known;
    const count = Math.min(v.values.length, v.numel);
    const entry: EncodedValue = { shape: v.shape.slice(), dtype: v.dtype, count, data: encodeValues(v.values, v.dtype, count) };
    if (v.stats) {
      // A float32 tensor's statistics need no more digits than float32 has (9 round-trip it).
      const r = v.dtype === "float32" ? (x: number) => Number(x.toPrecision(9)) : (x: number) => x;
      entry.stats = [r(v.stats.min), r(v.stats.max), r(v.stats.mean), v.stats.nanCount, v.stats.infCount];
    }
    const first = byData.get(entry.data);
    let r: ValueRef | undefined;
    if (first === undefined) byData.set(entry.data, (r = add(entry)));
    else if (sameEntry(values[first]!, entry)) r = first;
    else {
      const key = `${entry.dtype}|${entry.shape.join(",")}|${entry.count}|${entry.stats?.join(",") ?? ""}|${entry.data}`;
      r = byContent.get(key);
      if (r === undefined) byContent.set(key, (r = add(entry)));
    }
    byObject.set(v, r);
    return r;
  };
  const tensors: TensorWire[] = s.tensors.map((t) => ({ ...t, value: ref(t.value), grad: t.grad ? ref(t.grad) : null }));
  const nodes: NodeWire[] = s.nodes.map((n) => ({
    ...n,
    saved: n.saved.map((sv) => {
      const { value, ...rest } = sv;
      return value ? { ...rest, value: ref(value) } : rest;
    }),
  }));
  const backward: BackwardCallWire[] = s.backward.map((c) => ({
    ...c,
    steps: c.steps.map((st) => {
      const { gradAfter, ...rest } = st;
      const out: BackwardCallWire["steps"][number] = {
        ...rest,
        gradIn: ref(st.gradIn),
        gradsOut: st.gradsOut.map((g) => ({ index: g.index, to: g.to, grad: g.grad ? ref(g.grad) : null })),
      };
      if (gradAfter) out.gradAfter = ref(gradAfter);
      return out;
    }),
  }));
  return { ...s, values, tensors, nodes, backward };
}

/** Two table entries with the same data are one entry when dtype, count, shape and statistics agree
 * (as their text would: NaN equals NaN, 0 equals -0). */
function sameEntry(a: EncodedValue, b: EncodedValue): boolean {
  return a.dtype === b.dtype && a.count === b.count && sameNumbers(a.shape, b.shape) && sameNumbers(a.stats, b.stats);
}

function sameNumbers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && !(x !== x && y !== y)) return false;
  }
  return true;
}

/** The table entry a decoded ValueSummary reads its values from, until they are read. */
const pendingValues = new WeakMap<object, EncodedValue>();

/** `values` becomes a plain property holding `values` (when read, or when set). */
function settleValues(target: object, values: ValueSummary["values"]): ValueSummary["values"] {
  pendingValues.delete(target);
  Object.defineProperty(target, "values", { value: values, writable: true, enumerable: true, configurable: true });
  return values;
}

// One accessor pair for every decoded value (not closures per value: those cost ~400 bytes each, and
// V8 keeps objects that share their accessors in one shape). `this` is the ValueSummary.
const LAZY_VALUES: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: object): ValueSummary["values"] {
    const e = pendingValues.get(this);
    let values: ValueSummary["values"] = [];
    try {
      if (e) values = decodeValues(e.data, e.dtype, e.count);
    } catch {
      values = [];
    }
    return settleValues(this, values);
  },
  set(this: object, values: ValueSummary["values"]): void {
    settleValues(this, values);
  },
};

/**
 * One table entry as a ValueSummary. Its `values` stay base64 until something reads them (most never
 * are read where the snapshot was received: the host passes the table on to the page as it came),
 * then are decoded once. `e` must have been checked (validateWire): decoding cannot fail then; if it
 * does all the same, `values` is empty rather than an exception in a hover.
 */
export function decodeValue(e: EncodedValue): ValueSummary {
  const numel = e.shape.reduce((a, d) => a * d, 1);
  const out = { shape: e.shape.slice(), dtype: e.dtype, numel } as ValueSummary;
  pendingValues.set(out, e);
  Object.defineProperty(out, "values", LAZY_VALUES);
  out.truncated = e.count < numel;
  if (e.stats) out.stats = { min: e.stats[0], max: e.stats[1], mean: e.stats[2], nanCount: e.stats[3], infCount: e.stats[4] };
  return out;
}

/**
 * The snapshot consumers read. Each table entry is decoded once and shared by every
 * place that refers to it. `w` must have been checked (validateWire): refs are in range.
 */
export function decodeSnapshot(w: SnapshotWire): GraphSnapshot {
  return decodeOwnedSnapshot({
    ...w,
    tensors: w.tensors.map((t) => ({ ...t })),
    nodes: w.nodes.map((n) => ({ ...n, saved: n.saved.map((sv) => ({ ...sv })) })),
    backward: w.backward.map((c) => ({ ...c, steps: c.steps.map((st) => ({ ...st, gradsOut: st.gradsOut.map((g) => ({ ...g })) })) })),
  });
}

/**
 * decodeSnapshot for a wire snapshot nobody else holds (a fresh one from the validator): its objects
 * become the snapshot's, refs replaced by values in place, so no second copy of the graph is made.
 */
export function decodeOwnedSnapshot(w: SnapshotWire): GraphSnapshot {
  const decoded = new Array<ValueSummary | undefined>(w.values.length);
  const refs = new Map<ValueSummary, ValueRef>();
  const v = (r: ValueRef): ValueSummary => {
    let out = decoded[r];
    if (!out) {
      out = decoded[r] = decodeValue(w.values[r]!);
      refs.set(out, r);
    }
    return out;
  };
  const table = w.values;
  // The same objects, retyped: each ValueRef field is replaced by its ValueSummary below.
  type Loose = Record<string, unknown>;
  for (const t of w.tensors as unknown as Loose[]) {
    t["value"] = v(t["value"] as ValueRef);
    t["grad"] = t["grad"] === null ? null : v(t["grad"] as ValueRef);
  }
  for (const n of w.nodes) {
    for (const sv of n.saved as unknown as Loose[]) if (sv["value"] !== undefined) sv["value"] = v(sv["value"] as ValueRef);
  }
  for (const c of w.backward) {
    for (const st of c.steps as unknown as Loose[]) {
      st["gradIn"] = v(st["gradIn"] as ValueRef);
      for (const g of st["gradsOut"] as Loose[]) g["grad"] = g["grad"] === null ? null : v(g["grad"] as ValueRef);
      if (st["gradAfter"] !== undefined) st["gradAfter"] = v(st["gradAfter"] as ValueRef);
    }
  }
  const { values: _table, ...rest } = w;
  void _table;
  const s = rest as unknown as GraphSnapshot;
  tableOf.set(s, { values: table, refs });
  return s;
}

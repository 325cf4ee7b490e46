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
  const byContent = new Map<string, ValueRef>();
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
    const key = `${entry.dtype}|${entry.shape.join(",")}|${entry.count}|${entry.stats?.join(",") ?? ""}|${entry.data}`;
    let r = byContent.get(key);
    if (r === undefined) {
      r = values.length;
      values.push(entry);
      byContent.set(key, r);
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

/**
 * One table entry as a ValueSummary. Its `values` stay base64 until something reads them (most never
 * are read where the snapshot was received: the host passes the table on to the page as it came),
 * then are decoded once. `e` must have been checked (validateWire): decoding cannot fail then; if it
 * does all the same, `values` is empty rather than an exception in a hover.
 */
export function decodeValue(e: EncodedValue): ValueSummary {
  const numel = e.shape.reduce((a, d) => a * d, 1);
  const out = { shape: e.shape.slice(), dtype: e.dtype, numel } as ValueSummary;
  const settle = (values: ValueSummary["values"]) => {
    Object.defineProperty(out, "values", { value: values, writable: true, enumerable: true, configurable: true });
    return values;
  };
  Object.defineProperty(out, "values", {
    enumerable: true,
    configurable: true,
    get: () => {
      let values: ValueSummary["values"];
      try {
        values = decodeValues(e.data, e.dtype, e.count);
      } catch {
        values = [];
      }
      return settle(values);
    },
    set: settle,
  });
  out.truncated = e.count < numel;
  if (e.stats) out.stats = { min: e.stats[0], max: e.stats[1], mean: e.stats[2], nanCount: e.stats[3], infCount: e.stats[4] };
  return out;
}

/**
 * The snapshot consumers read. Each table entry is decoded once and shared by every
 * place that refers to it. `w` must have been checked (validateWire): refs are in range.
 */
export function decodeSnapshot(w: SnapshotWire): GraphSnapshot {
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
  const { values: _table, ...rest } = w;
  void _table;
  const s: GraphSnapshot = {
    ...rest,
    tensors: w.tensors.map((t) => ({ ...t, value: v(t.value), grad: t.grad === null ? null : v(t.grad) })),
    nodes: w.nodes.map((n) => ({
      ...n,
      saved: n.saved.map((sv) => {
        const { value, ...r } = sv;
        return value === undefined ? r : { ...r, value: v(value) };
      }),
    })),
    backward: w.backward.map((c) => ({
      ...c,
      steps: c.steps.map((st) => {
        const { gradAfter, ...r } = st;
        const out: GraphSnapshot["backward"][number]["steps"][number] = {
          ...r,
          gradIn: v(st.gradIn),
          gradsOut: st.gradsOut.map((g) => ({ index: g.index, to: g.to, grad: g.grad === null ? null : v(g.grad) })),
        };
        if (gradAfter !== undefined) out.gradAfter = v(gradAfter);
        return out;
      }),
    })),
  };
  tableOf.set(s, { values: w.values, refs });
  return s;
}

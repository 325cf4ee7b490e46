// The program recorder (issue 6): while a snippet runs it writes down every recorded op as data —
// its grad_fn name, its input tensors, its non-tensor arguments — and copies the values of the
// leaves and constants the ops read, so that engine/replay can re-run the forward computation at
// other leaf values (the landscape view). Part of the Recorder; runs inside the sandbox's child.
//
// What "the value of a leaf" means: the values it had when a recorded op last read it. A training
// loop updates its leaves in place (optimizer.step()) between forward passes, so the last read is
// the last forward pass, the one whose loss the snapshot shows. Constants are checked the same way
// (a tensor that shares its values with a leaf, like `w.detach()` made once, changes with it). Ops
// that read a tensor before its last change get the input id `t<id>@old`, which is neither a leaf
// nor a constant: they cannot be re-evaluated (engine/replay says so when an output depends on them).
import type { FullTensor, ProgramInfo, ProgramOp } from "../shared/protocol";
import type { Node, Tensor } from "../engine/index";

/** Numbers (leaf and constant values, index tables) the program may embed in all. */
export const PROGRAM_DATA_CAP = 1_000_000;

type Storage = Tensor["_values"];

interface RawOp {
  node: Node;
  op: string;
  /** Tensor ids of the inputs (null where absent). */
  inputs: Array<number | null>;
  attrs: Record<string, unknown>;
  out: number;
  line?: number;
}

interface SourceState {
  values: Storage;
  shape: number[];
  dtype: Tensor["dtype"];
  /** Index of the first op that read the current values (earlier readers saw older ones). */
  since: number;
}

export class ProgramRecorder {
  private readonly ops: RawOp[] = [];
  private readonly leaves = new Map<number, SourceState>();
  private readonly constants = new Map<number, SourceState>();
  private numbers = 0;
  /** Ids of tensors some recorded op produced. */
  private readonly outputs = new Set<number>();
  /** Why recording stopped (data cap), or null. */
  private stopped: string | null = null;

  constructor(private readonly dataCap = PROGRAM_DATA_CAP) {}

  /** One op, called from the observer's nodeCreated (values are read now: they may change later). */
  op(node: Node, out: Tensor, inputs: ReadonlyArray<Tensor | null> | undefined, line: number | undefined): void {
    if (this.stopped !== null) return;
    if (inputs === undefined) {
      this.stop("the engine did not report the inputs of its ops (an older engine build)");
      return;
    }
    const index = this.ops.length;
    const name = node.name;
    // An in-place op hands an existing tensor a new node: re-running it would need every value's
    // versions, which the program does not keep.
    if (this.outputs.has(out.id) || inputs.includes(out)) {
      this.stop(`the program changes a tensor in place (${name}${line !== undefined ? ` at line ${line}` : ""}), and re-running in-place changes is not supported yet`);
      return;
    }
    this.outputs.add(out.id);
    let saved: Readonly<Record<string, unknown>>;
    try {
      saved = node.saved;
    } catch {
      saved = {};
    }
    const ids = new Array<number | null>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      let t = inputs[i] ?? null;
      // binaryCrossEntropy passes its target (never differentiable) only as a saved tensor.
      if (t === null && i === 1 && name === "BinaryCrossEntropyBackward0") t = (saved["target"] as Tensor | undefined) ?? null;
      if (t === null) {
        ids[i] = null;
        continue;
      }
      if (t.gradFn === null) this.read(t, index);
      ids[i] = t.id;
    }
    const attrs = this.attrsOf(name, saved, out);
    if (this.stopped !== null) return;
    const rec: RawOp = { node, op: name, inputs: ids, attrs, out: out.id };
    if (line !== undefined) rec.line = line;
    this.ops.push(rec);
  }

  private stop(reason: string): void {
    this.stopped = reason;
    this.ops.length = 0;
    this.leaves.clear();
    this.constants.clear();
  }

  private count(n: number): boolean {
    this.numbers += n;
    if (this.numbers > this.dataCap) {
      this.stop(
        `the leaves and constants the ops read hold more than ${this.dataCap.toLocaleString("en-US")} numbers, too many to embed in the snapshot`,
      );
      return false;
    }
    return true;
  }

  /** A leaf or constant read by op `index`: copy its values, again whenever they changed since. */
  private read(t: Tensor, index: number): void {
    const map = t._leafRequiresGrad ? this.leaves : this.constants;
    const st = map.get(t.id);
    if (st !== undefined) {
      if (sameValues(st.values, t._values)) return;
      st.values = t._values.slice();
      st.since = index;
      return;
    }
    if (!this.count(t._values.length)) return;
    map.set(t.id, { values: t._values.slice(), shape: t.shape.slice(), dtype: t.dtype, since: index });
  }

  /** The non-tensor arguments the replay rule of `name` needs, from what the node saved. */
  private attrsOf(name: string, saved: Readonly<Record<string, unknown>>, out: Tensor): Record<string, unknown> {
    const attrs: Record<string, unknown> = {};
    for (const key in saved) {
      const v = saved[key];
      if (typeof v === "number") attrs[key] = jsonNumber(v);
      else if (typeof v === "string" || typeof v === "boolean" || v === null) attrs[key] = v;
      else if (Array.isArray(v) && (v as unknown[]).every((x) => typeof x === "number")) attrs[key] = (v as number[]).slice();
    }
    // What a few rules need beyond the scalars: the output shape, the dtype converted to, index
    // tables (the flat positions a gather reads, the class targets), where's condition.
    switch (name) {
      case "ViewBackward0":
      case "ExpandBackward0":
      case "SqueezeBackward0":
      case "SqueezeBackward1":
      case "SqueezeBackward4":
      case "SqueezeBackward2":
      case "UnsafeViewBackward0":
      case "ReshapeAliasBackward0":
        attrs["shape"] = out.shape.slice();
        break;
      case "ToCopyBackward0":
        attrs["from"] = attrs["dtype"];
        attrs["dtype"] = out.dtype;
        break;
      case "NllLossBackward0":
        attrs["target"] = this.table(saved["target"]);
        break;
      case "WhereBackward0": {
        const c = saved["condition"] as Tensor | undefined;
        if (c && this.count(c._values.length)) attrs["condition"] = fullTensor(c._values, c.shape, c.dtype);
        break;
      }
      case "MaskedFillBackward0":
      case "MaskedFillBackward1": {
        const k = saved["keep"] as Tensor | undefined;
        if (k && this.count(k._values.length)) attrs["keep"] = fullTensor(k._values, k.shape, k.dtype);
        break;
      }
      case "SelectBackward0":
      case "SliceBackward0":
      case "MaxBackward0":
      case "MinBackward0":
        break; // dim/index/start/end/step/keepdim say it all; the position table is not needed
      default:
        if (isInt32Array(saved["map"])) {
          // index(), and the gathers/scatters of a double backward: the flat position table.
          attrs["map"] = this.table(saved["map"]);
          attrs["shape"] = out.shape.slice();
        }
    }
    delete attrs["selfShape"];
    delete attrs["outShape"];
    return attrs;
  }

  private table(v: unknown): number[] {
    if (!isInt32Array(v)) return [];
    if (!this.count(v.length)) return [];
    return Array.from(v);
  }

  /** The program as the snapshot carries it; `truncated` = the node cap stopped recording. */
  build(labelOf: (id: number) => string | undefined, truncated: { nodeCap: number } | null): ProgramInfo {
    if (truncated) {
      return {
        unavailable: `recording stopped at the node cap (${truncated.nodeCap.toLocaleString("en-US")} grad_fn nodes), so the traced computation is incomplete; raise the node cap to re-evaluate it`,
        leaves: {},
        constants: {},
        ops: [],
      };
    }
    if (this.stopped !== null) return { unavailable: this.stopped, leaves: {}, constants: {}, ops: [] };
    const ops: ProgramOp[] = new Array(this.ops.length);
    for (let i = 0; i < this.ops.length; i++) {
      const r = this.ops[i]!;
      const inputs = r.inputs.map((id) => {
        if (id === null) return null;
        const src = this.leaves.get(id) ?? this.constants.get(id);
        return src !== undefined && i < src.since ? `t${id}@old` : `t${id}`;
      });
      const op: ProgramOp = { node: `n${r.node.id}`, op: r.op, inputs, attrs: r.attrs, out: `t${r.out}` };
      if (r.line !== undefined) op.line = r.line;
      ops[i] = op;
    }
    const leaves: Record<string, FullTensor> = {};
    for (const [id, st] of this.leaves) {
      const ft = fullTensor(st.values, st.shape, st.dtype);
      const label = labelOf(id);
      if (label !== undefined) ft.label = label;
      leaves[`t${id}`] = ft;
    }
    const constants: Record<string, FullTensor> = {};
    for (const [id, c] of this.constants) constants[`t${id}`] = fullTensor(c.values, c.shape, c.dtype);
    return { leaves, constants, ops };
  }
}

function sameValues(a: Storage, b: Storage): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

function jsonNumber(v: number): number | "NaN" | "Infinity" | "-Infinity" {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

function fullTensor(data: Storage, shape: readonly number[], dtype: Tensor["dtype"]): FullTensor {
  const values: FullTensor["values"] = new Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = jsonNumber(data[i]!);
  return { shape: shape.slice(), dtype, values };
}

/**
 * An Int32Array of the engine's realm: the sandbox runs the engine in its own context, whose
 * Int32Array is not this one (`instanceof` was false there, so index tables were never recorded).
 */
function isInt32Array(v: unknown): v is Int32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === "[object Int32Array]";
}

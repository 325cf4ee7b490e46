// The recorder: watches the engine while a snippet runs (through the engine's observer and warning
// channel, plus the bind calls the transpiler inserts; recorder-base.ts) and turns what it saw into
// one GraphSnapshot (here). It runs inside the sandbox's child process; the engine lives in the
// snippet's vm context (another realm), so engine objects are typed structurally and never checked
// with the host's instanceof.
import {
  SNAPSHOT_VERSION,
  type EdgeInfo,
  type GraphSnapshot,
  type NodeInfo,
  type RunError,
  type SavedValue,
  type TensorInfo,
} from "../shared/protocol";
import type { Node, Tensor } from "../engine/index";
import { SAMPLE_VALUES } from "../shared/value-codec";
import type { NodeRecord, TensorRecord } from "./recorder-base";
import { CallRecording } from "./recorder-calls";
import { defaultLabel, gradNote, inputNames, safe, userFunctionOf } from "./recorder-helpers";

export { EARLIER_STEPS, STEP_VALUE_BUDGET, TENSOR_VALUE_BUDGET, type EngineModule, type RecorderOptions } from "./recorder-base";

export class Recorder extends CallRecording {
  // ---- the snapshot -----------------------------------------------------------------------------

  /** Everything recorded so far as one snapshot. Never throws (a failure becomes an internal error). */
  snapshot(durationMs: number, error?: RunError): GraphSnapshot {
    try {
      return this.build(durationMs, error);
    } catch (e) {
      return {
        ...this.empty(durationMs),
        error: error ?? { kind: "internal", message: `Autograd Lens could not build the graph: ${String(e)}` },
      };
    } finally {
      this.engine?.setObserver(null);
      this.engine?.setWarningHandler(null);
    }
  }

  /**
   * Everything recorded so far, while the run goes on (the child sends it to the parent, which keeps
   * the last one in case the child dies). Reads nothing that changes the engine (a stale view's
   * gradFn is not derived anew) and spends none of the value budgets the final snapshot uses; its
   * re-evaluation program is the ops recorded so far. Null when it could not be built.
   */
  checkpoint(durationMs: number): GraphSnapshot | null {
    const tensorBytes = this.tensorBytes;
    this.live = true;
    try {
      // With the program recorded so far: a graph kept from a checkpoint still has its loss landscape.
      return this.build(durationMs);
    } catch {
      return null;
    } finally {
      this.live = false;
      this.building = false;
      this.tensorBytes = tensorBytes;
    }
  }

  /** A tensor's grad_fn as recorded; at the end of the run as PyTorch's grad_fn reads it (a stale view's is derived anew). */
  private fnOf(t: Tensor): Node | null {
    return this.live ? t._gradFn : t.gradFn;
  }

  private empty(durationMs: number): GraphSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      file: this.options.fileName,
      language: this.options.language,
      producer: "autograd-lens",
      tracedAt: new Date().toISOString(),
      durationMs,
      limits: this.options.limits,
      console: this.consoleEntries,
      warnings: this.warnings,
      tensors: [],
      nodes: [],
      edges: [],
      backward: this.calls,
      backwardCallsDropped: this.callsDropped > 0 ? this.callsDropped : undefined,
      nodesTruncated: this.nodesTruncated,
    };
  }

  private build(durationMs: number, error?: RunError): GraphSnapshot {
    // Reading a stale view's gradFn below derives a new node (as PyTorch's grad_fn access does);
    // the snapshot shows the history as the run recorded it, so nothing is recorded from here on.
    this.building = true;
    // The node each tensor's op recorded, taken before anything below reads gradFn (which derives
    // a new AsStridedBackward0 for a view an in-place op made stale since, e.g. an optimizer step
    // on the weight that nn.Linear's transpose viewed).
    const recordedFn = new Map<Tensor, Node | null>();
    for (const rec of this.tensors.values()) recordedFn.set(rec.t, rec.t._gradFn);
    // Every node reachable by one edge from a recorded node joins (AccumulateGrad targets).
    for (const rec of [...this.nodes.values()]) {
      for (const [next] of rec.node.nextFunctions) if (next && next.name === "AccumulateGrad") this.ensureNode(next);
    }
    const lastCallNodes = this.lastCallNodes();
    // Tensors take the value budget first (in their order), saved values what is left.
    const keepOf = this.tensorKeeper(lastCallNodes);
    const nodes: NodeInfo[] = [];
    const edges: EdgeInfo[] = [];
    const consumed = new Set<string>(); // snapshot ids of tensors used as inputs of a recorded node
    const keyOf = (r: NodeRecord): string | null => r.key ?? (r.tensor ? `t${r.tensor.id}` : null);
    for (const rec of this.nodes.values()) {
      const n = rec.node;
      const isAcc = n.name === "AccumulateGrad";
      n.nextFunctions.forEach(([next, inputNr], index) => {
        if (!next || !this.nodes.has(next)) return;
        edges.push({ from: `n${n.id}`, to: `n${next.id}`, index, inputNr });
        const k = keyOf(this.nodes.get(next)!);
        if (k) consumed.add(k);
      });
      nodes.push({
        id: `n${n.id}`,
        name: n.name,
        kind: isAcc ? "accumulate" : "function",
        sequenceNr: isAcc ? null : n.sequenceNr,
        tensor: keyOf(rec),
        inputs: isAcc ? ["grad"] : inputNames(n),
        formulas: safe(() => n.formulas, []),
        saved: isAcc ? [] : this.savedOf(n, lastCallNodes === null || lastCallNodes.has(n)),
        released: n.released,
        range: rec.range,
        ...(rec.scope !== undefined ? { scope: rec.scope } : {}),
      });
      this.describeUserFunction(n, nodes[nodes.length - 1]!);
    }
    const roots = new Set(this.calls.flatMap((c) => c.roots));
    const tensors: TensorInfo[] = [];
    let lastSink: string | undefined;
    const versioned = new Set<number>();
    for (const old of this.superseded) {
      const t = old.rec.t;
      versioned.add(t.id);
      const name = old.rec.name;
      const node = old.gradFn && this.nodes.has(old.gradFn) ? `n${old.gradFn.id}` : null;
      tensors.push({
        id: old.key,
        label: name ?? (t.name ? t.name : defaultLabel(old.gradFn, t, old.rec.range)),
        kind: !old.requiresGrad ? "constant" : old.isLeaf ? "leaf" : consumed.has(old.key) ? "intermediate" : "output",
        shape: old.value.shape.slice(),
        dtype: old.value.dtype,
        value: old.value,
        grad: old.grad,
        gradNote: old.grad ? undefined : "this version was replaced by an in-place op before backward; gradients flow through the new version",
        requiresGrad: old.requiresGrad,
        isLeaf: old.isLeaf,
        retainsGrad: false,
        gradFn: node,
        range: old.rec.range,
        boundAt: old.rec.boundAt,
        version: old.version,
      });
    }
    for (const rec of this.tensors.values()) {
      const t = rec.t;
      const id = `t${t.id}`;
      const inGraph = t.requiresGrad;
      const kind: TensorInfo["kind"] = !inGraph
        ? "constant"
        : this.fnOf(t) === null
          ? "leaf"
          : roots.has(id) || !consumed.has(id)
            ? "output"
            : "intermediate";
      if (kind === "output") lastSink = id;
      const grad = t._grad;
      const name = rec.name;
      const fn = recordedFn.has(t) ? recordedFn.get(t)! : t._gradFn;
      const node = fn && this.nodes.has(fn) ? `n${fn.id}` : null;
      const base = name ?? (t.name ? t.name : defaultLabel(fn, t, rec.range));
      const info: TensorInfo = {
        id,
        name,
        label: versioned.has(t.id) ? `${base} (v${t.version})` : base,
        kind,
        shape: t.shape.slice(),
        dtype: t.dtype,
        value: this.summarize(t, keepOf(t, t)),
        grad: grad ? this.summarize(grad, keepOf(t, grad)) : null,
        gradNote: grad ? undefined : gradNote(t, this.calls.length > 0),
        requiresGrad: t.requiresGrad,
        isLeaf: t.isLeaf,
        retainsGrad: t.retainsGrad,
        gradFn: node,
        range: rec.range,
        boundAt: rec.boundAt,
      };
      if (t.version > 0) info.version = t.version;
      if (rec.createdVersion !== undefined && rec.createdVersion !== t.version) {
        info.valueNote = `changed in place after it was made (version ${rec.createdVersion} → ${t.version}); this is its value at the end of the run`;
      }
      tensors.push(info);
    }
    const lastCall = this.calls[this.calls.length - 1];
    const snapshot = this.empty(durationMs);
    snapshot.tensors = tensors;
    snapshot.nodes = nodes;
    snapshot.edges = edges;
    snapshot.output = lastCall?.roots[0] ?? lastSink;
    const scopes = this.callScopes.scopes();
    if (scopes) snapshot.scopes = scopes;
    const modules = this.modules.describe((id) => (this.tensors.has(id) ? `t${id}` : undefined));
    if (modules.length) snapshot.modules = modules;
    snapshot.program = this.program.build(
      (id) => {
        const rec = this.tensors.get(id);
        return rec ? (rec.name ?? rec.t.name ?? defaultLabel(recordedFn.has(rec.t) ? recordedFn.get(rec.t)! : rec.t._gradFn, rec.t, rec.range)) : undefined;
      },
      this.nodesTruncated ? { nodeCap: this.options.limits.nodeCap } : null,
    );
    if (this.nodesEvicted > 0) {
      snapshot.nodesEvicted = this.nodesEvicted;
      snapshot.program = {
        unavailable: `the graphs of the earliest backward calls (${this.nodesEvicted.toLocaleString("en-US")} grad_fn nodes) were left out to stay within the node cap, so the traced computation is incomplete; raise the node cap to re-evaluate it`,
        leaves: {},
        constants: {},
        ops: [],
      };
    }
    if (this.live) return snapshot;
    if (error) snapshot.error = error;
    return snapshot;
  }

  /** A user-defined autograd.Function's node: its class, where forward and backward are, and that as its formula. */
  private describeUserFunction(n: Node, info: NodeInfo): void {
    const u = userFunctionOf(n);
    if (!u) return;
    const className = safe(() => String(u.className), "Function");
    const forward = safe(() => this.userFunctions.locate(u.cls, u.forward), undefined);
    const backward = safe(() => this.userFunctions.locate(u.cls, u.backward), undefined);
    info.userDefined = { className };
    if (forward) info.userDefined.forward = forward;
    if (backward) {
      info.userDefined.backward = backward;
      info.formulas = info.inputs.map(() => `user-defined: ${className}.backward at line ${backward.line}`);
    }
  }

  /** The recorded nodes the last backward call ran through (null: no call, every node counts). */
  private lastCallNodes(): Set<Node> | null {
    const last = this.calls[this.calls.length - 1];
    if (!last) return null;
    const seen = new Set<Node>();
    const stack: Node[] = [];
    for (const root of last.roots) {
      const rec = this.tensors.get(Number(root.slice(1)));
      const fn = rec ? this.fnOf(rec.t) : null;
      if (fn) stack.push(fn);
    }
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n) || !this.nodes.has(n)) continue;
      seen.add(n);
      for (const [next] of n.nextFunctions) if (next && !seen.has(next)) stack.push(next);
    }
    return seen;
  }

  /**
   * How many values each tensor of the snapshot keeps: full values (up to the value cap, while
   * TENSOR_VALUE_BUDGET lasts) for what the last backward call used or what was made since the call
   * before it ended, for leaves and named tensors; a sample for the rest (earlier iterations).
   * Budget order: leaves and named tensors first, then the newest tensors. `nodes`: lastCallNodes().
   */
  private tensorKeeper(nodes: Set<Node> | null): (owner: Tensor, t: Tensor) => number {
    const before = this.callEndTensorId[this.calls.length - 2] ?? -1;
    const full = new Map<number, number>(); // tensor id → values to keep for its value (and grad: key -id-1)
    const records = [...this.tensors.values()];
    // A name alone does not count: a loop binds `h` anew in every iteration.
    const wanted = (r: TensorRecord): boolean => {
      const t = r.t;
      if (nodes === null || t.id > before || t.isLeaf) return true;
      const fn = this.fnOf(t) ?? t._accumulator;
      return fn !== null && fn !== undefined && nodes.has(fn);
    };
    const kept = records.filter(wanted);
    const first = kept.filter((r) => r.t.isLeaf || r.name !== undefined);
    const rest = kept.filter((r) => !(r.t.isLeaf || r.name !== undefined)).reverse();
    for (const r of [...first, ...rest]) {
      full.set(r.t.id, this.tensorKeep(r.t));
      const g = r.t._grad;
      if (g) full.set(-r.t.id - 1, this.tensorKeep(g));
    }
    return (owner, t) => full.get(owner === t ? owner.id : -owner.id - 1) ?? SAMPLE_VALUES;
  }

  private savedOf(n: Node, full: boolean): SavedValue[] {
    let saved: Readonly<Record<string, unknown>>;
    try {
      saved = n.saved;
    } catch {
      return []; // freed by backward: node.released says so
    }
    const out: SavedValue[] = [];
    for (const [name, v] of Object.entries(saved)) {
      if (v === undefined || ArrayBuffer.isView(v)) continue; // unused slots, internal index tables
      if (this.isTensor(v)) {
        out.push({ name, tensor: this.tensors.has(v.id) ? `t${v.id}` : undefined, value: this.summarize(v, full ? this.tensorKeep(v) : SAMPLE_VALUES) });
      } else if (typeof v === "number") {
        out.push({ name, scalar: Number.isFinite(v) ? v : String(v) });
      } else if (typeof v === "string" || typeof v === "boolean" || v === null) {
        out.push({ name, scalar: v });
      } else if (Array.isArray(v) && v.length <= 16 && v.every((x) => typeof x === "number")) {
        out.push({ name, scalar: `[${v.join(", ")}]` });
      }
    }
    return out;
  }
}

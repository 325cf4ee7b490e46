// The recorder: watches the engine while a snippet runs (through the engine's observer and warning
// channel, plus the bind calls the transpiler inserts) and turns what it saw into one GraphSnapshot.
// It runs inside the sandbox's child process; the engine lives in the snippet's vm context (another
// realm), so engine objects are typed structurally and never checked with the host's instanceof.
import {
  SNAPSHOT_VERSION,
  type BackwardCallInfo,
  type BackwardStepInfo,
  type ConsoleEntry,
  type EdgeInfo,
  type GraphSnapshot,
  type NodeInfo,
  type RunError,
  type RunLimits,
  type SavedValue,
  type SourceRange,
  type TensorInfo,
  type ValueSummary,
  type WarningEntry,
} from "../shared/protocol";
import type { AutogradObserver, BackwardBegin, BackwardStep, Node, Tensor, TorchWarning } from "../engine/index";
import type { PreparedScript } from "./transpile";
import { ProgramRecorder } from "./program";
import { UserFunctionLocator } from "./user-functions";
import { SAMPLE_VALUES } from "../shared/value-codec";

/** What the sandbox hands over from the engine module evaluated in the snippet's context. */
export interface EngineModule {
  torch: unknown;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- only used with instanceof
  Tensor: Function;
  setObserver(o: AutogradObserver | null): unknown;
  setWarningHandler(h: ((w: TorchWarning) => void) | null): unknown;
  setAllocationLimit(bytes: number): void;
}

export interface RecorderOptions {
  fileName: string;
  language: "typescript" | "javascript";
  limits: RunLimits;
  /** Missing when the script could not be prepared (syntax error): positions are then identity. */
  script?: PreparedScript;
}

interface TensorRecord {
  t: Tensor;
  range?: SourceRange;
  name?: string;
  boundAt?: SourceRange;
  /** The tensor's version counter when the op that made (this version of) it ran. */
  createdVersion?: number;
}

/** A version of a tensor that an in-place op replaced in the graph, frozen as it was then. */
interface SupersededRecord {
  rec: TensorRecord;
  key: string;
  version: number;
  value: ValueSummary;
  grad: ValueSummary | null;
  gradFn: Node | null;
  requiresGrad: boolean;
  isLeaf: boolean;
}

interface NodeRecord {
  node: Node;
  /** The tensor it produced (function nodes) or stands for (AccumulateGrad). */
  tensor: Tensor | null;
  /** The snapshot id of that tensor when it is an earlier version of it ("t5v0"). */
  key?: string;
  range?: SourceRange;
}

const MAX_CONSOLE_ENTRIES = 2000;
/** Backward calls kept in the snapshot (a long training loop makes many; later ones are counted). */
const MAX_BACKWARD_CALLS = 1000;
const MAX_CONSOLE_CHARS = 200_000;

// What the snapshot keeps of values (issue 13, compact snapshots): everything of the last backward
// call — each tensor's and each step's values up to the value cap — and of earlier calls a summary
// (shape, statistics and the first SAMPLE_VALUES values). Full values also stop at a byte budget,
// so that a 20,000-op program stays a few MB; past it, values are sampled too and the inspector
// says "showing 16 of 1,000 values".
/** Bytes of full values (4 a float32, 8 a float64/int64) kept for tensors, and for backward steps. */
export const TENSOR_VALUE_BUDGET = 750_000;
export const STEP_VALUE_BUDGET = 750_000;
/** Steps of earlier backward calls kept in all (newest calls first); older calls keep only their loss. */
export const EARLIER_STEPS = 1_000;

export class Recorder {
  private readonly tensors = new Map<number, TensorRecord>();
  /** Tensors an in-place op is writing (and its base): their next node makes their new version. */
  private readonly inPlaceTargets = new Set<number>();
  /** Set while the snapshot is built. */
  private building = false;
  /** Set while a checkpoint is built: the run goes on, so nothing is read that changes the engine. */
  private live = false;
  /** Counts what was recorded (tensors, nodes, names, console, warnings, backward): a checkpoint is due when it moved. */
  changes = 0;
  /** Where the last recorded op was made (the parent names it when the child dies). */
  lastOpRange: SourceRange | undefined;
  /** Earlier versions of tensors changed in place, oldest first. */
  private readonly superseded: SupersededRecord[] = [];
  private readonly nodes = new Map<Node, NodeRecord>();
  private functionNodeCount = 0;
  private nodesTruncated = false;
  private readonly calls: BackwardCallInfo[] = [];
  private current: BackwardCallInfo | null = null;
  /** Steps kept of calls before the current one, and the oldest call that may still have some. */
  private earlierSteps = 0;
  private oldestWithSteps = 0;
  private summarizedCalls = 0;
  /** Bytes of full values kept for the current call's steps, and for tensors. */
  private stepBytes = 0;
  private tensorBytes = 0;
  /** The highest engine tensor id seen, and its value when each backward call ended. */
  private lastTensorId = -1;
  private readonly callEndTensorId: number[] = [];
  private callsDropped = 0;
  private readonly consoleEntries: ConsoleEntry[] = [];
  private consoleChars = 0;
  private consoleTruncated = false;
  private readonly warnings: WarningEntry[] = [];
  /** The forward ops as data, for re-evaluation (snapshot.program). */
  private readonly program = new ProgramRecorder();
  /** Where the forward/backward of user-defined autograd Functions are written. */
  private readonly userFunctions: UserFunctionLocator;

  constructor(
    private readonly engine: EngineModule | null,
    private readonly options: RecorderOptions,
  ) {
    this.userFunctions = new UserFunctionLocator(options.script);
  }

  /** Hook the engine's observer and warning channel, and cap single allocations at the memory limit. */
  install(): void {
    const engine = this.engine;
    if (!engine) return;
    engine.setObserver({
      tensorCreated: (t) => this.onTensor(t),
      nodeCreated: (n, out, inputs) => this.onNode(n, out, inputs),
      beforeInPlace: (t) => this.onBeforeInPlace(t),
      backwardBegin: (info) => this.onBackwardBegin(info),
      backwardStep: (step) => this.onStep(step),
      backwardEnd: (info) => this.onBackwardEnd(info.error),
    });
    engine.setWarningHandler((w) => {
      this.changes++;
      if (this.warnings.length < MAX_CONSOLE_ENTRIES) this.warnings.push({ message: w.message, range: this.locate(w.stack) });
    });
    engine.setAllocationLimit(this.options.limits.memoryMb * 2 ** 20);
  }

  // ---- names ------------------------------------------------------------------------------------

  private isTensor(v: unknown): v is Tensor {
    return this.engine !== null && v instanceof this.engine.Tensor;
  }

  /** `const x = EXPR` → the tensor EXPR made is called x (the first binding wins). */
  bind<T>(value: T, name: string, line: number, column: number): T {
    if (this.isTensor(value)) {
      let rec = this.tensors.get(value.id);
      if (!rec && !value.requiresGrad) {
        // A constant bound to a name: not in the graph, but hovers want it.
        if (this.tensors.size >= this.options.limits.nodeCap * 2) return value;
        rec = { t: value, range: { line, column } };
        this.tensors.set(value.id, rec);
      }
      if (rec && rec.name === undefined) {
        this.changes++;
        rec.name = name;
        rec.boundAt = { line, column };
        if (value.name === undefined) value.name = name;
      }
    }
    return value;
  }

  /** Destructuring: walk the value along the pattern the transpiler described. */
  bindPattern<T>(value: T, pattern: unknown, line: number, column: number): T {
    this.walkPattern(value, pattern, line, column, 0);
    return value;
  }

  private walkPattern(value: unknown, pattern: unknown, line: number, column: number, depth: number): void {
    if (depth > 32 || pattern === null || typeof pattern !== "object" || value === null || value === undefined) return;
    const p = pattern as Record<string, unknown>;
    const at = (q: Record<string, unknown>): [number, number] => [
      typeof q["line"] === "number" ? q["line"] : line,
      typeof q["column"] === "number" ? q["column"] : column,
    ];
    if (typeof p["name"] === "string") {
      const [l, c] = at(p);
      this.bind(value, p["name"], l, c);
      return;
    }
    if (Array.isArray(p["array"]) && typeof value === "object") {
      const items = Array.isArray(value) ? value : [];
      p["array"].forEach((el: unknown, i: number) => {
        if (el && typeof el === "object" && "rest" in el) return; // the rest is a fresh array, not a tensor
        this.walkPattern(items[i], el, line, column, depth + 1);
      });
      return;
    }
    if (Array.isArray(p["object"]) && (typeof value === "object" || typeof value === "function")) {
      for (const prop of p["object"] as unknown[]) {
        if (!prop || typeof prop !== "object") continue;
        const q = prop as Record<string, unknown>;
        if (typeof q["key"] === "string") {
          this.walkPattern((value as Record<string, unknown>)[q["key"]], q["target"] ?? q, line, column, depth + 1);
        }
      }
      return;
    }
    if (p["target"]) this.walkPattern(value, p["target"], line, column, depth + 1);
  }

  // ---- console ----------------------------------------------------------------------------------

  console(level: ConsoleEntry["level"], text: string, stack: string): void {
    if (this.consoleTruncated) return;
    this.changes++;
    if (this.consoleEntries.length >= MAX_CONSOLE_ENTRIES || this.consoleChars + text.length > MAX_CONSOLE_CHARS) {
      this.consoleTruncated = true;
      // The line that goes over keeps what fits (cut with a marker), never dropped whole.
      const room = MAX_CONSOLE_CHARS - this.consoleChars;
      const mark = (n: number) => `… [${n.toLocaleString("en-US")} more characters]`;
      const keep = room - mark(text.length).length;
      if (this.consoleEntries.length < MAX_CONSOLE_ENTRIES && keep > 0) {
        this.consoleEntries.push({ level, text: `${text.slice(0, keep)}${mark(text.length - keep)}`, range: this.locate(stack) });
      }
      this.consoleEntries.push({ level: "warn", text: `[console output truncated after ${this.consoleEntries.length} entries]` });
      return;
    }
    this.consoleChars += text.length;
    this.consoleEntries.push({ level, text, range: this.locate(stack) });
  }

  // ---- source positions -------------------------------------------------------------------------

  private frames(stack: string | undefined): Array<{ line: number; column: number; fn: string }> {
    if (typeof stack !== "string" || !stack) return []; // a snippet's Error.prepareStackTrace may make it anything
    const file = this.options.fileName;
    // The transpiler's wrapper adds one line after the user's text (`})()`): its frames are ours.
    // V8 counts every ECMAScript line terminator (\r alone, U+2028 too), so must this.
    const userLines = this.options.script ? this.options.script.code.split(/\r\n|[\n\r\u2028\u2029]/).length - 1 : Infinity;
    const out: Array<{ line: number; column: number; fn: string }> = [];
    for (const raw of stack.split("\n")) {
      const s = raw.trim();
      if (!s.startsWith("at ")) continue;
      const m = /^at (?:(.*?) \()?(.*):(\d+):(\d+)\)?$/.exec(s);
      if (!m || m[2] !== file || Number(m[3]) > userLines) continue;
      out.push({ fn: m[1] ?? "", line: Number(m[3]), column: Number(m[4]) });
    }
    return out;
  }

  private toSource(line: number, column: number): SourceRange {
    return this.options.script ? this.options.script.toSource(line, column) : { line, column };
  }

  /** The first frame of the user's script in a stack, in the user's text. */
  locate(stack: string | undefined): SourceRange | undefined {
    const f = this.frames(stack)[0];
    return f ? this.toSource(f.line, f.column) : undefined;
  }

  /** The stack in the user's terms: its first line, then only the snippet's frames, mapped. */
  userStack(stack: string | undefined): string {
    if (typeof stack !== "string" || !stack) return "";
    const head = stack.split("\n").find((l) => !l.trim().startsWith("at ")) ?? "";
    const frames = this.frames(stack).map((f) => {
      const r = this.toSource(f.line, f.column);
      const where = `${this.options.fileName}:${r.line}:${r.column}`;
      const fn = f.fn.replace(/^async /, "");
      return fn && !fn.startsWith("<anonymous>") && fn !== "Object.<anonymous>" ? `    at ${fn} (${where})` : `    at ${where}`;
    });
    return [head, ...frames].join("\n");
  }

  private here(): SourceRange | undefined {
    return this.locate(new Error().stack);
  }

  // ---- engine events ----------------------------------------------------------------------------

  private onTensor(t: Tensor): void {
    if (t.id > this.lastTensorId) this.lastTensorId = t.id;
    if (this.tensors.has(t.id)) return;
    if (this.functionNodeCount >= this.options.limits.nodeCap) {
      this.nodesTruncated = true;
      return;
    }
    this.changes++;
    this.tensors.set(t.id, { t, range: this.here() });
  }

  private onNode(node: Node, out: Tensor, inputs?: ReadonlyArray<Tensor | null>): void {
    if (this.building) return;
    if (out.id > this.lastTensorId) this.lastTensorId = out.id;
    if (this.functionNodeCount >= this.options.limits.nodeCap) {
      this.nodesTruncated = true;
      return;
    }
    this.functionNodeCount++;
    this.changes++;
    const range = this.here();
    if (range) this.lastOpRange = range;
    this.nodes.set(node, { node, tensor: out, range });
    const rec = this.tensors.get(out.id);
    if (!rec) this.tensors.set(out.id, { t: out, range, createdVersion: out.version });
    else if (this.inPlaceTargets.delete(out.id) || userFunctionOf(node)) {
      // (A custom Function's output was made inside its forward; it is made where apply() is called.)
      // A new version made by an in-place op on this tensor: it is made here. (A view's grad_fn
      // derived anew after a write elsewhere keeps the view's own line and note.)
      rec.range = range;
      rec.createdVersion = out.version;
    }
    this.program.op(node, out, inputs, range?.line);
  }

  /** Freeze the version of `t` an in-place op is about to replace: it stays in the graph as it was. */
  private onBeforeInPlace(t: Tensor): void {
    this.inPlaceTargets.add(t.id);
    const rec = this.tensors.get(t.id);
    if (!rec) return;
    const key = `t${t.id}v${t.version}`;
    const grad = t._grad;
    this.superseded.push({
      rec: { ...rec },
      key,
      version: t.version,
      value: this.summarize(t, this.tensorKeep(t)),
      grad: grad ? this.summarize(grad, this.tensorKeep(grad)) : null,
      gradFn: t.gradFn,
      requiresGrad: t.requiresGrad,
      isLeaf: t.isLeaf,
    });
    const node = t.gradFn ?? t._accumulator;
    const nodeRec = node ? this.nodes.get(node) : undefined;
    if (nodeRec && nodeRec.key === undefined) nodeRec.key = key;
  }

  private onBackwardBegin(info: BackwardBegin): void {
    this.summarizeEarlierCalls();
    if (this.calls.length >= MAX_BACKWARD_CALLS) {
      this.callsDropped++;
      this.current = null;
      return;
    }
    const root = info.roots[0];
    let loss: number | undefined;
    if (root && root.numel() === 1) loss = root._values[0];
    const call: BackwardCallInfo = {
      index: this.calls.length,
      kind: info.kind,
      roots: info.roots.map((r) => `t${r.id}`),
      loss: loss !== undefined && Number.isFinite(loss) ? loss : undefined,
      range: this.here(),
      steps: [],
      stepsTruncated: false,
    };
    this.calls.push(call);
    this.current = call;
    this.changes++;
    if (call.range) this.lastOpRange = call.range;
  }

  private onStep(step: BackwardStep): void {
    const call = this.current;
    if (!call) return;
    // The cap is per call, so the last call (where the view opens) is always steppable; earlier
    // calls are summarized when the next one begins (summarizeEarlierCalls).
    if (call.steps.length >= this.options.limits.stepCap) {
      call.stepsTruncated = true;
      return;
    }
    const node = step.node;
    this.ensureNode(node);
    const info: BackwardStepInfo = {
      index: step.index,
      node: `n${node.id}`,
      gradIn: this.summarize(step.gradIn, this.stepKeep(step.gradIn)),
      gradsOut: step.gradsOut.map((g, i) => {
        const to = node.nextFunctions[i]?.[0] ?? null;
        return { index: i, to: to ? `n${to.id}` : null, grad: g ? this.summarize(g, this.stepKeep(g)) : null };
      }),
    };
    // Values are copied now: leaf grads are later updated in place.
    if (step.leaf) {
      info.leaf = `t${step.leaf.id}`;
      if (step.leaf._grad) info.gradAfter = this.summarize(step.leaf._grad, this.stepKeep(step.leaf._grad));
    } else if (step.retained) {
      info.retained = `t${step.retained.id}`;
      if (step.retained._grad) info.gradAfter = this.summarize(step.retained._grad, this.stepKeep(step.retained._grad));
    }
    call.steps.push(info);
    this.changes++;
  }

  /** How many values of a step's gradient to keep: up to the value cap while the step budget lasts. */
  private stepKeep(t: Tensor): number {
    const n = Math.min(t.numel(), this.options.limits.valueCap);
    const bytes = n * (t.dtype === "float32" ? 4 : 8);
    if (n <= SAMPLE_VALUES || this.stepBytes + bytes > STEP_VALUE_BUDGET) return SAMPLE_VALUES;
    this.stepBytes += bytes;
    return n;
  }

  /** How many values of a tensor (or its grad) to keep: up to the value cap while the tensor budget lasts. */
  private tensorKeep(t: Tensor): number {
    const n = Math.min(t.numel(), this.options.limits.valueCap);
    const bytes = n * (t.dtype === "float32" ? 4 : 8);
    if (n <= SAMPLE_VALUES || this.tensorBytes + bytes > TENSOR_VALUE_BUDGET) return SAMPLE_VALUES;
    this.tensorBytes += bytes;
    return n;
  }

  /**
   * A new backward call begins: the steps of the calls before it keep a summary of their values
   * (statistics and the first SAMPLE_VALUES), and past EARLIER_STEPS steps in all the oldest calls
   * keep none (their loss and roots stay, for the loss plot and the call picker).
   */
  private summarizeEarlierCalls(): void {
    if (this.current !== null || this.summarizedCalls >= this.calls.length) return;
    const shrink = (v: ValueSummary | null | undefined) => {
      if (v && v.values.length > SAMPLE_VALUES) {
        v.values.length = SAMPLE_VALUES;
        v.truncated = true;
      }
    };
    for (; this.summarizedCalls < this.calls.length; this.summarizedCalls++) {
      const prev = this.calls[this.summarizedCalls]!;
      for (const st of prev.steps) {
        shrink(st.gradIn);
        for (const g of st.gradsOut) shrink(g.grad);
        shrink(st.gradAfter);
      }
      this.earlierSteps += prev.steps.length;
    }
    this.stepBytes = 0;
    while (this.earlierSteps > EARLIER_STEPS && this.oldestWithSteps < this.calls.length) {
      const old = this.calls[this.oldestWithSteps++]!;
      if (old.steps.length === 0) continue;
      this.earlierSteps -= old.steps.length;
      old.steps = [];
      old.stepsTruncated = true;
    }
  }

  private onBackwardEnd(error: unknown): void {
    this.changes++;
    if (this.current) this.callEndTensorId[this.current.index] = this.lastTensorId;
    if (this.current && error !== undefined) {
      this.current.error = error instanceof Object && "message" in error ? String((error as Error).message) : String(error);
    }
    this.current = null;
  }

  /** AccumulateGrad nodes are not "created" by ops; they join the record when first seen. */
  private ensureNode(node: Node): void {
    if (this.nodes.has(node)) return;
    const variable = (node as { variable?: Tensor }).variable ?? null;
    this.nodes.set(node, { node, tensor: variable });
    if (variable && !this.tensors.has(variable.id)) this.tensors.set(variable.id, { t: variable });
  }

  // ---- values -----------------------------------------------------------------------------------

  /** Shape, dtype, statistics and the first `keep` values (at most the value cap) of `t`. */
  summarize(t: Tensor, keep = this.options.limits.valueCap): ValueSummary {
    const data = t._values;
    const n = data.length;
    const take = Math.min(n, keep, this.options.limits.valueCap);
    const values: ValueSummary["values"] = new Array(take);
    for (let i = 0; i < take; i++) values[i] = jsonNumber(data[i]!);
    const summary: ValueSummary = { shape: t.shape.slice(), dtype: t.dtype, numel: n, values, truncated: n > take };
    if (n > 1) {
      let min = Infinity, max = -Infinity, sum = 0, finite = 0, nanCount = 0, infCount = 0;
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        if (v !== v) nanCount++;
        else if (v === Infinity || v === -Infinity) infCount++;
        else {
          if (v < min) min = v;
          if (v > max) max = v;
          sum += v;
          finite++;
        }
      }
      // With no finite value the statistics are 0 (JSON has no NaN); the counts say why.
      summary.stats = finite > 0 ? { min, max, mean: sum / finite, nanCount, infCount } : { min: 0, max: 0, mean: 0, nanCount, infCount };
    }
    return summary;
  }

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
   * gradFn is not derived anew), spends none of the value budgets the final snapshot uses, and
   * leaves out the re-evaluation program. Null when it could not be built.
   */
  checkpoint(durationMs: number): GraphSnapshot | null {
    const tensorBytes = this.tensorBytes;
    this.live = true;
    try {
      const s = this.build(durationMs);
      s.program = { unavailable: "the run did not finish, so the traced computation is incomplete", leaves: {}, constants: {}, ops: [] };
      return s;
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
    const keepOf = this.tensorKeeper();
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
    if (this.live) return snapshot;
    snapshot.program = this.program.build(
      (id) => {
        const rec = this.tensors.get(id);
        return rec ? (rec.name ?? rec.t.name ?? defaultLabel(recordedFn.has(rec.t) ? recordedFn.get(rec.t)! : rec.t._gradFn, rec.t, rec.range)) : undefined;
      },
      this.nodesTruncated ? { nodeCap: this.options.limits.nodeCap } : null,
    );
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
   * Budget order: leaves and named tensors first, then the newest tensors.
   */
  private tensorKeeper(): (owner: Tensor, t: Tensor) => number {
    const nodes = this.lastCallNodes();
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

/** The class and functions of a user-defined autograd.Function's node (engine/autograd/function.ts), else null. */
function userFunctionOf(n: Node): { className: unknown; cls: unknown; forward: unknown; backward: unknown } | null {
  return safe(() => {
    const u = (n as { userFunction?: unknown }).userFunction;
    return typeof u === "object" && u !== null ? (u as { className: unknown; cls: unknown; forward: unknown; backward: unknown }) : null;
  }, null);
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function jsonNumber(v: number): number | "NaN" | "Infinity" | "-Infinity" {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

function inputNames(n: Node): string[] {
  const spec = (n as { spec?: { inputs?: readonly string[] } }).spec;
  const names = spec?.inputs ?? [];
  const count = n.nextFunctions.length;
  if (names.length === count) return names.slice();
  if (names.length === 1) return Array.from({ length: count }, (_, i) => `${names[0]}[${i}]`);
  return Array.from({ length: count }, (_, i) => names[i] ?? `input${i}`);
}

/** "add @ L9": the op of the node that made it (as recorded), lower-cased, and the line. */
function defaultLabel(fn: Node | null, t: Tensor, range: SourceRange | undefined): string {
  const op = fn ? fn.name.replace(/Backward\d*$/, "").replace(/^./, (c) => c.toLowerCase()) : "tensor";
  return range ? `${op} @ L${range.line}` : `${op} #${t.id}`;
}

function gradNote(t: Tensor, backwardCalled: boolean): string {
  if (!t.requiresGrad) return "does not require grad";
  if (!t.isLeaf && !t.retainsGrad) {
    return "not kept: a non-leaf tensor's gradient is freed after backward unless you call retainGrad() on it";
  }
  return backwardCalled ? "backward() did not reach this tensor" : "backward() has not been called yet";
}

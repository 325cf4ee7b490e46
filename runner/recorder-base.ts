// The recording half of the recorder (runner/recorder.ts builds the snapshot from it): watches the
// engine while a snippet runs, through the engine's observer and warning channel plus the bind calls
// the transpiler inserts, and keeps tensors, nodes, names, console and warnings with their source
// positions (recorder-stacks.ts) within the caps and value budgets; the backward calls and their
// steps are recorder-calls.ts's. It runs inside the
// sandbox's child process; the engine lives in the snippet's vm context (another realm), so engine
// objects are typed structurally and never checked with the host's instanceof.
import type {
  BackwardCallInfo,
  ConsoleEntry,
  RunLimits,
  SourceRange,
  ValueSummary,
  WarningEntry,
} from "../shared/protocol";
import type { AutogradObserver, BackwardBegin, BackwardStep, Node, Tensor, TorchWarning } from "../engine/index";
import type { PreparedScript } from "./transpile";
import { ModuleBindings } from "./module-bindings";
import { CallScopes } from "./call-scopes";
import type { CallFrames } from "./context-calls";
import { ProgramRecorder } from "./program";
import { StackMapper } from "./recorder-stacks";
import { jsonNumber, userFunctionOf } from "./recorder-helpers";
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

export interface TensorRecord {
  t: Tensor;
  range?: SourceRange;
  name?: string;
  boundAt?: SourceRange;
  /** The tensor's version counter when the op that made (this version of) it ran. */
  createdVersion?: number;
}

/** A version of a tensor that an in-place op replaced in the graph, frozen as it was then. */
export interface SupersededRecord {
  rec: TensorRecord;
  key: string;
  version: number;
  value: ValueSummary;
  grad: ValueSummary | null;
  gradFn: Node | null;
  requiresGrad: boolean;
  isLeaf: boolean;
}

export interface NodeRecord {
  node: Node;
  /** The tensor it produced (function nodes) or stands for (AccumulateGrad). */
  tensor: Tensor | null;
  /** The snapshot id of that tensor when it is an earlier version of it ("t5v0"). */
  key?: string;
  range?: SourceRange;
  /** The module or function call that made it (snapshot.scopes). */
  scope?: number;
  /** Backward calls begun before it was made (the forward of the next one); absent for AccumulateGrad. */
  call?: number;
}

export const MAX_CONSOLE_ENTRIES = 2000;
/** Backward calls kept in the snapshot: the first ones and the newest (a long training loop makes many; the rest are counted). */
export const MAX_BACKWARD_CALLS = 1000;
export const MAX_CONSOLE_CHARS = 200_000;

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

export abstract class RecordingBase {
  protected readonly tensors = new Map<number, TensorRecord>();
  /** Tensors an in-place op is writing (and its base): their next node makes their new version. */
  protected readonly inPlaceTargets = new Set<number>();
  /** Set while the snapshot is built. */
  protected building = false;
  /** Set while a checkpoint is built: the run goes on, so nothing is read that changes the engine. */
  protected live = false;
  /** Counts what was recorded (tensors, nodes, names, console, warnings, backward): a checkpoint is due when it moved. */
  changes = 0;
  /** Where the last recorded op was made (the parent names it when the child dies). */
  lastOpRange: SourceRange | undefined;
  /** Earlier versions of tensors changed in place, oldest first. */
  protected readonly superseded: SupersededRecord[] = [];
  protected readonly nodes = new Map<Node, NodeRecord>();
  protected functionNodeCount = 0;
  protected nodesTruncated = false;
  /** grad_fn nodes of earlier backward calls left out to make room under the node cap (evictEarlierCalls). */
  protected nodesEvicted = 0;
  /** Backward calls begun, with those not kept (MAX_BACKWARD_CALLS). */
  protected callsBegun = 0;
  protected readonly calls: BackwardCallInfo[] = [];
  protected current: BackwardCallInfo | null = null;
  /** Steps kept of calls before the current one, and the oldest call that may still have some. */
  protected earlierSteps = 0;
  protected oldestWithSteps = 0;
  protected summarizedCalls = 0;
  /** Bytes of full values kept for the current call's steps, and for tensors. */
  protected stepBytes = 0;
  protected tensorBytes = 0;
  /** The highest engine tensor id seen, and its value when each backward call ended. */
  protected lastTensorId = -1;
  protected readonly callEndTensorId: number[] = [];
  protected callsDropped = 0;
  protected readonly consoleEntries: ConsoleEntry[] = [];
  protected consoleChars = 0;
  protected consoleTruncated = false;
  protected readonly warnings: WarningEntry[] = [];
  /** Modules bound to names, for the hover on them (snapshot.modules). */
  protected readonly modules = new ModuleBindings((v): v is object => {
    const M = (this.engine?.torch as { nn?: { Module?: unknown } } | undefined)?.nn?.Module;
    return typeof M === "function" && v instanceof M;
  });
  /** The forward ops as data, for re-evaluation (snapshot.program). */
  protected readonly program = new ProgramRecorder();
  /** Where the forward/backward of user-defined autograd Functions are written. */
  protected readonly userFunctions: UserFunctionLocator;
  private readonly stacks: StackMapper;
  /** Module and function calls in progress and done, for folding (snapshot.scopes). */
  protected readonly callScopes = new CallScopes();

  constructor(
    protected readonly engine: EngineModule | null,
    protected readonly options: RecorderOptions,
  ) {
    this.userFunctions = new UserFunctionLocator(options.script);
    this.stacks = new StackMapper(options.fileName, options.script);
  }

  /** The snippet's function calls in progress (its context's stack, context-calls.ts), for folding by call. */
  useCallFrames(frames: CallFrames): void {
    this.callScopes.useFunctions(frames, this.options.script?.functions ?? []);
  }

  /** The first frame of the user's script in a stack, in the user's text. */
  locate(stack: string | undefined): SourceRange | undefined {
    return this.stacks.locate(stack);
  }

  /** The stack in the user's terms: its first line, then only the snippet's frames, mapped. */
  userStack(stack: string | undefined): string {
    return this.stacks.userStack(stack);
  }

  /** Hook the engine's observer and warning channel, and cap single allocations at the memory limit. */
  install(): void {
    const engine = this.engine;
    if (!engine) return;
    engine.setObserver({
      tensorCreated: (t) => this.onTensor(t),
      nodeCreated: (n, out, inputs) => this.onNode(n, out, inputs),
      beforeInPlace: (t) => this.onBeforeInPlace(t),
      moduleEnter: (info) => this.callScopes.enter(info),
      moduleExit: () => this.callScopes.exit(),
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

  protected isTensor(v: unknown): v is Tensor {
    return this.engine !== null && v instanceof this.engine.Tensor;
  }

  /** `const x = EXPR` → the tensor EXPR made is called x (the first binding wins). */
  bind<T>(value: T, name: string, line: number, column: number): T {
    this.modules.note(value, name, line, column);
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

  protected walkPattern(value: unknown, pattern: unknown, line: number, column: number, depth: number): void {
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

  protected here(): SourceRange | undefined {
    return this.stacks.locateFrames(this.stacks.captureFrames());
  }

  // ---- engine events ----------------------------------------------------------------------------

  protected onTensor(t: Tensor): void {
    if (t.id > this.lastTensorId) this.lastTensorId = t.id;
    if (this.tensors.has(t.id)) return;
    if (this.functionNodeCount >= this.options.limits.nodeCap && !this.evictEarlierCalls()) {
      this.nodesTruncated = true;
      return;
    }
    this.changes++;
    this.tensors.set(t.id, { t, range: this.here() });
  }

  protected onNode(node: Node, out: Tensor, inputs?: ReadonlyArray<Tensor | null>): void {
    if (this.building) return;
    if (out.id > this.lastTensorId) this.lastTensorId = out.id;
    if (this.functionNodeCount >= this.options.limits.nodeCap && !this.evictEarlierCalls()) {
      this.nodesTruncated = true;
      return;
    }
    this.functionNodeCount++;
    this.changes++;
    const frames = this.stacks.captureFrames();
    const range = this.stacks.locateFrames(frames);
    if (range) this.lastOpRange = range;
    this.nodes.set(node, { node, tensor: out, range, scope: this.callScopes.current(() => this.stacks.mapFrames(frames)), call: this.callsBegun });
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

  /** At the node cap: make room by leaving out the oldest finished calls' graphs (recorder-calls.ts); false when none. */
  protected abstract evictEarlierCalls(): boolean;
  protected abstract onBackwardBegin(info: BackwardBegin): void;
  protected abstract onStep(step: BackwardStep): void;
  protected abstract onBackwardEnd(error: unknown): void;

  /** Freeze the version of `t` an in-place op is about to replace: it stays in the graph as it was. */
  protected onBeforeInPlace(t: Tensor): void {
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

  /**
   * How many values of `t` to keep: up to the value cap while `budget` bytes last (`used` of them
   * spent so far), else a sample; and the bytes that spends (0 for a sample).
   */
  protected keepWithin(t: Tensor, used: number, budget: number): { keep: number; bytes: number } {
    const n = Math.min(t.numel(), this.options.limits.valueCap);
    const bytes = n * (t.dtype === "float32" ? 4 : 8);
    if (n <= SAMPLE_VALUES || used + bytes > budget) return { keep: SAMPLE_VALUES, bytes: 0 };
    return { keep: n, bytes };
  }

  /** How many values of a tensor (or its grad) to keep: up to the value cap while the tensor budget lasts. */
  protected tensorKeep(t: Tensor): number {
    const k = this.keepWithin(t, this.tensorBytes, TENSOR_VALUE_BUDGET);
    this.tensorBytes += k.bytes;
    return k.keep;
  }

  /** AccumulateGrad nodes are not "created" by ops; they join the record when first seen. */
  protected ensureNode(node: Node): void {
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
}

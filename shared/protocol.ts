// The one protocol file: the GraphSnapshot the runner produces (plain JSON, versioned; it travels
// as a SnapshotWire, below: values as base64 in one table) and the messages between the extension
// host and the graph webview. Runner, webview, extension and CLI
// all import these types; nothing here may depend on vscode, the DOM or Node.
import type { ProgramInfo } from "../engine/replay/types";

/** Bumped whenever a field changes meaning or is removed (adding optional fields is compatible). */
export const SNAPSHOT_VERSION = 2;

/** A place in the user's source text: 1-based line and column, as editors show them. */
export interface SourceRange {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export type DTypeName = "float32" | "float64" | "int64" | "int32" | "bool";

/**
 * Values of a tensor, as consumers read them (decoded from the wire's value table): all of them up
 * to the value cap, or a bounded sample (the first values) for values the snapshot only summarizes
 * (earlier backward calls, past the snapshot's value budget), with statistics when numel > 1.
 */
export interface ValueSummary {
  shape: number[];
  dtype: DTypeName;
  numel: number;
  /** Row-major values; the first `values.length` of `numel` when truncated. NaN/±Inf as strings. */
  values: Array<number | "NaN" | "Infinity" | "-Infinity">;
  truncated: boolean;
  /** Present when truncated (or always, for numel > 1): min/max/mean over finite values. */
  stats?: { min: number; max: number; mean: number; nanCount: number; infCount: number };
}

/**
 * leaf: requires grad and made by the user; intermediate/output: made by an op in the graph
 * (output = a root of backward, or a result nothing else used); constant: a tensor bound to a
 * name that does not require grad — not part of the graph, kept for hovers.
 */
export type TensorKind = "leaf" | "intermediate" | "output" | "constant";

export interface TensorInfo {
  /** "t" + engine id, unique in the snapshot. */
  id: string;
  /** The variable name the code bound it to (first binding wins), if any. */
  name?: string;
  /** What to show: the name, or op and line for an unnamed intermediate ("add @ L9"). */
  label: string;
  kind: TensorKind;
  shape: number[];
  dtype: DTypeName;
  /** Value at the end of the run. */
  value: ValueSummary;
  /** Gradient at the end of the run, or null with the reason in gradNote. */
  grad: ValueSummary | null;
  gradNote?: string;
  requiresGrad: boolean;
  isLeaf: boolean;
  retainsGrad: boolean;
  /** Node id of grad_fn (null for leaves). */
  gradFn: string | null;
  /** Where the tensor was made (the call), in the user's text. */
  range?: SourceRange;
  /** Where it was bound to `name`. */
  boundAt?: SourceRange;
  /**
   * PyTorch's version counter (`x._version`) of the value shown, when not 0. An in-place op that
   * records a node (`x.mul_(2)`) leaves the earlier version in the snapshot as its own tensor
   * ("t5v0", labelled as before) and the current one labelled "x (v1)".
   */
  version?: number;
  /** Why the value shown is not the one the op made (it shares storage that was written since). */
  valueNote?: string;
}

export interface SavedValue {
  name: string;
  /** A saved tensor (its id when it is in the snapshot) or a scalar. */
  tensor?: string;
  value?: ValueSummary;
  scalar?: number | string | boolean | null;
}

export interface NodeInfo {
  /** "n" + engine id. */
  id: string;
  /** PyTorch's name: "PowBackward0", "AccumulateGrad", ... */
  name: string;
  kind: "function" | "accumulate";
  /** Backward order key (higher runs first); null for AccumulateGrad (runs as soon as ready). */
  sequenceNr: number | null;
  /** The tensor this node made (its grad_fn), or the leaf an AccumulateGrad stands for. */
  tensor: string | null;
  /** Input names ("self", "other", ...) and the display formula per input (edge). */
  inputs: string[];
  formulas: string[];
  saved: SavedValue[];
  /** Saved tensors were freed by backward (a second backward would fail here). */
  released: boolean;
  range?: SourceRange;
  /** The node of a user-defined torch.autograd.Function: its class and where its static forward and backward are written. */
  userDefined?: UserDefinedInfo;
  /** The innermost module or function call that made it: an index into GraphSnapshot.scopes. */
  scope?: number;
}

/**
 * One module call (`model(x)`, and each layer it ran), or one call of a function the snippet defines
 * (`layer(x, w, b)`, a method of a class that is not a module): the graph view folds its nodes into one box.
 */
export interface ScopeInfo {
  kind: "module" | "function";
  /**
   * module: its dotted name under the outermost module called ("0", "layer1.fc"; "" for that one itself).
   * function: the function's name ("layer", "Block.apply").
   */
  name: string;
  /** module: the module's class ("Linear", "Sequential", ...). function: "function". */
  type: string;
  /** function: the line of the call (in the user's text); absent when not known. */
  line?: number;
  /** function: the column of the call on that line (1-based); absent when not known. */
  column?: number;
  /** The call it ran inside, an index into scopes (before this one). */
  parent?: number;
  /** Tensor ids of the module's own parameters (its weight and bias). */
  params?: string[];
}

/** A module bound to a name (`const model = new nn.Sequential(…)`): what hovering `model` shows. */
export interface ModuleInfo {
  /** The name it was first bound to. */
  name: string;
  /** Its class: "Sequential", "Linear", or the user's subclass ("Net"). */
  type: string;
  boundAt: SourceRange;
  /** Its parameters at the end of the run (the first MODULE_PARAMS_SHOWN), as namedParameters() lists them. */
  params: ModuleParamInfo[];
  /** How many parameters it has in all, and how many values they hold. */
  paramCount: number;
  valueCount: number;
}

export interface ModuleParamInfo {
  /** Dotted name: "0.weight", "fc.bias". */
  name: string;
  shape: number[];
  /** The tensor in this snapshot, when it is one. */
  tensor?: string;
  /** ‖grad‖₂ at the end of the run; null when it has no grad. */
  gradNorm: number | null;
}

export interface UserDefinedInfo {
  className: string;
  forward?: SourceRange;
  backward?: SourceRange;
}

/** One entry of node.nextFunctions, in order, never merged: gradient flows from → to. */
export interface EdgeInfo {
  from: string;
  to: string;
  /** Position in from.nextFunctions. */
  index: number;
  /** PyTorch's inputNr (which output of `to` this feeds). */
  inputNr: number;
}

export interface BackwardStepInfo {
  index: number;
  node: string;
  /** The gradient the node received (summed over its consumers, after hooks). */
  gradIn: ValueSummary;
  /** Per edge of node.nextFunctions: the gradient sent (null where nothing flowed). */
  gradsOut: Array<{ index: number; to: string | null; grad: ValueSummary | null }>;
  /** AccumulateGrad: the leaf and its `.grad` right after this step. */
  leaf?: string;
  /** retainGrad on a non-leaf: the tensor and its `.grad` right after this step. */
  retained?: string;
  gradAfter?: ValueSummary;
}

export interface BackwardCallInfo {
  index: number;
  kind: "backward" | "grad";
  /** Tensor ids of the outputs differentiated. */
  roots: string[];
  /** The root's value when it is a single number (a loss), for the loss plot. */
  loss?: number;
  range?: SourceRange;
  steps: BackwardStepInfo[];
  /** Steps were not recorded past the cap (the pass itself still ran). */
  stepsTruncated: boolean;
  error?: string;
}

export interface ConsoleEntry {
  level: "log" | "info" | "warn" | "error" | "debug";
  text: string;
  range?: SourceRange;
}

export interface WarningEntry {
  message: string;
  range?: SourceRange;
}

export type RunErrorKind = "syntax" | "import" | "runtime" | "timeout" | "memory" | "unsupported" | "internal";

export interface RunError {
  kind: RunErrorKind;
  message: string;
  range?: SourceRange;
  /** The stack in the user's terms (frames of the snippet only, mapped to its lines). */
  stack?: string;
}

export interface RunLimits {
  timeoutMs: number;
  nodeCap: number;
  valueCap: number;
  stepCap: number;
  memoryMb: number;
}

// The traced forward computation (GraphSnapshot.program), re-runnable with the engine at other
// leaf values (issue 6): its types are the engine's own (engine/replay/types.ts), since engine/replay
// is what reads it. `unavailable` says why it cannot be re-run (an op without a replay rule,
// constants too big to embed, the node cap was hit, ...); then `ops` may be empty.
export type { FullTensor, ProgramInfo, ProgramOp } from "../engine/replay/types";

export interface GraphSnapshot {
  version: typeof SNAPSHOT_VERSION;
  file: string;
  /** "python": traced with real PyTorch (runner/python/), else with our engine. */
  language: "typescript" | "javascript" | "python";
  /** What made the graph: "autograd-lens" (our engine) or "pytorch 2.1.0" (a Python trace). Absent in old snapshots. */
  producer?: string;
  /** ISO time the trace finished. */
  tracedAt: string;
  durationMs: number;
  limits: RunLimits;
  console: ConsoleEntry[];
  warnings: WarningEntry[];
  tensors: TensorInfo[];
  nodes: NodeInfo[];
  edges: EdgeInfo[];
  /** Calls in `backward`, in order: the first 999 and the newest; the calls between are only counted here. */
  backward: BackwardCallInfo[];
  backwardCallsDropped?: number;
  /** The tensor to select on open: the root of the last backward call, else the last tensor made. */
  output?: string;
  /** Recording stopped at the node cap; the snippet itself ran on. */
  nodesTruncated: boolean;
  /** grad_fn nodes of the earliest backward calls left out to keep a long training loop's newest calls under the node cap. */
  nodesEvicted?: number;
  error?: RunError;
  /** The forward computation, for re-evaluation (the landscape view). Absent in old snapshots. */
  program?: ProgramInfo;
  /** Module and function calls that made nodes (NodeInfo.scope), in the order they began. Absent: none known. */
  scopes?: ScopeInfo[];
  /** Modules bound to names, for hovers (absent: none, or an older runner). */
  modules?: ModuleInfo[];
}

// ---- the snapshot as it travels (version 2) -------------------------------------------------------
// Values are not JSON number lists: each distinct value list is one entry of `values` (little-endian
// bytes in base64, shared/value-codec.ts), and tensors, saved values and backward steps refer to an
// entry by its index. shared/snapshot-codec.ts converts; shared/validate.ts checks a wire snapshot.

/** An index into SnapshotWire.values. */
export type ValueRef = number;

/** One value table entry. numel is the product of shape; `count` < numel means a sample (truncated). */
export interface EncodedValue {
  shape: number[];
  dtype: DTypeName;
  /** How many values `data` holds: the first `count` in row-major order. */
  count: number;
  /** Base64 of `count` values, little-endian: float32 4 bytes each, float64 8, int64 8 (two's complement). */
  data: string;
  /** For numel > 1: [min, max, mean] over the finite values (0 when none), NaN count, ±Inf count. */
  stats?: [number, number, number, number, number];
}

export interface TensorWire extends Omit<TensorInfo, "value" | "grad"> {
  value: ValueRef;
  grad: ValueRef | null;
}
export interface SavedValueWire extends Omit<SavedValue, "value"> {
  value?: ValueRef;
}
export interface NodeWire extends Omit<NodeInfo, "saved"> {
  saved: SavedValueWire[];
}
export interface BackwardStepWire extends Omit<BackwardStepInfo, "gradIn" | "gradsOut" | "gradAfter"> {
  gradIn: ValueRef;
  gradsOut: Array<{ index: number; to: string | null; grad: ValueRef | null }>;
  gradAfter?: ValueRef;
}
export interface BackwardCallWire extends Omit<BackwardCallInfo, "steps"> {
  steps: BackwardStepWire[];
}
export interface SnapshotWire extends Omit<GraphSnapshot, "tensors" | "nodes" | "backward"> {
  values: EncodedValue[];
  tensors: TensorWire[];
  nodes: NodeWire[];
  backward: BackwardCallWire[];
}

// ---- host ↔ graph webview messages ---------------------------------------------------------------
// A `ready` handshake from the webview, then a full snapshot from the host, then small updates.

/** Which backward call and how many of its steps have been applied (0 = none yet). */
export interface StepPosition {
  call: number;
  step: number;
}

export type HostToWebview =
  /** The whole trace (encoded); replaces whatever was shown. `select`/`position` optionally set the view. */
  | { type: "snapshot"; snapshot: SnapshotWire; select?: string; position?: StepPosition }
  /** Select a tensor or node (e.g. the editor's cursor moved onto the line that made it). */
  | { type: "select"; id: string }
  /** Jump the step-through view to a position. */
  | { type: "position"; position: StepPosition }
  /** The snapshot is stale (the text changed since): the view says so until the next snapshot. */
  | { type: "stale"; stale: boolean }
  /** A run of the shown document started (with its time limit) or ended: the view shows it is in flight. */
  | { type: "running"; running: boolean; timeoutMs?: number }
  /** The answer to a save request. */
  | { type: "saved"; requestId: number; ok: boolean; message?: string }
  /** The user's settings for the view, sent after `ready` and when they change; a changed setting overrides the page's toggle. */
  | { type: "options"; layoutDirection: "LR" | "TB" | "auto" };

export type ExportFormat = "png" | "svg" | "dot" | "json";

export type WebviewToHost =
  /** The page is loaded and listening; the host answers with a snapshot. */
  | { type: "ready" }
  /** Reveal this range of the traced file in the editor. */
  | { type: "reveal"; range: SourceRange }
  /** The selection changed (the host may move the editor's cursor). */
  | { type: "selected"; id: string | null; range?: SourceRange }
  /** The step position changed; range is the source of the node being run. */
  | { type: "positionChanged"; position: StepPosition; range?: SourceRange }
  /** Save an export: text for svg/dot/json, base64 for png. */
  | { type: "save"; requestId: number; format: ExportFormat; fileName: string; data: string; encoding: "utf8" | "base64" };

// The data engine/replay works on: a structural copy of the program types in shared/protocol.ts
// (the engine is self-contained: it is bundled alone and its declarations are shipped to editors),
// plus the types of the replay API. test/engine/replay.test.ts checks that both copies agree.

export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

/** Full values of a tensor, row-major (NaN/±Inf as strings). */
export interface FullTensor {
  shape: number[];
  dtype: "float32" | "float64" | "int64" | "int32" | "bool";
  values: JsonNumber[];
  /** For leaves: the name or label the graph shows. */
  label?: string;
}

/** One recorded forward op: re-running `op` on `inputs` (tensor ids, null for absent) with `attrs` gives tensor `out`. */
export interface ProgramOp {
  /** The grad_fn node it made ("n12"). */
  node: string;
  /** The grad_fn name ("PowBackward0", ...): the replay rule is chosen by it. */
  op: string;
  inputs: Array<string | null>;
  /** Non-tensor arguments (exponent, other, dims, keepdim, ...), JSON only. */
  attrs: Record<string, unknown>;
  out: string;
  /** The line in the user's text that made it, when known. */
  line?: number;
}

/** The traced forward computation (GraphSnapshot.program). */
export interface ProgramInfo {
  unavailable?: string;
  /** Leaves that require grad, with their values when the last recorded op read them. */
  leaves: Record<string, FullTensor>;
  /** Every other tensor an op reads that no recorded op made (constants). */
  constants: Record<string, FullTensor>;
  /** In the order they ran. */
  ops: ProgramOp[];
}

/** One varied input: element `index` (row-major, 0 for a scalar) of leaf `leaf`. */
export interface Varied {
  leaf: string;
  index: number;
}

export interface Candidate extends Varied {
  /** "x1", or "W1[0, 2]" for an element of a larger leaf. */
  label: string;
  value: number;
  leafShape: number[];
}

export type DescentMethod = "sgd" | "momentum" | "adam";

export interface DescentStep {
  point: number[];
  value: number;
  grad: number[];
}

export interface DescentResult {
  steps: DescentStep[];
  diverged: boolean;
  /** Why the run counts as diverged (absent when it did not). */
  reason?: string;
}

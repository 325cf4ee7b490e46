// The data engine/replay works on: the recorded program (GraphSnapshot.program in shared/protocol.ts,
// which re-exports these types; the engine stays self-contained: it is bundled alone and its
// declarations are shipped to editors), plus the types of the replay API.

export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

/** Full values of a tensor, row-major (NaN/±Inf as strings, as in a ValueSummary). */
export interface FullTensor {
  shape: number[];
  dtype: "float32" | "float64" | "int64" | "int32" | "bool";
  values: JsonNumber[];
  /** For leaves: the name or label the graph shows (for the landscape's input picker). */
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
  /** Why it cannot be re-run; then `ops` may be empty. */
  unavailable?: string;
  /** Leaves that require grad: their values when the last recorded op read them (the start point). */
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

// Backward nodes ("grad_fn"), kept separate from tensors as in PyTorch's function.h: a node knows
// the edges to the nodes of its inputs, what it saved in the forward pass, and how to turn the
// gradient of its output into gradients for its inputs. A tensor only points at its node.
import type { Tensor } from "../tensor";
import type { DType } from "../dtype";

/** `(node, inputNr)` like PyTorch's next_functions; `null` where the input needs no gradient. */
export type Edge = readonly [Node | null, number];

/** A gradient hook: may return a replacement gradient. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;

/**
 * One backward formula, as data: the node name, the input names and a display formula per input
 * (shown by hovers, the inspector and the step view), and the function that computes it. gradFunc
 * uses ordinary tensor ops, so with `createGraph` the backward pass is itself recorded.
 */
export interface GradientSpec<S> {
  readonly name: string;
  readonly inputs: readonly string[];
  /** Display text per input; a function when it depends on saved scalars (e.g. the exponent). */
  readonly formulas: readonly string[] | ((saved: S, inputCount: number) => string[]);
  gradFunc(grad: Tensor, saved: S, needs: readonly boolean[]): ReadonlyArray<Tensor | null | undefined>;
}

/** Monotonic like PyTorch's per-thread sequence_nr: later nodes run first in backward. */
let nextSequenceNr = 0;
let nextNodeId = 1;
/** AccumulateGrad runs as soon as it is ready (PyTorch gives it UINT64_MAX). */
export const ACCUMULATE_SEQUENCE_NR = Number.MAX_SAFE_INTEGER;

export abstract class Node {
  readonly id: number = nextNodeId++;
  abstract readonly name: string;
  readonly sequenceNr: number;
  /** Hooks registered on the tensor this node produced (run before the node, may replace grad). */
  tensorPreHooks: GradHook[] | null = null;
  /** The output tensor, when it called retainGrad(). */
  retainedOutput: Tensor | null = null;
  /** The edge `(this, 0)` other nodes use to point here; one shared tuple instead of one per use. */
  readonly selfEdge: Edge;

  // Scratch state of the backward pass in progress, valid while `_epoch` equals that pass's
  // number. Kept on the node (like PyTorch's per-node dependency count) instead of in Maps:
  // a 65,000-node scalar graph spends most of its backward time in Map lookups otherwise.
  /** @internal */ _epoch = 0;
  /** @internal */ _deps = 0;
  /** @internal */ _buffer: Tensor | null = null;
  /** @internal */ _ownsBuffer = false;
  /** @internal */ _needed = false;
  /** @internal */ _queueOrder = 0;

  protected constructor(
    readonly nextFunctions: readonly Edge[],
    sequenceNr: number,
    /** Shape and dtype of the tensor this node produces (its gradient must match them). */
    readonly outShape: readonly number[],
    readonly outDType: DType,
  ) {
    this.sequenceNr = sequenceNr;
    this.selfEdge = [this, 0];
  }

  /** Display formula per input, e.g. `grad · 2 · self`. */
  abstract get formulas(): string[];
  /** Saved values by name (tensors and scalars). Throws after the graph was freed. */
  abstract get saved(): Readonly<Record<string, unknown>>;
  abstract get released(): boolean;
  toString(): string {
    return `<${this.name}>`;
  }
}

/** A tensor saved for backward, with the version it had then (PyTorch's SavedVariable). */
interface SavedVersion {
  key: string;
  tensor: Tensor;
  version: number;
  /** "output 0 of ExpBackward0" for PyTorch's message; undefined for a leaf. */
  producer: string | undefined;
}

export class FunctionNode<S extends object> extends Node {
  private savedValues: S;
  private isReleased = false;
  private savedVersions: SavedVersion[] | null = null;

  constructor(
    readonly spec: GradientSpec<S>,
    nextFunctions: readonly Edge[],
    saved: S,
    outShape: readonly number[],
    outDType: DType,
    /** The tensor this node produces: when it is saved too (`result`), its version is its own. */
    output: Tensor | null = null,
  ) {
    super(nextFunctions, nextSequenceNr++, outShape, outDType);
    this.savedValues = saved;
    const s = saved as Record<string, unknown>;
    for (const key in s) {
      const t = s[key];
      if (isTensorLike(t)) this.noteSaved(key, t as Tensor, t === output ? this.name : undefined);
    }
  }

  private noteSaved(key: string, t: Tensor, producer: string | undefined): void {
    t._version.saves++;
    const entry: SavedVersion = { key, tensor: t, version: t._version.value, producer: producer ?? t.gradFn?.name };
    (this.savedVersions ??= []).push(entry);
  }

  /**
   * @internal After an in-place op wrote its result into `to`: the saved output becomes `to` at
   * its new version; a saved input that was `to` itself keeps its old values (`before`, a copy
   * made before the write — PyTorch saves `original_self` the same way).
   */
  rebaseSaved(from: Tensor, to: Tensor, before: Tensor | null): void {
    const s = this.savedValues as Record<string, unknown>;
    for (const e of this.savedVersions ?? []) {
      if (e.tensor === to && before !== null) {
        e.tensor._version.saves--;
        before._version.saves++;
        const copy = before;
        s[e.key] = copy;
        e.tensor = copy;
        e.version = copy._version.value;
      } else if (e.tensor === from) {
        s[e.key] = to;
        e.tensor._version.saves--;
        e.tensor = to;
        e.version = to._version.value;
        to._version.saves++;
      }
    }
  }

  /** @internal True when `t` is one of the tensors this node saved. */
  savesTensor(t: Tensor): boolean {
    return this.savedVersions !== null && this.savedVersions.some((e) => e.tensor === t);
  }

  /** PyTorch's check that no saved tensor was modified in place since it was saved. */
  private checkVersions(): void {
    for (const e of this.savedVersions ?? []) {
      const now = e.tensor._version.value;
      if (now === e.version) continue;
      const t = e.tensor;
      const type = `torch.${t.dtype === "bool" ? "Bool" : t.dtype === "int32" ? "Int" : t.dtype === "float64" ? "Double" : t.dtype === "int64" ? "Long" : "Float"}Tensor`;
      const what = `[${type} [${t.shape.join(", ")}]]`;
      const err = new Error(
        `${this.name}: one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `${what}${e.producer ? `, which is output 0 of ${e.producer},` : ""} is at version ${now}; expected version ${e.version} instead. ` +
          `Hint: the in-place change came after this tensor was saved for backward; make a copy with clone() before changing it, or change it after backward().`,
      ) as Error & { inplaceStack?: string };
      err.inplaceStack = t._version.lastWrite?.stack;
      throw err;
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get formulas(): string[] {
    const f = this.spec.formulas;
    return typeof f === "function" ? f(this.savedValues, this.nextFunctions.length) : f.slice();
  }

  get saved(): Readonly<Record<string, unknown>> {
    if (this.isReleased) throw freedError(this.name);
    return this.savedValues as Record<string, unknown>;
  }

  get released(): boolean {
    return this.isReleased;
  }

  /** Free saved tensors (scalars stay: like PyTorch, only SavedVariables are released). */
  release(): void {
    const s = this.savedValues as Record<string, unknown>;
    let hadTensor = false;
    for (const k in s) {
      if (isTensorLike(s[k])) {
        hadTensor = true;
        s[k] = undefined;
      }
    }
    if (hadTensor) this.isReleased = true;
    for (const e of this.savedVersions ?? []) e.tensor._version.saves--;
    this.savedVersions = null;
  }

  apply(grad: Tensor, needs: readonly boolean[]): ReadonlyArray<Tensor | null | undefined> {
    if (this.isReleased) throw freedError(this.name);
    if (this.savedVersions !== null) this.checkVersions();
    return this.spec.gradFunc(grad, this.savedValues, needs);
  }
}

/** The node a leaf that requires grad contributes to the graph; backward adds into its `.grad`. */
export class AccumulateGrad extends Node {
  readonly name = "AccumulateGrad";
  constructor(readonly variable: Tensor) {
    super([], ACCUMULATE_SEQUENCE_NR, variable.shape, variable.dtype);
  }
  get formulas(): string[] {
    return ["variable.grad += grad"];
  }
  get saved(): Readonly<Record<string, unknown>> {
    return {};
  }
  get released(): boolean {
    return false;
  }
}

function isTensorLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && "gradFn" in v && "shape" in v;
}

export function freedError(name: string): Error {
  return new Error(
    `${name}: Trying to backward through the graph a second time (or directly access saved tensors after ` +
      `they have already been freed). Saved intermediate values of the graph are freed when you call ` +
      `.backward() or autograd.grad(). Specify retainGraph: true (e.g. y.backward(undefined, { retainGraph: true })) ` +
      `if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.`,
  );
}

// The Tensor: a contiguous row-major typed array plus a shape and a dtype, and the autograd fields
// PyTorch keeps on a tensor (requires_grad, grad, grad_fn, retains_grad, hooks). Every op lives in
// ops/; the methods here only forward to them so the class reads as the API reference.
import { type DType, type Storage, torchTypeName } from "./dtype";
import { numel, type Shape } from "./shape";
import { AccumulateGrad, type GradHook, type Node } from "./autograd/node";
import { observer } from "./autograd/observer";
import { NON_LEAF_GRAD_WARNING, warn } from "./warnings";
import { formatTensor } from "./format";
import * as ew from "./ops/elementwise";
import * as red from "./ops/reduce";
import * as sh from "./ops/shape_ops";
import * as ix from "./ops/indexing";
import * as la from "./ops/linalg";
import * as sm from "./ops/softmax";
import { backward as runBackward, type BackwardOptions } from "./autograd/engine";

export type Scalar = number;
export type TensorOrScalar = Tensor | number;
/** An index component: a number (select), a slice string like ":", "1:3", "::2", "...", null (new axis), or an index tensor/array. */
export type IndexSpec = number | string | null | Tensor | readonly number[];
export type NestedArray = number | boolean | readonly NestedArray[];
export interface RemovableHandle {
  remove(): void;
}

let nextTensorId = 1;

export class Tensor {
  /** Unique per process; the runner and the UI refer to tensors by it. */
  readonly id: number;
  /** Row-major values. Views (reshape/view/detach) share this array, as torch views share storage. */
  data: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The node that made this tensor (null for leaves). */
  gradFn: Node | null = null;
  /** Variable name, set by the runner or by the `name` option, shown in the graph. */
  name: string | undefined = undefined;
  /** @internal requires_grad of a leaf */
  _leafRequiresGrad = false;
  /** @internal */
  _grad: Tensor | undefined = undefined;
  /** @internal the cached AccumulateGrad of a leaf */
  _accumulator: AccumulateGrad | null = null;
  /** @internal hooks of a leaf (non-leaf hooks live on its grad_fn) */
  _hooks: GradHook[] | null = null;
  /** @internal warned about reading .grad of a non-leaf */
  _warnedGrad = false;

  /** @internal use torch.tensor() and the factories; this takes ownership of `data`. */
  constructor(data: Storage, shape: readonly number[], dtype: DType) {
    this.id = nextTensorId++;
    this.data = data;
    this.shape = shape;
    this.dtype = dtype;
  }

  // ---- metadata -------------------------------------------------------------------------------
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numel(this.shape);
  }
  /** size() is the shape; size(d) one dimension (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    const d = dim < 0 ? dim + this.shape.length : dim;
    const s = this.shape[d];
    if (s === undefined) throw new RangeError(`size: Dimension out of range (got ${dim} for a ${this.shape.length}-d tensor).`);
    return s;
  }

  // ---- autograd state -------------------------------------------------------------------------
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get requiresGrad(): boolean {
    return this.gradFn !== null || this._leafRequiresGrad;
  }
  set requiresGrad(v: boolean) {
    this.requiresGrad_(v);
  }
  /** In-place: make this leaf (not) require grad. Returns this, like torch. */
  requiresGrad_(requiresGrad = true): this {
    if (this.gradFn !== null) {
      if (!requiresGrad) {
        throw new Error(
          "requiresGrad_: you can only change requires_grad flags of leaf variables. If you want to use a " +
            "computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
        );
      }
      return this;
    }
    if (requiresGrad && this.dtype === "int64") {
      throw new TypeError("requiresGrad_: only Tensors of floating point dtype can require gradients (this one is int64).");
    }
    const changed = this._leafRequiresGrad !== requiresGrad;
    this._leafRequiresGrad = requiresGrad;
    if (changed && requiresGrad && observer?.tensorCreated) observer.tensorCreated(this);
    return this;
  }
  get retainsGrad(): boolean {
    return this.gradFn !== null && this.gradFn.retainedOutput === this;
  }
  /** Keep `.grad` for this non-leaf after backward (a no-op on leaves, which always keep it). */
  retainGrad(): void {
    if (this.gradFn === null) {
      if (!this._leafRequiresGrad) {
        throw new Error("retainGrad: can't retain_grad on Tensor that has requires_grad=False.");
      }
      return;
    }
    this.gradFn.retainedOutput = this;
  }
  /**
   * The gradient accumulated by backward. Reading it on a non-leaf that does not retain grad gives
   * undefined and warns (once per tensor) with torch's text, as torch does.
   */
  get grad(): Tensor | undefined {
    if (this.gradFn !== null && !this.retainsGrad && this._grad === undefined && !this._warnedGrad) {
      this._warnedGrad = true;
      warn(NON_LEAF_GRAD_WARNING);
    }
    return this._grad;
  }
  set grad(g: Tensor | undefined | null) {
    if (g === undefined || g === null) {
      this._grad = undefined;
      return;
    }
    if (!(g instanceof Tensor)) throw new TypeError("grad: assigned grad must be a Tensor or undefined.");
    if (g.shape.length !== this.shape.length || g.shape.some((s, i) => s !== this.shape[i])) {
      throw new RangeError(
        `grad: assigned grad has data of a different size ([${g.shape.join(", ")}] vs the tensor's [${this.shape.join(", ")}]).`,
      );
    }
    this._grad = g;
  }
  /** @internal the AccumulateGrad node standing for this leaf in the graph. */
  gradAccumulator(): AccumulateGrad {
    if (this._accumulator === null) this._accumulator = new AccumulateGrad(this);
    return this._accumulator;
  }
  /** Register a hook called with this tensor's gradient during backward; it may return a replacement. */
  registerHook(hook: (grad: Tensor) => Tensor | void | undefined): RemovableHandle {
    if (typeof hook !== "function") throw new TypeError("registerHook: expected a function.");
    if (!this.requiresGrad) {
      throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient.");
    }
    let list: GradHook[];
    if (this.gradFn !== null) list = this.gradFn.tensorPreHooks ??= [];
    else list = this._hooks ??= [];
    list.push(hook);
    return {
      remove: () => {
        const i = list.indexOf(hook);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }
  /** Compute gradients of this tensor w.r.t. graph leaves; `gradient` is required unless this is a scalar. */
  backward(gradient?: Tensor | number, options?: BackwardOptions): void {
    runBackward([this], gradient === undefined ? undefined : [gradient], options);
  }
  /** A tensor sharing this one's values, cut from the graph. */
  detach(): Tensor {
    return sh.detach(this);
  }

  // ---- values ---------------------------------------------------------------------------------
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(`item: a Tensor with ${this.data.length} elements cannot be converted to Scalar.`);
    }
    return this.data[0]!;
  }
  /** Nested arrays of numbers (a number for a 0-dim tensor). */
  tolist(): NestedArray {
    return toNested(this.data, this.shape, 0, 0);
  }
  toString(): string {
    const suffix: string[] = [];
    if (this.gradFn !== null) suffix.push(`grad_fn = <${this.gradFn.name}>`);
    else if (this._leafRequiresGrad) suffix.push("requires_grad = TRUE");
    return formatTensor(this.data, this.shape, this.dtype, suffix);
  }
  /** torch's type string, e.g. "CPUFloatType". */
  type(): string {
    return torchTypeName(this.dtype);
  }
  to(dtype: DType): Tensor {
    return ew.toDType(this, dtype);
  }
  float(): Tensor {
    return ew.toDType(this, "float32");
  }
  double(): Tensor {
    return ew.toDType(this, "float64");
  }
  clone(): Tensor {
    return ew.clone(this);
  }

  // ---- elementwise ----------------------------------------------------------------------------
  add(other: TensorOrScalar): Tensor { return ew.add(this, other); }
  sub(other: TensorOrScalar): Tensor { return ew.sub(this, other); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ew.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  square(): Tensor { return ew.pow(this, 2); }
  sqrt(): Tensor { return ew.unary(this, "sqrt"); }
  exp(): Tensor { return ew.unary(this, "exp"); }
  log(): Tensor { return ew.unary(this, "log"); }
  abs(): Tensor { return ew.unary(this, "abs"); }
  sin(): Tensor { return ew.unary(this, "sin"); }
  cos(): Tensor { return ew.unary(this, "cos"); }
  tanh(): Tensor { return ew.unary(this, "tanh"); }
  sigmoid(): Tensor { return ew.unary(this, "sigmoid"); }
  relu(): Tensor { return ew.unary(this, "relu"); }
  /** Limit values to [min, max]; either bound may be undefined. */
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  /** Elementwise: this where condition is non-zero, else other. */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  // Comparisons give 0/1 tensors of this tensor's dtype (torch gives bool; we have no bool dtype).
  gt(other: TensorOrScalar): Tensor { return ew.compare(this, other, "gt"); }
  lt(other: TensorOrScalar): Tensor { return ew.compare(this, other, "lt"); }
  ge(other: TensorOrScalar): Tensor { return ew.compare(this, other, "ge"); }
  le(other: TensorOrScalar): Tensor { return ew.compare(this, other, "le"); }
  eq(other: TensorOrScalar): Tensor { return ew.compare(this, other, "eq"); }
  ne(other: TensorOrScalar): Tensor { return ew.compare(this, other, "ne"); }

  // ---- reductions -----------------------------------------------------------------------------
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  /** max() of all elements; max(dim) gives { values, indices } like torch. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.maxAll(this, "max") : red.maxDim(this, dim, keepdim, "max");
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.maxAll(this, "min") : red.maxDim(this, dim, keepdim, "min");
  }
  argmax(dim?: number, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, "max"); }
  argmin(dim?: number, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, "min"); }
  softmax(dim: number): Tensor { return sm.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return sm.logSoftmax(this, dim); }

  // ---- linear algebra -------------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  dot(other: Tensor): Tensor { return la.dot(this, other); }

  // ---- shape ----------------------------------------------------------------------------------
  t(): Tensor { return sh.t(this); }
  /** Reversed dims (PyTorch records x.T as a permute: PermuteBackward0). */
  get T(): Tensor { return sh.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, flatArgs(dims)); }
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape), "reshape"); }
  view(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape), "view"); }
  flatten(): Tensor { return sh.reshape(this, [-1], "flatten"); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  expand(...sizes: number[] | [readonly number[]]): Tensor { return sh.expand(this, flatArgs(sizes)); }
  expandAs(other: Tensor): Tensor { return sh.expand(this, other.shape); }

  // ---- indexing -------------------------------------------------------------------------------
  /** Python-style indexing: `x.index(0, "1:3")` is `x[0, 1:3]`; see IndexSpec. */
  index(...indices: IndexSpec[]): Tensor { return ix.index(this, indices); }
  select(dim: number, index: number): Tensor { return ix.select(this, dim, index); }
  narrow(dim: number, start: number, length: number): Tensor { return ix.narrow(this, dim, start, length); }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}

function toNested(data: Storage, shape: Shape, dim: number, offset: number): NestedArray {
  if (shape.length === 0) return data[0]!;
  const n = shape[dim]!;
  if (dim === shape.length - 1) return Array.from(data.subarray(offset, offset + n));
  let inner = 1;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  const out: NestedArray[] = [];
  for (let i = 0; i < n; i++) out.push(toNested(data, shape, dim + 1, offset + i * inner));
  return out;
}

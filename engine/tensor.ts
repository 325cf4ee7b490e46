// The Tensor: a contiguous row-major typed array plus a shape and a dtype, and the autograd fields
// PyTorch keeps on a tensor (requires_grad, grad, grad_fn, retains_grad, hooks). Every op lives in
// ops/; the methods here only forward to them so the class reads as the API reference.
import { type DType, type Storage, torchTypeName } from "./dtype";
import { normalizeDim, numel, stridesOf } from "./shape";
import {
  currentWriteEpoch,
  flatOf,
  toNested,
  gatherStrided,
  isContiguousLayout,
  VersionCounter,
} from "./storage";
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
import * as ip from "./ops/inplace";
import * as st from "./ops/stats";
import * as ar from "./ops/arith";
import { refreshStaleView } from "./ops/inplace";
import * as GS from "./gradients/shape";
import type { TableMethods } from "./ops/table";
import { installTableMethods } from "./ops/table_methods";
import { backward as runBackward, type BackwardOptions } from "./autograd/engine";
import type { ExtraTensorMethods } from "./ops/extra_methods";
import type { InPlaceTensorMethods } from "./ops/inplace_methods";
import type { ValuesIndices } from "./ops/values_indices";

export type Scalar = number;
export type TensorOrScalar = Tensor | number;
/** An index component: a number (select), a slice like ":", "1:3", "::2", "...", null (new axis), or an index tensor/array (several pair up: x.index(rows, cols); booleans mask). */
export type IndexSpec = number | string | null | Tensor | readonly number[] | readonly boolean[] | readonly (readonly number[])[];
export type NestedArray = number | boolean | readonly NestedArray[];
export interface RemovableHandle {
  remove(): void;
}

// Methods of ops/extra_methods.ts (gather, scatter, repeat, split, sort, …), installed by index.ts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Tensor extends ExtraTensorMethods {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- the in-place methods, declared in ops/inplace_methods.ts
export interface Tensor extends InPlaceTensorMethods {}

let nextTensorId = 1;
const NO_DIMS: readonly number[] = Object.freeze([]);
/** Gathered copies of strided views' values, with the write epoch they are valid for (see _values). */
const gathered = new WeakMap<Tensor, { values: Storage; epoch: number }>();

// The op table's methods (x.log1p(), x.log1p_(), x.atan2(y) …) are installed on the prototype by
// installTableMethods (ops/table_methods.ts, called below the class); this declaration types them.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Tensor extends TableMethods {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Tensor {
  /** Unique per process; the runner and the UI refer to tensors by it. */
  readonly id: number;
  /** @internal the values' storage, shared by views (PyTorch's Storage). */
  _storage: Storage;
  /** @internal position of element [0, …, 0] in the storage. */
  _offset: number;
  /** @internal */ _shape: readonly number[];
  /** @internal elements to step in the storage per index of each dim; null until asked for a plain tensor. */
  _stridesOrNull: readonly number[] | null;
  /** @internal */ _dtype: DType;
  /** @internal the values as one contiguous array when that needs no copy, else null (see _values). */
  _flat: Storage | null;
  /** @internal PyTorch's version counter (made when first needed), shared with views and detach(). */
  _versionOrNull: VersionCounter | null = null;
  /** @internal the tensor whose storage this view reads (the root, never itself a view), or null. */
  _base: Tensor | null = null;
  /**
   * @internal The version this view's gradFn was made at. Any later in-place write to the storage
   * (through the base or any view) makes it stale: PyTorch then derives the view's grad_fn anew
   * from the base's current history (AsStridedBackward0).
   */
  _viewVersion = 0;
  /** @internal */ _gradFn: Node | null = null;
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

  /** @internal use torch.tensor() and the factories; this takes ownership of `data` (contiguous values). */
  constructor(data: Storage, shape: readonly number[], dtype: DType) {
    this.id = nextTensorId++;
    this._storage = data;
    this._offset = 0;
    // Owned, never changed after construction (ops pass fresh arrays or another tensor's shape);
    // `shape` is a getter, so it cannot be reassigned from outside.
    this._shape = shape.length === 0 ? NO_DIMS : shape;
    this._stridesOrNull = shape.length === 0 ? NO_DIMS : null;
    this._dtype = dtype;
    this._flat = data;
  }

  /** @internal */
  get _strides(): readonly number[] {
    return (this._stridesOrNull ??= stridesOf(this._shape));
  }
  set _strides(strides: readonly number[]) {
    this._stridesOrNull = strides;
  }
  /** @internal */
  get _version(): VersionCounter {
    return (this._versionOrNull ??= new VersionCounter());
  }
  set _version(vc: VersionCounter) {
    this._versionOrNull = vc;
  }

  /**
   * @internal A view of `source`'s storage with its own geometry; shares the version counter
   * (PyTorch's views and detach()) unless `version` is given (`.data`).
   */
  static _view(
    source: Tensor,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    version: VersionCounter = source._version,
  ): Tensor {
    const t = new Tensor(source._storage, [], source._dtype);
    t._shape = shape.length === 0 ? NO_DIMS : shape;
    t._strides = strides;
    t._offset = offset;
    t._version = version;
    t._base = source._base ?? source;
    t._viewVersion = version.value;
    t._flat = flatOf(source._storage, offset, t._shape, strides);
    return t;
  }

  /**
   * The node that made this tensor (null for leaves). A view whose storage was written in place
   * since gets the grad_fn PyTorch derives for it (AsStridedBackward0 of its base's history).
   */
  get gradFn(): Node | null {
    if (this._base !== null && this._version.value !== this._viewVersion) refreshStaleView(this);
    return this._gradFn;
  }
  set gradFn(node: Node | null) {
    this._gradFn = node;
  }

  /** The sizes of the dims (read-only; reshape or view for another shape). */
  get shape(): readonly number[] {
    return this._shape;
  }
  get dtype(): DType {
    return this._dtype;
  }
  /**
   * @internal The values, row-major and contiguous, for kernels to read (never to write: for a
   * strided view this is a copy). In-place ops write through the strides (ops/inplace.ts).
   */
  get _values(): Storage {
    const f = this._flat;
    if (f !== null) return f;
    // A strided view: gather once per write epoch (kept aside, so plain tensors stay small).
    const epoch = currentWriteEpoch();
    let g = gathered.get(this);
    if (g === undefined || g.epoch !== epoch) {
      g = { values: gatherStrided(this._storage, this._offset, this._shape, this._strides, this._dtype), epoch };
      gathered.set(this, g);
    }
    return g.values;
  }
  /**
   * A tensor sharing this one's storage, without history and not requiring grad; autograd does not
   * track writes through it (it has its own version counter), as PyTorch's `.data`.
   */
  get data(): Tensor {
    const t = Tensor._view(this, this._shape, this._strides, this._offset, new VersionCounter());
    t._base = null;
    return t;
  }
  /** Make this tensor read `other`'s storage (PyTorch's `x.data = other`). */
  set data(other: Tensor) {
    if (!(other instanceof Tensor)) throw new TypeError("data: assigned value must be a Tensor.");
    this._storage = other._storage;
    this._offset = other._offset;
    this._shape = other._shape;
    this._strides = other._strides;
    this._dtype = other._dtype;
    this._flat = other._flat;
    gathered.delete(this);
  }
  /** True when the values are laid out row-major without gaps (PyTorch's is_contiguous()). */
  isContiguous(): boolean {
    return isContiguousLayout(this._shape, this._strides);
  }
  /** stride() of every dim, or stride(d) of one. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number | number[] {
    if (dim === undefined) return this._strides.slice();
    return this._strides[normalizeDim(dim, this._shape.length, "stride")] ?? 1;
  }
  storageOffset(): number {
    return this._offset;
  }
  /** The version counter PyTorch keeps (`x._version`): how many in-place writes this tensor saw. */
  get version(): number {
    return this._versionOrNull === null ? 0 : this._versionOrNull.value;
  }
  /** True when this tensor is a view of another one's storage. */
  isView(): boolean {
    return this._base !== null;
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
    if (requiresGrad && this.dtype !== "float32" && this.dtype !== "float64") {
      throw new TypeError(`requiresGrad_: only Tensors of floating point dtype can require gradients (this one is ${this.dtype}).`);
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
    const n = this.numel();
    if (n !== 1) throw new RangeError(`item: a Tensor with ${n} elements cannot be converted to Scalar.`);
    return this._storage[this._offset]!;
  }
  /** Nested arrays of numbers (a number for a 0-dim tensor). */
  tolist(): NestedArray {
    return toNested(this._values, this.shape, 0, 0);
  }
  toString(): string {
    const suffix: string[] = [];
    if (this.gradFn !== null) suffix.push(`grad_fn = <${this.gradFn.name}>`);
    else if (this._leafRequiresGrad) suffix.push("requires_grad = TRUE");
    return formatTensor(this._values, this.shape, this.dtype, suffix);
  }
  /** torch's type string, e.g. "CPUFloatType". */
  type(): string {
    return torchTypeName(this.dtype);
  }
  to(dtype: DType): Tensor { return ew.toDType(this, dtype); }
  float(): Tensor { return ew.toDType(this, "float32"); }
  double(): Tensor { return ew.toDType(this, "float64"); }
  clone(): Tensor { return ew.clone(this); }
  /** This tensor if its values are laid out row-major, else a contiguous copy (CloneBackward0). */
  contiguous(): Tensor { return this.isContiguous() ? this : ew.clone(this); }

  // ---- elementwise ----------------------------------------------------------------------------
  add(other: TensorOrScalar): Tensor { return ew.add(this, other); }
  sub(other: TensorOrScalar): Tensor { return ew.sub(this, other); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ew.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.minimum(this, other); }
  square(): Tensor { return ew.pow(this, 2); }
  /** Limit values to [min, max]; either bound may be undefined. */
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  /** Elementwise: this where condition is non-zero, else other. */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  // Comparisons give bool tensors, as torch's do.
  gt(other: TensorOrScalar): Tensor { return ew.compare(this, other, "gt"); }
  lt(other: TensorOrScalar): Tensor { return ew.compare(this, other, "lt"); }
  ge(other: TensorOrScalar): Tensor { return ew.compare(this, other, "ge"); }
  le(other: TensorOrScalar): Tensor { return ew.compare(this, other, "le"); }
  eq(other: TensorOrScalar): Tensor { return ew.compare(this, other, "eq"); }
  ne(other: TensorOrScalar): Tensor { return ew.compare(this, other, "ne"); }

  /** this + weight · (end − this). */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor { return ar.lerp(this, end, weight); }
  /** Elementwise not (non-zero is true): a bool tensor (Python's `~mask`). */
  logicalNot(): Tensor { return ar.logical(this, null, "not"); }
  logicalAnd(other: Tensor): Tensor { return ar.logical(this, other, "and"); }
  logicalOr(other: Tensor): Tensor { return ar.logical(this, other, "or"); }
  logicalXor(other: Tensor): Tensor { return ar.logical(this, other, "xor"); }
  isnan(): Tensor { return ar.isnan(this); }
  isfinite(): Tensor { return ar.isfinite(this); }
  isinf(): Tensor { return ar.isinf(this); }
  /** |this − other| ≤ atol + rtol · |other| elementwise (defaults rtol 1e-5, atol 1e-8). */
  isclose(other: Tensor, options?: ar.CloseOptions): Tensor { return ar.isclose(this, other, options); }
  /** True when every element is close to other's (a boolean). */
  allclose(other: Tensor, options?: ar.CloseOptions): boolean { return ar.allclose(this, other, options); }
  /** True when other has the same shape and values (a boolean). */
  equal(other: Tensor): boolean { return ar.equal(this, other); }

  // ---- in place: add_ sub_ mul_ … zero_ fill_ copy_ (ops/inplace_methods.ts, installed by index.ts)

  // ---- reductions -----------------------------------------------------------------------------
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  /** max() of all elements; max(dim) gives { values, indices } like torch (also `const [v, i] = x.max(1)`). */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? red.maxAll(this, "max") : red.maxDim(this, dim, keepdim, "max");
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? red.maxAll(this, "min") : red.maxDim(this, dim, keepdim, "min");
  }
  /** Largest values over dims (all when omitted); ties share the gradient (AmaxBackward0). */
  amax(dim?: number | readonly number[], keepdim = false): Tensor { return st.amax(this, dim, keepdim); }
  amin(dim?: number | readonly number[], keepdim = false): Tensor { return st.amin(this, dim, keepdim); }
  /** log Σ exp(x) over dims, computed stably. */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return st.logsumexp(this, dim, keepdim); }
  /** Product of all elements, or along one dim. */
  prod(dim?: number, keepdim = false): Tensor { return st.prod(this, dim, keepdim); }
  /** Variance over dims (all when omitted), divisor N − correction (default correction 1): `x.var(1, { correction: 0 })`. */
  var(dim?: number | readonly number[] | st.VarOptions, options?: st.VarOptions): Tensor { return st.variance(this, dim, options); }
  /** Standard deviation over dims (all when omitted), divisor N − correction (default 1). */
  std(dim?: number | readonly number[] | st.VarOptions, options?: st.VarOptions): Tensor { return st.std(this, dim, options); }
  /** The vector p-norm (default 2) over dims (all when omitted); p may be Infinity, -Infinity, 0, "fro". */
  norm(p: number | string = 2, dim?: number | readonly number[], keepdim = false): Tensor { return st.norm(this, p, dim, keepdim); }
  /** ‖this − other‖_p (default p = 2), with broadcasting. */
  dist(other: Tensor, p = 2): Tensor { return st.dist(this, other, p); }
  /** Running sum along dim. */
  cumsum(dim: number): Tensor { return st.cumsum(this, dim); }
  /** Running product along dim. */
  cumprod(dim: number): Tensor { return st.cumprod(this, dim); }
  /** Whether every element (along dim) is non-zero. */
  all(dim?: number, keepdim = false): Tensor { return ar.all(this, dim, keepdim); }
  /** Whether some element (along dim) is non-zero. */
  any(dim?: number, keepdim = false): Tensor { return ar.any(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, "max"); }
  argmin(dim?: number, keepdim = false): Tensor { return red.argExtreme(this, dim, keepdim, "min"); }
  softmax(dim: number): Tensor { return sm.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return sm.logSoftmax(this, dim); }

  // ---- linear algebra -------------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  dot(other: Tensor): Tensor { return la.dot(this, other); }

  // ---- views: share this tensor's storage (ops/shape_ops.ts) ----------------------------------
  t(): Tensor { return sh.t(this); }
  /** Reversed dims (PyTorch records x.T as a permute: PermuteBackward0). */
  get T(): Tensor { return sh.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  /** The last two dims swapped (TransposeBackward0). */
  get mT(): Tensor { return sh.transpose(this, -2, -1); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return sh.permute(this, flatArgs(dims)); }
  /** A view when the strides allow it (ViewBackward0), otherwise a copy (UnsafeViewBackward0 of a CloneBackward0). */
  reshape(...shape: number[] | [readonly number[]]): Tensor { return sh.reshape(this, flatArgs(shape)); }
  /** A view with another shape; fails when the strides do not allow it (use reshape then). */
  view(...shape: number[] | [readonly number[]]): Tensor { return sh.view(this, flatArgs(shape)); }
  viewAs(other: Tensor): Tensor { return sh.view(this, other.shape); }
  /** Dims startDim..endDim merged into one (a 1-D tensor, or startDim = endDim, is returned as is). */
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  /** Dim `dim` split into `sizes` (one may be -1). */
  unflatten(dim: number, sizes: readonly number[]): Tensor { return sh.unflatten(this, dim, sizes); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  /** In place: this tensor takes the shape of unsqueeze(dim) (UnsqueezeBackward1). */
  unsqueeze_(dim: number): this { return ip.reshapeInPlace(this, "unsqueeze_", GS.UnsqueezeBackward1, dim, () => sh.unsqueeze(this, dim)); }
  /** In place: this tensor takes the shape of squeeze(dim?) (SqueezeBackward3 / SqueezeBackward4). */
  squeeze_(dim?: number): this {
    return ip.reshapeInPlace(this, "squeeze_", dim === undefined ? GS.SqueezeBackward3 : GS.SqueezeBackward4, dim ?? 0, () => sh.squeeze(this, dim));
  }
  squeeze(dim?: number | readonly number[]): Tensor { return sh.squeeze(this, dim); }
  expand(...sizes: number[] | [readonly number[]]): Tensor { return sh.expand(this, flatArgs(sizes)); }
  expandAs(other: Tensor): Tensor { return sh.expand(this, other.shape); }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor { return sh.diagonal(this, offset, dim1, dim2); }
  /** All slices of length `size` along `dim`, `step` apart, as a new last dim (UnfoldBackward0). */
  unfold(dim: number, size: number, step: number): Tensor { return sh.unfold(this, dim, size, step); }

  // ---- indexing -------------------------------------------------------------------------------
  /** Python-style indexing: `x.index(0, "1:3")` is `x[0, 1:3]`; see IndexSpec. */
  index(...indices: IndexSpec[]): Tensor { return ix.index(this, indices); }
  select(dim: number, index: number): Tensor { return ix.select(this, dim, index); }
  narrow(dim: number, start: number, length: number): Tensor { return ix.narrow(this, dim, start, length); }
}

installTableMethods(Tensor.prototype);

function flatArgs(args: number[] | [readonly number[]]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}

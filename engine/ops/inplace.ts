// In-place ops (`x.add_(y)`, `x.zero_()`, `x.index(0).copy_(v)` …) with PyTorch's rules:
//  - a leaf that requires grad (or a view of one) cannot be changed in place while grad mode is on;
//  - every write bumps the tensor's version counter (shared with its views); a node that saved the
//    tensor before the write refuses to run backward (autograd/node.ts checks);
//  - when the op is recorded, the tensor's history is rebased onto the op's node (`x.mul_(2)` makes
//    x's grad_fn MulBackward1); written through a view, the base gets a CopySlices node and the view
//    an AsStridedBackward0, as PyTorch records them.
// Each op computes its result out of place (the ordinary op, recording its node with x's old
// history as input), then the values are written into x and the node is handed to x.
import { Tensor, type IndexSpec, type TensorOrScalar } from "../tensor";
import { allocate, castValue, isFloating, promote, scalarTypeName } from "../dtype";
import { formatShape, shapeEquals } from "../shape";
import { hasInternalOverlap, noteWrite, viewPositions, writeStrided } from "../storage";
import { isGradEnabled, withGradMode } from "../grad_mode";
import { FunctionNode, type GradientSpec, type Node } from "../autograd/node";
import { observer, setObserver, type AutogradObserver } from "../autograd/observer";
import { gradientEdge, record } from "../autograd/record";
import * as G from "../gradients/inplace";
import { AsStridedBackward0 } from "../gradients/indexing";
import { clone, expandData, isTrailingRow, loopVR, loopVS, loopVV, type BinaryKind } from "./elementwise";
import { index } from "./indexing";
import { generatorOf } from "../random";

const LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation.";
const VIEW_OF_LEAF_ERROR =
  "a view of a leaf Variable that requires grad is being used in an in-place operation. Change it inside torch.noGrad(() => …), or clone() the leaf first.";

const OVERLAP_ERROR =
  "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.";

/** `fills` may write an overlapping (expanded) tensor: every element gets the same value (PyTorch's fill_ and zero_). */
function checkWritable(x: Tensor, op: string, fills = false): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor.`);
  if (isGradEnabled()) {
    if (x.gradFn === null && x._leafRequiresGrad) {
      throw new Error(`${op}: ${LEAF_ERROR} Change it inside torch.noGrad(() => …) (as an optimizer step does), or write to a clone().`);
    }
    const b = x._base;
    if (b !== null && b.gradFn === null && b._leafRequiresGrad) throw new Error(`${op}: ${VIEW_OF_LEAF_ERROR}`);
  }
  if (!fills && hasInternalOverlap(x.shape, x._strides)) throw new Error(`${op}: ${OVERLAP_ERROR}`);
}

/** Write contiguous `values` into x's storage and bump its version (the one place that writes). */
export function writeValues(x: Tensor, values: ArrayLike<number>): void {
  if (x._flat !== null) {
    if (!isFloating(x.dtype)) for (let i = 0; i < values.length; i++) x._flat[i] = castValue(x.dtype, values[i]!);
    else x._flat.set(values);
  } else {
    writeStrided(x._storage, x._offset, x.shape, x._strides, isFloating(x.dtype) ? values : Array.from(values, (v) => castValue(x.dtype, v)));
  }
  bumpVersion(x);
}

/** A write happened: the version counter moves on, and gathered copies of views are stale. */
export function bumpVersion(x: Tensor): void {
  const vc = x._version;
  vc.value++;
  // Keep where the write happened only when it can matter: a live node saved this tensor.
  if (vc.saves > 0) vc.lastWrite = new Error("in-place write");
  noteWrite();
}

/**
 * Run `compute` (x's op out of place), write its result into x, and give x its node. The observer
 * hears about the node once, with x (at its new version) as the output.
 */
export function inplace<T extends Tensor>(x: T, op: string, compute: () => Tensor, fills = false): T {
  checkWritable(x, op, fills);
  const outer = observer;
  let seen: { node: Node; inputs: ReadonlyArray<Tensor | null> } | null = null;
  const capture: AutogradObserver = {
    nodeCreated: (node, _out, inputs) => {
      seen = { node, inputs };
    },
  };
  setObserver(outer === null ? null : capture);
  let out: Tensor;
  try {
    out = compute();
  } finally {
    setObserver(outer);
  }
  if (!shapeEquals(out.shape, x.shape)) {
    throw new RangeError(`${op}: output with shape ${formatShape(x.shape)} doesn't match the broadcast shape ${formatShape(out.shape)}.`);
  }
  if (promote(out.dtype, x.dtype) !== x.dtype) {
    throw new TypeError(`${op}: result type ${scalarTypeName(out.dtype)} can't be cast to the desired output type ${scalarTypeName(x.dtype)}.`);
  }
  const node = out.gradFn instanceof FunctionNode ? (out.gradFn as FunctionNode<object>) : null;
  // A saved input that is x itself must keep the values from before the write.
  const before = node !== null && node.savesTensor(x) ? snapshot(x) : null;
  if (node !== null) {
    outer?.beforeInPlace?.(x);
    if (x._base !== null) outer?.beforeInPlace?.(x._base);
  }
  writeValues(x, out._values);
  if (node === null) return x;
  node.rebaseSaved(out, x, before);
  const inputs = (seen as { inputs: ReadonlyArray<Tensor | null> } | null)?.inputs ?? [x];
  if (x._base === null) {
    x.gradFn = node;
    outer?.nodeCreated?.(node, x, inputs);
  } else {
    copySlices(x, node, inputs, outer);
  }
  return x;
}

/**
 * The common unrecorded case of add_/sub_/mul_/div_ — an optimizer step under noGrad, a buffer
 * update — computed straight into x's own storage: no result tensor, no copy back. Returns null
 * (the caller takes the general path) when the op would be recorded, when x is not plain float
 * storage, or when `other` is not a number, x's shape, a row x repeats, or a single element — and
 * when other shares x's storage, since writing x while reading other could then read new values.
 */
export function binaryInPlace<T extends Tensor>(x: T, kind: BinaryKind, other: TensorOrScalar): T | null {
  const out = x._flat;
  if (out === null || !(x instanceof Tensor) || !isFloating(x.dtype)) return null;
  const o = other instanceof Tensor ? other : null;
  if (o === null && typeof other !== "number") return null;
  if (isGradEnabled() && (x.requiresGrad || (o !== null && o.requiresGrad))) return null;
  if (o !== null && (o._storage === x._storage || o.shape.length > x.shape.length)) return null;
  checkWritable(x, `${kind}_`);
  if (o === null) loopVS(kind, out, other as number, out);
  else if (shapeEquals(o.shape, x.shape)) loopVV(kind, out, o._values, out);
  else if (o.numel() === 1 && o.shape.length <= x.shape.length) loopVS(kind, out, o._values[0]!, out);
  else if (isTrailingRow(o.shape, x.shape)) loopVR(kind, out, o._values, out);
  else return null;
  bumpVersion(x);
  return x;
}

/** zero_/fill_ with a number when nothing is recorded: the values are written directly. */
function fillUnrecorded(x: Tensor, op: string, value: number): boolean {
  if (isGradEnabled() && x.requiresGrad) return false;
  checkWritable(x, op, true);
  const v = x.dtype === "int64" ? Math.trunc(value) : value;
  if (x._flat !== null) x._flat.fill(v);
  else writeStrided(x._storage, x._offset, x.shape, x._strides, new Float64Array(x.numel()).fill(v));
  bumpVersion(x);
  return true;
}

/**
 * x's current values as a tensor of their own (PyTorch's original_self): a clone with x's history
 * when grad mode is on, so a double backward can still differentiate through it. The clone is not
 * reported to the observer (PyTorch's is internal too).
 */
function snapshot(x: Tensor): Tensor {
  if (!isGradEnabled() || !x.requiresGrad) return new Tensor(x._values.slice(), x.shape, x.dtype);
  const prev = setObserver(null);
  try {
    return clone(x);
  } finally {
    setObserver(prev);
  }
}

/**
 * The write went through a view: the base's history becomes CopySlices(base's old history, the
 * op's other inputs), whose backward runs the op's node on the view's part of the gradient; the
 * view's own grad_fn becomes AsStridedBackward0 of the base.
 */
function copySlices(view: Tensor, node: FunctionNode<object>, inputs: ReadonlyArray<Tensor | null>, outer: AutogradObserver | null): void {
  const base = view._base!;
  const map = positionsInBase(view);
  const edges = [gradientEdge(base), ...node.nextFunctions.slice(1)];
  const overlap = hasInternalOverlap(view.shape, view._strides);
  const cs = new FunctionNode(G.CopySlices, edges, { fn: node, map, baseShape: base.shape, overlap }, base.shape, base.dtype, null);
  base.gradFn = cs;
  outer?.nodeCreated?.(cs, base, [base, ...inputs.slice(1)]);
  refreshStaleView(view);
}

/** Row-major positions in the base of each element of a view (the base owns plain storage). */
function positionsInBase(view: Tensor): Int32Array {
  const base = view._base!;
  if (base._flat !== base._storage || base._offset !== 0) {
    throw new Error("in-place write through a view: the view's base does not own its storage (was it assigned with ._values =?); clone() it first.");
  }
  return viewPositions(view.shape, view._strides, view._offset);
}

/**
 * Give a view whose storage was written since its gradFn was made the grad_fn PyTorch derives for
 * it from the base's current history: AsStridedBackward0 (none when the base needs no grad). Done
 * on the next read of the view's gradFn, as PyTorch does on its next grad_fn access.
 */
export function refreshStaleView(view: Tensor): void {
  const base = view._base!;
  view._viewVersion = view._version.value;
  const old = view._gradFn;
  if (base.gradFn === null && !base._leafRequiresGrad) {
    view._gradFn = null;
    return;
  }
  if (old === null && !isGradEnabled()) return; // a view made under noGrad stays outside the graph
  const map = positionsInBase(view);
  const node = new FunctionNode(AsStridedBackward0, [gradientEdge(base)], { map, selfShape: base.shape }, view.shape, view.dtype, view);
  view._gradFn = node;
  observer?.nodeCreated?.(node, view, [base]);
}

// ---- ops without an out-of-place twin in the API ---------------------------------------------------

/** A recorded "out of place" fill: constant values of x's shape whose gradient for x is zero. */
function filled(x: Tensor, spec: GradientSpec<Record<string, unknown>>, values: (n: number) => ArrayLike<number>, other: Tensor | null, saved: Record<string, unknown>): Tensor {
  const out = new Tensor(allocate(x.dtype, x.numel()), x.shape, x.dtype);
  out._flat!.set(values(out.numel()));
  return record(out, spec, other === null ? [x] : [x, other], () => saved);
}

export function zero_<T extends Tensor>(x: T): T {
  if (x instanceof Tensor && fillUnrecorded(x, "zero_", 0)) return x;
  return inplace(x, "zero_", () => filled(x, G.ZeroBackward0, (n) => new Float64Array(n), null, {}), true);
}

export function fill_<T extends Tensor>(x: T, value: TensorOrScalar): T {
  if (typeof value === "number") {
    if (x instanceof Tensor && fillUnrecorded(x, "fill_", value)) return x;
    return inplace(x, "fill_", () => filled(x, G.FillBackward2, (n) => new Float64Array(n).fill(value), null, { value }), true);
  }
  if (!(value instanceof Tensor) || value.shape.length !== 0) {
    throw new RangeError("fill_: only supports 0-dimension value tensor (or a number).");
  }
  const v = value.item();
  return inplace(x, "fill_", () => filled(x, G.FillBackward3, (n) => new Float64Array(n).fill(v), value, {}), true);
}

export function copy_<T extends Tensor>(x: T, src: TensorOrScalar): T {
  if (typeof src === "number") return fill_(x, src);
  if (!(src instanceof Tensor)) throw new TypeError("copy_: src must be a Tensor.");
  // Broadcast src to x's shape (an error names both shapes when it cannot be).
  const values = shapeEquals(src.shape, x.shape) ? src._values : broadcastTo(src, x.shape, "copy_");
  return inplace(x, "copy_", () => {
    const out = new Tensor(allocate(x.dtype, x.numel()), x.shape, x.dtype);
    out._flat!.set(values);
    return record(out, G.CopyBackwards, [x, src], () => ({ srcDType: src.dtype }));
  });
}

function broadcastTo(src: Tensor, shape: readonly number[], op: string): ArrayLike<number> {
  const off = shape.length - src.shape.length;
  if (off < 0 || src.shape.some((s, i) => s !== 1 && s !== shape[i + off])) {
    throw new RangeError(`${op}: the source of shape ${formatShape(src.shape)} cannot be broadcast to the destination's shape ${formatShape(shape)}.`);
  }
  return expandData(src, shape);
}

export function maskedFill_<T extends Tensor>(x: T, mask: Tensor, value: TensorOrScalar): T {
  if (!(mask instanceof Tensor)) throw new TypeError("maskedFill_: mask must be a Tensor (non-zero means fill).");
  const m = shapeEquals(mask.shape, x.shape) ? mask._values : broadcastTo(mask, x.shape, "maskedFill_");
  const v = typeof value === "number" ? value : value.item();
  if (typeof value !== "number" && value.shape.length !== 0) {
    throw new RangeError(`maskedFill_: only supports a 0-dimensional value tensor, but got tensor with ${value.shape.length} dimension(s).`);
  }
  return inplace(x, "maskedFill_", () => {
    const src = x._values;
    const out = new Tensor(allocate(x.dtype, src.length), x.shape, x.dtype);
    const o = out._flat!;
    for (let i = 0; i < o.length; i++) o[i] = m[i] !== 0 ? v : src[i]!;
    const keep = new Tensor(Float64Array.from(m, (b) => (b !== 0 ? 0 : 1)), x.shape, "float64");
    return record(out, G.MaskedFillBackward0, [x], () => ({ keep }));
  });
}

/**
 * Python's `x[indices] = values`: with only numbers, slices, null and "...", a copy_ into the view
 * (CopySlices); with an array index, IndexPutBackward0 on x itself.
 */
export function indexPut_<T extends Tensor>(x: T, indices: readonly IndexSpec[], values: TensorOrScalar): T {
  if (!Array.isArray(indices)) throw new TypeError("indexPut_: indices must be an array of index components, like x.indexPut_([0, \":\"], v).");
  const hasArray = indices.some((s) => (s instanceof Tensor && !(s.shape.length === 0 && s.dtype === "int64")) || Array.isArray(s));
  if (!hasArray) {
    const target = index(x, indices);
    if (target === x) return copy_(x, values);
    copy_(target, values);
    return x;
  }
  // Positions written: index a tensor of positions the same way.
  const positions = withGradMode(false, () => index(new Tensor(Float64Array.from({ length: x.numel() }, (_, i) => i), x.shape, "float64"), indices));
  const pos = Int32Array.from(positions._values);
  const vals = typeof values === "number" ? new Float64Array(pos.length).fill(values) : broadcastTo(values, positions.shape, "indexPut_");
  const valuesTensor = typeof values === "number" ? null : values;
  return inplace(x, "indexPut_", () => {
    const out = new Tensor(x._values.slice(), x.shape, x.dtype);
    const o = out._flat!;
    for (let i = 0; i < pos.length; i++) o[pos[i]!] = vals[i]!;
    return record(out, G.IndexPutBackward0, valuesTensor === null ? [x] : [x, valuesTensor], () => ({ map: pos, valuesShape: positions.shape }));
  });
}

/** uniform_ / normal_: new random values (UniformBackward0 / NormalBackward0 when recorded: zero gradient). */
export function random_<T extends Tensor>(x: T, op: "uniform_" | "normal_", a: number, b: number, opts?: { generator?: unknown }): T {
  const gen = generatorOf(opts, op);
  const spec = op === "uniform_" ? G.UniformBackward0 : G.NormalBackward0;
  const draw = (n: number): Float64Array => {
    const v = new Float64Array(n);
    const float32 = x.dtype !== "float64";
    if (op === "uniform_") gen.fillUniform(v, a, b, float32);
    else gen.fillNormal(v, a, b, float32, x.isContiguous());
    return v;
  };
  return inplace(x, op, () => filled(x, spec, draw, null, {}));
}

/**
 * squeeze_ / unsqueeze_: the tensor itself takes the view's sizes and strides; recorded as
 * PyTorch 2.x names them (SqueezeBackward3 / SqueezeBackward4 / UnsqueezeBackward1).
 */
export function reshapeInPlace<T extends Tensor>(x: T, op: string, spec: GradientSpec<{ dim: number; selfShape: readonly number[] }>, dim: number, view: () => Tensor): T {
  checkWritable(x, op, true);
  const v = withGradMode(false, view);
  const selfShape = x.shape;
  const records = isGradEnabled() && x.requiresGrad;
  if (records) observer?.beforeInPlace?.(x);
  x._shape = v._shape;
  x._strides = v._strides;
  x._flat = v._flat;
  bumpVersion(x); // also makes any gathered copy of x's old geometry stale
  if (records) record(x, spec, [x], () => ({ dim, selfShape }));
  return x;
}

// torch.autograd.Function: a user-defined op with its own forward and backward.
//   class Legendre extends torch.autograd.Function {
//     static forward(ctx, x) { ctx.saveForBackward(x); return x.pow(3).mul(5).sub(x.mul(3)).div(2); }
//     static backward(ctx, grad) { const [x] = ctx.savedTensors; return grad.mul(x.pow(2).mul(7.5).sub(1.5)); }
//   }
//   const y = Legendre.apply(x);   // y.gradFn.name === "LegendreBackward"
// As PyTorch's: forward runs under no-grad; the node has one edge per tensor argument; backward runs
// with grad mode on only under createGraph (so a backward written with differentiable ops can be
// differentiated again); it must return one gradient per forward argument (null for non-tensors and
// for inputs that need none), each of its input's shape (or one that sums to it).
import { Tensor } from "../tensor";
import { isGradEnabled, withGradMode } from "../grad_mode";
import { formatShape } from "../shape";
import { detach } from "../ops/shape_ops";
import { FunctionNode, type Edge, type GradientSpec } from "./node";
import { observer } from "./observer";
import { gradientEdge } from "./record";

/** The `ctx` handed to forward and backward: saves tensors for backward and carries anything else you put on it. */
export class FunctionCtx {
  /** Per forward argument: whether backward has to compute its gradient (a tensor that requires grad). */
  needsInputGrad: boolean[] = [];
  /** @internal */ _toSave: Array<Tensor | null> = [];
  /** @internal how many were saved (the tensors themselves move to the node) */
  _savedCount = 0;
  /** @internal */ _dirty: Tensor[] = [];
  /** @internal */ _nonDifferentiable: Tensor[] = [];
  /** @internal the node, once made: saved tensors are read from it (they are freed with it) */
  _node: FunctionNode<Record<string, unknown>> | null = null;
  /** Whatever else forward stores for backward (`ctx.alpha = 2`), as in PyTorch. */
  [key: string]: unknown;

  /** Save tensors (or null) for backward, where `ctx.savedTensors` gives them back in the same order. */
  saveForBackward(...tensors: Array<Tensor | null | undefined>): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TypeError(`saveForBackward can only save tensors, but argument ${i} is of type ${typeof t}.`);
      }
    });
    this._toSave = tensors.map((t) => t ?? null);
  }

  /**
   * The tensors given to saveForBackward, in order (throws after backward freed them, unless
   * retainGraph). Typed as tensors, as PyTorch types them; an entry saved as null comes back null.
   */
  get savedTensors(): Tensor[] {
    if (this._node === null) return this._toSave.slice() as Tensor[];
    // Read from the node, which frees them after backward (as PyTorch does).
    const saved = this._node.saved;
    return Array.from({ length: this._savedCount }, (_, i) => (saved[`savedTensors[${i}]`] as Tensor | undefined) ?? null) as Tensor[];
  }

  /** Declare inputs forward changed in place (and returns): their history becomes this function's node. */
  markDirty(...tensors: Tensor[]): void {
    this._dirty = tensors.filter((t) => t instanceof Tensor);
  }

  /** Declare outputs that are not differentiable (e.g. indices): they do not require grad. */
  markNonDifferentiable(...tensors: Tensor[]): void {
    this._nonDifferentiable = tensors.filter((t) => t instanceof Tensor);
  }
}

type Grads = Tensor | null | undefined | ReadonlyArray<Tensor | null | undefined>;
type ForwardArgs<F> = F extends (ctx: FunctionCtx, ...args: infer A) => unknown ? A : unknown[];

/** What the runner needs to show a user-defined node: its class and the two static methods. */
export interface UserFunctionInfo {
  className: string;
  /** The subclass of torch.autograd.Function. */
  cls: unknown;
  forward: (...args: never[]) => unknown;
  backward: (...args: never[]) => unknown;
}

/** @internal The node of one `apply` call: a FunctionNode that also knows its user-defined class. */
export class CustomFunctionNode extends FunctionNode<Record<string, unknown>> {
  constructor(
    readonly userFunction: UserFunctionInfo,
    spec: GradientSpec<Record<string, unknown>>,
    edges: readonly Edge[],
    saved: Record<string, unknown>,
    out: Tensor,
  ) {
    super(spec, edges, saved, out.shape, out.dtype, out);
  }
}

/** The class name as a node name: "Legendre" → "LegendreBackward" (PyTorch's naming). */
function nodeName(cls: unknown): string {
  const raw = typeof cls === "function" ? (cls as { name?: unknown }).name : undefined;
  const name = typeof raw === "string" && /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(raw) ? raw : "Function";
  return `${name}Backward`;
}

/** Parameter names of forward after ctx, for the inspector ("x", "exponent"); "input0" … when unreadable. */
function argNames(forward: unknown, count: number): string[] {
  let names: string[] = [];
  try {
    const src = globalThis.Function.prototype.toString.call(forward);
    const m = /^[^(]*\(([^)]*)\)/.exec(src);
    if (m) names = m[1]!.split(",").map((s) => s.trim().split(/[\s=:?]/)[0]!.replace(/^\.\.\./, ""));
  } catch {
    names = [];
  }
  return Array.from({ length: count }, (_, i) => {
    const n = names[i + 1];
    return n !== undefined && /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(n) ? n : `input${i}`;
  });
}

/** `shape` can be broadcast to `target` (so a gradient of `target`'s shape sums back to it). */
function expandableTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  return shape.every((s, i) => s === target[i + lead] || s === 1);
}

/** Base class of user-defined autograd functions (torch.autograd.Function). */
export class AutogradFunction {
  /** Compute the output from the inputs (runs under no-grad). Override as `static forward(ctx, …args)`. */
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): Tensor {
    throw new Error("You must implement the forward function for custom autograd.Function.");
  }

  /** Given the gradient of the output, return one gradient per forward argument. Override as `static backward(ctx, grad)`. */
  static backward(_ctx: FunctionCtx, ..._grads: Tensor[]): Grads {
    throw new Error("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.");
  }

  /** Run the function: forward without recording, then one node (`<Name>Backward`) whose backward is yours. */
  static apply<C extends typeof AutogradFunction>(this: C, ...args: ForwardArgs<C["forward"]>): Tensor {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- `this` is the user's subclass
    const cls = this;
    if (typeof cls !== "function" || !(cls.prototype instanceof AutogradFunction)) {
      throw new TypeError("autograd.Function.apply: call it on your subclass, as Legendre.apply(x); to name it, wrap it: const P3 = (t) => Legendre.apply(t).");
    }
    const name = nodeName(cls);
    const forwardName = name.replace(/Backward$/, "");
    if (cls.forward === AutogradFunction.forward) throw new Error(`${forwardName}: You must implement the forward function for custom autograd.Function.`);
    const ctx = new FunctionCtx();
    const list = args as unknown[];
    const recording = isGradEnabled() && list.some((a) => a instanceof Tensor && a.requiresGrad);
    ctx.needsInputGrad = list.map((a) => recording && a instanceof Tensor && a.requiresGrad);

    let out: unknown = withGradMode(false, () => cls.forward(ctx, ...list));
    if (Array.isArray(out)) {
      throw new TypeError(`${forwardName}.forward returned ${out.length} values; custom Functions with several outputs are not supported yet — return one Tensor.`);
    }
    if (!(out instanceof Tensor)) {
      throw new TypeError(`${forwardName}.forward must return a Tensor, got ${out === null ? "null" : typeof out}.`);
    }
    const nonDiff = ctx._nonDifferentiable.includes(out);
    if (!recording || nonDiff) {
      if (nonDiff && list.includes(out)) out = detach(out);
      return out as Tensor;
    }
    let result = out;
    const dirty = ctx._dirty.includes(result);
    if (list.includes(result) && !dirty) {
      // An input returned as is: the output is a new tensor sharing its storage (PyTorch returns a view).
      result = detach(result);
    } else if (dirty) {
      if (result.isLeaf && result.requiresGrad) throw new Error(`${forwardName}: a leaf Variable that requires grad has been used in an in-place operation.`);
      observer?.beforeInPlace?.(result);
    }

    const tensorArgs: Array<{ arg: number; t: Tensor }> = [];
    list.forEach((a, i) => {
      if (a instanceof Tensor) tensorArgs.push({ arg: i, t: a });
    });
    const names = argNames(cls.forward, list.length);
    const saved: Record<string, unknown> = {};
    ctx._toSave.forEach((t, i) => (saved[`savedTensors[${i}]`] = t ?? undefined));
    const backward = cls.backward;
    const spec: GradientSpec<Record<string, unknown>> = {
      name,
      inputs: tensorArgs.map(({ arg }) => names[arg]!),
      formulas: () => tensorArgs.map(() => `user-defined: ${forwardName}.backward(ctx, grad)`),
      gradFunc: (grad) => {
        if (backward === AutogradFunction.backward) {
          throw new Error(`${name}: You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.`);
        }
        const r: unknown = backward.call(cls, ctx, grad);
        return checkGrads(name, r, list, tensorArgs);
      },
    };
    const edges = tensorArgs.map(({ t }) => gradientEdge(t));
    const node = new CustomFunctionNode({ className: forwardName, cls, forward: cls.forward, backward }, spec, edges, saved, result);
    ctx._node = node;
    ctx._savedCount = ctx._toSave.length;
    ctx._toSave = []; // the node holds them now, and frees them after backward
    result.gradFn = node;
    if (observer !== null && observer.nodeCreated) observer.nodeCreated(node, result, tensorArgs.map(({ t }) => t));
    return result;
  }
}

/** PyTorch's checks on what backward returned: one gradient per forward argument, of the argument's shape. */
function checkGrads(name: string, r: unknown, args: readonly unknown[], tensorArgs: ReadonlyArray<{ arg: number; t: Tensor }>): Array<Tensor | null> {
  const grads: unknown[] = Array.isArray(r) ? r : [r];
  if (grads.length !== args.length) {
    // Extra trailing nulls are allowed, as PyTorch allows extra Nones.
    const extra = grads.slice(args.length);
    if (grads.length < args.length || extra.some((g) => g !== null && g !== undefined)) {
      throw new Error(`function ${name} returned an incorrect number of gradients (expected ${args.length}, got ${grads.length})`);
    }
  }
  grads.slice(0, args.length).forEach((g, i) => {
    if (g === null || g === undefined) return;
    if (!(g instanceof Tensor)) throw new TypeError(`function ${name} returned ${typeof g} as gradient ${i}; a gradient must be a Tensor or null.`);
    const a = args[i];
    if (!(a instanceof Tensor)) {
      throw new Error(`function ${name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`);
    }
    if (!expandableTo(a.shape, g.shape)) {
      throw new RangeError(`Function ${name} returned an invalid gradient at index ${i} - got ${formatShape(g.shape)} but expected shape compatible with ${formatShape(a.shape)}`);
    }
    if (g.dtype === "int64") throw new TypeError(`Function ${name} returned an invalid gradient at index ${i} - expected a floating point gradient, got int64.`);
  });
  return tensorArgs.map(({ arg }) => (grads[arg] as Tensor | null | undefined) ?? null);
}

// torch.autograd.functional: jacobian, hessian, vjp, jvp, vhp and hvp of a function of tensors, built
// on autograd.grad as PyTorch builds them (jvp and hvp with the double-backward trick). A tuple in
// PyTorch is an array here: `jacobian(f, [x, y])` gives one Jacobian per input.
import { Tensor } from "../tensor";
import { withGradMode } from "../grad_mode";
import { shapeEquals, formatShape } from "../shape";
import { zerosLike } from "../ops/creation";
import { stack } from "../ops/join";
import { reshape } from "../ops/shape_ops";
import { detach } from "../ops/shape_ops";
import { grad } from "./engine";

export interface FunctionalOptions {
  /** Record the computation of the result, so it can be differentiated again. */
  createGraph?: boolean;
  /** Throw when an output does not depend on an input, instead of giving zeros. */
  strict?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];
type Many<T> = T | T[];

function asTuple(v: unknown, what: string, fn: string): { list: Tensor[]; tuple: boolean } {
  const tuple = Array.isArray(v);
  const list = tuple ? (v as unknown[]) : [v];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `autograd.functional.${fn}: The ${what} given to ${fn} must be either a Tensor or a tuple (array) of Tensors but the ${tuple ? `value at index ${i}` : "given " + what} has type ${t === null ? "null" : typeof t}.`,
      );
    }
  });
  return { list: list as Tensor[], tuple };
}

/** Fresh leaves for the inputs (views that keep the graph under createGraph, as PyTorch's _grad_preprocess). */
function prepare(inputs: readonly Tensor[], createGraph: boolean): Tensor[] {
  return inputs.map((t) => {
    if (t.dtype === "int64") throw new TypeError("autograd.functional: inputs must be floating point tensors (int64 cannot require grad).");
    if (createGraph && t.requiresGrad) return withGradMode(true, () => t.mul(1));
    return detach(t).requiresGrad_(true);
  });
}

function call(func: Fn, inputs: Tensor[], fn: string): { list: Tensor[]; tuple: boolean } {
  if (typeof func !== "function") throw new TypeError(`autograd.functional.${fn}: the first argument must be the function to differentiate.`);
  const out = withGradMode(true, () => func(...inputs));
  return asTuple(out, "outputs of the user-provided function", fn);
}

/** Drop the graph unless createGraph (PyTorch's _grad_postprocess). */
function post(t: Tensor, createGraph: boolean): Tensor {
  return createGraph ? t : detach(t);
}

/** d(out)/d(inputs) weighted by v, zeros (or an error in strict mode) where out does not depend on an input. */
function vjpOf(out: Tensor, inputs: Tensor[], v: Tensor, createGraph: boolean, strict: boolean, fn: string, outIndex: number): Tensor[] {
  let gs: Array<Tensor | undefined>;
  if (!out.requiresGrad) gs = inputs.map(() => undefined);
  else gs = grad([out], inputs, [v], { retainGraph: true, createGraph, allowUnused: true });
  return gs.map((g, i) => {
    if (g !== undefined) return g;
    if (strict) {
      throw new Error(`autograd.functional.${fn}: Output ${outIndex} of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    }
    return zerosLike(inputs[i]!);
  });
}

function basis(out: Tensor, k: number): Tensor {
  const e = zerosLike(out);
  e._flat![k] = 1;
  return e;
}

/**
 * The Jacobian of func at inputs: for one input and one output a tensor of shape
 * `[...output.shape, ...input.shape]`; for arrays of inputs/outputs, arrays (outputs outer).
 */
export function jacobian(func: Fn, inputs: Many<Tensor>, options: FunctionalOptions = {}): Tensor | Tensor[] | Tensor[][] {
  const createGraph = options?.createGraph ?? false;
  const strict = options?.strict ?? false;
  const ins = asTuple(inputs, "inputs", "jacobian");
  const leaves = prepare(ins.list, createGraph);
  const outs = call(func, leaves, "jacobian");
  const result = outs.list.map((out, oi) => {
    const rows: Tensor[][] = leaves.map(() => []);
    for (let k = 0; k < out.numel(); k++) {
      const gs = vjpOf(out, leaves, basis(out, k), createGraph, strict, "jacobian", oi);
      gs.forEach((g, i) => rows[i]!.push(g));
    }
    return leaves.map((inp, i) => {
      const shape = [...out.shape, ...inp.shape];
      const j = out.numel() === 0 ? zerosShape(shape, inp) : reshape(withGradMode(createGraph, () => stack(rows[i]!, 0)), shape, "jacobian");
      return post(j, createGraph);
    });
  });
  return shapeResult(result, ins.tuple, outs.tuple);
}

function zerosShape(shape: readonly number[], like: Tensor): Tensor {
  return new Tensor(like.dtype === "float64" ? new Float64Array(0) : new Float32Array(0), shape, like.dtype);
}

function shapeResult(r: Tensor[][], inTuple: boolean, outTuple: boolean): Tensor | Tensor[] | Tensor[][] {
  if (outTuple) return inTuple ? r : r.map((row) => row[0]!);
  return inTuple ? r[0]! : r[0]![0]!;
}

/**
 * The Hessian of a function returning one element: for one input a tensor of shape
 * `[...input.shape, ...input.shape]`; for an array of inputs, hessian[i][j] = d²f / d input_i d input_j.
 */
export function hessian(func: Fn, inputs: Many<Tensor>, options: FunctionalOptions = {}): Tensor | Tensor[][] {
  const createGraph = options?.createGraph ?? false;
  const strict = options?.strict ?? false;
  const ins = asTuple(inputs, "inputs", "hessian");
  const gradients = (...xs: Tensor[]): Tensor[] => {
    const outs = call(func, xs, "hessian");
    if (outs.tuple) throw new TypeError("autograd.functional.hessian: The function given to hessian should return a single Tensor");
    const out = outs.list[0]!;
    if (out.numel() !== 1) throw new RangeError(`autograd.functional.hessian: The Tensor returned by the function given to hessian should contain a single element (it has shape ${formatShape(out.shape)}).`);
    return vjpOf(out, xs, basis(out, 0), true, strict, "hessian", 0);
  };
  const r = jacobian(gradients, ins.list, { createGraph, strict }) as Tensor[][];
  return ins.tuple ? r : r[0]![0]!;
}

function checkV(v: unknown, like: { list: Tensor[]; tuple: boolean }, fn: string, what: string): Tensor[] {
  if (v === undefined || v === null) {
    if (like.list.length !== 1 || like.list[0]!.numel() !== 1) {
      throw new Error(`autograd.functional.${fn}: The vector v can only be None if the ${what} is a single Tensor with a single element.`);
    }
    return [withGradMode(false, () => zerosLike(like.list[0]!).add(1))];
  }
  const vs = asTuple(v, "v", fn);
  if (vs.list.length !== like.list.length) throw new RangeError(`autograd.functional.${fn}: v has ${vs.list.length} tensors, the ${what} has ${like.list.length}.`);
  vs.list.forEach((t, i) => {
    if (!shapeEquals(t.shape, like.list[i]!.shape)) {
      throw new RangeError(`autograd.functional.${fn}: Mismatch in shape: v${like.tuple ? `[${i}]` : ""} has a shape of ${formatShape(t.shape)} and the ${what}${like.tuple ? `[${i}]` : ""} has a shape of ${formatShape(like.list[i]!.shape)}.`);
    }
  });
  return vs.list;
}

function single(list: Tensor[], tuple: boolean): Tensor | Tensor[] {
  return tuple ? list : list[0]!;
}

/** [func(inputs), vᵀ·J]: the vector–Jacobian product (v may be omitted when the output has one element). */
export function vjp(func: Fn, inputs: Many<Tensor>, v?: Many<Tensor> | null, options: FunctionalOptions = {}): [Tensor | Tensor[], Tensor | Tensor[]] {
  const createGraph = options?.createGraph ?? false;
  const strict = options?.strict ?? false;
  const ins = asTuple(inputs, "inputs", "vjp");
  const leaves = prepare(ins.list, createGraph);
  const outs = call(func, leaves, "vjp");
  const vs = checkV(v, outs, "vjp", "output");
  const total = leaves.map((l) => zerosLike(l));
  let acc: Tensor[] = total;
  outs.list.forEach((out, oi) => {
    const gs = vjpOf(out, leaves, vs[oi]!, createGraph, strict, "vjp", oi);
    acc = withGradMode(createGraph, () => acc.map((a, i) => a.add(gs[i]!)));
  });
  return [single(outs.list.map((o) => post(o, createGraph)), outs.tuple), single(acc.map((g) => post(g, createGraph)), ins.tuple)];
}

/** [func(inputs), J·v]: the Jacobian–vector product, with the double-backward trick (v may be omitted for a one-element input). */
export function jvp(func: Fn, inputs: Many<Tensor>, v?: Many<Tensor> | null, options: FunctionalOptions = {}): [Tensor | Tensor[], Tensor | Tensor[]] {
  const createGraph = options?.createGraph ?? false;
  const strict = options?.strict ?? false;
  const ins = asTuple(inputs, "inputs", "jvp");
  const vs = checkV(v, ins, "jvp", "input");
  const leaves = prepare(ins.list, createGraph);
  const outs = call(func, leaves, "jvp");
  const results = outs.list.map((out, oi) => {
    // g(u) = uᵀ·J is linear in u; its gradient w.r.t. u along v is J·v.
    const u = zerosLike(out).requiresGrad_(true);
    const gs = out.requiresGrad ? grad([out], leaves, [u], { retainGraph: true, createGraph: true, allowUnused: true }) : leaves.map(() => undefined);
    const used = gs.map((g, i) => ({ g, v: vs[i]! })).filter((e): e is { g: Tensor; v: Tensor } => e.g !== undefined && e.g.requiresGrad);
    if (used.length === 0) {
      if (strict) throw new Error(`autograd.functional.jvp: Output ${oi} of the user-provided function is independent of the inputs. This is not allowed in strict mode.`);
      return zerosLike(out);
    }
    const [jv] = grad(used.map((e) => e.g), [u], used.map((e) => e.v), { retainGraph: true, createGraph, allowUnused: true });
    return jv ?? zerosLike(out);
  });
  return [single(outs.list.map((o) => post(o, createGraph)), outs.tuple), single(results.map((r) => post(r, createGraph)), outs.tuple)];
}

/** [func(inputs), vᵀ·H]: vector–Hessian product of a function returning one element. */
export function vhp(func: Fn, inputs: Many<Tensor>, v?: Many<Tensor> | null, options: FunctionalOptions = {}): [Tensor, Tensor | Tensor[]] {
  const createGraph = options?.createGraph ?? false;
  const strict = options?.strict ?? false;
  const ins = asTuple(inputs, "inputs", "vhp");
  const vs = checkV(v, ins, "vhp", "input");
  const leaves = prepare(ins.list, createGraph);
  const outs = call(func, leaves, "vhp");
  const out = outs.list[0]!;
  if (outs.tuple || out.numel() !== 1) throw new RangeError("autograd.functional.vhp: The function given to vhp should return a single Tensor with a single element.");
  const gs = vjpOf(out, leaves, basis(out, 0), true, strict, "vhp", 0);
  const used = gs.map((g, i) => ({ g, v: vs[i]! })).filter((e) => e.g.requiresGrad);
  const second = used.length === 0 ? leaves.map(() => undefined) : grad(used.map((e) => e.g), leaves, used.map((e) => e.v), { retainGraph: true, createGraph, allowUnused: true });
  const res = second.map((g, i) => post(g ?? zerosLike(leaves[i]!), createGraph));
  return [post(out, createGraph), single(res, ins.tuple)];
}

/** [func(inputs), H·v]: Hessian–vector product (equal to vhp for twice continuously differentiable functions). */
export function hvp(func: Fn, inputs: Many<Tensor>, v?: Many<Tensor> | null, options: FunctionalOptions = {}): [Tensor, Tensor | Tensor[]] {
  return vhp(func, inputs, v, options);
}

// The public API: `import { torch } from "autograd-lens"`. PyTorch's names in camelCase.
import { Tensor, type TensorOrScalar } from "./tensor";
import * as creation from "./ops/creation";
import * as ew from "./ops/elementwise";
import * as red from "./ops/reduce";
import * as la from "./ops/linalg";
import * as sm from "./ops/softmax";
import * as join from "./ops/join";
import * as shp from "./ops/shape_ops";
import * as st from "./ops/stats";
import * as ar from "./ops/arith";
import { manualSeed } from "./random";
import { isGradEnabled, withGradMode, setGradEnabled } from "./grad_mode";
import { backward, grad } from "./autograd/engine";
import { nn } from "./nn/index";
import { Adagrad, Adam, AdamW, Optimizer, RMSprop, SGD } from "./optim/optimizers";
import * as lrScheduler from "./optim/lr_scheduler";
import { installMissingNames, installModuleNames } from "./missing";
import { AutogradFunction } from "./autograd/function";
import * as autogradFunctional from "./autograd/functional";
import { installExtraMethods } from "./ops/extra_methods";
import { installInPlaceMethods } from "./ops/inplace_methods";
import { extraFunctions } from "./ops/extra_functions";
import { TensorFactory } from "./ops/legacy_tensor";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type TableFunctions, type UnaryName } from "./ops/table";

export { Tensor } from "./tensor";
export type { IndexSpec, NestedArray, RemovableHandle, TensorOrScalar } from "./tensor";
export type { DType } from "./dtype";
export type { TensorOptions, TensorData } from "./ops/creation";
export type { Generator } from "./random";
export type { ValuesIndices } from "./ops/sorting";
export type { TensorConstructor } from "./ops/legacy_tensor";
export type { VarOptions } from "./ops/stats";
export type { CloseOptions } from "./ops/arith";
export type { Node, Edge, GradientSpec } from "./autograd/node";
export { AccumulateGrad, FunctionNode } from "./autograd/node";
export { FunctionCtx, CustomFunctionNode, type UserFunctionInfo } from "./autograd/function";
export type { BackwardOptions, GradOptions } from "./autograd/engine";
// For the runner (not part of torch's API): watch graph building and backward, capture warnings.
export { setObserver, type AutogradObserver, type BackwardStep, type BackwardBegin } from "./autograd/observer";
export { setWarningHandler, type TorchWarning, type WarningHandler } from "./warnings";
export { setAllocationLimit, TensorMemoryError } from "./dtype";
/** Re-evaluation of a traced program at other leaf values (the landscape view; see engine/replay). */
export * as replay from "./replay/index";

/** torch.<op>(x) (and torch.<op>(x, y) for binary ones) for every op of the table. */
function tableFunctions(): TableFunctions {
  const fns: Record<string, unknown> = {};
  for (const kind of Object.keys(UNARY_OPS) as UnaryName[]) fns[kind] = (input: Tensor) => ew.unary(input, kind);
  for (const kind of Object.keys(BINARY_OPS) as BinaryName[]) fns[kind] = (input: Tensor, other: Tensor) => ew.binary(input, other, kind);
  return fns as TableFunctions;
}

/** Run fn without recording the graph (torch.no_grad()). */
function noGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError("torch.noGrad: expected a function, e.g. torch.noGrad(() => w.sub(w.grad!.mul(lr))).");
  return withGradMode(false, fn);
}

/** Run fn with recording on, even inside noGrad (torch.enable_grad()). */
function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export const torch = {
  /** The Tensor class; also PyTorch's legacy constructor: torch.Tensor([1, 2]) / new torch.Tensor(2, 3) make float32. */
  Tensor: TensorFactory,
  // creation
  tensor: creation.tensor,
  zeros: creation.zeros,
  ones: creation.ones,
  full: creation.full,
  eye: creation.eye,
  arange: creation.arange,
  linspace: creation.linspace,
  rand: creation.rand,
  randn: creation.randn,
  zerosLike: creation.zerosLike,
  onesLike: creation.onesLike,
  randLike: creation.randLike,
  randnLike: creation.randnLike,
  manualSeed,
  // grad mode
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
  // functions mirroring the methods; torch.log1p(x) … for every op of the table (ops/table.ts)
  ...tableFunctions(),
  add: (a: Tensor, b: TensorOrScalar) => ew.add(a, b),
  sub: (a: Tensor, b: TensorOrScalar) => ew.sub(a, b),
  mul: (a: Tensor, b: TensorOrScalar) => ew.mul(a, b),
  div: (a: Tensor, b: TensorOrScalar) => ew.div(a, b),
  /** input ** exponent; a number base gives PowBackward2 (torch.pow(2, t)). */
  pow: (input: Tensor | number, exponent: TensorOrScalar): Tensor =>
    typeof input === "number" ? ar.powScalarBase(input, exponent as Tensor) : ew.pow(input, exponent),
  /** other − alpha · input. */
  rsub: (input: Tensor, other: TensorOrScalar, alpha = 1) => ar.rsub(input, other, alpha),
  lerp: (input: Tensor, end: Tensor, weight: TensorOrScalar) => ar.lerp(input, end, weight),
  gt: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "gt"),
  lt: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "lt"),
  ge: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "ge"),
  le: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "le"),
  eq: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "eq"),
  ne: (a: Tensor, b: TensorOrScalar) => ew.compare(a, b, "ne"),
  logicalNot: (a: Tensor) => ar.logical(a, null, "not"),
  logicalAnd: (a: Tensor, b: Tensor) => ar.logical(a, b, "and"),
  logicalOr: (a: Tensor, b: Tensor) => ar.logical(a, b, "or"),
  logicalXor: (a: Tensor, b: Tensor) => ar.logical(a, b, "xor"),
  isnan: (a: Tensor) => ar.isnan(a),
  isfinite: (a: Tensor) => ar.isfinite(a),
  isinf: (a: Tensor) => ar.isinf(a),
  isclose: (a: Tensor, b: Tensor, options?: ar.CloseOptions) => ar.isclose(a, b, options),
  allclose: (a: Tensor, b: Tensor, options?: ar.CloseOptions) => ar.allclose(a, b, options),
  equal: (a: Tensor, b: Tensor) => ar.equal(a, b),
  all: (a: Tensor, dim?: number, keepdim = false) => ar.all(a, dim, keepdim),
  any: (a: Tensor, dim?: number, keepdim = false) => ar.any(a, dim, keepdim),
  argmax: (a: Tensor, dim?: number, keepdim = false) => a.argmax(dim, keepdim),
  argmin: (a: Tensor, dim?: number, keepdim = false) => a.argmin(dim, keepdim),
  amax: (a: Tensor, dim?: number | readonly number[], keepdim = false) => st.amax(a, dim, keepdim),
  amin: (a: Tensor, dim?: number | readonly number[], keepdim = false) => st.amin(a, dim, keepdim),
  logsumexp: (a: Tensor, dim: number | readonly number[], keepdim = false) => st.logsumexp(a, dim, keepdim),
  prod: (a: Tensor, dim?: number, keepdim = false) => st.prod(a, dim, keepdim),
  var: (a: Tensor, dim?: number | readonly number[] | st.VarOptions, options?: st.VarOptions) => st.variance(a, dim, options),
  std: (a: Tensor, dim?: number | readonly number[] | st.VarOptions, options?: st.VarOptions) => st.std(a, dim, options),
  norm: (a: Tensor, p: number | string = 2, dim?: number | readonly number[], keepdim = false) => st.norm(a, p, dim, keepdim),
  dist: (a: Tensor, b: Tensor, p = 2) => st.dist(a, b, p),
  cumsum: (a: Tensor, dim: number) => st.cumsum(a, dim),
  cumprod: (a: Tensor, dim: number) => st.cumprod(a, dim),
  linalg: {
    /** The vector norm of the flattened input, or over dims: linalg.vectorNorm(x, ord = 2, dim?, keepdim?). */
    vectorNorm: (a: Tensor, ord: number | string = 2, dim?: number | readonly number[], keepdim = false) => st.vectorNorm(a, ord, dim, keepdim),
    /** linalg.norm: the 2-norm of the flattened input (ord omitted or "fro"), or a vector norm over dim. Matrix norms other than "fro" are not supported. */
    norm: (a: Tensor, ord?: number | string, dim?: number | readonly number[], keepdim = false) => {
      const over2 = dim === undefined ? a.dim() >= 2 : typeof dim !== "number" && dim.length === 2;
      if (ord !== undefined && ord !== "fro" && over2) {
        throw new TypeError(`torch.linalg.norm: matrix norm ord=${JSON.stringify(ord)} is not supported by Autograd Lens yet; only "fro" and vector norms (a 1-D input or one dim).`);
      }
      return st.vectorNorm(a, ord ?? 2, dim, keepdim);
    },
  },
  square: (a: Tensor) => ew.pow(a, 2),
  maximum: (a: Tensor, b: TensorOrScalar) => ew.maximum(a, b),
  minimum: (a: Tensor, b: TensorOrScalar) => ew.minimum(a, b),
  clamp: (a: Tensor, min?: number, max?: number) => ew.clamp(a, min, max),
  where: (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar) => ew.where(condition, a, b),
  sum: (a: Tensor, dim?: number | readonly number[], keepdim = false) => red.sum(a, dim, keepdim),
  mean: (a: Tensor, dim?: number | readonly number[], keepdim = false) => red.mean(a, dim, keepdim),
  matmul: (a: Tensor, b: Tensor) => la.matmul(a, b),
  mm: (a: Tensor, b: Tensor) => la.mm(a, b),
  dot: (a: Tensor, b: Tensor) => la.dot(a, b),
  softmax: (a: Tensor, dim: number) => sm.softmax(a, dim),
  logSoftmax: (a: Tensor, dim: number) => sm.logSoftmax(a, dim),
  transpose: (a: Tensor, d0: number, d1: number) => shp.transpose(a, d0, d1),
  reshape: (a: Tensor, shape: readonly number[]) => shp.reshape(a, shape, "reshape"),
  flatten: (a: Tensor, startDim = 0, endDim = -1) => shp.flatten(a, startDim, endDim),
  unflatten: (a: Tensor, dim: number, sizes: readonly number[]) => shp.unflatten(a, dim, sizes),
  squeeze: (a: Tensor, dim?: number | readonly number[]) => shp.squeeze(a, dim),
  unsqueeze: (a: Tensor, dim: number) => shp.unsqueeze(a, dim),
  permute: (a: Tensor, dims: readonly number[]) => shp.permute(a, dims),
  t: (a: Tensor) => shp.t(a),
  diagonal: (a: Tensor, offset = 0, dim1 = 0, dim2 = 1) => shp.diagonal(a, offset, dim1, dim2),
  mv: (a: Tensor, v: Tensor) => la.mv(a, v),
  bmm: (a: Tensor, b: Tensor) => la.bmm(a, b),
  clone: (a: Tensor) => ew.clone(a),
  cat: join.cat,
  stack: join.stack,
  // gather/scatter/indexSelect, repeat/split/sort/topk, einsum/outer/baddbmm, randint/Generator, … (issue 12)
  ...extraFunctions,
  autograd: {
    /** Base class of user-defined ops: `class Legendre extends torch.autograd.Function { static forward(ctx, x) {…} static backward(ctx, grad) {…} }`, used as `Legendre.apply(x)`. */
    Function: AutogradFunction,
    /** jacobian, hessian, vjp, jvp (torch.autograd.functional). */
    functional: { ...autogradFunctional },
    /** Accumulate gradients of `tensors` into the leaves (torch.autograd.backward). */
    backward: (tensors: Tensor | readonly Tensor[], gradTensors?: ReadonlyArray<Tensor | number | undefined>, options?: Parameters<typeof backward>[2]) =>
      backward(Array.isArray(tensors) ? tensors : [tensors as Tensor], gradTensors, options),
    /**
     * Gradients of outputs w.r.t. inputs, returned rather than accumulated (torch.autograd.grad).
     * Options: retainGraph, createGraph, allowUnused, gradOutputs (required for non-scalar outputs).
     */
    grad: (
      outputs: Tensor | readonly Tensor[],
      inputs: Tensor | readonly Tensor[],
      options: Parameters<typeof grad>[3] & { gradOutputs?: ReadonlyArray<Tensor | number | undefined> } = {},
    ): Array<Tensor | undefined> =>
      grad(
        Array.isArray(outputs) ? outputs : [outputs as Tensor],
        Array.isArray(inputs) ? inputs : [inputs as Tensor],
        options.gradOutputs,
        options,
      ),
  },
  nn,
  optim: { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, lrScheduler: { ...lrScheduler } },
};

installExtraMethods(Tensor.prototype);
installInPlaceMethods(Tensor.prototype);
installMissingNames({ tensorPrototype: Tensor.prototype, tensor: creation.zeros(1), torch, nn: torch.nn, functional: torch.nn.functional, optim: torch.optim, lrScheduler: torch.optim.lrScheduler });
installModuleNames({ modulePrototype: nn.Module.prototype, module: new nn.Module(), init: torch.nn.init });

export type Torch = typeof torch;
export default torch;

// The public API: `import { torch } from "autograd-lens"`. PyTorch's names in camelCase.
import { Tensor, type TensorOrScalar } from "./tensor";
import * as creation from "./ops/creation";
import * as ew from "./ops/elementwise";
import * as red from "./ops/reduce";
import * as la from "./ops/linalg";
import * as sm from "./ops/softmax";
import * as join from "./ops/join";
import * as shp from "./ops/shape_ops";
import { manualSeed } from "./random";
import { isGradEnabled, withGradMode, setGradEnabled } from "./grad_mode";
import { backward, grad } from "./autograd/engine";
import * as functional from "./nn/functional";
import { Linear, Module, ReLU, Sequential, Sigmoid, Tanh } from "./nn/modules";
import { Adam, Optimizer, SGD } from "./optim/optimizers";
import { installMissingNames } from "./missing";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type TableFunctions, type UnaryName } from "./ops/table";

export { Tensor } from "./tensor";
export type { IndexSpec, NestedArray, RemovableHandle, TensorOrScalar } from "./tensor";
export type { DType } from "./dtype";
export type { TensorOptions, TensorData } from "./ops/creation";
export type { Node, Edge, GradientSpec } from "./autograd/node";
export { AccumulateGrad, FunctionNode } from "./autograd/node";
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
  Tensor,
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
  pow: (a: Tensor, b: TensorOrScalar) => ew.pow(a, b),
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
  autograd: {
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
  nn: {
    Module,
    Linear,
    Sequential,
    ReLU,
    Tanh,
    Sigmoid,
    // A plain copy of the module namespace, so missing names can be answered (engine/missing.ts).
    functional: { ...functional },
  },
  optim: { Optimizer, SGD, Adam },
};

installMissingNames({ tensorPrototype: Tensor.prototype, tensor: creation.zeros(1), torch, nn: torch.nn, functional: torch.nn.functional, optim: torch.optim });

export type Torch = typeof torch;
export default torch;

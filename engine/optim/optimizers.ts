// torch.optim.SGD and Adam. step() updates parameter values in place, outside the graph.
import { Tensor } from "../tensor";
import { allocate, type Storage } from "../dtype";
import { bumpVersion, writeValues } from "../ops/inplace";
// The hint says why a module's parameters() is empty (nn owns it; see engine/nn/module.ts).
import { emptyParameterListHint } from "../nn/module";

function checkParams(params: unknown, op: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.isArray(params) ? params : undefined;
  if (!list || list.length === 0) throw new RangeError(`${op}: optimizer got an empty parameter list.${emptyParameterListHint(params)}`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor.`);
    if (!p.isLeaf) throw new Error(`${op}: can't optimize a non-leaf Tensor (parameter ${i}); pass leaves created with requiresGrad: true.`);
  });
  return list as Tensor[];
}

/** The parameter's values to update in place: its storage when plain, else a copy written back by commit(). */
function writable(p: Tensor): Storage {
  return p._flat !== null ? p._flat : p._values.slice();
}

/** Finish an in-place update: write a copy back through the strides, and bump the version either way (PyTorch's optimizers write under no_grad, which counts). */
function commit(p: Tensor, x: Storage): void {
  if (x === p._flat) bumpVersion(p);
  else writeValues(p, x);
}

function checkLr(lr: unknown, op: string): number {
  if (typeof lr !== "number" || !(lr >= 0)) throw new RangeError(`${op}: Invalid learning rate: ${String(lr)}.`);
  return lr;
}

export abstract class Optimizer {
  readonly params: Tensor[];
  constructor(params: readonly Tensor[] | Tensor, name: string) {
    this.params = checkParams(params, name);
  }
  /** Set every gradient to undefined (torch's default, set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = undefined;
  }
  abstract step(): void;
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  private readonly buffers = new Map<Tensor, Storage>();
  readonly options: Required<SGDOptions>;
  constructor(params: readonly Tensor[] | Tensor, options: SGDOptions) {
    super(params, "optim.SGD");
    this.options = {
      lr: checkLr(options?.lr, "optim.SGD"),
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
    };
  }
  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this.options;
    for (const p of this.params) {
      const g = p._grad;
      if (g === undefined) continue;
      const x = writable(p), gd = g._values;
      let buf = this.buffers.get(p);
      const first = buf === undefined;
      if (momentum !== 0 && buf === undefined) {
        buf = allocate(p.dtype, x.length);
        this.buffers.set(p, buf);
      }
      for (let i = 0; i < x.length; i++) {
        let d = gd[i]! + weightDecay * x[i]!;
        if (momentum !== 0) {
          const b = first ? d : momentum * buf![i]! + (1 - dampening) * d;
          buf![i] = b;
          d = nesterov ? d + momentum * b : b;
        }
        x[i]! -= lr * d;
      }
      commit(p, x);
    }
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  private readonly state = new Map<Tensor, { m: Storage; v: Storage; t: number }>();
  readonly options: Required<AdamOptions>;
  constructor(params: readonly Tensor[] | Tensor, options: AdamOptions = {}) {
    super(params, "optim.Adam");
    this.options = {
      lr: checkLr(options.lr ?? 1e-3, "optim.Adam"),
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
    };
  }
  step(): void {
    const { lr, betas, eps, weightDecay } = this.options;
    const [b1, b2] = betas;
    for (const p of this.params) {
      const g = p._grad;
      if (g === undefined) continue;
      let s = this.state.get(p);
      if (!s) {
        s = { m: allocate(p.dtype, p._values.length), v: allocate(p.dtype, p._values.length), t: 0 };
        this.state.set(p, s);
      }
      s.t++;
      const bc1 = 1 - b1 ** s.t, bc2 = 1 - b2 ** s.t;
      const x = writable(p), gd = g._values, m = s.m, v = s.v;
      for (let i = 0; i < x.length; i++) {
        const d = gd[i]! + weightDecay * x[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * d;
        v[i] = b2 * v[i]! + (1 - b2) * d * d;
        x[i]! -= (lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + eps);
      }
      commit(p, x);
    }
  }
}

// torch.optim.SGD: momentum, dampening, Nesterov momentum, weight decay, maximize (PyTorch's _single_tensor_sgd).
import type { DType, Storage } from "../dtype";
import { Optimizer, checkNumber, rounding, type ParamGroup, type ParamState, type Params } from "./optimizer";

export interface SGDOptions {
  /** Learning rate (default 1e-3, as PyTorch 2.x). */
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(
      params,
      {
        lr: options?.lr ?? 1e-3,
        momentum: options?.momentum ?? 0,
        dampening: options?.dampening ?? 0,
        weightDecay: options?.weightDecay ?? 0,
        nesterov: options?.nesterov ?? false,
        maximize: options?.maximize ?? false,
      },
      "optim.SGD",
    );
  }

  protected checkOptions(g: ParamGroup<SGDOptions>): void {
    const w = this._name;
    checkNumber(g, "lr", w, 0, "learning rate");
    checkNumber(g, "momentum", w, 0, "momentum");
    checkNumber(g, "dampening", w, -Infinity, "dampening");
    checkNumber(g, "weightDecay", w, 0, "weightDecay");
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError(`${w}: Nesterov momentum requires a momentum and zero dampening`);
  }

  protected update(group: ParamGroup<SGDOptions>, x: Storage, grad: ArrayLike<number>, s: ParamState, dtype: DType): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const r = rounding(dtype);
    const first = s["momentumBuffer"] === undefined;
    const buf = momentum !== 0 ? this.buffer(s, "momentumBuffer", x.length, dtype) : null;
    // Scalars are cast to the parameter's dtype, as PyTorch's kernels do.
    const wd = r(weightDecay), mom = r(momentum), damp = r(1 - dampening), step = r(-lr);
    for (let i = 0; i < x.length; i++) {
      let d = maximize ? -grad[i]! : grad[i]!;
      if (weightDecay !== 0) d = r(d + r(wd * x[i]!)); // grad.add(param, alpha=weight_decay)
      if (buf !== null) {
        // buf = d on the first step, then buf.mul_(momentum).add_(d, alpha=1 - dampening)
        const b = first ? d : r(r(buf[i]! * mom) + r(damp * d));
        buf[i] = b;
        d = nesterov ? r(d + r(mom * b)) : b;
      }
      x[i] = r(x[i]! + r(step * d)); // param.add_(d, alpha=-lr)
    }
  }
}

// torch.optim.Adam and AdamW (PyTorch's _single_tensor_adam / _single_tensor_adamw), with amsgrad and maximize.
import type { DType, Storage } from "../dtype";
import { Optimizer, checkBetas, checkNumber, rounding, type ParamGroup, type ParamState, type Params } from "./optimizer";

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  /** Use the maximum of past squared-gradient averages (AMSGrad). */
  amsgrad: boolean;
  maximize: boolean;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  /** AdamW: weight decay shrinks the parameter directly instead of adding to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected checkOptions(g: ParamGroup<AdamOptions>): void {
    const w = this._name;
    checkNumber(g, "lr", w, 0, "learning rate");
    checkNumber(g, "eps", w, 0, "epsilon");
    checkBetas(g, w);
    checkNumber(g, "weightDecay", w, 0, "weightDecay");
  }

  protected update(group: ParamGroup<AdamOptions>, x: Storage, grad: ArrayLike<number>, s: ParamState, dtype: DType): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [b1, b2] = group.betas;
    const r = rounding(dtype);
    const step = (typeof s["step"] === "number" ? s["step"] : 0) + 1;
    s["step"] = step;
    const m = this.buffer(s, "expAvg", x.length, dtype);
    const v = this.buffer(s, "expAvgSq", x.length, dtype);
    const vmax = amsgrad ? this.buffer(s, "maxExpAvgSq", x.length, dtype) : null;
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    const stepSize = lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    const decay = r(1 - lr * weightDecay);
    // Scalars are cast to the parameter's dtype, as PyTorch's kernels do.
    const wd = r(weightDecay), w1 = r(1 - b1), beta2 = r(b2), w2 = r(1 - b2), c2 = r(bc2Sqrt), e = r(eps), alpha = r(-stepSize);
    for (let i = 0; i < x.length; i++) {
      let g = maximize ? -grad[i]! : grad[i]!;
      if (weightDecay !== 0) {
        if (this.decoupled) x[i] = r(x[i]! * decay);
        else g = r(g + r(wd * x[i]!));
      }
      // exp_avg.lerp_(grad, 1 - beta1): m + (1 - b1) * (g - m)
      m[i] = r(m[i]! + r(w1 * r(g - m[i]!)));
      // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
      v[i] = r(r(v[i]! * beta2) + r(r(w2 * g) * g));
      let vv = v[i]!;
      if (vmax !== null) {
        vmax[i] = Math.max(vmax[i]!, vv);
        vv = vmax[i]!;
      }
      const denom = r(r(r(Math.sqrt(vv)) / c2) + e); // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
      x[i] = r(x[i]! + r(r(alpha * m[i]!) / denom)); // param.addcdiv_(exp_avg, denom, value=-step_size)
    }
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(options, 0), "optim.Adam");
  }
}

/** Adam with decoupled weight decay (default weightDecay 1e-2). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults(options, 1e-2), "optim.AdamW");
  }
}

function adamDefaults(o: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  return {
    lr: o?.lr ?? 1e-3,
    betas: o?.betas ?? [0.9, 0.999],
    eps: o?.eps ?? 1e-8,
    weightDecay: o?.weightDecay ?? weightDecay,
    amsgrad: o?.amsgrad ?? false,
    maximize: o?.maximize ?? false,
  };
}

// torch.optim.Adagrad (PyTorch's _single_tensor_adagrad): lr decay, weight decay, initial accumulator, maximize.
import type { DType, Storage } from "../dtype";
import { Optimizer, checkNumber, rounding, type ParamGroup, type ParamState, type Params } from "./optimizer";

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  lrDecay: number;
  weightDecay: number;
  /** Starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  /** Default 1e-10. */
  eps: number;
  maximize: boolean;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(
      params,
      {
        lr: options?.lr ?? 1e-2,
        lrDecay: options?.lrDecay ?? 0,
        weightDecay: options?.weightDecay ?? 0,
        initialAccumulatorValue: options?.initialAccumulatorValue ?? 0,
        eps: options?.eps ?? 1e-10,
        maximize: options?.maximize ?? false,
      },
      "optim.Adagrad",
    );
  }

  protected checkOptions(g: ParamGroup<AdagradOptions>): void {
    const w = this._name;
    checkNumber(g, "lr", w, 0, "learning rate");
    checkNumber(g, "lrDecay", w, 0, "lrDecay");
    checkNumber(g, "weightDecay", w, 0, "weightDecay");
    checkNumber(g, "initialAccumulatorValue", w, 0, "initialAccumulatorValue");
    checkNumber(g, "eps", w, 0, "epsilon");
  }

  protected update(group: ParamGroup<AdagradOptions>, x: Storage, grad: ArrayLike<number>, s: ParamState, dtype: DType): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = group;
    const r = rounding(dtype);
    const step = (typeof s["step"] === "number" ? s["step"] : 0) + 1;
    s["step"] = step;
    const sum = this.buffer(s, "sum", x.length, dtype, initialAccumulatorValue);
    const clr = lr / (1 + (step - 1) * lrDecay);
    const wd = r(weightDecay), e = r(eps), alpha = r(-clr);
    for (let i = 0; i < x.length; i++) {
      let g = maximize ? -grad[i]! : grad[i]!;
      if (weightDecay !== 0) g = r(g + r(wd * x[i]!));
      sum[i] = r(sum[i]! + r(g * g)); // state_sum.addcmul_(grad, grad, value=1)
      const std = r(r(Math.sqrt(sum[i]!)) + e);
      x[i] = r(x[i]! + r(r(alpha * g) / std)); // param.addcdiv_(grad, std, value=-clr)
    }
  }
}

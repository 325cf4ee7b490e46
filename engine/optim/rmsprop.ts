// torch.optim.RMSprop (PyTorch's _single_tensor_rmsprop): centered, momentum, weight decay, maximize.
import type { DType, Storage } from "../dtype";
import { Optimizer, checkNumber, rounding, type ParamGroup, type ParamState, type Params } from "./optimizer";

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment. */
  centered: boolean;
  maximize: boolean;
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(
      params,
      {
        lr: options?.lr ?? 1e-2,
        alpha: options?.alpha ?? 0.99,
        eps: options?.eps ?? 1e-8,
        weightDecay: options?.weightDecay ?? 0,
        momentum: options?.momentum ?? 0,
        centered: options?.centered ?? false,
        maximize: options?.maximize ?? false,
      },
      "optim.RMSprop",
    );
  }

  protected checkOptions(g: ParamGroup<RMSpropOptions>): void {
    const w = this._name;
    checkNumber(g, "lr", w, 0, "learning rate");
    checkNumber(g, "eps", w, 0, "epsilon");
    checkNumber(g, "momentum", w, 0, "momentum");
    checkNumber(g, "weightDecay", w, 0, "weightDecay");
    checkNumber(g, "alpha", w, 0, "alpha");
  }

  protected update(group: ParamGroup<RMSpropOptions>, x: Storage, grad: ArrayLike<number>, s: ParamState, dtype: DType): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    const r = rounding(dtype);
    s["step"] = (typeof s["step"] === "number" ? s["step"] : 0) + 1;
    const sq = this.buffer(s, "squareAvg", x.length, dtype);
    const gavg = centered ? this.buffer(s, "gradAvg", x.length, dtype) : null;
    const buf = momentum > 0 ? this.buffer(s, "momentumBuffer", x.length, dtype) : null;
    const wd = r(weightDecay), a = r(alpha), w = r(1 - alpha), e = r(eps), mom = r(momentum), step = r(-lr);
    for (let i = 0; i < x.length; i++) {
      let g = maximize ? -grad[i]! : grad[i]!;
      if (weightDecay !== 0) g = r(g + r(wd * x[i]!));
      sq[i] = r(r(sq[i]! * a) + r(r(w * g) * g)); // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
      let avg: number;
      if (gavg !== null) {
        gavg[i] = r(gavg[i]! + r(w * r(g - gavg[i]!))); // grad_avg.lerp_(grad, 1 - alpha)
        avg = r(Math.sqrt(r(sq[i]! + r(r(-1 * gavg[i]!) * gavg[i]!)))); // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      } else {
        avg = r(Math.sqrt(sq[i]!));
      }
      avg = r(avg + e);
      if (buf !== null) {
        buf[i] = r(r(buf[i]! * mom) + r(g / avg)); // buf.mul_(momentum).addcdiv_(grad, avg)
        x[i] = r(x[i]! + r(step * buf[i]!)); // param.add_(buf, alpha=-lr)
      } else {
        x[i] = r(x[i]! + r(r(step * g) / avg)); // param.addcdiv_(grad, avg, value=-lr)
      }
    }
  }
}

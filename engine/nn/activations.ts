// Activation modules: each forwards to its nn.functional form.
import type { Tensor } from "../tensor";
import { Module } from "./module";
import * as F from "./functional";

const pyBool = (b: boolean) => (b ? "True" : "False");

export class ReLU extends Module {
  static readonly torchName = "ReLU";
  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}
export class Tanh extends Module {
  static readonly torchName = "Tanh";
  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}
export class Sigmoid extends Module {
  static readonly torchName = "Sigmoid";
  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}
export class SiLU extends Module {
  static readonly torchName = "SiLU";
  override forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}
export class LeakyReLU extends Module {
  static readonly torchName = "LeakyReLU";
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}
export class ELU extends Module {
  static readonly torchName = "ELU";
  constructor(readonly alpha = 1) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}
export class GELU extends Module {
  static readonly torchName = "GELU";
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
    if (approximate !== "none" && approximate !== "tanh") throw new RangeError(`nn.GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}.`);
  }
  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
export class Softplus extends Module {
  static readonly torchName = "Softplus";
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    // PyTorch 2.x: float defaults print as floats (1.13 printed beta=1, threshold=20).
    return `beta=${pyFloat(this.beta)}, threshold=${pyFloat(this.threshold)}`;
  }
}
export class Softmax extends Module {
  static readonly torchName = "Softmax";
  constructor(readonly dim: number) {
    super();
    if (typeof dim !== "number") throw new TypeError("nn.Softmax: dim is required, e.g. new nn.Softmax(1).");
  }
  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
export class LogSoftmax extends Module {
  static readonly torchName = "LogSoftmax";
  constructor(readonly dim: number) {
    super();
    if (typeof dim !== "number") throw new TypeError("nn.LogSoftmax: dim is required, e.g. new nn.LogSoftmax(1).");
  }
  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Python's repr of a float: 1 → "1.0". */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  if (v !== 0 && Math.abs(v) < 1e-4) {
    const [m, e] = v.toExponential().split("e") as [string, string];
    const sign = e.startsWith("-") ? "-" : "+";
    const digits = e.replace(/^[+-]/, "");
    return `${m}e${sign}${digits.padStart(2, "0")}`;
  }
  return String(v);
}
export { pyBool };

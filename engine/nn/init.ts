// torch.nn.init: fill a tensor in place (under no_grad) from a distribution, with PyTorch's fan and
// gain rules. Uses the engine's seeded generator (torch.manualSeed), so seeded runs repeat.
import { Tensor } from "../tensor";
import { withGradMode } from "../grad_mode";
import { checkTensor } from "./util";

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu" | "identity";
export type FanMode = "fan_in" | "fan_out";

function inPlace(t: unknown, op: string, fill: (t: Tensor) => void): Tensor {
  const x = checkTensor(t, `nn.init.${op}`, "tensor");
  withGradMode(false, () => fill(x));
  return x;
}

/** fan_in = size(1) · receptive field, fan_out = size(0) · receptive field. */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const t = checkTensor(tensor, "nn.init", "tensor");
  if (t.shape.length < 2) throw new RangeError("nn.init: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions.");
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "sigmoid": case "identity": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number") throw new TypeError(`nn.init.calculateGain: negative_slope ${String(slope)} is not a valid number.`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu": return 3 / 4;
    default: throw new RangeError(`nn.init.calculateGain: Unsupported nonlinearity ${String(nonlinearity)}.`);
  }
}

export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return inPlace(tensor, "uniform_", (t) => t.uniform_(a, b));
}
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return inPlace(tensor, "normal_", (t) => t.normal_(mean, std));
}
export function constant_(tensor: Tensor, val: number): Tensor {
  if (typeof val !== "number") throw new TypeError("nn.init.constant_: val must be a number.");
  return inPlace(tensor, "constant_", (t) => t.fill_(val));
}
export function zeros_(tensor: Tensor): Tensor {
  return inPlace(tensor, "zeros_", (t) => t.zero_());
}
export function ones_(tensor: Tensor): Tensor {
  return inPlace(tensor, "ones_", (t) => t.fill_(1));
}

/** U(−a, a) with a = gain · √(6 / (fan_in + fan_out)) (Glorot). */
export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return inPlace(tensor, "xavierUniform_", (t) => t.uniform_(-a, a));
}
/** N(0, std²) with std = gain · √(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return inPlace(tensor, "xavierNormal_", (t) => t.normal_(0, std));
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, o: KaimingOptions, op: string): number {
  const mode = o.mode ?? "fan_in";
  if (mode !== "fan_in" && mode !== "fan_out") throw new RangeError(`nn.init.${op}: Mode ${String(mode)} not supported, please use one of fan_in, fan_out.`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const fan = mode === "fan_in" ? fanIn : fanOut;
  if (fan === 0) throw new RangeError(`nn.init.${op}: Initializing zero-element tensors is a no-op.`);
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}

/** U(−bound, bound) with bound = gain · √(3 / fan) (He). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(tensor, options, "kaimingUniform_");
  return inPlace(tensor, "kaimingUniform_", (t) => t.uniform_(-bound, bound));
}
/** N(0, std²) with std = gain / √fan (He). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(tensor, options, "kaimingNormal_");
  return inPlace(tensor, "kaimingNormal_", (t) => t.normal_(0, std));
}

// Elementwise activations (leakyRelu, elu, gelu, silu, softplus, …) and dropout. Each is one node
// named as PyTorch names it (GeluBackward0, …); its gradient grad · f′(x) is itself one recorded op
// (GeluBackwardBackward0, as PyTorch's gelu_backward) whose derivative uses f″, so second-order
// gradients (createGraph) are exact.
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { record } from "../../autograd/record";
import type { GradientSpec } from "../../autograd/node";
import { random } from "../../random";
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from "../../ops/softmax";
import { checkFloat, checkNumber, checkTensor } from "../util";

type Scalar = (v: number) => number;
interface PointwiseSaved {
  self: Tensor;
  [attr: string]: unknown;
}

function map(x: Tensor, f: Scalar): Tensor {
  const src = x._values;
  const out = allocate(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return new Tensor(out, x.shape, x.dtype);
}

/** grad · f′(self) as one op named `name`, differentiable once more through f″. */
function backwardOp(name: string, g: Tensor, x: Tensor, d1: Scalar, d2: Scalar, formula: string): Tensor {
  const gv = g._values, xv = x._values;
  const out = allocate(g.dtype, gv.length);
  for (let i = 0; i < gv.length; i++) out[i] = gv[i]! * d1(xv[i]!);
  const spec: GradientSpec<{ grad: Tensor; self: Tensor }> = {
    name,
    inputs: ["grad_output", "self"],
    formulas: [formula, "grad · grad_output · f″(self)"],
    gradFunc: (gg, s, needs) => [needs[0] ? gg.mul(map(s.self, d1)) : null, needs[1] ? gg.mul(s.grad).mul(map(s.self, d2)) : null],
  };
  return record(new Tensor(out, g.shape, g.dtype), spec, [g, x], () => ({ grad: g, self: x }));
}

interface Activation {
  name: string;
  f: Scalar;
  d1: Scalar;
  d2: Scalar;
  formula: string;
}

const specCache = new Map<string, GradientSpec<PointwiseSaved>>();
function apply(op: string, x: unknown, act: Activation, attrs: Record<string, unknown>): Tensor {
  const t = checkTensor(x, op);
  checkFloat(t, op);
  const key = `${act.name}|${JSON.stringify(attrs)}`;
  let spec = specCache.get(key);
  if (spec === undefined) {
    spec = {
      name: act.name,
      inputs: ["self"],
      formulas: [act.formula],
      gradFunc: (g, s) => [backwardOp(act.name.replace(/0$/, "Backward0"), g, s.self, act.d1, act.d2, act.formula)],
    };
    if (specCache.size > 256) specCache.clear();
    specCache.set(key, spec);
  }
  return record(map(t, act.f), spec, [t], () => ({ self: t, ...attrs }));
}

/** max(0, x) + negativeSlope · min(0, x). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const a = checkNumber(negativeSlope, "leakyRelu", "negativeSlope");
  return apply("leakyRelu", x, {
    name: "LeakyReluBackward0",
    f: (v) => (v > 0 ? v : v * a),
    d1: (v) => (v > 0 ? 1 : a),
    d2: () => 0,
    formula: `grad · (self > 0 ? 1 : ${a})`,
  }, { negative_slope: a });
}

/** x for x > 0, alpha · (exp(x) − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const a = checkNumber(alpha, "elu", "alpha");
  return apply("elu", x, {
    name: "EluBackward0",
    f: (v) => (v > 0 ? v : a * Math.expm1(v)),
    d1: (v) => (v > 0 ? 1 : a * Math.exp(v)),
    d2: (v) => (v > 0 ? 0 : a * Math.exp(v)),
    formula: `grad · (self > 0 ? 1 : ${a} · exp(self))`,
  }, { alpha: a });
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_PI = Math.sqrt(2 / Math.PI);
const phi = (v: number) => INV_SQRT_2PI * Math.exp(-0.5 * v * v);
const Phi = (v: number) => 0.5 * (1 + erf(v * SQRT1_2));

/** x · Φ(x) (approximate "tanh": 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))). */
export function gelu(x: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approximate = options.approximate ?? "none";
  if (approximate === "tanh") {
    const k = 0.044715;
    const u = (v: number) => SQRT_2_PI * (v + k * v * v * v);
    const du = (v: number) => SQRT_2_PI * (1 + 3 * k * v * v);
    return apply("gelu", x, {
      name: "GeluBackward0",
      f: (v) => 0.5 * v * (1 + Math.tanh(u(v))),
      d1: (v) => {
        const th = Math.tanh(u(v));
        return 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du(v);
      },
      d2: (v) => {
        const th = Math.tanh(u(v));
        const s = 1 - th * th;
        return s * du(v) + 0.5 * v * (-2 * th * s * du(v) * du(v) + s * SQRT_2_PI * 6 * k * v);
      },
      formula: "grad · d/dx[0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))]",
    }, { approximate });
  }
  if (approximate !== "none") throw new RangeError(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}.`);
  return apply("gelu", x, {
    name: "GeluBackward0",
    f: (v) => v * Phi(v),
    d1: (v) => Phi(v) + v * phi(v),
    d2: (v) => phi(v) * (2 - v * v),
    formula: "grad · (Φ(self) + self · φ(self))",
  }, { approximate });
}

const sigm = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** x · sigmoid(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  return apply("silu", x, {
    name: "SiluBackward0",
    f: (v) => v * sigm(v),
    d1: (v) => {
      const s = sigm(v);
      return s * (1 + v * (1 - s));
    },
    d2: (v) => {
      const s = sigm(v);
      return s * (1 - s) * (2 + v * (1 - 2 * s));
    },
    formula: "grad · sigmoid(self) · (1 + self · (1 − sigmoid(self)))",
  }, {});
}

/** log(1 + exp(beta · x)) / beta, linear (x) where beta · x > threshold. */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const b = checkNumber(beta, "softplus", "beta");
  const th = checkNumber(threshold, "softplus", "threshold");
  return apply("softplus", x, {
    name: "SoftplusBackward0",
    f: (v) => (v * b > th ? v : Math.log1p(Math.exp(v * b)) / b),
    d1: (v) => (v * b > th ? 1 : sigm(v * b)),
    d2: (v) => {
      if (v * b > th) return 0;
      const s = sigm(v * b);
      return b * s * (1 - s);
    },
    formula: `grad · sigmoid(${b} · self) (1 where ${b} · self > ${th})`,
  }, { beta: b, threshold: th });
}

export function relu(x: Tensor): Tensor {
  return checkTensor(x, "relu").relu();
}
export function tanh(x: Tensor): Tensor {
  return checkTensor(x, "tanh").tanh();
}
export function sigmoid(x: Tensor): Tensor {
  return checkTensor(x, "sigmoid").sigmoid();
}
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(checkTensor(x, "softmax"), dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return logSoftmaxOp(checkTensor(x, "logSoftmax"), dim);
}

/**
 * Zero each element with probability p and scale the rest by 1/(1 − p) when training (PyTorch's CPU
 * dropout: x times a constant mask, MulBackward0); x itself when not training or p = 0.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  const t = checkTensor(x, "dropout");
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: dropout probability has to be between 0 and 1, but got ${String(p)}.`);
  if (!training || p === 0 || t.numel() === 0) return t;
  checkFloat(t, "dropout");
  if (p === 1) return t.mul(new Tensor(allocate(t.dtype, 1), [], t.dtype));
  const noise = allocate(t.dtype, t.numel());
  const keep = 1 / (1 - p);
  for (let i = 0; i < noise.length; i++) noise[i] = random() < 1 - p ? keep : 0;
  return t.mul(new Tensor(noise, t.shape, t.dtype));
}

/** The error function (W. J. Cody's rational approximations via erfc; |error| < 1e-15). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series, converges fast here.
    let sum = x, term = x;
    const x2 = x * x;
    for (let n = 1; n < 40; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** erfc(x) for x ≥ 0.5 by its continued fraction (Lentz), accurate to ~1e-16 relative. */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = Math.abs(D) < tiny ? tiny : D;
    C = x + a / C;
    C = Math.abs(C) < tiny ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

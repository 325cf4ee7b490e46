// THE OP TABLE: the single place an elementwise unary or binary op is declared.
//
// To add a unary op (say `log1p`), add its name to UnaryName and one entry to UNARY_OPS below, then
// one row to the UNARY list of test/gradcheck.test.ts and a line to the ROWS of
// test/engine/replay-rules.test.ts. Nothing else: from the entry come
//   - the kernel (ops/elementwise.ts unaryValues runs `kernel`),
//   - the gradient spec with its formula text (gradients/elementwise.ts UNARY, named `gradFn`),
//   - the Tensor method `x.log1p()` and the in-place `x.log1p_()` (installed in tensor.ts, typed
//     by TableMethods below, so the bundled .d.ts has them),
//   - the function form `torch.log1p(x)` (index.ts),
//   - the replay/batch rule for the landscape view (replay/rules.ts), keyed by `gradFn`.
// A binary op (tensor ∘ tensor with broadcasting, like atan2) is one entry in BINARY_OPS the same
// way. Tests fail when an entry has no gradcheck row or a grad_fn name has no replay rule.
//
// Speed: `kernel` and `backward` are whole-array loops (one call per op, never one per element),
// so each stays a tight monomorphic loop over the typed arrays. `grad` is the same derivative in
// tensor ops: it runs when the backward itself is recorded (createGraph, double backward).
//
// This file imports only types: tensor.ts imports it to install the methods, so it must not need
// any engine module at load time. Use tensor methods in `grad` (they exist by the time it runs).
import type { Tensor } from "../tensor";
import type { Storage } from "../dtype";

export interface UnaryOp {
  /** The grad_fn name as PyTorch 2.x records it. */
  readonly gradFn: string;
  /** The derivative as the inspector shows it (PyTorch's names: grad, self, result). */
  readonly formula: string;
  /** What the derivative reads: the input, the output, or nothing (a constant derivative). */
  readonly saves: "self" | "result" | "none";
  /** An int64 input gives an int64 output (ops mapping integers to integers); otherwise float32. */
  readonly keepsInt?: boolean;
  /** out[i] = f(x[i]). */
  readonly kernel: (x: Storage, out: Storage) => void;
  /**
   * out[i] = the input's gradient from grad g[i] and the saved value v[i] (the input or the
   * output, as `saves` says). Absent: the derivative is zero (out stays zeros).
   */
  readonly backward?: (g: Storage, v: Storage, out: Storage) => void;
  /** The same in tensor ops (recorded for double backward). Absent: zeros. */
  readonly grad?: (g: Tensor, v: Tensor) => Tensor;
}

export interface BinaryOp {
  readonly gradFn: string;
  /** Formula per input (self, other). */
  readonly formulas: readonly [string, string];
  /** out[i] = f(x[i], y[i]) over equal-length arrays (broadcasting is done before). */
  readonly kernel: (x: Storage, y: Storage, out: Storage) => void;
  /** Gradients w.r.t. self and other from grad, self, other and the result (tensor ops). */
  readonly grad: (g: Tensor, self: Tensor, other: Tensor, result: Tensor) => [Tensor, Tensor];
}

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** grad where mask, exactly 0 elsewhere (no NaN leaking through a 0 weight). */
const pick = (g: Tensor, w: Tensor): Tensor => g.mul(w.dtype === "bool" ? w.to(g.dtype) : w).where(w.ne(0), 0);

/** Rounds half to even, as torch.round does (Math.round rounds half up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * erf to about 1e-15 relative: its Maclaurin series below |x| = 2.5, the continued fraction of
 * erfc above (JavaScript has no Math.erf).
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    // erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return x > 0 ? 1 : -1;
  // erfc a = exp(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated bottom-up.
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

// The names, spelled once more as types (the entries' derivatives call Tensor methods, whose types
// come from these names, so they cannot be inferred from the entries); the compiler checks that
// the two agree.
export type UnaryName =
  | "neg" | "sqrt" | "rsqrt" | "reciprocal" | "exp" | "expm1" | "log" | "log1p" | "log2" | "log10" | "abs"
  | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "sigmoid" | "relu" | "erf"
  | "sign" | "floor" | "ceil" | "round" | "trunc" | "frac";
export type BinaryName = "atan2" | "hypot";

// Each kernel is its own function with its own loop: V8 compiles one tight loop per op.
export const UNARY_OPS: Readonly<Record<UnaryName, UnaryOp>> = {
  neg: {
    gradFn: "NegBackward0", formula: "−grad", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = -x[i]!; },
    backward: (g, _v, o) => { for (let i = 0; i < o.length; i++) o[i] = -g[i]!; },
    grad: (g) => g.neg(),
  },
  sqrt: {
    gradFn: "SqrtBackward0", formula: "grad / (2 · result)", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / (2 * r[i]!); },
    grad: (g, r) => g.div(r.mul(2)),
  },
  rsqrt: {
    gradFn: "RsqrtBackward0", formula: "−grad · result³ / 2", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = 1 / Math.sqrt(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) { const v = r[i]!; o[i] = -0.5 * g[i]! * v * v * v; } },
    grad: (g, r) => g.mul(r.pow(3)).mul(-0.5),
  },
  reciprocal: {
    gradFn: "ReciprocalBackward0", formula: "−grad · result²", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = 1 / x[i]!; },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = -g[i]! * r[i]! * r[i]!; },
    grad: (g, r) => g.mul(r.mul(r)).neg(),
  },
  exp: {
    gradFn: "ExpBackward0", formula: "grad · result", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.exp(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * r[i]!; },
    grad: (g, r) => g.mul(r),
  },
  expm1: {
    gradFn: "Expm1Backward0", formula: "grad · (result + 1)", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.expm1(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * (r[i]! + 1); },
    grad: (g, r) => g.mul(r.add(1)),
  },
  log: {
    gradFn: "LogBackward0", formula: "grad / self", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.log(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / x[i]!; },
    grad: (g, x) => g.div(x),
  },
  log1p: {
    gradFn: "Log1PBackward0", formula: "grad / (1 + self)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.log1p(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / (1 + x[i]!); },
    grad: (g, x) => g.div(x.add(1)),
  },
  log2: {
    gradFn: "Log2Backward0", formula: "grad / (self · ln 2)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.log2(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / (x[i]! * LN2); },
    grad: (g, x) => g.div(x.mul(LN2)),
  },
  log10: {
    gradFn: "Log10Backward0", formula: "grad / (self · ln 10)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.log10(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / (x[i]! * LN10); },
    grad: (g, x) => g.div(x.mul(LN10)),
  },
  abs: {
    gradFn: "AbsBackward0", formula: "grad · sgn(self)", saves: "self", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.abs(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) { const v = x[i]!; o[i] = v > 0 ? g[i]! : v < 0 ? -g[i]! : 0; } },
    grad: (g, x) => g.mul(x.sign()),
  },
  sin: {
    gradFn: "SinBackward0", formula: "grad · cos(self)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.sin(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * Math.cos(x[i]!); },
    grad: (g, x) => g.mul(x.cos()),
  },
  cos: {
    gradFn: "CosBackward0", formula: "grad · −sin(self)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.cos(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = -g[i]! * Math.sin(x[i]!); },
    grad: (g, x) => g.mul(x.sin().neg()),
  },
  tan: {
    gradFn: "TanBackward0", formula: "grad · (1 + result²)", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.tan(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * (1 + r[i]! * r[i]!); },
    grad: (g, r) => g.mul(r.mul(r).add(1)),
  },
  asin: {
    gradFn: "AsinBackward0", formula: "grad / √(1 − self²)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.asin(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / Math.sqrt(1 - x[i]! * x[i]!); },
    grad: (g, x) => g.div(x.mul(x).neg().add(1).sqrt()),
  },
  acos: {
    gradFn: "AcosBackward0", formula: "−grad / √(1 − self²)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.acos(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = -g[i]! / Math.sqrt(1 - x[i]! * x[i]!); },
    grad: (g, x) => g.neg().div(x.mul(x).neg().add(1).sqrt()),
  },
  atan: {
    gradFn: "AtanBackward0", formula: "grad / (1 + self²)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.atan(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! / (1 + x[i]! * x[i]!); },
    grad: (g, x) => g.div(x.mul(x).add(1)),
  },
  sinh: {
    gradFn: "SinhBackward0", formula: "grad · cosh(self)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.sinh(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * Math.cosh(x[i]!); },
    grad: (g, x) => g.mul(x.cosh()),
  },
  cosh: {
    gradFn: "CoshBackward0", formula: "grad · sinh(self)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.cosh(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * Math.sinh(x[i]!); },
    grad: (g, x) => g.mul(x.sinh()),
  },
  tanh: {
    gradFn: "TanhBackward0", formula: "grad · (1 − result²)", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.tanh(x[i]!); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * (1 - r[i]! * r[i]!); },
    grad: (g, r) => g.mul(r.mul(r).neg().add(1)),
  },
  sigmoid: {
    gradFn: "SigmoidBackward0", formula: "grad · result · (1 − result)", saves: "result",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = 1 / (1 + Math.exp(-x[i]!)); },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * r[i]! * (1 - r[i]!); },
    grad: (g, r) => g.mul(r.mul(r.neg().add(1))),
  },
  relu: {
    gradFn: "ReluBackward0", formula: "grad · [result > 0]", saves: "result", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) { const v = x[i]!; o[i] = v > 0 ? v : 0; } },
    backward: (g, r, o) => { for (let i = 0; i < o.length; i++) o[i] = r[i]! > 0 ? g[i]! : 0; },
    grad: (g, r) => pick(g, r.gt(0)),
  },
  erf: {
    gradFn: "ErfBackward0", formula: "grad · 2/√π · exp(−self²)", saves: "self",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = erf(x[i]!); },
    backward: (g, x, o) => { for (let i = 0; i < o.length; i++) o[i] = g[i]! * TWO_OVER_SQRT_PI * Math.exp(-x[i]! * x[i]!); },
    grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)),
  },
  // Piecewise constant: the derivative is zero, but PyTorch still records a node.
  sign: {
    gradFn: "SignBackward0", formula: "0", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) { const v = x[i]!; o[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } },
  },
  floor: {
    gradFn: "FloorBackward0", formula: "0", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.floor(x[i]!); },
  },
  ceil: {
    gradFn: "CeilBackward0", formula: "0", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.ceil(x[i]!); },
  },
  round: {
    gradFn: "RoundBackward0", formula: "0", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = roundHalfEven(x[i]!); },
  },
  trunc: {
    gradFn: "TruncBackward0", formula: "0", saves: "none", keepsInt: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.trunc(x[i]!); },
  },
  frac: {
    gradFn: "FracBackward0", formula: "grad", saves: "none",
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = x[i]! - Math.trunc(x[i]!); },
    backward: (g, _v, o) => { o.set(g); },
    grad: (g) => g,
  },
};

export const BINARY_OPS: Readonly<Record<BinaryName, BinaryOp>> = {
  atan2: {
    gradFn: "Atan2Backward0",
    formulas: ["grad · other / (self² + other²)", "−grad · self / (self² + other²)"],
    kernel: (x, y, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.atan2(x[i]!, y[i]!); },
    grad: (g, a, b) => {
      const d = a.mul(a).add(b.mul(b));
      return [g.mul(b).div(d), g.neg().mul(a).div(d)];
    },
  },
  hypot: {
    gradFn: "HypotBackward0",
    formulas: ["grad · self / result", "grad · other / result"],
    kernel: (x, y, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.hypot(x[i]!, y[i]!); },
    grad: (g, a, b, r) => [g.mul(a).div(r), g.mul(b).div(r)],
  },
};

/** The methods the table gives Tensor (tensor.ts merges this into the class's type). */
export type TableMethods = {
  [K in UnaryName]: () => Tensor;
} & {
  [K in UnaryName as `${K}_`]: <T extends Tensor>(this: T) => T;
} & {
  [K in BinaryName]: (other: Tensor) => Tensor;
} & {
  [K in BinaryName as `${K}_`]: <T extends Tensor>(this: T, other: Tensor) => T;
};

/** The function forms the table gives `torch` (index.ts). */
export type TableFunctions = {
  [K in UnaryName]: (input: Tensor) => Tensor;
} & {
  [K in BinaryName]: (input: Tensor, other: Tensor) => Tensor;
};

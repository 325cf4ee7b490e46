// The op table of the parity suite: for each op of the program form (program.ts), how it is written
// in TypeScript against our engine and in Python against PyTorch. `x` are the tensor operands (by
// variable name), `a` the other arguments.
//
// Scalar arguments: in Python a float argument is wrapped into a 0-dim tensor, so `x * 2` and
// `x.mul(2)` record MulBackward0 (mul.Tensor). Our API, like libtorch's `x.mul(2)` and R torch,
// calls the Scalar overload and records MulBackward1. To compare like with like, the Python side
// calls the Scalar overloads explicitly: torch.ops.aten.add.Scalar / sub.Scalar / mul.Scalar /
// div.Scalar → AddBackward1 / SubBackward1 / MulBackward1 / DivBackward1, and pow.Tensor_Scalar →
// PowBackward0 (checked on torch 1.13.1; 2.x's derivatives.yaml has the same overload → node names).
// In-place ops with a scalar use the in-place Scalar overloads (torch.ops.aten.mul_.Scalar) for the
// same reason.

import { BINARY_OPS, UNARY_OPS } from "../../engine/ops/table";

/** A non-tensor argument: a number, a string (slice), null (None), a list, or a boolean. */
export type Arg = number | string | boolean | null | readonly Arg[] | { readonly int0: number };

export interface OpEmitter {
  ts(x: readonly string[], a: readonly Arg[]): string;
  py(x: readonly string[], a: readonly Arg[]): string;
}

const num = (v: Arg): number => {
  if (typeof v !== "number") throw new Error(`parity: expected a number argument, got ${JSON.stringify(v)}`);
  return v;
};
const pyNum = (v: number): string => {
  const s = String(v);
  return /[.e]/.test(s) || !Number.isFinite(v) ? s : `${s}.0`;
};
const list = (v: Arg): number[] => (v as readonly number[]).map(num);
const pyBool = (v: Arg): string => (v ? "True" : "False");
const pyTuple = (v: readonly number[]): string => (v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`);

const method = (ts: string, py = ts): OpEmitter => ({
  ts: (x, a) => `${x[0]}.${ts}(${[...x.slice(1), ...a.map((v) => JSON.stringify(v))].join(", ")})`,
  py: (x, a) => `${x[0]}.${py}(${[...x.slice(1), ...a.map((v) => (typeof v === "number" ? String(v) : JSON.stringify(v)))].join(", ")})`,
});

/** x.op(scalar): our Scalar overload; in Python the explicit aten Scalar overload (see above). */
const scalarOp = (name: string, aten: string): OpEmitter => ({
  ts: (x, a) => `${x[0]}.${name}(${num(a[0]!)})`,
  py: (x, a) => `torch.ops.aten.${aten}(${x[0]}, ${pyNum(num(a[0]!))})`,
});

/** sum/mean: a = [dim?, keepdim?]; dim a number or a list. */
const reduction = (name: string): OpEmitter => ({
  ts: (x, a) => {
    if (a.length === 0 || a[0] === null) return `${x[0]}.${name}()`;
    const dim = Array.isArray(a[0]) ? `[${list(a[0]).join(", ")}]` : String(a[0]);
    return `${x[0]}.${name}(${dim}${a[1] !== undefined ? `, ${a[1]}` : ""})`;
  },
  py: (x, a) => {
    if (a.length === 0 || a[0] === null) return `${x[0]}.${name}()`;
    const dim = Array.isArray(a[0]) ? pyTuple(list(a[0])) : String(a[0]);
    return `${x[0]}.${name}(${dim}${a[1] !== undefined ? `, keepdim=${pyBool(a[1])}` : ""})`;
  },
});

/** max(dim)/min(dim): a = [dim, keepdim?, "values" | "indices"]. */
const extremeDim = (name: string): OpEmitter => ({
  ts: (x, a) => `${x[0]}.${name}(${num(a[0]!)}${a[1] !== undefined ? `, ${a[1]}` : ""}).${a[2] ?? "values"}`,
  py: (x, a) => `${x[0]}.${name}(${num(a[0]!)}${a[1] !== undefined ? `, keepdim=${pyBool(a[1])}` : ""}).${a[2] ?? "values"}`,
});

/** Sizes as separate arguments in both languages; an empty shape is `[]` / `()`. */
const sizes = (name: string): OpEmitter => ({
  ts: (x, a) => `${x[0]}.${name}(${a.length === 0 ? "[]" : list(a as Arg[]).join(", ")})`,
  py: (x, a) => `${x[0]}.${name}(${a.length === 0 ? "()" : list(a as Arg[]).join(", ")})`,
});

function indexTs(v: Arg): string {
  if (v === null) return "null";
  if (typeof v === "object" && !Array.isArray(v) && "int0" in v) return `torch.tensor(${v.int0}, { dtype: "int64" })`;
  return JSON.stringify(v);
}
function indexPy(v: Arg): string {
  if (v === null) return "None";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v; // a slice or "..."
  if (Array.isArray(v)) return `[${list(v).join(", ")}]`;
  if (typeof v === "object" && "int0" in v) return `torch.tensor(${(v as { int0: number }).int0})`;
  throw new Error(`parity: bad index component ${JSON.stringify(v)}`);
}

/** Binary op between tensors: x[0].op(x[1]). */
const binary = (name: string): OpEmitter => ({ ts: (x) => `${x[0]}.${name}(${x[1]})`, py: (x) => `${x[0]}.${name}(${x[1]})` });
const unary = (ts: string, py = ts): OpEmitter => ({ ts: (x) => `${x[0]}.${ts}()`, py: (x) => `${x[0]}.${py}()` });
const joined = (name: string): OpEmitter => ({
  ts: (x, a) => `torch.${name}([${x.join(", ")}]${a.length ? `, ${num(a[0]!)}` : ""})`,
  py: (x, a) => `torch.${name}([${x.join(", ")}]${a.length ? `, ${num(a[0]!)}` : ""})`,
});

const clampArgs = (a: readonly Arg[], py: boolean): string => {
  const [lo, hi] = [a[0] ?? null, a[1] ?? null];
  if (py) return [lo !== null ? `min=${pyNum(num(lo))}` : "", hi !== null ? `max=${pyNum(num(hi))}` : ""].filter(Boolean).join(", ");
  return hi === null ? String(lo) : `${lo === null ? "undefined" : lo}, ${hi}`;
};

/** x.a(x1, args…) in both languages. */
const binaryArgs = (name: string): OpEmitter => ({
  ts: (x, a) => `${x[0]}.${name}(${[x[1], ...a.map((v) => JSON.stringify(v))].join(", ")})`,
  py: (x, a) => `${x[0]}.${name}(${[x[1], ...a.map((v) => String(v))].join(", ")})`,
});

/** Each op of the op table (engine/ops/table.ts) and its in-place form: same name in both languages. */
function tableOps(): Record<string, OpEmitter> {
  const out: Record<string, OpEmitter> = {};
  for (const k of Object.keys(UNARY_OPS)) {
    out[k] = unary(k);
    out[`${k}_`] = unary(`${k}_`);
  }
  for (const k of Object.keys(BINARY_OPS)) out[k] = binary(k);
  return out;
}

export const OPS: Record<string, OpEmitter> = {
  // binary with tensors
  add: binary("add"), sub: binary("sub"), mul: binary("mul"), div: binary("div"), pow: binary("pow"),
  maximum: binary("maximum"), minimum: binary("minimum"),
  matmul: binary("matmul"), mm: binary("mm"), dot: binary("dot"),
  // binary with a scalar
  addS: scalarOp("add", "add.Scalar"), subS: scalarOp("sub", "sub.Scalar"),
  mulS: scalarOp("mul", "mul.Scalar"), divS: scalarOp("div", "div.Scalar"), powS: scalarOp("pow", "pow.Tensor_Scalar"),
  // unary
  neg: unary("neg"), exp: unary("exp"), log: unary("log"), sqrt: unary("sqrt"), abs: unary("abs"),
  sin: unary("sin"), cos: unary("cos"), tanh: unary("tanh"), sigmoid: unary("sigmoid"), relu: unary("relu"),
  sign: unary("sign"), square: unary("square"),
  float: unary("float"), double: unary("double"), clone: unary("clone"), detach: unary("detach"),
  contiguous: unary("contiguous"),
  // reductions
  sum: reduction("sum"), mean: reduction("mean"),
  maxAll: unary("max"), minAll: unary("min"),
  maxDim: extremeDim("max"), minDim: extremeDim("min"),
  softmax: method("softmax"), logSoftmax: method("logSoftmax", "log_softmax"),
  // shape
  t: unary("t"),
  transpose: method("transpose"),
  permute: sizes("permute"), reshape: sizes("reshape"), view: sizes("view"), expand: sizes("expand"),
  flatten: method("flatten"), unsqueeze: method("unsqueeze"), squeeze: method("squeeze"),
  select: method("select"), narrow: method("narrow"),
  index: {
    ts: (x, a) => `${x[0]}.index(${a.map(indexTs).join(", ")})`,
    py: (x, a) => `${x[0]}[${a.length === 0 ? "()" : a.map(indexPy).join(", ")}]`,
  },
  cat: joined("cat"), stack: joined("stack"),
  // issue 12's ops (an index argument is a tensor in Python: gather/index_select/take want one)
  gather: { ts: (x, a) => `${x[0]}.gather(${num(a[0]!)}, ${JSON.stringify(a[1])})`, py: (x, a) => `${x[0]}.gather(${num(a[0]!)}, torch.tensor(${JSON.stringify(a[1])}))` },
  indexSelect: { ts: (x, a) => `${x[0]}.indexSelect(${num(a[0]!)}, ${JSON.stringify(a[1])})`, py: (x, a) => `${x[0]}.index_select(${num(a[0]!)}, torch.tensor(${JSON.stringify(a[1])}))` },
  take: { ts: (x, a) => `${x[0]}.take(${JSON.stringify(a[0])})`, py: (x, a) => `${x[0]}.take(torch.tensor(${JSON.stringify(a[0])}))` },
  repeat: sizes("repeat"), tile: method("tile"), repeatInterleave: method("repeatInterleave", "repeat_interleave"),
  flip: method("flip"), roll: method("roll"), tril: method("tril"), triu: method("triu"),
  sortValues: { ts: (x, a) => `${x[0]}.sort(${num(a[0]!)}).values`, py: (x, a) => `${x[0]}.sort(${num(a[0]!)}).values` },
  topkValues: { ts: (x, a) => `${x[0]}.topk(${num(a[0]!)}).values`, py: (x, a) => `${x[0]}.topk(${num(a[0]!)}).values` },
  scatter: { ts: (x, a) => `${x[0]}.scatter(${num(a[0]!)}, ${JSON.stringify(a[1])}, ${x[1]})`, py: (x, a) => `${x[0]}.scatter(${num(a[0]!)}, torch.tensor(${JSON.stringify(a[1])}), ${x[1]})` },
  scatterAdd: { ts: (x, a) => `${x[0]}.scatterAdd(${num(a[0]!)}, ${JSON.stringify(a[1])}, ${x[1]})`, py: (x, a) => `${x[0]}.scatter_add(${num(a[0]!)}, torch.tensor(${JSON.stringify(a[1])}), ${x[1]})` },
  /** x0.maskedFill(x0 > 0, a[0]) */
  maskedFillPos: { ts: (x, a) => `${x[0]}.maskedFill(${x[0]}.gt(0), ${num(a[0]!)})`, py: (x, a) => `${x[0]}.masked_fill(${x[0]} > 0, ${pyNum(num(a[0]!))})` },
  /** both pieces of x0.chunk(2, a[0]), multiplied */
  chunkMul: { ts: (x, a) => `${x[0]}.chunk(2, ${num(a[0]!)})[0].mul(${x[0]}.chunk(2, ${num(a[0]!)})[1])`, py: (x, a) => `${x[0]}.chunk(2, ${num(a[0]!)})[0].mul(${x[0]}.chunk(2, ${num(a[0]!)})[1])` },
  baddbmm: { ts: (x) => `torch.baddbmm(${x.join(", ")})`, py: (x) => `torch.baddbmm(${x.join(", ")})` },
  addmm: { ts: (x) => `torch.addmm(${x.join(", ")})`, py: (x) => `torch.addmm(${x.join(", ")})` },
  mv: binary("mv"), outer: { ts: (x) => `torch.outer(${x[0]}, ${x[1]})`, py: (x) => `torch.outer(${x[0]}, ${x[1]})` },
  einsum: { ts: (x, a) => `torch.einsum(${JSON.stringify(a[0])}, ${x.join(", ")})`, py: (x, a) => `torch.einsum(${JSON.stringify(a[0])}, ${x.join(", ")})` },
  // elementwise with extra arguments
  clamp: { ts: (x, a) => `${x[0]}.clamp(${clampArgs(a, false)})`, py: (x, a) => `${x[0]}.clamp(${clampArgs(a, true)})` },
  /** where(x0 > 0, x1, x2 or the scalar a[0]) */
  where: {
    ts: (x, a) => `torch.where(${x[0]}.gt(0), ${x[1]}, ${x[2] ?? num(a[0]!)})`,
    py: (x, a) => `torch.where(${x[0]} > 0, ${x[1]}, ${x[2] ?? pyNum(num(a[0]!))})`,
  },
  // nn.functional
  linear: {
    ts: (x) => `torch.nn.functional.linear(${x.join(", ")})`,
    py: (x) => `torch.nn.functional.linear(${x.join(", ")})`,
  },
  mseLoss: { ts: (x) => `torch.nn.functional.mseLoss(${x[0]}, ${x[1]})`, py: (x) => `torch.nn.functional.mse_loss(${x[0]}, ${x[1]})` },
  crossEntropy: {
    ts: (x) => `torch.nn.functional.crossEntropy(${x[0]}, ${x[1]})`,
    py: (x) => `torch.nn.functional.cross_entropy(${x[0]}, ${x[1]})`,
  },
  // issue 12's math ops (cases-ops.ts): every table op and its in-place form, by name
  ...tableOps(),
  amax: reduction("amax"), amin: reduction("amin"), logsumexp: reduction("logsumexp"), prod: reduction("prod"),
  cumsum: method("cumsum"), cumprod: method("cumprod"), var: reduction("var"), dist: binaryArgs("dist"),
  varC: {
    ts: (x, a) => `${x[0]}.var(${num(a[0]!)}, { correction: ${num(a[1]!)} })`,
    py: (x, a) => `${x[0]}.var(${num(a[0]!)}, correction=${num(a[1]!)})`,
  },
  stdK: { ts: (x, a) => `${x[0]}.std(${num(a[0]!)}, { keepdim: true })`, py: (x, a) => `${x[0]}.std(${num(a[0]!)}, keepdim=True)` },
  norm: {
    ts: (x, a) => `${x[0]}.norm(${a.map((v) => JSON.stringify(v)).join(", ")})`,
    py: (x, a) => `${x[0]}.norm(${a.map((v) => String(v)).join(", ")})`,
  },
  vectorNorm: {
    ts: (x, a) => `torch.linalg.vectorNorm(${x[0]}, ${JSON.stringify(a[0])})`,
    py: (x, a) => `torch.linalg.vector_norm(${x[0]}, ${a[0] === "inf" ? "float('inf')" : String(a[0])})`,
  },
  linalgNorm: { ts: (x) => `torch.linalg.norm(${x[0]})`, py: (x) => `torch.linalg.norm(${x[0]})` },
  rsub: { ts: (x) => `torch.rsub(${x[0]}, ${x[1]})`, py: (x) => `torch.rsub(${x[0]}, ${x[1]})` },
  rsubS: { ts: (x, a) => `torch.rsub(${x[0]}, ${num(a[0]!)})`, py: (x, a) => `torch.rsub(${x[0]}, ${pyNum(num(a[0]!))})` },
  powBase: { ts: (x, a) => `torch.pow(${num(a[0]!)}, ${x[0]})`, py: (x, a) => `torch.pow(${pyNum(num(a[0]!))}, ${x[0]})` },
  lerpS: { ts: (x, a) => `${x[0]}.lerp(${x[1]}, ${num(a[0]!)})`, py: (x, a) => `${x[0]}.lerp(${x[1]}, ${pyNum(num(a[0]!))})` },
  lerp: { ts: (x) => `${x[0]}.lerp(${x[1]}, ${x[2]})`, py: (x) => `${x[0]}.lerp(${x[1]}, ${x[2]})` },
  // dtypes (bool, int32): comparisons, value tests, casts, integer arithmetic
  gt: method("gt"), eq: binary("eq"), isnan: unary("isnan"), isfinite: unary("isfinite"), isclose: binary("isclose"),
  all: method("all"), any: method("any"),
  logicalNot: unary("logicalNot", "logical_not"), logicalXor: { ts: (x) => `${x[0]}.logicalXor(${x[1]})`, py: (x) => `${x[0]}.logical_xor(${x[1]})` },
  to: { ts: (x, a) => `${x[0]}.to(${JSON.stringify(a[0])})`, py: (x, a) => `${x[0]}.to(torch.${String(a[0])})` },
  /** x · an integer number: Python's `x * 2` (an int stays an int: bool → int64). */
  mulInt: { ts: (x, a) => `${x[0]}.mul(${num(a[0]!)})`, py: (x, a) => `${x[0]} * ${num(a[0]!)}` },
  // autograd
  backward: {
    ts: (x, a) => (a[0] === "ones" ? `${x[0]}.backward(torch.onesLike(${x[0]}))` : `${x[0]}.backward()`),
    py: (x, a) => (a[0] === "ones" ? `${x[0]}.backward(torch.ones_like(${x[0]}))` : `${x[0]}.backward()`),
  },
  grad: { ts: (x) => `${x[0]}.grad`, py: (x) => `${x[0]}.grad` },
  data: { ts: (x) => `${x[0]}.data`, py: (x) => `${x[0]}.data` },
  requiresGrad_: { ts: (x) => `${x[0]}.requiresGrad_()`, py: (x) => `${x[0]}.requires_grad_()` },
  // in place (the API the engine is growing; see expected-failures.ts for what it lacks)
  add_: binary("add_"), sub_: binary("sub_"), mul_: binary("mul_"), div_: binary("div_"), pow_: binary("pow_"),
  copy_: binary("copy_"),
  addS_: scalarOp("add_", "add_.Scalar"), subS_: scalarOp("sub_", "sub_.Scalar"),
  mulS_: scalarOp("mul_", "mul_.Scalar"), divS_: scalarOp("div_", "div_.Scalar"), powS_: scalarOp("pow_", "pow_.Scalar"),
  neg_: unary("neg_"), exp_: unary("exp_"), log_: unary("log_"), sqrt_: unary("sqrt_"), abs_: unary("abs_"),
  sin_: unary("sin_"), cos_: unary("cos_"), tanh_: unary("tanh_"), sigmoid_: unary("sigmoid_"), relu_: unary("relu_"),
  zero_: unary("zero_"),
  squeeze_: method("squeeze_"), unsqueeze_: method("unsqueeze_"),
  fill_: { ts: (x, a) => `${x[0]}.fill_(${num(a[0]!)})`, py: (x, a) => `${x[0]}.fill_(${pyNum(num(a[0]!))})` },
  clamp_: { ts: (x, a) => `${x[0]}.clamp_(${clampArgs(a, false)})`, py: (x, a) => `${x[0]}.clamp_(${clampArgs(a, true)})` },
  /** x0.op(x1.grad.mul(lr)) — the manual SGD step (run under noGrad). */
  sgdStep: {
    ts: (x, a) => `${x[0]}.sub_(${x[0]}.grad.mul(${num(a[0]!)}))`,
    py: (x, a) => `${x[0]}.sub_(torch.ops.aten.mul.Scalar(${x[0]}.grad, ${pyNum(num(a[0]!))}))`,
  },
};

// Numeric gradient check of every differentiable op: one table line per op and shape case, each
// checked against central differences (test/helpers/gradcheck.ts) and, where given, against an
// independent plain-JS forward reference. Second-order (double backward) checks for the ops where
// it makes sense. grad_fn names: grad-fn-names.test.ts; the checker's own failures and PyTorch's
// subgradients at kinks: gradcheck-kinks.test.ts.
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { UNARY_OPS } from "../engine/ops/table";
import { checkGrads, checkSecondOrder, generator, ref, ND, type GradCheckOptions, type Nested } from "./helpers/gradcheck";

const F = torch.nn.functional;
type Fn = (...xs: Tensor[]) => Tensor;
type Ref = (...xs: ND[]) => ND | Nested;
interface Case {
  name: string;
  fn: Fn;
  inputs: Nested[];
  ref?: Ref;
  opts?: GradCheckOptions;
  /** Also run the second-order check. */
  second?: boolean;
}

// ---- inputs: one seeded stream, so every run sees the same numbers ---------------------------------
const gen = generator(20240611);
type Shape = number[];
/** General values in [-2, 2]. */
const U = (s: Shape) => gen(s);
/** Positive values (sqrt, log, pow bases, divisors). */
const P = (s: Shape) => gen(s, { lo: 0.5, hi: 2 });
/** Away from 0 (abs, relu, 1/x): |v| ≥ 0.25. */
const A = (s: Shape) => gen(s, { avoid: [0], margin: 0.25 });
/** Pairwise distinct (max, min): no ties. */
const D = (s: Shape) => gen(s, { distinct: true, margin: 0.05 });
/** Probabilities in (0, 1). */
const Pr = (s: Shape) => gen(s, { lo: 0.1, hi: 0.9 });
/** Two inputs whose values are all pairwise distinct (maximum/minimum without ties, even broadcast). */
const D2 = (sa: Shape, sb: Shape): [Nested, Nested] => {
  const all = ND.from(gen([sa.reduce((p, v) => p * v, 1) + sb.reduce((p, v) => p * v, 1)], { distinct: true, margin: 0.05 })).data;
  const na = sa.reduce((p, v) => p * v, 1);
  return [new ND(sa, all.slice(0, na)).toNested(), new ND(sb, all.slice(na)).toNested()];
};
/** Inside (−1, 1): asin, acos, tan. */
const O = (s: Shape) => gen(s, { lo: -0.9, hi: 0.9 });
/** Away from integers and halves (floor, ceil, round, trunc, frac jump there). */
const NI = (s: Shape) => gen(s, { avoid: [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2], margin: 0.05 });
/** erf by numerical integration of 2/√π·exp(−t²) (Simpson, 2000 steps): independent of the engine's series. */
const erfRef = (v: number): number => {
  const n = 2000, h = v / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) acc += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  return ((acc * h) / 3) * (2 / Math.sqrt(Math.PI));
};
const f64 = (v: Nested) => torch.tensor(v, { dtype: "float64" });
const i64 = (v: Nested) => torch.tensor(v, { dtype: "int64" });
const S = (s: Shape) => `[${s.join(",")}]`;

const SHAPES: Shape[] = [[], [5], [3, 4], [2, 3, 2]];
const SMALL_SHAPES: Shape[] = [[], [5], [3, 4]];
/** Binary-op shape pairs: equal shapes and broadcasting, both orders. */
const PAIRS: Array<[Shape, Shape]> = [
  [[], []],
  [[5], [5]],
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[4], [3, 4]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [3, 1]],
  [[3, 1], [2, 3, 4]],
  [[], [3, 4]],
  [[3, 4], []],
];

const cases: Case[] = [];
const add = (name: string, fn: Fn, inputs: Nested[], refFn?: Ref, extra: Partial<Case> = {}) =>
  cases.push({ name, fn, inputs, ...(refFn ? { ref: refFn } : {}), ...extra });

// ---- binary arithmetic: tensor ∘ tensor over every shape pair -------------------------------------
const zipRef = (f: (u: number, v: number) => number): Ref => (a, b) => ref.zip(a!, b!, f);
for (const [sa, sb] of PAIRS) {
  const pair = `${S(sa)} with ${S(sb)}`;
  add(`add ${pair}`, (a, b) => a!.add(b!), [U(sa), U(sb)], zipRef((u, v) => u + v), { second: true });
  add(`sub ${pair}`, (a, b) => a!.sub(b!), [U(sa), U(sb)], zipRef((u, v) => u - v), { second: true });
  add(`mul ${pair}`, (a, b) => a!.mul(b!), [U(sa), U(sb)], zipRef((u, v) => u * v), { second: true });
  add(`div ${pair}`, (a, b) => a!.div(b!), [U(sa), A(sb)], zipRef((u, v) => u / v), { second: true });
  add(`pow tensor exponent ${pair}`, (a, b) => a!.pow(b!), [P(sa), U(sb)], zipRef((u, v) => Math.pow(u, v)), { second: true });
  add(`atan2 ${pair}`, (a, b) => a!.atan2(b!), [U(sa), A(sb)], zipRef(Math.atan2), { second: true });
  add(`hypot ${pair}`, (a, b) => torch.hypot(a!, b!), [A(sa), A(sb)], zipRef((u, v) => Math.sqrt(u * u + v * v)), { second: true });
}
// function forms, and one operand a constant (only the other requires grad)
add("torch.add [3,4] with [4]", (a, b) => torch.add(a!, b!), [U([3, 4]), U([4])], zipRef((u, v) => u + v));
add("torch.sub [3,1] with [1,4]", (a, b) => torch.sub(a!, b!), [U([3, 1]), U([1, 4])], zipRef((u, v) => u - v));
add("torch.mul [2,3,4] with [3,1]", (a, b) => torch.mul(a!, b!), [U([2, 3, 4]), U([3, 1])], zipRef((u, v) => u * v));
add("torch.div [] with [3,4]", (a, b) => torch.div(a!, b!), [U([]), A([3, 4])], zipRef((u, v) => u / v));
add("torch.pow [3,4] with [4]", (a, b) => torch.pow(a!, b!), [P([3, 4]), U([4])], zipRef((u, v) => Math.pow(u, v)));
for (const rg of [[true, false], [false, true]]) {
  const which = rg[0] ? "self only" : "other only";
  add(`mul [3,4] with [4], ${which} requires grad`, (a, b) => a!.mul(b!), [U([3, 4]), U([4])], zipRef((u, v) => u * v), { opts: { requiresGrad: rg }, second: true });
  add(`div [3,1] with [1,4], ${which} requires grad`, (a, b) => a!.div(b!), [U([3, 1]), A([1, 4])], zipRef((u, v) => u / v), { opts: { requiresGrad: rg }, second: true });
  add(`sub [4] with [3,4], ${which} requires grad`, (a, b) => a!.sub(b!), [U([4]), U([3, 4])], zipRef((u, v) => u - v), { opts: { requiresGrad: rg } });
  add(`pow [3,4] with [], ${which} requires grad`, (a, b) => a!.pow(b!), [P([3, 4]), U([])], zipRef((u, v) => Math.pow(u, v)), { opts: { requiresGrad: rg }, second: true });
}

// ---- tensor ∘ number, and a constant on the left (the API has no reflected operators) ------------
for (const s of SMALL_SHAPES) {
  add(`add number ${S(s)} + 2.5`, (x) => x!.add(2.5), [U(s)], (x) => ref.map(x!, (v) => v + 2.5));
  add(`add number ${S(s)} + -1 (torch.add)`, (x) => torch.add(x!, -1), [U(s)], (x) => ref.map(x!, (v) => v - 1));
  add(`sub number ${S(s)} - 2`, (x) => x!.sub(2), [U(s)], (x) => ref.map(x!, (v) => v - 2));
  add(`mul number ${S(s)} * -1.5`, (x) => x!.mul(-1.5), [U(s)], (x) => ref.map(x!, (v) => v * -1.5), { second: true });
  add(`mul number ${S(s)} * 0`, (x) => x!.mul(0), [U(s)], (x) => ref.map(x!, (v) => v * 0));
  add(`div number ${S(s)} / 4`, (x) => x!.div(4), [U(s)], (x) => ref.map(x!, (v) => v / 4), { second: true });
  add(`div number ${S(s)} / -0.3`, (x) => x!.div(-0.3), [U(s)], (x) => ref.map(x!, (v) => v / -0.3));
  add(`constant 2 - ${S(s)}`, (x) => f64(2).sub(x!), [U(s)], (x) => ref.map(x!, (v) => 2 - v));
  add(`constant 3 / ${S(s)}`, (x) => f64(3).div(x!), [A(s)], (x) => ref.map(x!, (v) => 3 / v), { second: true });
  add(`constant 1.5 ** ${S(s)}`, (x) => f64(1.5).pow(x!), [U(s)], (x) => ref.map(x!, (v) => Math.pow(1.5, v)), { second: true });
  add(`constant [4] * ${S(s)}`, (x) => f64([0.5, -1, 2, 0.25]).mul(x!), [U(s.length === 0 ? [] : [...s.slice(0, -1), s.length === 1 ? 1 : 4])], (x) => ref.zip([0.5, -1, 2, 0.25], x!, (u, v) => u * v));
}

// ---- pow with a number exponent -----------------------------------------------------------------
for (const s of SMALL_SHAPES) {
  for (const [e, gen_] of [[2, U], [0.5, P], [3, U], [-1, A], [1.5, P], [-2.5, P], [1, U], [0, U]] as const) {
    add(`pow ${S(s)} ** ${e}`, (x) => x!.pow(e), [gen_(s)], (x) => ref.map(x!, (v) => Math.pow(v, e)), { second: true });
  }
}

// ---- unary functions --------------------------------------------------------------------------------
const UNARY: Array<[string, Fn, (s: Shape) => Nested, (v: number) => number]> = [
  ["neg", (x) => x!.neg(), U, (v) => -v],
  ["torch.neg", (x) => torch.neg(x!), U, (v) => -v],
  ["square", (x) => x!.square(), U, (v) => v * v],
  ["torch.square", (x) => torch.square(x!), U, (v) => v * v],
  ["sqrt", (x) => x!.sqrt(), P, Math.sqrt],
  ["exp", (x) => x!.exp(), U, Math.exp],
  ["log", (x) => x!.log(), P, Math.log],
  ["abs", (x) => x!.abs(), A, Math.abs],
  ["sin", (x) => x!.sin(), U, Math.sin],
  ["cos", (x) => x!.cos(), U, Math.cos],
  ["tanh", (x) => x!.tanh(), U, Math.tanh],
  ["sigmoid", (x) => x!.sigmoid(), U, (v) => 1 / (1 + Math.exp(-v))],
  ["relu", (x) => x!.relu(), A, (v) => Math.max(v, 0)],
  ["F.relu", (x) => F.relu(x!), A, (v) => Math.max(v, 0)],
  ["F.tanh", (x) => F.tanh(x!), U, Math.tanh],
  ["F.sigmoid", (x) => F.sigmoid(x!), U, (v) => 1 / (1 + Math.exp(-v))],
  ["rsqrt", (x) => x!.rsqrt(), P, (v) => 1 / Math.sqrt(v)],
  ["reciprocal", (x) => x!.reciprocal(), A, (v) => 1 / v],
  ["expm1", (x) => x!.expm1(), U, (v) => Math.exp(v) - 1],
  ["log1p", (x) => x!.log1p(), P, (v) => Math.log(1 + v)],
  ["torch.log1p", (x) => torch.log1p(x!), Pr, (v) => Math.log(1 + v)],
  ["log2", (x) => x!.log2(), P, (v) => Math.log(v) / Math.log(2)],
  ["log10", (x) => x!.log10(), P, (v) => Math.log(v) / Math.log(10)],
  ["tan", (x) => x!.tan(), O, Math.tan],
  ["asin", (x) => x!.asin(), O, Math.asin],
  ["acos", (x) => x!.acos(), O, Math.acos],
  ["atan", (x) => x!.atan(), U, Math.atan],
  ["sinh", (x) => x!.sinh(), U, (v) => (Math.exp(v) - Math.exp(-v)) / 2],
  ["cosh", (x) => x!.cosh(), U, (v) => (Math.exp(v) + Math.exp(-v)) / 2],
  ["erf", (x) => x!.erf(), U, erfRef],
  ["torch.erf", (x) => torch.erf(x!), U, erfRef],
  ["sign", (x) => x!.sign(), A, Math.sign],
  ["floor", (x) => x!.floor(), NI, Math.floor],
  ["ceil", (x) => x!.ceil(), NI, Math.ceil],
  ["round", (x) => x!.round(), NI, Math.round],
  ["trunc", (x) => x!.trunc(), NI, Math.trunc],
  ["frac", (x) => x!.frac(), NI, (v) => v - Math.trunc(v)],
  ["torch.floor", (x) => torch.floor(x!), NI, Math.floor],
];
/** Every op of the table (engine/ops/table.ts) needs a row above. */
it("has a gradcheck row for every unary op of the op table", () => {
  const rows = new Set(UNARY.map(([n]) => n));
  expect(Object.keys(UNARY_OPS).filter((k) => !rows.has(k))).toEqual([]);
});
for (const [name, fn, g, f] of UNARY) {
  for (const s of SHAPES) add(`${name} ${S(s)}`, fn, [g(s)], (x) => ref.map(x!, f), { second: true });
}
add("composite sin(x)·exp(x) / (1 + x²)", (x) => x!.sin().mul(x!.exp()).div(x!.square().add(1)), [U([3, 4])],
  (x) => ref.map(x!, (v) => (Math.sin(v) * Math.exp(v)) / (1 + v * v)), { second: true });

// ---- reductions --------------------------------------------------------------------------------------
const X3 = [2, 3, 4];
const DIMS: Array<[string, number | number[] | undefined, boolean]> = [
  ["all", undefined, false],
  ["dim 0", 0, false],
  ["dim 1", 1, false],
  ["dim -1", -1, false],
  ["dim 2 keepdim", 2, true],
  ["dim -2 keepdim", -2, true],
  ["dims [0, 2]", [0, 2], false],
  ["dims [0, -1] keepdim", [0, -1], true],
  ["dims [0, 1, 2]", [0, 1, 2], false],
];
for (const [label, dim, keepdim] of DIMS) {
  const sumFn: Fn = dim === undefined ? (x) => x!.sum() : (x) => x!.sum(dim, keepdim);
  const meanFn: Fn = dim === undefined ? (x) => x!.mean() : (x) => x!.mean(dim, keepdim);
  add(`sum ${S(X3)} ${label}`, sumFn, [U(X3)], (x) => ref.sum(x!, dim, keepdim), { second: true });
  add(`mean ${S(X3)} ${label}`, meanFn, [U(X3)], (x) => ref.mean(x!, dim, keepdim), { second: true });
}
for (const s of SMALL_SHAPES) {
  add(`sum ${S(s)} all`, (x) => x!.sum(), [U(s)], (x) => ref.sum(x!));
  add(`mean ${S(s)} all`, (x) => x!.mean(), [U(s)], (x) => ref.mean(x!));
  add(`sum ${S(s)} dim 0`, (x) => x!.sum(0), [U(s)], (x) => ref.sum(x!, 0));
  add(`mean ${S(s)} dim -1 keepdim`, (x) => x!.mean(-1, true), [U(s)], (x) => ref.mean(x!, -1, true));
}
add("torch.sum [3,4] dim 1 keepdim", (x) => torch.sum(x!, 1, true), [U([3, 4])], (x) => ref.sum(x!, 1, true));
add("torch.mean [3,4] dims [0,1]", (x) => torch.mean(x!, [0, 1]), [U([3, 4])], (x) => ref.mean(x!, [0, 1]));

for (const kind of ["max", "min"] as const) {
  const r = kind === "max" ? ref.max : ref.min;
  for (const s of [[], [5], [3, 4], X3]) {
    add(`${kind} ${S(s)} all`, (x) => x![kind](), [D(s)], (x) => r(x!), { second: true });
  }
  const along: Array<[Shape, number, boolean]> = [[[5], 0, false], [[3, 4], 0, false], [[3, 4], 1, true], [[3, 4], -1, false], [X3, 1, false], [X3, -1, true], [[], 0, false]];
  for (const [s, dim, keepdim] of along) {
    add(`${kind} ${S(s)} dim ${dim}${keepdim ? " keepdim" : ""} values`, (x) => x![kind](dim, keepdim).values, [D(s)], (x) => r(x!, dim, keepdim), { second: true });
  }
}

// ---- linear algebra ------------------------------------------------------------------------------------
const MATMUL: Array<[Shape, Shape]> = [
  [[4], [4]],
  [[3, 4], [4]],
  [[4], [4, 5]],
  [[3, 4], [4, 5]],
  [[2, 3, 4], [2, 4, 5]],
  [[2, 3, 4], [4, 5]],
  [[3, 4], [2, 4, 5]],
  [[2, 3, 4], [4]],
  [[4], [2, 4, 5]],
  [[2, 1, 3, 4], [5, 4, 2]],
];
for (const [sa, sb] of MATMUL) {
  add(`matmul ${S(sa)} @ ${S(sb)}`, (a, b) => a!.matmul(b!), [U(sa), U(sb)], (a, b) => ref.matmul(a!, b!), { second: true });
}
add("torch.matmul [3,4] @ [4,2]", (a, b) => torch.matmul(a!, b!), [U([3, 4]), U([4, 2])], (a, b) => ref.matmul(a!, b!));
add("matmul [3,4] @ [4,5], only mat2 requires grad", (a, b) => a!.matmul(b!), [U([3, 4]), U([4, 5])], (a, b) => ref.matmul(a!, b!), { opts: { requiresGrad: [false, true] }, second: true });
add("matmul [2,3,4] @ [4,5], only self requires grad", (a, b) => a!.matmul(b!), [U([2, 3, 4]), U([4, 5])], (a, b) => ref.matmul(a!, b!), { opts: { requiresGrad: [true, false] } });
add("mm [3,4] @ [4,5]", (a, b) => a!.mm(b!), [U([3, 4]), U([4, 5])], (a, b) => ref.matmul(a!, b!), { second: true });
add("mm [1,3] @ [3,1]", (a, b) => a!.mm(b!), [U([1, 3]), U([3, 1])], (a, b) => ref.matmul(a!, b!), { second: true });
add("torch.mm [2,3] @ [3,4], only self requires grad", (a, b) => torch.mm(a!, b!), [U([2, 3]), U([3, 4])], (a, b) => ref.matmul(a!, b!), { opts: { requiresGrad: [true, false] }, second: true });
add("dot [5]·[5]", (a, b) => a!.dot(b!), [U([5]), U([5])], (a, b) => ref.matmul(a!, b!), { second: true });
add("torch.dot [3]·[3]", (a, b) => torch.dot(a!, b!), [U([3]), U([3])], (a, b) => ref.matmul(a!, b!), { second: true });
add("x @ x (same tensor twice) [3,3]", (a) => a!.matmul(a!), [U([3, 3])], (a) => ref.matmul(a!, a!), { second: true });

// ---- shape ops ---------------------------------------------------------------------------------------
const id: Ref = (x) => x!;
add("t [3,4]", (x) => x!.t(), [U([3, 4])], (x) => ref.transpose(x!, 0, 1), { second: true });
add("t [5] (identity)", (x) => x!.t(), [U([5])], id);
add("t [] (identity)", (x) => x!.t(), [U([])], id);
add("T [2,3]", (x) => x!.T, [U([2, 3])], (x) => ref.transpose(x!, 0, 1));
add("transpose [3,4] (0, 1)", (x) => x!.transpose(0, 1), [U([3, 4])], (x) => ref.transpose(x!, 0, 1), { second: true });
add("transpose [2,3,4] (0, 2)", (x) => x!.transpose(0, 2), [U(X3)], (x) => ref.transpose(x!, 0, 2));
add("transpose [2,3,4] (-1, -2)", (x) => x!.transpose(-1, -2), [U(X3)], (x) => ref.transpose(x!, -1, -2));
add("torch.transpose [2,3,4] (1, 0)", (x) => torch.transpose(x!, 1, 0), [U(X3)], (x) => ref.transpose(x!, 1, 0));
add("permute [2,3,4] (2, 0, 1)", (x) => x!.permute(2, 0, 1), [U(X3)], (x) => ref.permute(x!, [2, 0, 1]), { second: true });
add("permute [2,3,4] ([1, 2, 0])", (x) => x!.permute([1, 2, 0]), [U(X3)], (x) => ref.permute(x!, [1, 2, 0]));
add("permute [2,3,4] (-1, 0, 1)", (x) => x!.permute(-1, 0, 1), [U(X3)], (x) => ref.permute(x!, [2, 0, 1]));
add("permute [3,4] (1, 0)", (x) => x!.permute(1, 0), [U([3, 4])], (x) => ref.permute(x!, [1, 0]));
add("reshape [3,4] → (4, 3)", (x) => x!.reshape(4, 3), [U([3, 4])], (x) => ref.reshape(x!, [4, 3]), { second: true });
add("reshape [3,4] → (-1)", (x) => x!.reshape(-1), [U([3, 4])], (x) => ref.reshape(x!, [12]));
add("reshape [3,4] → ([2, -1, 2])", (x) => x!.reshape([2, -1, 2]), [U([3, 4])], (x) => ref.reshape(x!, [2, 3, 2]));
add("reshape [] → (1, 1)", (x) => x!.reshape(1, 1), [U([])], (x) => ref.reshape(x!, [1, 1]));
add("reshape [5] → (5, 1)", (x) => x!.reshape(5, 1), [U([5])], (x) => ref.reshape(x!, [5, 1]));
add("torch.reshape [2,3,4] → [6, 4]", (x) => torch.reshape(x!, [6, 4]), [U(X3)], (x) => ref.reshape(x!, [6, 4]));
add("view [3,4] → (12)", (x) => x!.view(12), [U([3, 4])], (x) => ref.reshape(x!, [12]));
add("view [3,4] → (2, 6)", (x) => x!.view(2, 6), [U([3, 4])], (x) => ref.reshape(x!, [2, 6]));
add("view [3,4] → ([-1, 3])", (x) => x!.view([-1, 3]), [U([3, 4])], (x) => ref.reshape(x!, [4, 3]));
add("flatten [2,3,4]", (x) => x!.flatten(), [U(X3)], (x) => ref.reshape(x!, [24]));
add("flatten []", (x) => x!.flatten(), [U([])], (x) => ref.reshape(x!, [1]));
add("unsqueeze [5] (0)", (x) => x!.unsqueeze(0), [U([5])], (x) => ref.reshape(x!, [1, 5]));
add("unsqueeze [5] (-1)", (x) => x!.unsqueeze(-1), [U([5])], (x) => ref.reshape(x!, [5, 1]));
add("unsqueeze [3,4] (1)", (x) => x!.unsqueeze(1), [U([3, 4])], (x) => ref.reshape(x!, [3, 1, 4]));
add("unsqueeze [] (0)", (x) => x!.unsqueeze(0), [U([])], (x) => ref.reshape(x!, [1]));
add("squeeze [3,1,4,1] ()", (x) => x!.squeeze(), [U([3, 1, 4, 1])], (x) => ref.reshape(x!, [3, 4]));
add("squeeze [3,1,4,1] (1)", (x) => x!.squeeze(1), [U([3, 1, 4, 1])], (x) => ref.reshape(x!, [3, 4, 1]));
add("squeeze [3,1,4,1] (-1)", (x) => x!.squeeze(-1), [U([3, 1, 4, 1])], (x) => ref.reshape(x!, [3, 1, 4]));
add("squeeze [3,1,4,1] (0) (no-op)", (x) => x!.squeeze(0), [U([3, 1, 4, 1])], id);
add("squeeze [1] () → 0-dim", (x) => x!.squeeze(), [U([1])], (x) => ref.reshape(x!, []));
const expandRef = (shape: Shape): Ref => (x) => ref.zip(x!, new ND(shape, new Array<number>(shape.reduce((p, v) => p * v, 1)).fill(0)), (u) => u);
add("expand [4] → (3, 4)", (x) => x!.expand(3, 4), [U([4])], expandRef([3, 4]), { second: true });
add("expand [3,1] → (3, 4)", (x) => x!.expand(3, 4), [U([3, 1])], expandRef([3, 4]));
add("expand [3,1] → (2, 3, 4)", (x) => x!.expand(2, 3, 4), [U([3, 1])], expandRef([2, 3, 4]), { second: true });
add("expand [3,1] → (-1, 5)", (x) => x!.expand(-1, 5), [U([3, 1])], expandRef([3, 5]));
add("expand [] → ([2, 3])", (x) => x!.expand([2, 3]), [U([])], expandRef([2, 3]));
add("expand [1,4] → (1, 4) (same shape)", (x) => x!.expand(1, 4), [U([1, 4])], id);
add("expandAs [3,1] as [3,4]", (x) => x!.expandAs(f64(U([3, 4]))), [U([3, 1])], expandRef([3, 4]));

// ---- indexing ------------------------------------------------------------------------------------------
const M45 = [4, 5];
add("index [4,5] [1]", (x) => x!.index(1), [U(M45)], (x) => ref.select(x!, 0, 1), { second: true });
add("index [4,5] [-1]", (x) => x!.index(-1), [U(M45)], (x) => ref.select(x!, 0, -1));
add("index [4,5] [1, 2]", (x) => x!.index(1, 2), [U(M45)], (x) => ref.select(ref.select(x!, 0, 1), 0, 2));
add("index [5] [3]", (x) => x!.index(3), [U([5])], (x) => ref.select(x!, 0, 3));
add("index [4,5] ['1:3']", (x) => x!.index("1:3"), [U(M45)], (x) => ref.slice(x!, 0, 1, 3), { second: true });
add("index [4,5] ['::2']", (x) => x!.index("::2"), [U(M45)], (x) => ref.slice(x!, 0, undefined, undefined, 2));
add("index [4,5] ['-2:']", (x) => x!.index("-2:"), [U(M45)], (x) => ref.slice(x!, 0, -2));
add("index [4,5] [':', '1:4:2']", (x) => x!.index(":", "1:4:2"), [U(M45)], (x) => ref.slice(x!, 1, 1, 4, 2));
add("index [6] ['1:-1']", (x) => x!.index("1:-1"), [U([6])], (x) => ref.slice(x!, 0, 1, -1));
add("index [4,5] ['...']", (x) => x!.index("..."), [U(M45)], id);
add("index [2,3,4] ['...', 1]", (x) => x!.index("...", 1), [U(X3)], (x) => ref.select(x!, 2, 1));
add("index [2,3,4] [0, '...', '1:']", (x) => x!.index(0, "...", "1:"), [U(X3)], (x) => ref.slice(ref.select(x!, 0, 0), 1, 1));
add("index [4,5] [null]", (x) => x!.index(null), [U(M45)], (x) => ref.reshape(x!, [1, 4, 5]));
add("index [4,5] [':', null]", (x) => x!.index(":", null), [U(M45)], (x) => ref.reshape(x!, [4, 1, 5]));
add("index [4,5] [[2, 0, 2]] (repeated)", (x) => x!.index([2, 0, 2]), [U(M45)], (x) => ref.take(x!, 0, [2, 0, 2]), { second: true });
add("index [4,5] [':', [3, 1]]", (x) => x!.index(":", [3, 1]), [U(M45)], (x) => ref.take(x!, 1, [3, 1]));
add("index [4,5] [[-1, 0]]", (x) => x!.index([-1, 0]), [U(M45)], (x) => ref.take(x!, 0, [3, 0]));
add("index [4,5] [int64 tensor [1, 0]]", (x) => x!.index(i64([1, 0])), [U(M45)], (x) => ref.take(x!, 0, [1, 0]));
add("index [4,5] [int64 tensor [[0, 1], [2, 0]]]", (x) => x!.index(i64([[0, 1], [2, 0]])), [U(M45)], (x) => ref.reshape(ref.take(x!, 0, [0, 1, 2, 0]), [2, 2, 5]));
add("index [2,4,5] [0, '1:3', null, [2, 0]]", (x) => x!.index(0, "1:3", null, [2, 0]), [U([2, 4, 5])],
  (x) => ref.take(ref.reshape(ref.slice(ref.select(x!, 0, 0), 0, 1, 3), [2, 1, 5]), 2, [2, 0]));
add("select [4,5] (0, 1)", (x) => x!.select(0, 1), [U(M45)], (x) => ref.select(x!, 0, 1));
add("select [4,5] (-1, 2)", (x) => x!.select(-1, 2), [U(M45)], (x) => ref.select(x!, 1, 2), { second: true });
add("select [2,3,4] (1, -1)", (x) => x!.select(1, -1), [U(X3)], (x) => ref.select(x!, 1, 2));
add("narrow [4,5] (1, 1, 2)", (x) => x!.narrow(1, 1, 2), [U(M45)], (x) => ref.slice(x!, 1, 1, 3), { second: true });
add("narrow [4,5] (0, -2, 2)", (x) => x!.narrow(0, -2, 2), [U(M45)], (x) => ref.slice(x!, 0, 2, 4));
add("narrow [2,3,4] (-1, 0, 3)", (x) => x!.narrow(-1, 0, 3), [U(X3)], (x) => ref.slice(x!, 2, 0, 3));

// ---- cat and stack --------------------------------------------------------------------------------------
const catRef = (dim: number): Ref => (...xs) => ref.cat(xs, dim);
const stackRef = (dim: number): Ref => (...xs) => ref.stack(xs, dim);
add("cat [2,3] [4,3] dim 0", (a, b) => torch.cat([a!, b!], 0), [U([2, 3]), U([4, 3])], catRef(0), { second: true });
add("cat [2,3] [2,2] [2,1] dim 1", (a, b, c) => torch.cat([a!, b!, c!], 1), [U([2, 3]), U([2, 2]), U([2, 1])], catRef(1), { second: true });
add("cat [2,3] [2,2] dim -1", (a, b) => torch.cat([a!, b!], -1), [U([2, 3]), U([2, 2])], catRef(-1));
add("cat [3] [2] dim 0 (default)", (a, b) => torch.cat([a!, b!]), [U([3]), U([2])], catRef(0));
add("cat [2,2,3] [2,1,3] dim 1", (a, b) => torch.cat([a!, b!], 1), [U([2, 2, 3]), U([2, 1, 3])], catRef(1));
add("cat [2,3] with a constant [1,3] and itself, dim 0", (a) => torch.cat([a!, f64([[1, 2, 3]]), a!], 0), [U([2, 3])], (a) => ref.cat([a!, [[1, 2, 3]], a!], 0));
add("stack [3] [3] dim 0", (a, b) => torch.stack([a!, b!], 0), [U([3]), U([3])], stackRef(0), { second: true });
add("stack [3] [3] dim -1", (a, b) => torch.stack([a!, b!], -1), [U([3]), U([3])], stackRef(-1));
add("stack [2,3] x3 dim 0 (default)", (a, b, c) => torch.stack([a!, b!, c!]), [U([2, 3]), U([2, 3]), U([2, 3])], stackRef(0));
add("stack [2,3] x3 dim 1", (a, b, c) => torch.stack([a!, b!, c!], 1), [U([2, 3]), U([2, 3]), U([2, 3])], stackRef(1), { second: true });
add("stack [2,3] x2 dim 2", (a, b) => torch.stack([a!, b!], 2), [U([2, 3]), U([2, 3])], stackRef(2));
add("stack [] [] [] dim 0", (a, b, c) => torch.stack([a!, b!, c!], 0), [U([]), U([]), U([])], stackRef(0));

// ---- softmax / logSoftmax ---------------------------------------------------------------------------------
const SOFTMAX: Array<[Shape, number]> = [[[5], 0], [[3, 4], 0], [[3, 4], 1], [[3, 4], -1], [X3, 1], [X3, -1], [X3, 0], [[], 0]];
for (const [s, dim] of SOFTMAX) {
  add(`softmax ${S(s)} dim ${dim}`, (x) => x!.softmax(dim), [U(s)], (x) => ref.softmax(x!, dim), { second: true });
  add(`logSoftmax ${S(s)} dim ${dim}`, (x) => x!.logSoftmax(dim), [U(s)], (x) => ref.logSoftmax(x!, dim), { second: true });
}
add("torch.softmax [3,4] dim 1", (x) => torch.softmax(x!, 1), [U([3, 4])], (x) => ref.softmax(x!, 1));
add("torch.logSoftmax [3,4] dim 0", (x) => torch.logSoftmax(x!, 0), [U([3, 4])], (x) => ref.logSoftmax(x!, 0));
add("F.softmax [2,3,4] dim -2", (x) => F.softmax(x!, -2), [U(X3)], (x) => ref.softmax(x!, -2));
add("F.logSoftmax [2,3,4] dim 2", (x) => F.logSoftmax(x!, 2), [U(X3)], (x) => ref.logSoftmax(x!, 2));
add("softmax of large logits [3] (stability)", (x) => x!.softmax(0), [[800, 801, 799]], (x) => ref.softmax(ref.map(x!, (v) => v - 800), 0));

// ---- clamp, where, maximum, minimum ----------------------------------------------------------------------
const B = { avoid: [-0.5, 0.7], margin: 0.1 };
const clampRef = (lo: number, hi: number): Ref => (x) => ref.map(x!, (v) => Math.min(Math.max(v, lo), hi));
for (const s of SMALL_SHAPES) {
  add(`clamp ${S(s)} min -0.5`, (x) => x!.clamp(-0.5), [gen(s, B)], clampRef(-0.5, Infinity), { second: true });
  add(`clamp ${S(s)} max 0.7`, (x) => x!.clamp(undefined, 0.7), [gen(s, B)], clampRef(-Infinity, 0.7), { second: true });
  add(`clamp ${S(s)} min -0.5 max 0.7`, (x) => x!.clamp(-0.5, 0.7), [gen(s, B)], clampRef(-0.5, 0.7), { second: true });
}
add("torch.clamp [3,4] min -0.5 max 0.7", (x) => torch.clamp(x!, -0.5, 0.7), [gen([3, 4], B)], clampRef(-0.5, 0.7));

const COND34 = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]];
const COND31 = [[1], [0], [1]];
const whereRef: Ref = (a, b) => ref.zip3(COND34, a!, b!, (c, u, v) => (c !== 0 ? u : v));
add("where [3,4] cond, [3,4], [3,4]", (a, b) => torch.where(f64(COND34), a!, b!), [U([3, 4]), U([3, 4])], whereRef, { second: true });
add("where [3,4] cond, [4], [3,1] (broadcast)", (a, b) => torch.where(f64(COND34), a!, b!), [U([4]), U([3, 1])], whereRef, { second: true });
add("where [3,1] cond, [3,4], [] (broadcast)", (a, b) => torch.where(f64(COND31), a!, b!), [U([3, 4]), U([])],
  (a, b) => ref.zip3(COND31, a!, b!, (c, u, v) => (c !== 0 ? u : v)));
add("where [3,4] cond, x, 0.5", (a) => torch.where(f64(COND34), a!, 0.5), [U([3, 4])], (a) => ref.zip3(COND34, a!, 0.5, (c, u, v) => (c !== 0 ? u : v)));
add("where [3,4] cond, 2, x", (b) => torch.where(f64(COND34), 2, b!), [U([3, 4])], (b) => ref.zip3(COND34, 2, b!, (c, u, v) => (c !== 0 ? u : v)));
add("x.where(cond, y) [3,4]", (a, b) => a!.where(f64(COND34), b!), [U([3, 4]), U([3, 4])], whereRef);

for (const kind of ["maximum", "minimum"] as const) {
  const f = kind === "maximum" ? Math.max : Math.min;
  for (const [sa, sb] of [[[5], [5]], [[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]], [[], [3, 4]]] as Array<[Shape, Shape]>) {
    add(`${kind} ${S(sa)} with ${S(sb)}`, (a, b) => a![kind](b!), D2(sa, sb), zipRef(f), { second: true });
  }
  add(`torch.${kind} [2,3,4] with [3,1]`, (a, b) => torch[kind](a!, b!), D2(X3, [3, 1]), zipRef(f));
  add(`${kind} [3,4] with number 0.3`, (x) => x![kind](0.3), [gen([3, 4], { avoid: [0.3] })], (x) => ref.map(x!, (v) => f(v, 0.3)));
}

// ---- copies and dtype conversion ---------------------------------------------------------------------------
add("clone [3,4]", (x) => x!.clone(), [U([3, 4])], id, { second: true });
add("clone []", (x) => x!.clone(), [U([])], id);
add("double() of float64 (no-op)", (x) => x!.double(), [U([3, 4])], id);
add("to('float64') of float64 (no-op)", (x) => x!.to("float64"), [U([5])], id);
// float32 loses digits: a larger step and looser tolerances (the forward reference rounds to float32 too).
const f32 = (v: number) => Math.fround(v);
add("to('float32').to('float64') roundtrip [3,4]", (x) => x!.to("float32").to("float64"), [U([3, 4])], (x) => ref.map(x!, f32), { opts: { h: 1e-3, atol: 1e-3, rtol: 1e-3 } });
add("float().double() roundtrip [5]", (x) => x!.float().double(), [U([5])], (x) => ref.map(x!, f32), { opts: { h: 1e-3, atol: 1e-3, rtol: 1e-3 } });
add("to('float32') then mul [3,4]", (x) => x!.to("float32").mul(2), [U([3, 4])], (x) => ref.map(x!, (v) => 2 * f32(v)), { opts: { h: 1e-3, atol: 1e-3, rtol: 1e-3, refTol: 1e-6 } });

// ---- losses ------------------------------------------------------------------------------------------------
const REDUCTIONS = ["mean", "sum", "none"] as const;
for (const reduction of REDUCTIONS) {
  const o = { reduction };
  for (const s of [[5], [3, 4]] as Shape[]) {
    const target = U(s);
    add(`mseLoss ${S(s)} reduction ${reduction}`, (x) => F.mseLoss(x!, f64(target), o), [U(s)],
      (x) => ref.reduction(ref.zip(x!, target, (u, v) => (u - v) ** 2), reduction), { second: true });
  }
  add(`mseLoss [3,4] input and target both require grad, ${reduction}`, (x, t) => F.mseLoss(x!, t!, o), [U([3, 4]), U([3, 4])],
    (x, t) => ref.reduction(ref.zip(x!, t!, (u, v) => (u - v) ** 2), reduction), { second: true });

  const bce = (p: number, t: number) => -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
  for (const s of [[5], [3, 4]] as Shape[]) {
    const target = gen(s, { lo: 0, hi: 1 });
    add(`binaryCrossEntropy ${S(s)} reduction ${reduction}`, (p) => F.binaryCrossEntropy(p!, f64(target), o), [Pr(s)],
      (p) => ref.reduction(ref.zip(p!, target, bce), reduction), { second: true });
  }
  const hard = [[1, 0, 1, 1], [0, 0, 1, 0], [1, 0, 0, 1]];
  add(`binaryCrossEntropy of sigmoid [3,4], 0/1 targets, ${reduction}`, (x) => F.binaryCrossEntropy(x!.sigmoid(), f64(hard), o), [U([3, 4])],
    (x) => ref.reduction(ref.zip(ref.map(x!, (v) => 1 / (1 + Math.exp(-v))), hard, bce), reduction), { second: true });

  const tgt = [2, 0, 1, 2];
  const pick = (lp: ND, t: readonly number[]) => new ND([t.length], t.map((c, i) => -lp.at([i, c])));
  add(`nllLoss [4,3] reduction ${reduction}`, (x) => F.nllLoss(x!, i64(tgt), o), [U([4, 3])],
    (x) => ref.reduction(pick(x!, tgt), reduction), { second: true });
  add(`nllLoss of logSoftmax [4,3], ${reduction}`, (x) => F.nllLoss(x!.logSoftmax(1), i64(tgt), o), [U([4, 3])],
    (x) => ref.reduction(pick(ref.logSoftmax(x!, 1), tgt), reduction), { second: true });
  add(`nllLoss [3] with 0-dim target, ${reduction}`, (x) => F.nllLoss(x!, i64(1), o), [U([3])],
    (x) => ref.reduction(new ND([], [-x!.at([1])]), reduction));
  add(`crossEntropy [4,3] reduction ${reduction}`, (x) => F.crossEntropy(x!, i64(tgt), o), [U([4, 3])],
    (x) => ref.reduction(pick(ref.logSoftmax(x!, 1), tgt), reduction), { second: true });
  add(`crossEntropy [3] with 0-dim target, ${reduction}`, (x) => F.crossEntropy(x!, i64(2), o), [U([3])],
    (x) => ref.reduction(new ND([], [-ref.logSoftmax(x!, 0).at([2])]), reduction), { second: true });
}
add("mseLoss default reduction (mean) [2,3]", (x) => F.mseLoss(x!, f64([[0, 1, 2], [3, 4, 5]])), [U([2, 3])],
  (x) => ref.mean(ref.zip(x!, [[0, 1, 2], [3, 4, 5]], (u, v) => (u - v) ** 2)));
add("crossEntropy default reduction (mean) [2,4]", (x) => F.crossEntropy(x!, i64([3, 0])), [U([2, 4])],
  (x) => new ND([], [-(ref.logSoftmax(x!, 1).at([0, 3]) + ref.logSoftmax(x!, 1).at([1, 0])) / 2]));

const linRef: Ref = (x, w, b) => {
  const y = ref.matmul(x!, ref.transpose(w!, 0, 1));
  return b === undefined ? y : ref.zip(y, b, (u, v) => u + v);
};
add("linear [4,3] weight [2,3] bias [2] (addmm)", (x, w, b) => F.linear(x!, w!, b!), [U([4, 3]), U([2, 3]), U([2])], linRef, { second: true });
add("linear [4,3] weight [2,3] no bias", (x, w) => F.linear(x!, w!), [U([4, 3]), U([2, 3])], linRef, { second: true });
add("linear [3] weight [2,3] bias [2] (1-d input)", (x, w, b) => F.linear(x!, w!, b!), [U([3]), U([2, 3]), U([2])], linRef, { second: true });
add("linear [2,4,3] weight [2,3] bias [2] (batched input)", (x, w, b) => F.linear(x!, w!, b!), [U([2, 4, 3]), U([2, 3]), U([2])], linRef, { second: true });
add("linear [4,3] with constant input, weight and bias require grad", (x, w, b) => F.linear(x!, w!, b!), [U([4, 3]), U([2, 3]), U([2])], linRef,
  { opts: { requiresGrad: [false, true, true] } });
add("two-layer MLP: linear → tanh → linear → crossEntropy", (x, w1, b1, w2) => F.crossEntropy(F.linear(F.linear(x!, w1!, b1!).tanh(), w2!), i64([1, 0, 2])),
  [U([3, 4]), U([5, 4]), U([5]), U([3, 5])], undefined, { second: true });

// ---- the tests ---------------------------------------------------------------------------------------------
const withName = (c: Case): GradCheckOptions => ({ name: c.name, ...(c.ref ? { ref: c.ref } : {}), ...c.opts });

describe("gradcheck: analytic vs central differences", () => {
  it("has unique case names", () => {
    const names = cases.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
  it.each(cases)("$name", (c) => {
    checkGrads(c.fn, c.inputs, withName(c));
  });
});

describe("gradgradcheck: double backward via autograd.grad with createGraph", () => {
  it.each(cases.filter((c) => c.second))("$name", (c) => {
    checkSecondOrder(c.fn, c.inputs, withName(c));
  });
});

// Gradient checks (first and second order) of the reductions and scans of engine/ops/stats.ts and the
// arithmetic forms of engine/ops/arith.ts, one line per op and shape case, each against central
// differences and an independent plain-JS forward reference (test/helpers/gradcheck.ts).
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { checkGrads, checkSecondOrder, generator, ref, ND, type GradCheckOptions, type Nested } from "./helpers/gradcheck";

type Fn = (...xs: Tensor[]) => Tensor;
type Ref = (...xs: ND[]) => ND | Nested;
interface Case {
  name: string;
  fn: Fn;
  inputs: Nested[];
  ref: Ref;
  opts?: GradCheckOptions;
  second?: boolean;
}
type Shape = number[];
const gen = generator(20261204);
const U = (s: Shape) => gen(s);
const D = (s: Shape) => gen(s, { distinct: true, margin: 0.05 });
/** Away from 0 (|v| ≥ 0.25): norms with p ≠ 2, prod. */
const A = (s: Shape) => gen(s, { avoid: [0], margin: 0.25 });
const S = (s: Shape) => `[${s.join(",")}]`;

const cases: Case[] = [];
const add = (name: string, fn: Fn, inputs: Nested[], r: Ref, second = true, opts?: GradCheckOptions) =>
  cases.push({ name, fn, inputs, ref: r, second, ...(opts ? { opts } : {}) });

const sumOf = (v: number[]) => v.reduce((s, t) => s + t, 0);
const meanOf = (v: number[]) => sumOf(v) / v.length;
const varOf = (c: number) => (v: number[]) => sumOf(v.map((t) => (t - meanOf(v)) ** 2)) / (v.length - c);
const lseOf = (v: number[]) => Math.log(sumOf(v.map(Math.exp)));
const pnorm = (p: number) => (v: number[]) =>
  p === Infinity ? Math.max(...v.map(Math.abs)) : p === 1 ? sumOf(v.map(Math.abs)) : sumOf(v.map((t) => Math.abs(t) ** p)) ** (1 / p);

/** Running sum/product along dim (plain loops over the nested data). */
function scanRef(a: ND, dim: number, f: (acc: number, v: number) => number): ND {
  const d = dim < 0 ? dim + a.ndim : dim;
  if (a.ndim === 0) return a;
  let inner = 1;
  for (let i = d + 1; i < a.ndim; i++) inner *= a.shape[i]!;
  const size = a.shape[d]!;
  const out = a.data.slice();
  for (let o = 0; o < a.data.length / (size * inner); o++) {
    for (let i = 0; i < inner; i++) {
      for (let s = 1; s < size; s++) {
        const at = o * size * inner + s * inner + i;
        out[at] = f(out[at - inner]!, a.data[at]!);
      }
    }
  }
  return new ND(a.shape, out);
}

const X3: Shape = [2, 3, 4];
const DIMS: Array<[string, number | number[] | undefined, boolean]> = [
  ["all", undefined, false],
  ["dim 1", 1, false],
  ["dim -1 keepdim", -1, true],
  ["dims [0, 2]", [0, 2], false],
];
for (const [label, dim, keepdim] of DIMS) {
  add(`amax ${S(X3)} ${label}`, (x) => x!.amax(dim, keepdim), [D(X3)], (x) => ref.reduce(x!, dim, keepdim, (v) => Math.max(...v)));
  add(`amin ${S(X3)} ${label}`, (x) => torch.amin(x!, dim, keepdim), [D(X3)], (x) => ref.reduce(x!, dim, keepdim, (v) => Math.min(...v)));
  if (dim !== undefined) add(`logsumexp ${S(X3)} ${label}`, (x) => x!.logsumexp(dim, keepdim), [U(X3)], (x) => ref.reduce(x!, dim, keepdim, lseOf));
  add(`var ${S(X3)} ${label}`, (x) => x!.var(dim, { keepdim }), [U(X3)], (x) => ref.reduce(x!, dim, keepdim, varOf(1)));
  add(`var correction 0 ${S(X3)} ${label}`, (x) => torch.var(x!, dim, { keepdim, correction: 0 }), [U(X3)], (x) => ref.reduce(x!, dim, keepdim, varOf(0)));
  add(`std ${S(X3)} ${label}`, (x) => x!.std(dim, { keepdim }), [U(X3)], (x) => ref.reduce(x!, dim, keepdim, (v) => Math.sqrt(varOf(1)(v))));
  for (const p of [2, 1, 3, Infinity]) {
    add(`norm p=${p} ${S(X3)} ${label}`, (x) => x!.norm(p, dim, keepdim), [p === Infinity ? D(X3) : A(X3)], (x) => ref.reduce(x!, dim, keepdim, pnorm(p)), p !== 1 && p !== Infinity);
  }
}
for (const s of [[], [5], [3, 4]] as Shape[]) {
  add(`amax ${S(s)} all`, (x) => x!.amax(), [D(s)], (x) => ref.reduce(x!, undefined, false, (v) => Math.max(...v)));
  add(`prod ${S(s)} all`, (x) => x!.prod(), [A(s)], (x) => ref.reduce(x!, undefined, false, (v) => v.reduce((p, t) => p * t, 1)));
  add(`logsumexp ${S(s)} dim 0`, (x) => torch.logsumexp(x!, 0), [U(s)], (x) => ref.reduce(x!, s.length ? 0 : undefined, false, lseOf));
  add(`torch.linalg.vectorNorm ${S(s)}`, (x) => torch.linalg.vectorNorm(x!), [U(s)], (x) => ref.reduce(x!, undefined, false, pnorm(2)));
  add(`torch.linalg.norm ${S(s)}`, (x) => torch.linalg.norm(x!), [U(s)], (x) => ref.reduce(x!, undefined, false, pnorm(2)));
  add(`cumsum ${S(s)} dim 0`, (x) => x!.cumsum(0), [U(s)], (x) => scanRef(x!, 0, (a, v) => a + v));
  add(`cumprod ${S(s)} dim 0`, (x) => x!.cumprod(0), [A(s)], (x) => scanRef(x!, 0, (a, v) => a * v));
}
add("prod [2,3,4] dim 1", (x) => x!.prod(1), [A(X3)], (x) => ref.reduce(x!, 1, false, (v) => v.reduce((p, t) => p * t, 1)));
add("prod [2,3,4] dim -1 keepdim", (x) => torch.prod(x!, -1, true), [A(X3)], (x) => ref.reduce(x!, -1, true, (v) => v.reduce((p, t) => p * t, 1)));
add("prod with a zero [2,3] dim 1", (x) => x!.prod(1), [[[0, 1.5, -2], [0.5, 0, 0]]], (x) => ref.reduce(x!, 1, false, (v) => v.reduce((p, t) => p * t, 1)), false);
add("prod with a zero [4] all", (x) => x!.prod(), [[1.5, 0, -2, 0.7]], (x) => ref.reduce(x!, undefined, false, (v) => v.reduce((p, t) => p * t, 1)), false);
add("cumsum [2,3,4] dim 1", (x) => x!.cumsum(1), [U(X3)], (x) => scanRef(x!, 1, (a, v) => a + v));
add("cumsum [2,3,4] dim -1", (x) => torch.cumsum(x!, -1), [U(X3)], (x) => scanRef(x!, -1, (a, v) => a + v));
add("cumprod [2,3,4] dim 2", (x) => x!.cumprod(2), [A(X3)], (x) => scanRef(x!, 2, (a, v) => a * v));
add("cumprod with zeros [5]", (x) => torch.cumprod(x!, 0), [[1.5, 0, -2, 0, 0.7]], (x) => scanRef(x!, 0, (a, v) => a * v), false);

// dist and the binary forms, over broadcasting pairs
const PAIRS: Array<[Shape, Shape]> = [[[], []], [[5], [5]], [[3, 4], [4]], [[3, 1], [1, 4]]];
for (const [sa, sb] of PAIRS) {
  const pair = `${S(sa)} with ${S(sb)}`;
  const diffRef = (p: number) => (a: ND, b: ND) => ref.reduce(ref.zip(a, b, (u, v) => u - v), undefined, false, pnorm(p));
  add(`dist ${pair}`, (a, b) => a!.dist(b!), [U(sa), U(sb)], diffRef(2));
  add(`dist p=1 ${pair}`, (a, b) => torch.dist(a!, b!, 1), [U(sa), U(sb)], diffRef(1), false);
  add(`dist p=3 ${pair}`, (a, b) => torch.dist(a!, b!, 3), [U(sa), U(sb)], diffRef(3));
  add(`rsub tensor ${pair}`, (a, b) => torch.rsub(a!, b!), [U(sa), U(sb)], (a, b) => ref.zip(a, b, (u, v) => v - u));
  add(`rsub alpha 2 ${pair}`, (a, b) => torch.rsub(a!, b!, 2), [U(sa), U(sb)], (a, b) => ref.zip(a, b, (u, v) => v - 2 * u));
  add(`lerp number weight ${pair}`, (a, b) => a!.lerp(b!, 0.3), [U(sa), U(sb)], (a, b) => ref.zip(a, b, (u, v) => u + 0.3 * (v - u)));
  add(`lerp tensor weight ${pair}`, (a, b, w) => torch.lerp(a!, b!, w!), [U(sa), U(sb), U(sb)], (a, b, w) => ref.zip(a, ref.zip(ref.zip(a, b, (u, v) => v - u), w, (d, t) => d * t), (u, dw) => u + dw));
}
for (const s of [[], [5], [3, 4]] as Shape[]) {
  add(`rsub number ${S(s)}`, (x) => torch.rsub(x!, 2.5), [U(s)], (x) => ref.map(x!, (v) => 2.5 - v));
  add(`torch.pow(2, x) ${S(s)}`, (x) => torch.pow(2, x!), [U(s)], (x) => ref.map(x!, (v) => 2 ** v));
  add(`torch.pow(0.5, x) ${S(s)}`, (x) => torch.pow(0.5, x!), [U(s)], (x) => ref.map(x!, (v) => 0.5 ** v));
}

const withName = (c: Case): GradCheckOptions => ({ name: c.name, ref: c.ref, ...c.opts });

describe("gradcheck of the reductions, scans and arithmetic forms", () => {
  it("has unique case names", () => {
    const names = cases.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
  it.each(cases)("$name", (c) => checkGrads(c.fn, c.inputs, withName(c)));
});

describe("gradgradcheck of the reductions, scans and arithmetic forms", () => {
  it.each(cases.filter((c) => c.second))("$name", (c) => checkSecondOrder(c.fn, c.inputs, withName(c)));
});

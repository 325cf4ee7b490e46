// Numeric gradient checking, in the style of HIPS autograd's `check_grads` and tinygrad's
// `helper_test_op`: the analytic gradient from the engine's backward pass is compared with central
// differences of the forward pass, element by element, in float64. Non-scalar outputs are reduced
// by a fixed, seeded random weighting W (the gradient passed to backward is W, which is the same as
// backpropagating `(out * W).sum()` but keeps mul/sum out of the op under test), so every output
// element contributes. Forward values can be checked against an independent plain-JS reference
// (the ND helpers of nd-ref.ts use no engine code).
import { torch, Tensor } from "../../engine/index";
import { nd, ND, numelOf, unravel } from "./nd-ref";

export type Nested = number | readonly Nested[];

export { ND, numelOf, ref, unravel } from "./nd-ref";

// ---- seeded random numbers ------------------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of a string (FNV-1a), used to give each check its own weights. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---- input generators ----------------------------------------------------------------------------

export interface GenOptions {
  /** Range of values (default [-2, 2]). */
  lo?: number;
  hi?: number;
  /** Keep every value at least `margin` away from each of these points (kinks, clamp bounds). */
  avoid?: readonly number[];
  margin?: number;
  /** Make all values pairwise at least `margin` apart (no ties for max/min/maximum). */
  distinct?: boolean;
}

/** A seeded stream of nested-array inputs of given shapes. */
export function generator(seed: number): (shape: readonly number[], opts?: GenOptions) => Nested {
  const r = rng(seed);
  return (shape, opts = {}) => {
    const lo = opts.lo ?? -2, hi = opts.hi ?? 2;
    const margin = opts.margin ?? 0.1;
    const n = numelOf(shape);
    const vals: number[] = [];
    let guard = 0;
    while (vals.length < n) {
      if (++guard > 100_000) throw new Error("generator: cannot satisfy the constraints; widen the range.");
      const v = Math.round((lo + (hi - lo) * r()) * 1e4) / 1e4;
      if (opts.avoid?.some((p) => Math.abs(v - p) < margin)) continue;
      if (opts.distinct && vals.some((u) => Math.abs(u - v) < margin)) continue;
      vals.push(v);
    }
    return new ND(shape, vals).toNested();
  };
}

// ---- the checks ----------------------------------------------------------------------------------------

export interface GradCheckOptions {
  /** Shown in failure messages. */
  name?: string;
  /** Independent forward reference; receives the inputs as ND arrays. */
  ref?: (...xs: ND[]) => ND | Nested;
  /** Which inputs require grad (default: all). Inputs that don't are constants of the op. */
  requiresGrad?: readonly boolean[];
  /** Central-difference step (default 1e-6). */
  h?: number;
  /** Gradient tolerance: |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|). */
  atol?: number;
  rtol?: number;
  /** Forward tolerance (absolute + relative, default 1e-10). */
  refTol?: number;
  /** Seed of the output weighting (default: a hash of the name). */
  seed?: number;
}

interface Mismatch {
  where: string;
  analytic: number;
  numeric: number;
}

const fmtShape = (s: readonly number[]) => `[${s.join(", ")}]`;
const fmtNum = (v: number) => (Number.isFinite(v) ? v.toPrecision(10) : String(v));

function close(a: number, b: number, atol: number, rtol: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

function fail(title: string, list: Mismatch[], total: number): never {
  const shown = list.slice(0, 8).map(
    (m) => `  ${m.where}: analytic ${fmtNum(m.analytic)} vs numeric ${fmtNum(m.numeric)} (diff ${fmtNum(m.analytic - m.numeric)})`,
  );
  const more = list.length > 8 ? [`  … and ${list.length - 8} more`] : [];
  throw new Error([`${title}: ${list.length} of ${total} elements differ`, ...shown, ...more].join("\n"));
}

function leaf(x: ND, requiresGrad: boolean): Tensor {
  return torch.tensor(x.toNested(), { dtype: "float64", requiresGrad });
}

function weights(shape: readonly number[], seed: number): ND {
  const r = rng(seed);
  // |w| in [0.25, 1] with random sign: no output element is (nearly) ignored.
  return new ND(shape, Array.from({ length: numelOf(shape) }, () => (r() < 0.5 ? -1 : 1) * (0.25 + 0.75 * r())));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function withElement(xs: readonly ND[], i: number, j: number, delta: number): ND[] {
  return xs.map((x, k) => {
    if (k !== i) return x;
    const d = x.data.slice();
    d[j]! += delta;
    return new ND(x.shape, d);
  });
}

function elementName(inputIndex: number, x: ND, j: number, what = "input"): string {
  return `${what} ${inputIndex} ${fmtShape(x.shape)} element ${fmtShape(unravel(j, x.shape))}`;
}

/** Check the forward value of `out` against the reference, with shape. */
function checkForward(title: string, out: Tensor, expected: ND | Nested, tol: number): void {
  const e = nd(expected);
  if (out.shape.length !== e.shape.length || out.shape.some((s, i) => s !== e.shape[i])) {
    throw new Error(`${title}: forward shape ${fmtShape(out.shape)}, reference shape ${fmtShape(e.shape)}`);
  }
  const bad: Mismatch[] = [];
  for (let k = 0; k < e.data.length; k++) {
    const v = out._values[k]!;
    if (!close(v, e.data[k]!, tol, tol)) bad.push({ where: `output element ${fmtShape(unravel(k, e.shape))}`, analytic: v, numeric: e.data[k]! });
  }
  if (bad.length > 0) fail(`${title}: forward value differs from the plain-JS reference (engine vs reference)`, bad, e.data.length);
}

function prepare(inputs: readonly Nested[], opts: GradCheckOptions) {
  const xs = inputs.map((v) => ND.from(v));
  const rg = xs.map((_, i) => opts.requiresGrad?.[i] ?? true);
  const name = opts.name ?? "op";
  return {
    xs,
    rg,
    name,
    h: opts.h ?? 1e-6,
    atol: opts.atol ?? 1e-6,
    rtol: opts.rtol ?? 1e-5,
    seed: opts.seed ?? hashString(name),
  };
}

function checkOutput(title: string, out: unknown, anyGrad: boolean): asserts out is Tensor {
  if (!(out instanceof Tensor)) throw new Error(`${title}: fn must return a Tensor, got ${typeof out}`);
  if (anyGrad && !out.requiresGrad) throw new Error(`${title}: the output does not require grad (no graph was recorded)`);
}

/**
 * First-order check. Builds float64 leaves from `inputs`, runs `fn`, backpropagates a seeded
 * random weighting W of the output and compares every element of every input's `.grad` with the
 * central difference of Σ W·fn(...) (h = 1e-6). Throws with op, input, element, analytic vs numeric.
 */
export function checkGrads(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Nested[], opts: GradCheckOptions = {}): void {
  const { xs, rg, name, h, atol, rtol, seed } = prepare(inputs, opts);
  const title = `gradcheck ${name}`;
  const leaves = xs.map((x, i) => leaf(x, rg[i]!));
  const out = fn(...leaves);
  checkOutput(title, out, rg.some(Boolean));
  if (out.dtype !== "float64" && opts.h === undefined) {
    throw new Error(`${title}: output dtype is ${out.dtype}; central differences need float64 (or pass a larger h)`);
  }
  if (opts.ref) checkForward(title, out, opts.ref(...xs), opts.refTol ?? 1e-10);

  const W = weights(out.shape, seed);
  const forwardSum = (ys: readonly ND[]): number =>
    torch.noGrad(() => {
      const o = fn(...ys.map((y, i) => leaf(y, rg[i]!)));
      return dot(o._values, W.data);
    });

  out.backward(torch.tensor(W.toNested(), { dtype: out.dtype }));

  const bad: Mismatch[] = [];
  let total = 0;
  xs.forEach((x, i) => {
    if (!rg[i]) return;
    const g = leaves[i]!.grad;
    if (g !== undefined) {
      if (g.shape.length !== x.ndim || g.shape.some((s, k) => s !== x.shape[k])) {
        throw new Error(`${title}: input ${i} has shape ${fmtShape(x.shape)} but its .grad has shape ${fmtShape(g.shape)}`);
      }
      if (g.dtype !== "float64") throw new Error(`${title}: input ${i} is float64 but its .grad is ${g.dtype}`);
    }
    for (let j = 0; j < x.data.length; j++) {
      total++;
      const analytic = g === undefined ? 0 : g._values[j]!;
      const numeric = (forwardSum(withElement(xs, i, j, h)) - forwardSum(withElement(xs, i, j, -h))) / (2 * h);
      if (!close(analytic, numeric, atol, rtol)) bad.push({ where: elementName(i, x, j), analytic, numeric });
    }
  });
  if (bad.length > 0) fail(`${title}: gradient mismatch`, bad, total);
}

/**
 * Second-order check (like PyTorch's gradgradcheck). First gradients g_i = ∂(Σ W·out)/∂x_i are
 * taken with `torch.autograd.grad(out, xs, { createGraph: true, gradOutputs: [W] })`, where W itself
 * is a leaf requiring grad; then s = Σ_i <g_i, V_i> (V_i seeded) is differentiated again w.r.t. every
 * x_i and W, and compared with central differences of s computed from plain first-order gradients.
 * Also checks that the createGraph first gradients equal the plain ones (the two code paths differ).
 */
export function checkSecondOrder(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Nested[], opts: GradCheckOptions = {}): void {
  const { xs, rg, name, h, atol, rtol, seed } = prepare(inputs, opts);
  const title = `gradgradcheck ${name}`;
  const gradIdx = xs.map((_, i) => i).filter((i) => rg[i]);

  const leaves = xs.map((x, i) => leaf(x, rg[i]!));
  const out = fn(...leaves);
  checkOutput(title, out, true);
  const W0 = weights(out.shape, seed);
  const V = gradIdx.map((i, k) => weights(xs[i]!.shape, seed + 7919 * (k + 1)));

  /** Plain first-order gradients at (ys, w), no createGraph: Σ_k <g_k, V_k>, plus the gradients. */
  const firstOrder = (ys: readonly ND[], w: ND): { s: number; grads: Array<Tensor | undefined> } => {
    const ls = ys.map((y, i) => leaf(y, rg[i]!));
    const o = fn(...ls);
    const grads = torch.autograd.grad(o, gradIdx.map((i) => ls[i]!), {
      gradOutputs: [torch.tensor(w.toNested(), { dtype: o.dtype })],
      allowUnused: true,
    });
    let s = 0;
    grads.forEach((g, k) => {
      if (g !== undefined) s += dot(g._values, V[k]!.data);
    });
    return { s, grads };
  };

  const Wleaf = leaf(W0, true);
  const first = torch.autograd.grad(out, gradIdx.map((i) => leaves[i]!), { createGraph: true, gradOutputs: [Wleaf], allowUnused: true });

  // The createGraph path computes the first gradients with differentiable ops; they must agree.
  const plain = firstOrder(xs, W0).grads;
  const firstBad: Mismatch[] = [];
  let firstTotal = 0;
  first.forEach((g, k) => {
    const x = xs[gradIdx[k]!]!;
    for (let j = 0; j < x.data.length; j++) {
      firstTotal++;
      const a = g === undefined ? 0 : g._values[j]!;
      const p = plain[k] === undefined ? 0 : plain[k]!._values[j]!;
      if (!close(a, p, 1e-12, 1e-10)) firstBad.push({ where: elementName(gradIdx[k]!, x, j, "first gradient of input"), analytic: a, numeric: p });
    }
  });
  if (firstBad.length > 0) fail(`${title}: createGraph first gradient (analytic) differs from the plain one (numeric column)`, firstBad, firstTotal);

  // Differentiate s = Σ <g_k, V_k> w.r.t. [...inputs, W].
  const vars = [...gradIdx.map((i) => leaves[i]!), Wleaf];
  const diffOuts: Tensor[] = [];
  const diffGrads: Tensor[] = [];
  first.forEach((g, k) => {
    if (g !== undefined && g.requiresGrad) {
      diffOuts.push(g);
      diffGrads.push(torch.tensor(V[k]!.toNested(), { dtype: g.dtype }));
    }
  });
  const second: Array<Tensor | undefined> =
    diffOuts.length === 0 ? vars.map(() => undefined) : torch.autograd.grad(diffOuts, vars, { gradOutputs: diffGrads, allowUnused: true });

  const bad: Mismatch[] = [];
  let total = 0;
  const compare = (g: Tensor | undefined, x: ND, label: string, perturb: (j: number, d: number) => number) => {
    if (g !== undefined && (g.shape.length !== x.ndim || g.shape.some((s, k) => s !== x.shape[k]))) {
      throw new Error(`${title}: second gradient of ${label} has shape ${fmtShape(g.shape)}, expected ${fmtShape(x.shape)}`);
    }
    for (let j = 0; j < x.data.length; j++) {
      total++;
      const analytic = g === undefined ? 0 : g._values[j]!;
      const numeric = (perturb(j, h) - perturb(j, -h)) / (2 * h);
      if (!close(analytic, numeric, atol, rtol)) bad.push({ where: `${label} ${fmtShape(x.shape)} element ${fmtShape(unravel(j, x.shape))}`, analytic, numeric });
    }
  };
  gradIdx.forEach((i, k) => compare(second[k], xs[i]!, `input ${i}`, (j, d) => firstOrder(withElement(xs, i, j, d), W0).s));
  compare(second[gradIdx.length], W0, "grad_output W", (j, d) => firstOrder(xs, withElement([W0], 0, j, d)[0]!).s);
  if (bad.length > 0) fail(`${title}: second-order gradient mismatch`, bad, total);
}

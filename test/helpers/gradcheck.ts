// Numeric gradient checking, in the style of HIPS autograd's `check_grads` and tinygrad's
// `helper_test_op`: the analytic gradient from the engine's backward pass is compared with central
// differences of the forward pass, element by element, in float64. Non-scalar outputs are reduced
// by a fixed, seeded random weighting W (the gradient passed to backward is W, which is the same as
// backpropagating `(out * W).sum()` but keeps mul/sum out of the op under test), so every output
// element contributes. Forward values can be checked against an independent plain-JS reference
// (the ND helpers below use no engine code).
import { torch, Tensor } from "../../engine/index";
import { stridesOf } from "../../engine/shape";

export type Nested = number | readonly Nested[];

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

// ---- plain-JS n-d arrays for forward references ------------------------------------------------------

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}


/** Multi-index of a flat position. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

/** A row-major n-d array of plain numbers; the reference implementations work on these. */
export class ND {
  constructor(
    readonly shape: readonly number[],
    readonly data: readonly number[],
  ) {
    if (numelOf(shape) !== data.length) throw new Error(`ND: shape [${shape.join(", ")}] does not match ${data.length} values.`);
  }
  static from(x: Nested): ND {
    const shape: number[] = [];
    let cur: Nested = x;
    while (Array.isArray(cur)) {
      shape.push(cur.length);
      cur = (cur as readonly Nested[])[0]!;
    }
    const data: number[] = [];
    const walk = (v: Nested, d: number) => {
      if (d === shape.length) {
        if (typeof v !== "number") throw new Error("ND.from: ragged nested array.");
        data.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[d]) throw new Error("ND.from: ragged nested array.");
      for (const c of v as readonly Nested[]) walk(c, d + 1);
    };
    walk(x, 0);
    return new ND(shape, data);
  }
  get ndim(): number {
    return this.shape.length;
  }
  at(idx: readonly number[]): number {
    return this.data[ravel(idx, this.shape)]!;
  }
  toNested(): Nested {
    const build = (d: number, off: number): Nested => {
      if (d === this.shape.length) return this.data[off]!;
      const inner = numelOf(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d]! }, (_, i) => build(d + 1, off + i * inner));
    };
    return build(0, 0);
  }
}

const nd = (x: ND | Nested): ND => (x instanceof ND ? x : ND.from(x));
const normDim = (d: number, n: number): number => (d < 0 ? d + Math.max(n, 1) : d);

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[i - (n - a.length)] ?? 1;
    const db = b[i - (n - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`ref: cannot broadcast [${a.join(", ")}] with [${b.join(", ")}].`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Value of `a` at output multi-index `idx` of a broadcast result (trailing alignment, size-1 dims repeat). */
function atBroadcast(a: ND, idx: readonly number[]): number {
  const off = idx.length - a.ndim;
  const own = a.shape.map((s, d) => (s === 1 ? 0 : idx[d + off]!));
  return a.at(own);
}

/** Independent reference implementations (no engine code) for forward values. */
export const ref = {
  nd,
  map(a: ND | Nested, f: (v: number) => number): ND {
    const x = nd(a);
    return new ND(x.shape, x.data.map(f));
  },
  /** Elementwise with NumPy broadcasting. */
  zip(a: ND | Nested, b: ND | Nested, f: (u: number, v: number) => number): ND {
    const x = nd(a), y = nd(b);
    const shape = broadcastShape(x.shape, y.shape);
    const data = Array.from({ length: numelOf(shape) }, (_, k) => {
      const idx = unravel(k, shape);
      return f(atBroadcast(x, idx), atBroadcast(y, idx));
    });
    return new ND(shape, data);
  },
  zip3(c: ND | Nested, a: ND | Nested, b: ND | Nested, f: (c: number, u: number, v: number) => number): ND {
    const z = nd(c), x = nd(a), y = nd(b);
    const shape = broadcastShape(broadcastShape(z.shape, x.shape), y.shape);
    const data = Array.from({ length: numelOf(shape) }, (_, k) => {
      const idx = unravel(k, shape);
      return f(atBroadcast(z, idx), atBroadcast(x, idx), atBroadcast(y, idx));
    });
    return new ND(shape, data);
  },
  /** Reduce over `dims` (all when undefined) with f applied to each group of values. */
  reduce(a: ND | Nested, dims: number | readonly number[] | undefined, keepdim: boolean, f: (vals: number[]) => number): ND {
    const x = nd(a);
    const list = dims === undefined ? x.shape.map((_, i) => i) : (typeof dims === "number" ? [dims] : dims).map((d) => normDim(d, x.ndim));
    const keepShape = x.shape.map((s, i) => (list.includes(i) ? 1 : s));
    const groups: number[][] = Array.from({ length: numelOf(keepShape) }, () => []);
    for (let k = 0; k < x.data.length; k++) {
      const idx = unravel(k, x.shape).map((v, i) => (list.includes(i) ? 0 : v));
      groups[ravel(idx, keepShape)]!.push(x.data[k]!);
    }
    const shape = keepdim ? keepShape : x.shape.filter((_, i) => !list.includes(i));
    return new ND(shape, groups.map(f));
  },
  sum(a: ND | Nested, dims?: number | readonly number[], keepdim = false): ND {
    return ref.reduce(a, dims, keepdim, (v) => v.reduce((s, t) => s + t, 0));
  },
  mean(a: ND | Nested, dims?: number | readonly number[], keepdim = false): ND {
    return ref.reduce(a, dims, keepdim, (v) => v.reduce((s, t) => s + t, 0) / v.length);
  },
  max(a: ND | Nested, dims?: number | readonly number[], keepdim = false): ND {
    return ref.reduce(a, dims, keepdim, (v) => Math.max(...v));
  },
  min(a: ND | Nested, dims?: number | readonly number[], keepdim = false): ND {
    return ref.reduce(a, dims, keepdim, (v) => Math.min(...v));
  },
  permute(a: ND | Nested, perm: readonly number[]): ND {
    const x = nd(a);
    const p = perm.map((d) => normDim(d, x.ndim));
    const shape = p.map((d) => x.shape[d]!);
    const data = Array.from({ length: x.data.length }, (_, k) => {
      const o = unravel(k, shape);
      const src = new Array<number>(x.ndim);
      p.forEach((d, i) => (src[d] = o[i]!));
      return x.at(src);
    });
    return new ND(shape, data);
  },
  transpose(a: ND | Nested, d0: number, d1: number): ND {
    const x = nd(a);
    const perm = x.shape.map((_, i) => i);
    const a0 = normDim(d0, x.ndim), a1 = normDim(d1, x.ndim);
    perm[a0] = a1;
    perm[a1] = a0;
    return ref.permute(x, perm);
  },
  reshape(a: ND | Nested, shape: readonly number[]): ND {
    const x = nd(a);
    const known = shape.filter((s) => s !== -1).reduce((p, s) => p * s, 1);
    return new ND(shape.map((s) => (s === -1 ? x.data.length / known : s)), x.data);
  },
  /** out = a with its values read at `index` along `dim` (the dim is kept, sized index.length). */
  take(a: ND | Nested, dim: number, index: readonly number[]): ND {
    const x = nd(a);
    const d = normDim(dim, x.ndim);
    const shape = x.shape.slice();
    shape[d] = index.length;
    const data = Array.from({ length: numelOf(shape) }, (_, k) => {
      const idx = unravel(k, shape);
      const i = index[idx[d]!]!;
      idx[d] = i < 0 ? i + x.shape[d]! : i;
      return x.at(idx);
    });
    return new ND(shape, data);
  },
  select(a: ND | Nested, dim: number, i: number): ND {
    const x = nd(a);
    const d = normDim(dim, x.ndim);
    const t = ref.take(x, d, [i]);
    return new ND(x.shape.filter((_, k) => k !== d), t.data);
  },
  /** Python slice start:end:step along dim. */
  slice(a: ND | Nested, dim: number, start?: number, end?: number, step = 1): ND {
    const x = nd(a);
    const n = x.shape[normDim(dim, x.ndim)]!;
    const c = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const idx: number[] = [];
    for (let i = start === undefined ? 0 : c(start); i < (end === undefined ? n : c(end)); i += step) idx.push(i);
    return ref.take(x, dim, idx);
  },
  cat(list: ReadonlyArray<ND | Nested>, dim: number): ND {
    const xs = list.map(nd);
    const d = normDim(dim, xs[0]!.ndim);
    const shape = xs[0]!.shape.slice();
    shape[d] = xs.reduce((s, x) => s + x.shape[d]!, 0);
    const data = Array.from({ length: numelOf(shape) }, (_, k) => {
      const idx = unravel(k, shape);
      let i = idx[d]!;
      for (const x of xs) {
        if (i < x.shape[d]!) {
          idx[d] = i;
          return x.at(idx);
        }
        i -= x.shape[d]!;
      }
      throw new Error("ref.cat: out of range");
    });
    return new ND(shape, data);
  },
  stack(list: ReadonlyArray<ND | Nested>, dim: number): ND {
    const xs = list.map(nd);
    const d = normDim(dim, xs[0]!.ndim + 1);
    return ref.cat(
      xs.map((x) => {
        const s = x.shape.slice();
        s.splice(d, 0, 1);
        return new ND(s, x.data);
      }),
      d,
    );
  },
  /** torch.matmul semantics: 1-d operands are promoted and the added dim removed; batch dims broadcast. */
  matmul(a: ND | Nested, b: ND | Nested): ND {
    const x = nd(a), y = nd(b);
    const A = x.ndim === 1 ? new ND([1, x.shape[0]!], x.data) : x;
    const B = y.ndim === 1 ? new ND([y.shape[0]!, 1], y.data) : y;
    const n = A.shape[A.ndim - 2]!, m = A.shape[A.ndim - 1]!, p = B.shape[B.ndim - 1]!;
    if (B.shape[B.ndim - 2] !== m) throw new Error("ref.matmul: inner sizes differ.");
    const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
    const shape = [...batch, n, p];
    const data = Array.from({ length: numelOf(shape) }, (_, k) => {
      const idx = unravel(k, shape);
      const bi = idx.slice(0, batch.length);
      const i = idx[batch.length]!, j = idx[batch.length + 1]!;
      let s = 0;
      for (let q = 0; q < m; q++) s += atBroadcast(A, [...bi, i, q]) * atBroadcast(B, [...bi, q, j]);
      return s;
    });
    const out = shape.slice();
    if (y.ndim === 1) out.splice(out.length - 1, 1);
    if (x.ndim === 1) out.splice(out.length - (y.ndim === 1 ? 1 : 2), 1);
    return new ND(out, data);
  },
  /** Apply f to every line along `dim` (f returns a line of the same length). */
  alongDim(a: ND | Nested, dim: number, f: (line: number[]) => number[]): ND {
    const x = nd(a);
    if (x.ndim === 0) return new ND([], f([x.data[0]!]));
    const d = normDim(dim, x.ndim);
    const out = new Array<number>(x.data.length);
    const st = stridesOf(x.shape)[d]!;
    const n = x.shape[d]!;
    for (let k = 0; k < x.data.length; k++) {
      if (unravel(k, x.shape)[d] !== 0) continue;
      const line = Array.from({ length: n }, (_, i) => x.data[k + i * st]!);
      f(line).forEach((v, i) => (out[k + i * st] = v));
    }
    return new ND(x.shape, out);
  },
  softmax(a: ND | Nested, dim: number): ND {
    return ref.alongDim(a, dim, (l) => {
      const e = l.map((v) => Math.exp(v));
      const z = e.reduce((s, v) => s + v, 0);
      return e.map((v) => v / z);
    });
  },
  logSoftmax(a: ND | Nested, dim: number): ND {
    return ref.alongDim(a, dim, (l) => {
      const z = Math.log(l.reduce((s, v) => s + Math.exp(v), 0));
      return l.map((v) => v - z);
    });
  },
  /** Apply a loss reduction ("none" keeps the shape). */
  reduction(a: ND, reduction: "mean" | "sum" | "none"): ND {
    if (reduction === "none") return a;
    const s = a.data.reduce((p, v) => p + v, 0);
    return new ND([], [reduction === "mean" ? s / a.data.length : s]);
  },
};

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

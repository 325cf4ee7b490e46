// Plain-JS n-d arrays and forward references for the gradient checks: the ops computed with no
// engine code, so a forward value checked against them is checked independently.
import { stridesOf } from "../../engine/shape";
import type { Nested } from "./gradcheck";

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

export const nd = (x: ND | Nested): ND => (x instanceof ND ? x : ND.from(x));
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

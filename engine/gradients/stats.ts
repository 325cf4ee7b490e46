// Derivatives of the reductions and scans of ops/stats.ts, in tensor ops (so double backward works)
// except where an input has exact zeros for prod/cumprod (then the products of the other elements
// are computed directly, as constants: first-order exact, not differentiable again there).
import { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";
import { allocate } from "../dtype";

type Dims = { dims: readonly number[]; keepdim: boolean };
const dimsText = (dims: readonly number[]) => (dims.length === 1 ? `dim ${dims[0]}` : `dims [${dims.join(", ")}]`);

/** A reduced tensor made broadcastable against self again (the dims keepdim dropped put back as 1). */
function unreduce(t: Tensor, self: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || self.shape.length === 0) return t;
  return t.reshape(self.shape.map((s, i) => (dims.includes(i) ? 1 : s)));
}

function evenly(name: string, word: string): GradientSpec<{ self: Tensor; result: Tensor } & Dims> {
  return {
    name,
    inputs: ["self"],
    formulas: (s) => [`grad / (number of ${word}s) where self = result over ${dimsText(s.dims)}, 0 elsewhere`],
    gradFunc: (g, s) => {
      const x = s.self;
      const m = x.eq(unreduce(s.result, x, s.dims, s.keepdim)).to(x.dtype);
      const count = x.shape.length === 0 ? m : m.sum(s.dims, true);
      return [unreduce(g, x, s.dims, s.keepdim).mul(m).div(count)];
    },
  };
}

export const AmaxBackward0 = evenly("AmaxBackward0", "maximum");
export const AminBackward0 = evenly("AminBackward0", "minimum");

export const LogsumexpBackward0: GradientSpec<{ self: Tensor; result: Tensor } & Dims> = {
  name: "LogsumexpBackward0",
  inputs: ["self"],
  formulas: ["grad · exp(self − result)"],
  gradFunc: (g, s) => [unreduce(g, s.self, s.dims, s.keepdim).mul(s.self.sub(unreduce(s.result, s.self, s.dims, s.keepdim)).exp())],
};

type VarSaved = { self: Tensor; result: Tensor; correction: number; n: number } & Dims;

const centered = (s: VarSaved): Tensor => (s.self.shape.length === 0 ? s.self.sub(s.self) : s.self.sub(s.self.mean(s.dims, true)));

export const VarBackward0: GradientSpec<VarSaved> = {
  name: "VarBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad · 2 · (self − mean) / ${s.n - s.correction}`],
  gradFunc: (g, s) => [unreduce(g, s.self, s.dims, s.keepdim).mul(centered(s)).mul(2 / (s.n - s.correction))],
};

export const StdBackward0: GradientSpec<VarSaved> = {
  name: "StdBackward0",
  inputs: ["self"],
  formulas: (s) => [`grad · (self − mean) / (${s.n - s.correction} · result)`],
  gradFunc: (g, s) => [unreduce(g, s.self, s.dims, s.keepdim).mul(centered(s)).div(unreduce(s.result, s.self, s.dims, s.keepdim).mul(s.n - s.correction))],
};

/** Per element, the product of the other elements of its line along `dim` (all elements when dim is null). */
function othersProduct(x: Tensor, dim: number | null): Tensor {
  const v = x._values;
  const n = v.length;
  const size = dim === null || x.shape.length === 0 ? n : x.shape[dim]!;
  let inner = 1;
  if (dim !== null) for (let i = dim + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  const out = allocate(x.dtype, n);
  const outer = size * inner === 0 ? 0 : n / (size * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (s: number) => o * size * inner + s * inner + i;
      for (let s = 0; s < size; s++) {
        let p = 1;
        for (let k = 0; k < size; k++) if (k !== s) p *= v[at(k)]!;
        out[at(s)] = p;
      }
    }
  }
  return new Tensor(out, x.shape, x.dtype);
}

const hasZero = (x: Tensor): boolean => x._values.includes(0);

export const ProdBackward0: GradientSpec<{ self: Tensor; result: Tensor }> = {
  name: "ProdBackward0",
  inputs: ["self"],
  formulas: ["grad · result / self (the product of the other elements)"],
  gradFunc: (g, s) => [hasZero(s.self) ? g.mul(othersProduct(s.self, null)) : g.mul(s.result).div(s.self)],
};

export const ProdBackward1: GradientSpec<{ self: Tensor; result: Tensor } & Dims> = {
  name: "ProdBackward1",
  inputs: ["self"],
  formulas: (s) => [`grad · result / self (the product of the other elements along dim ${s.dims[0]})`],
  gradFunc: (g, s) => {
    const gu = unreduce(g, s.self, s.dims, s.keepdim);
    if (hasZero(s.self)) return [gu.mul(othersProduct(s.self, s.dims[0] ?? null))];
    return [gu.mul(unreduce(s.result, s.self, s.dims, s.keepdim)).div(s.self)];
  },
};

/** Σ_{j ≥ i} g_j along dim (the adjoint of cumsum), in differentiable ops. */
function reverseCumsum(g: Tensor, dim: number): Tensor {
  if (g.shape.length === 0) return g;
  return g.sum(dim, true).sub(g.cumsum(dim)).add(g);
}

export const CumsumBackward0: GradientSpec<{ dim: number }> = {
  name: "CumsumBackward0",
  inputs: ["self"],
  formulas: (s) => [`reverse cumulative sum of grad along dim ${s.dim}`],
  gradFunc: (g, s) => [reverseCumsum(g, s.dim)],
};

/** grad_i = Σ_{j ≥ i} g_j · Π_{k ≤ j, k ≠ i} x_k, directly (inputs with zeros). */
function cumprodGradDirect(g: Tensor, x: Tensor, dim: number): Tensor {
  const v = x._values, gv = g._values;
  const size = x.shape.length === 0 ? 1 : x.shape[dim]!;
  let inner = 1;
  for (let i = dim + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  const out = allocate(g.dtype, v.length);
  const outer = size * inner === 0 ? 0 : v.length / (size * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (s: number) => o * size * inner + s * inner + i;
      for (let s = 0; s < size; s++) {
        let acc = 0;
        let p = 1;
        for (let k = 0; k < s; k++) p *= v[at(k)]!;
        for (let j = s; j < size; j++) {
          if (j > s) p *= v[at(j)]!;
          acc += gv[at(j)]! * p;
        }
        out[at(s)] = acc;
      }
    }
  }
  return new Tensor(out, x.shape, g.dtype);
}

export const CumprodBackward0: GradientSpec<{ self: Tensor; result: Tensor; dim: number }> = {
  name: "CumprodBackward0",
  inputs: ["self"],
  formulas: (s) => [`reverse cumulative sum of grad · result along dim ${s.dim}, / self`],
  gradFunc: (g, s) => [hasZero(s.self) ? cumprodGradDirect(g, s.self, s.dim) : reverseCumsum(g.mul(s.result), s.dim).div(s.self)],
};

/** The gradient of ‖x‖_p (over dims) for grad g, both unreduced. */
function normGrad(g: Tensor, x: Tensor, r: Tensor, p: number, dims: readonly number[]): Tensor {
  if (p === 0) return x.mul(0);
  if (p === 1) return g.mul(x.sign());
  if (p === Infinity || p === -Infinity) {
    const m = x.abs().eq(r).to(x.dtype);
    const count = x.shape.length === 0 ? m : m.sum(dims, true);
    return g.mul(x.sign()).mul(m).div(count);
  }
  // grad · self · |self|^(p−2) / result^(p−1), 0 where the norm is 0.
  const scale = g.div(p === 2 ? r : r.pow(p - 1)).where(r.ne(0), 0);
  return p === 2 ? x.mul(scale) : x.mul(x.abs().pow(p - 2)).mul(scale);
}

const pText = (p: number): string => (p === Infinity ? "∞" : p === -Infinity ? "−∞" : String(p));

export const LinalgVectorNormBackward0: GradientSpec<{ self: Tensor; result: Tensor; p: number } & Dims> = {
  name: "LinalgVectorNormBackward0",
  inputs: ["self"],
  formulas: (s) => [
    s.p === 2 ? "grad · self / result" : s.p === 1 ? "grad · sgn(self)" : s.p === 0 ? "0" : `∂‖self‖_${pText(s.p)} · grad`,
  ],
  gradFunc: (g, s) => {
    const x = s.self;
    const dims = x.shape.length === 0 ? [] : s.dims;
    return [normGrad(unreduce(g, x, dims, s.keepdim), x, unreduce(s.result, x, dims, s.keepdim), s.p, dims)];
  },
};

export const DistBackward0: GradientSpec<{ self: Tensor; other: Tensor; result: Tensor; p: number }> = {
  name: "DistBackward0",
  inputs: ["self", "other"],
  formulas: (s) => (s.p === 2 ? ["grad · (self − other) / result", "−grad · (self − other) / result"] : [`∂‖self − other‖_${pText(s.p)} · grad`, "−(the same)"]),
  gradFunc: (g, s, needs) => {
    const d = s.self.sub(s.other);
    const gd = normGrad(g, d, s.result, s.p, d.shape.map((_, i) => i));
    return [needs[0] ? gd : null, needs[1] ? gd.neg() : null];
  },
};

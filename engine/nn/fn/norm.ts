// layerNorm and batchNorm (one node each: NativeLayerNormBackward0, NativeBatchNormBackward0, whose
// gradients are written with ordinary ops so they differentiate again), normalize and
// cosineSimilarity (composites around a vector norm, LinalgVectorNormBackward0).
import { Tensor } from "../../tensor";
import { allocate } from "../../dtype";
import { broadcastShapes, formatShape, normalizeDim, shapeEquals } from "../../shape";
import { record } from "../../autograd/record";
import type { GradientSpec } from "../../autograd/node";
import { withGradMode } from "../../grad_mode";
import { expand } from "../../ops/shape_ops";
import { checkFloat, checkNumber, checkTensor } from "../util";

interface NormSaved {
  input: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  /** Dims the statistics are taken over. */
  dims: number[];
  /** Shape weight and bias are viewed as to broadcast against the input. */
  paramShape: number[];
  /** Dims weight and bias are broadcast along (their gradients are summed over them). */
  paramDims: number[];
  eps: number;
  /** Eval-mode batch norm: the running statistics (constants) instead of the batch's. */
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

function normGrad(g: Tensor, s: NormSaved, needs: readonly boolean[]): Array<Tensor | null> {
  const x = s.input;
  let xhat: Tensor, rstd: Tensor, fixed = false;
  if (s.runningMean !== null && s.runningVar !== null) {
    rstd = s.runningVar.reshape(s.paramShape).add(s.eps).pow(-0.5);
    xhat = x.sub(s.runningMean.reshape(s.paramShape)).mul(rstd);
    fixed = true;
  } else {
    const xc = x.sub(x.mean(s.dims, true));
    rstd = xc.mul(xc).mean(s.dims, true).add(s.eps).pow(-0.5);
    xhat = xc.mul(rstd);
  }
  const w = s.weight === null ? null : s.weight.reshape(s.paramShape);
  let gx: Tensor | null = null;
  if (needs[0]) {
    const gy = w === null ? g : g.mul(w);
    gx = fixed ? gy.mul(rstd) : rstd.mul(gy.sub(gy.mean(s.dims, true)).sub(xhat.mul(gy.mul(xhat).mean(s.dims, true))));
  }
  // weight / bias: summed over every dim they are broadcast along.
  const gw = needs[1] && s.weight !== null ? reduceTo(g.mul(xhat), s.paramDims, s.weight.shape) : null;
  const gb = needs[2] && s.bias !== null ? reduceTo(g, s.paramDims, s.bias.shape) : null;
  return [gx, gw, gb];
}

function reduceTo(t: Tensor, dims: number[], shape: readonly number[]): Tensor {
  const r = dims.length === 0 ? t : t.sum(dims);
  return shapeEquals(r.shape, shape) ? r : r.reshape(shape as number[]);
}

function normSpec(name: string, formula: string): GradientSpec<NormSaved> {
  return { name, inputs: ["input", "weight", "bias"], formulas: [formula, "Σ grad · x̂ over the normalized positions", "Σ grad"], gradFunc: normGrad };
}
const NativeLayerNormBackward0 = normSpec("NativeLayerNormBackward0", "rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)), ĝ = grad · weight");
const NativeBatchNormBackward0 = normSpec("NativeBatchNormBackward0", "rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) over batch and space, ĝ = grad · weight");

/** Normalise x over `dims` (mean 0, variance 1, biased) then scale and shift; values only. */
function normalizeValues(x: Tensor, dims: number[], eps: number, w: Tensor | null, b: Tensor | null, paramShape: number[], stats: { mean: Tensor; var: Tensor } | null): { out: Tensor; mean: Tensor; var: Tensor } {
  return withGradMode(false, () => {
    let mean: Tensor, v: Tensor;
    if (stats !== null) {
      mean = stats.mean.reshape(paramShape);
      v = stats.var.reshape(paramShape);
    } else {
      mean = x.mean(dims, true);
      const xc = x.sub(mean);
      v = xc.mul(xc).mean(dims, true);
    }
    let y = x.sub(mean).mul(v.add(eps).pow(-0.5));
    if (w !== null) y = y.mul(w.reshape(paramShape));
    if (b !== null) y = y.add(b.reshape(paramShape));
    return { out: y.contiguous(), mean, var: v };
  });
}

function optionalParam(v: unknown, op: string, what: string, shape: readonly number[]): Tensor | null {
  if (v === undefined || v === null) return null;
  const t = checkTensor(v, op, what);
  if (!shapeEquals(t.shape, shape)) throw new RangeError(`${op}: expected ${what} of shape ${formatShape(shape)}, got ${formatShape(t.shape)}.`);
  return t;
}

/** Normalise over the last dims given by normalizedShape, then weight · x̂ + bias. */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const x = checkTensor(input, "layerNorm");
  checkFloat(x, "layerNorm");
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : Array.isArray(normalizedShape) ? normalizedShape.slice() : null;
  if (ns === null || ns.length === 0 || ns.length > x.shape.length || ns.some((s, i) => s !== x.shape[x.shape.length - ns.length + i])) {
    throw new RangeError(`layerNorm: Given normalized_shape=${JSON.stringify(normalizedShape)}, expected input with shape [*, ${(ns ?? []).join(", ")}], but got input of size ${formatShape(x.shape)}.`);
  }
  checkNumber(eps, "layerNorm", "eps");
  const w = optionalParam(weight, "layerNorm", "weight", ns);
  const b = optionalParam(bias, "layerNorm", "bias", ns);
  const dims = ns.map((_, i) => x.shape.length - ns.length + i);
  const paramShape = [...x.shape.slice(0, x.shape.length - ns.length).map(() => 1), ...ns];
  const { out } = normalizeValues(x, dims, eps, w, b, paramShape, null);
  return record(new Tensor(out._values, x.shape, x.dtype), NativeLayerNormBackward0, [x, w, b], () => ({ input: x, weight: w, bias: b, dims, paramShape, paramDims: x.shape.slice(0, x.shape.length - ns.length).map((_, i) => i), eps, runningMean: null, runningVar: null }));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use the batch's statistics (and update the running ones) instead of the running ones. */
  training?: boolean;
  /** Running-average factor (default 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over dims 0 and 2… (per channel, dim 1). In training, the running statistics
 * (if given) are updated in place: mean and unbiased variance with momentum.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined, options: BatchNormOptions = {}): Tensor {
  const x = checkTensor(input, "batchNorm");
  checkFloat(x, "batchNorm");
  if (x.shape.length < 2) throw new RangeError(`batchNorm: expected input of shape [N, C] or [N, C, …], got ${formatShape(x.shape)}.`);
  const C = x.shape[1]!;
  const training = options.training ?? false;
  const momentum = checkNumber(options.momentum ?? 0.1, "batchNorm", "momentum");
  const eps = checkNumber(options.eps ?? 1e-5, "batchNorm", "eps");
  const w = optionalParam(options.weight, "batchNorm", "weight", [C]);
  const b = optionalParam(options.bias, "batchNorm", "bias", [C]);
  const rm = optionalParam(runningMean, "batchNorm", "runningMean", [C]);
  const rv = optionalParam(runningVar, "batchNorm", "runningVar", [C]);
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const paramShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (!training && (rm === null || rv === null)) throw new RangeError("batchNorm: running_mean and running_var must be defined in evaluation mode.");
  const count = x.numel() / C;
  if (training && count <= 1) throw new RangeError(`batchNorm: Expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}.`);
  const { out, mean, var: v } = normalizeValues(x, dims, eps, w, b, paramShape, training ? null : { mean: rm!, var: rv! });
  if (training && rm !== null && rv !== null) {
    withGradMode(false, () => {
      const unbiased = v.reshape([C]).mul(count / (count - 1));
      rm.copy_(rm.mul(1 - momentum).add(mean.reshape([C]).mul(momentum)));
      rv.copy_(rv.mul(1 - momentum).add(unbiased.mul(momentum)));
    });
  }
  const frozen = training ? null : { m: rm!.detach().clone(), v: rv!.detach().clone() };
  return record(new Tensor(out._values, x.shape, x.dtype), NativeBatchNormBackward0, [x, w, b], () => ({
    input: x, weight: w, bias: b, dims, paramShape, paramDims: dims, eps, runningMean: frozen?.m ?? null, runningVar: frozen?.v ?? null,
  }));
}

interface VNormSaved {
  self: Tensor;
  result: Tensor;
  ord: number;
  dim: number;
}

const LinalgVectorNormBackward0: GradientSpec<VNormSaved> = {
  name: "LinalgVectorNormBackward0",
  inputs: ["self"],
  formulas: (s) => [s.ord === 2 ? "grad · self / result (0 where result is 0)" : `grad · sign(self) · |self|^${s.ord - 1} / result^${s.ord - 1}`],
  gradFunc: (g, s) => {
    const x = s.self, r = s.result;
    const zero = r.detach().eq(0);
    const safe = r.where(zero.eq(0), 1);
    let num: Tensor, den: Tensor;
    if (s.ord === 1) return [x.sign().mul(g)];
    if (s.ord === 2) {
      num = x;
      den = safe;
    } else {
      num = x.abs().pow(s.ord - 2).mul(x);
      den = safe.pow(s.ord - 1);
    }
    return [num.div(den).mul(g.where(zero.eq(0), 0))];
  },
};

/** (Σ |x|^p)^(1/p) along dim, keeping it (torch.linalg.vector_norm(x, p, dim, keepdim=True)). */
function vectorNorm(x: Tensor, ord: number, dim: number): Tensor {
  const d = normalizeDim(dim, x.shape.length, "vectorNorm");
  const shape = x.shape.slice();
  const size = shape[d] ?? 1;
  shape[d] = 1;
  let inner = 1;
  for (let i = d + 1; i < x.shape.length; i++) inner *= x.shape[i]!;
  const outer = x.numel() / Math.max(size * inner, 1);
  const src = x._values;
  const out = allocate(x.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < size; k++) {
        const v = Math.abs(src[(o * size + k) * inner + i]!);
        s += ord === 1 ? v : ord === 2 ? v * v : Math.pow(v, ord);
      }
      out[o * inner + i] = ord === 1 ? s : ord === 2 ? Math.sqrt(s) : Math.pow(s, 1 / ord);
    }
  }
  const result = new Tensor(out, shape, x.dtype);
  return record(result, LinalgVectorNormBackward0, [x], () => ({ self: x, result, ord, dim: d }));
}

export interface NormalizeOptions {
  p?: number;
  dim?: number;
  eps?: number;
}

/** x / max(‖x‖_p, eps) along dim (default p 2, dim 1). */
export function normalize(input: Tensor, options: NormalizeOptions = {}): Tensor {
  const x = checkTensor(input, "normalize");
  checkFloat(x, "normalize");
  const p = checkNumber(options.p ?? 2, "normalize", "p");
  if (!(p >= 1) || !Number.isFinite(p)) throw new RangeError(`normalize: p must be a finite number ≥ 1, got ${p}.`);
  const eps = checkNumber(options.eps ?? 1e-12, "normalize", "eps");
  const dim = options.dim ?? 1;
  const n = vectorNorm(x, p, x.shape.length === 0 ? 0 : dim).clamp(eps);
  return x.div(shapeEquals(n.shape, x.shape) ? n : expand(n, x.shape));
}

/** Σ x1 · x2 / (max(‖x1‖, eps) · max(‖x2‖, eps)) along dim (default 1), inputs broadcast. */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number } = {}): Tensor {
  checkTensor(x1, "cosineSimilarity", "x1");
  checkTensor(x2, "cosineSimilarity", "x2");
  checkFloat(x1, "cosineSimilarity", "x1");
  const eps = checkNumber(options.eps ?? 1e-8, "cosineSimilarity", "eps");
  const shape = broadcastShapes(x1.shape, x2.shape, "cosineSimilarity");
  const a = shapeEquals(x1.shape, shape) ? x1 : expand(x1, shape);
  const b = shapeEquals(x2.shape, shape) ? x2 : expand(x2, shape);
  const dim = normalizeDim(options.dim ?? 1, shape.length, "cosineSimilarity");
  const na = vectorNorm(a, 2, dim).clamp(eps);
  const nb = vectorNorm(b, 2, dim).clamp(eps);
  return a.div(na).mul(b.div(nb)).sum(dim);
}

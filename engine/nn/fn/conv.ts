// conv1d / conv2d (im2col + gemm forward; one ConvolutionBackward0 node whose gradients are written
// with differentiable ops — an im2col gather and its col2im scatter — so they differentiate again),
// maxPool2d, avgPool2d and pad.
import { Tensor } from "../../tensor";
import { allocate, type Storage } from "../../dtype";
import { formatShape } from "../../shape";
import { record } from "../../autograd/record";
import type { GradientSpec } from "../../autograd/node";
import { gemm } from "../../kernels/gemm";
import { checkFloat, checkTensor, tuple } from "../util";
import { gatherOrZero, gatherZeroSpec, scatterOrZero, scatterZeroSpec } from "./gather";

/** A convolution's geometry, 1-D convolutions as 2-D ones of height 1. */
interface Geom {
  N: number; C: number; H: number; W: number;
  O: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  OH: number; OW: number;
}

const mapCache = new Map<string, Int32Array>();

/** For each (n, c·kh·kw, oh·ow): the flat input position it reads, or −1 for padding. */
function im2colMap(g: Geom): Int32Array {
  const key = [g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw].join(",");
  const hit = mapCache.get(key);
  if (hit !== undefined) return hit;
  const CK = g.C * g.kh * g.kw, L = g.OH * g.OW;
  const map = new Int32Array(g.N * CK * L);
  let k = 0;
  for (let n = 0; n < g.N; n++) {
    for (let c = 0; c < g.C; c++) {
      for (let i = 0; i < g.kh; i++) {
        for (let j = 0; j < g.kw; j++) {
          for (let oh = 0; oh < g.OH; oh++) {
            const ih = oh * g.sh - g.ph + i * g.dh;
            for (let ow = 0; ow < g.OW; ow++) {
              const iw = ow * g.sw - g.pw + j * g.dw;
              map[k++] = ih < 0 || ih >= g.H || iw < 0 || iw >= g.W ? -1 : ((n * g.C + c) * g.H + ih) * g.W + iw;
            }
          }
        }
      }
    }
  }
  if (mapCache.size >= 16) mapCache.delete(mapCache.keys().next().value!);
  mapCache.set(key, map);
  return map;
}

const Im2Col = gatherZeroSpec("Im2ColBackward0", "grad of each patch column added back at the input positions it read");
const Col2Im = scatterZeroSpec("Col2ImBackward0");

interface ConvSaved {
  input: Tensor;
  weight: Tensor;
  hasBias: boolean;
  geom: Geom;
  stride: number[];
  padding: number[];
  dilation: number[];
}

const ConvolutionBackward0: GradientSpec<ConvSaved> = {
  name: "ConvolutionBackward0",
  inputs: ["input", "weight", "bias"],
  formulas: ["conv_transpose(grad, weight) (col2im of weightᵀ · grad)", "Σ over the batch of grad · im2col(input)ᵀ", "grad summed over batch and positions"],
  gradFunc: (grad, s, needs) => {
    const g = s.geom;
    const CK = g.C * g.kh * g.kw, L = g.OH * g.OW;
    const g3 = grad.reshape([g.N, g.O, L]);
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    const map = im2colMap(g);
    if (needs[0]) {
      const wm = s.weight.reshape([g.O, CK]);
      gx = scatterOrZero(wm.t().matmul(g3), map, s.input.shape, Col2Im);
    }
    if (needs[1]) {
      const cols = gatherOrZero(s.input, map, [g.N, CK, L], Im2Col);
      gw = g3.matmul(cols.transpose(1, 2)).sum(0).reshape(s.weight.shape as number[]);
    }
    if (needs[2] && s.hasBias) gb = g3.sum([0, 2]);
    return [gx, gw, gb];
  },
};

export interface ConvOptions {
  stride?: number | number[];
  /** Zeros added on each side, or "valid" (none) / "same" (output as big as the input, stride 1). */
  padding?: number | number[] | "valid" | "same";
  dilation?: number | number[];
  groups?: number;
}

function conv(op: string, dims: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvOptions): Tensor {
  const x = checkTensor(input, op);
  const w = checkTensor(weight, op, "weight");
  checkFloat(x, op);
  if (bias !== undefined && bias !== null) checkTensor(bias, op, "bias");
  const b = bias ?? null;
  if ((options.groups ?? 1) !== 1) throw new RangeError(`${op}: groups other than 1 are not supported yet.`);
  const batched = x.shape.length === dims + 2;
  if (!batched && x.shape.length !== dims + 1) {
    throw new RangeError(`${op}: Expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input to ${op}, but got input of size: ${formatShape(x.shape)}.`);
  }
  if (w.shape.length !== dims + 2) throw new RangeError(`${op}: weight must be ${dims + 2}-D [out_channels, in_channels, ${dims === 2 ? "kH, kW" : "kW"}], got ${formatShape(w.shape)}.`);
  if (w.dtype !== x.dtype) throw new TypeError(`${op}: Input type (${x.dtype}) and weight type (${w.dtype}) should be the same.`);
  const s4 = batched ? x.shape : [1, ...x.shape];
  const [N, C] = s4 as [number, number];
  const H = dims === 2 ? s4[2]! : 1, W = s4[dims + 1]!;
  const O = w.shape[0]!;
  if (w.shape[1] !== C) throw new RangeError(`${op}: Given groups=1, weight of size ${formatShape(w.shape)}, expected input${formatShape(x.shape)} to have ${w.shape[1]} channels, but got ${C} channels instead.`);
  const kh = dims === 2 ? w.shape[2]! : 1, kw = w.shape[dims + 1]!;
  if (b !== null && (b.shape.length !== 1 || b.shape[0] !== O)) throw new RangeError(`${op}: bias must have shape [${O}], got ${formatShape(b.shape)}.`);
  const stride = tuple(options.stride ?? 1, dims, op, "stride");
  const dilation = tuple(options.dilation ?? 1, dims, op, "dilation");
  let padding: number[];
  if (options.padding === "valid") padding = new Array<number>(dims).fill(0);
  else if (options.padding === "same") {
    if (stride.some((v) => v !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions.`);
    const ks = dims === 2 ? [kh, kw] : [kw];
    padding = ks.map((k, i) => (dilation[i]! * (k - 1)) / 2);
    if (padding.some((p) => !Number.isInteger(p))) throw new RangeError(`${op}: padding='same' with an even kernel size (asymmetric padding) is not supported yet.`);
  } else padding = tuple(options.padding ?? 0, dims, op, "padding", true);
  const [sh, sw] = dims === 2 ? (stride as [number, number]) : [1, stride[0]!];
  const [ph, pw] = dims === 2 ? (padding as [number, number]) : [0, padding[0]!];
  const [dh, dw] = dims === 2 ? (dilation as [number, number]) : [1, dilation[0]!];
  const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (OH <= 0 || OW <= 0) {
    throw new RangeError(`${op}: Calculated padded input size per channel: (${dims === 2 ? `${H + 2 * ph} x ` : ""}${W + 2 * pw}). Kernel size: (${dims === 2 ? `${(kh - 1) * dh + 1} x ` : ""}${(kw - 1) * dw + 1}). Kernel size can't be greater than actual input size.`);
  }
  const geom: Geom = { N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW };
  const CK = C * kh * kw, L = OH * OW;
  const map = im2colMap(geom);
  const xv = x._values, wv = w._values as Storage;
  const out = allocate(x.dtype, N * O * L);
  const cols = allocate(x.dtype, CK * L);
  for (let n = 0; n < N; n++) {
    const base = n * CK * L;
    for (let i = 0; i < CK * L; i++) {
      const m = map[base + i]!;
      cols[i] = m < 0 ? 0 : xv[m]!;
    }
    gemm(false, false, O, L, CK, wv, cols, out.subarray(n * O * L, (n + 1) * O * L), false);
  }
  if (b !== null) {
    const bv = b._values;
    for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) {
      const bo = bv[o]!, off = (n * O + o) * L;
      for (let l = 0; l < L; l++) out[off + l]! += bo;
    }
  }
  const spatial = dims === 2 ? [OH, OW] : [OW];
  const result = new Tensor(out, batched ? [N, O, ...spatial] : [O, ...spatial], x.dtype);
  return record(result, ConvolutionBackward0, [x, w, b], () => ({ input: x, weight: w, hasBias: b !== null, geom, stride, padding, dilation }));
}

/** 2-D convolution (cross-correlation) of [N, C, H, W] (or [C, H, W]) with weight [O, C, kH, kW]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv("conv2d", 2, input, weight, bias, options);
}
/** 1-D convolution of [N, C, L] (or [C, L]) with weight [O, C, k]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv("conv1d", 1, input, weight, bias, options);
}

export interface PoolOptions {
  /** Default: the kernel size. */
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  /** avgPool2d: count the zero padding in the average (default true). */
  countIncludePad?: boolean;
  /** avgPool2d: divide by this instead of the window size. */
  divisorOverride?: number;
}

/** Window geometry of a 2-D pool over [N, C, H, W] or [C, H, W]; map[(p · kk) + k] = input position or −1. */
function poolWindows(op: string, x: Tensor, kernelSize: number | number[], o: PoolOptions): { map: Int32Array; kk: number; outShape: number[] } {
  if (x.shape.length !== 3 && x.shape.length !== 4) throw new RangeError(`${op}: Expected 3D or 4D input, got ${formatShape(x.shape)}.`);
  if (o.ceilMode) throw new RangeError(`${op}: ceilMode is not supported yet.`);
  const [kh, kw] = tuple(kernelSize, 2, op, "kernelSize");
  const [sh, sw] = o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0) ? [kh!, kw!] : tuple(o.stride, 2, op, "stride");
  const [ph, pw] = tuple(o.padding ?? 0, 2, op, "padding", true);
  const [dh, dw] = tuple(o.dilation ?? 1, 2, op, "dilation");
  if (ph! > kh! / 2 || pw! > kw! / 2) throw new RangeError(`${op}: pad should be at most half of effective kernel size, but got pad=${ph}, kernel_size=${kh} and dilation=${dh}.`);
  const H = x.shape[x.shape.length - 2]!, W = x.shape[x.shape.length - 1]!;
  const planes = x.numel() / (H * W);
  const OH = Math.floor((H + 2 * ph! - dh! * (kh! - 1) - 1) / sh!) + 1;
  const OW = Math.floor((W + 2 * pw! - dw! * (kw! - 1) - 1) / sw!) + 1;
  if (OH <= 0 || OW <= 0) throw new RangeError(`${op}: Given input size ${formatShape(x.shape)}, calculated output size (${OH}x${OW}) is too small.`);
  const kk = kh! * kw!;
  const map = new Int32Array(planes * OH * OW * kk);
  let k = 0;
  for (let p = 0; p < planes; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let i = 0; i < kh!; i++) for (let j = 0; j < kw!; j++) {
      const ih = oh * sh! - ph! + i * dh!, iw = ow * sw! - pw! + j * dw!;
      map[k++] = ih < 0 || ih >= H || iw < 0 || iw >= W ? -1 : (p * H + ih) * W + iw;
    }
  }
  return { map, kk, outShape: [...x.shape.slice(0, -2), OH, OW] };
}

const MaxPool2DWithIndicesBackward0 = gatherZeroSpec("MaxPool2DWithIndicesBackward0", "grad routed to the position of each window's maximum (0 elsewhere)");

/** The maximum of each kernelSize window (stride defaults to the kernel size). */
export function maxPool2d(input: Tensor, kernelSize: number | number[], options: PoolOptions = {}): Tensor {
  const x = checkTensor(input, "maxPool2d");
  const { map, kk, outShape } = poolWindows("maxPool2d", x, kernelSize, options);
  const xv = x._values;
  const P = map.length / kk;
  const arg = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    let best = -1, bv = -Infinity;
    for (let k = 0; k < kk; k++) {
      const m = map[p * kk + k]!;
      if (m < 0) continue;
      const v = xv[m]!;
      if (best < 0 || v > bv || Number.isNaN(v)) {
        best = m;
        bv = v;
        if (Number.isNaN(v)) break;
      }
    }
    arg[p] = best;
  }
  return gatherOrZero(x, arg, outShape, MaxPool2DWithIndicesBackward0);
}

interface AvgSaved {
  map: Int32Array;
  kk: number;
  /** 1/divisor per output position. */
  inv: Tensor;
  selfShape: readonly number[];
}
const AvgPool2DScatter = scatterZeroSpec("AvgPool2DBackwardBackward0");
const AvgPool2DBackward0: GradientSpec<AvgSaved> = {
  name: "AvgPool2DBackward0",
  inputs: ["self"],
  formulas: ["grad / window size, spread over each window's positions"],
  gradFunc: (g, s) => {
    const P = s.inv.shape[0]!;
    const spread = g.reshape([P, 1]).mul(s.inv).expand([P, s.kk]);
    return [scatterOrZero(spread, s.map, s.selfShape, AvgPool2DScatter)];
  },
};

/** The mean of each kernelSize window (zero padding counted unless countIncludePad is false). */
export function avgPool2d(input: Tensor, kernelSize: number | number[], options: PoolOptions = {}): Tensor {
  const x = checkTensor(input, "avgPool2d");
  checkFloat(x, "avgPool2d");
  const { map, kk, outShape } = poolWindows("avgPool2d", x, kernelSize, { ...options, dilation: 1 });
  const include = options.countIncludePad ?? true;
  const div = options.divisorOverride;
  if (div !== undefined && (!Number.isInteger(div) || div <= 0)) throw new RangeError(`avgPool2d: divisorOverride must be a positive integer, got ${String(div)}.`);
  const xv = x._values;
  const P = map.length / kk;
  const out = allocate(x.dtype, P);
  const inv = allocate(x.dtype, P);
  for (let p = 0; p < P; p++) {
    let s = 0, count = 0;
    for (let k = 0; k < kk; k++) {
      const m = map[p * kk + k]!;
      if (m < 0) continue;
      s += xv[m]!;
      count++;
    }
    const d = div ?? (include ? kk : count);
    inv[p] = 1 / d;
    out[p] = s / d;
  }
  const invT = new Tensor(inv, [P, 1], x.dtype);
  return record(new Tensor(out, outShape, x.dtype), AvgPool2DBackward0, [x], () => ({ map, kk, inv: invT, selfShape: x.shape }));
}

export type PadMode = "constant" | "reflect" | "replicate";

/**
 * Pad the last dims: pad = [left, right] for the last dim, then [top, bottom] for the one before, …
 * (negative values crop). mode "constant" fills with value; "reflect" mirrors; "replicate" repeats the edge.
 */
export function pad(input: Tensor, padding: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  const x = checkTensor(input, "pad");
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.some((p) => !Number.isInteger(p))) {
    throw new TypeError(`pad: padding must be an array of integers of even length ([left, right, top, bottom, …]), got ${JSON.stringify(padding)}.`);
  }
  const k = padding.length / 2;
  if (k > x.shape.length) throw new RangeError(`pad: Padding length should be less than or equal to two times the input dimension but got padding length ${padding.length} and input of dimension ${x.shape.length}.`);
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate") throw new RangeError(`pad: mode must be "constant", "reflect" or "replicate", got ${JSON.stringify(mode)}.`);
  if (typeof value !== "number") throw new TypeError("pad: value must be a number.");
  const nd = x.shape.length;
  const before = new Array<number>(nd).fill(0), after = new Array<number>(nd).fill(0);
  for (let i = 0; i < k; i++) {
    before[nd - 1 - i] = padding[2 * i]!;
    after[nd - 1 - i] = padding[2 * i + 1]!;
  }
  const outShape = x.shape.map((s, d) => s + before[d]! + after[d]!);
  outShape.forEach((s, d) => {
    if (s < 0) throw new RangeError(`pad: The input size ${x.shape[d]}, plus negative padding ${before[d]} and ${after[d]} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`);
    if (mode === "reflect" && (before[d]! >= x.shape[d]! || after[d]! >= x.shape[d]!)) {
      throw new RangeError(`pad: Padding size should be less than the corresponding input dimension, but got: padding (${before[d]}, ${after[d]}) at dimension ${d} of input ${formatShape(x.shape)}.`);
    }
  });
  const n = outShape.reduce((a, b) => a * b, 1);
  const map = new Int32Array(n);
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < n; o++) {
    let flat = 0, inside = true;
    for (let d = 0; d < nd; d++) {
      let i = idx[d]! - before[d]!;
      const size = x.shape[d]!;
      if (i < 0 || i >= size) {
        if (mode === "constant") inside = false;
        else if (mode === "replicate") i = Math.min(Math.max(i, 0), size - 1);
        else i = i < 0 ? -i : 2 * (size - 1) - i;
      }
      flat = flat * size + i;
    }
    map[o] = inside ? flat : -1;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  const name = mode === "constant" ? "ConstantPadNdBackward0" : `${mode === "reflect" ? "Reflection" : "Replication"}Pad${k}DBackward0`;
  return gatherOrZero(x, map, outShape, gatherZeroSpec(name, mode === "constant" ? "grad with the padding cut off" : "grad added back at the positions each padded element copies"), {}, value);
}

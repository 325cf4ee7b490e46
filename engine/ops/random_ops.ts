// Random sampling: randint, randperm, multinomial, bernoulli — each with an optional
// `{ generator }` (a torch.Generator) like PyTorch's keyword argument.
import { Tensor } from "../tensor";
import { allocate, checkDType, DEFAULT_DTYPE, type DType } from "../dtype";
import { checkShape, formatShape } from "../shape";
import { record } from "../autograd/record";
import type { GradientSpec } from "../autograd/node";
import { zerosLike } from "./creation";
import { generatorOf, type Generator } from "../random";
import type { TensorOptions } from "./creation";

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function isOptions(v: unknown): v is RandomOptions {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
}

function finish(t: Tensor, opts: RandomOptions | undefined): Tensor {
  if (opts?.name !== undefined) t.name = String(opts.name);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function intArg(v: unknown, what: string, op: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${op}: ${what} must be an integer, got ${typeof v === "number" ? v : typeof v}.`);
  return v;
}

/**
 * torch.randint(high, size) or torch.randint(low, high, size), then optional options
 * ({ dtype, generator }): integers drawn uniformly from [low, high), int64 unless dtype says otherwise.
 */
export function randint(...args: unknown[]): Tensor {
  const op = "torch.randint";
  const opts = isOptions(args[args.length - 1]) ? (args.pop() as RandomOptions) : undefined;
  let low = 0, high: number, size: unknown;
  if (args.length === 2) [high, size] = [intArg(args[0], "high", op), args[1]];
  else if (args.length === 3) [low, high, size] = [intArg(args[0], "low", op), intArg(args[1], "high", op), args[2]];
  else throw new TypeError(`${op}: expected (high, size) or (low, high, size), e.g. torch.randint(0, 10, [32]); got ${args.length} arguments.`);
  if (!Array.isArray(size)) throw new TypeError(`${op}: size must be an array of sizes like [32] or [2, 3], got ${typeof size}.`);
  const shape = checkShape(size, op);
  if (low >= high) throw new RangeError(`${op}: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}.`);
  const dtype: DType = opts?.dtype === undefined ? "int64" : checkDType(opts.dtype, op);
  const gen = generatorOf(opts, op);
  const n = shape.reduce((p, v) => p * v, 1);
  const out = allocate(dtype, n);
  const span = high - low;
  for (let i = 0; i < n; i++) out[i] = low + gen.below(span);
  return finish(new Tensor(out, shape, dtype), opts);
}

/** torch.randperm(n): a random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  const op = "torch.randperm";
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new RangeError(`${op}: n must be a non-negative integer, got ${String(n)}.`);
  const dtype: DType = opts?.dtype === undefined ? "int64" : checkDType(opts.dtype, op);
  const gen = generatorOf(opts, op);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = i;
  // libtorch's shuffle (randperm_cpu): element i swaps with one of i..n-1.
  for (let i = 0; i < n - 1; i++) {
    const j = i + gen.below(n - i);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return finish(new Tensor(out, [n], dtype), opts);
}

/**
 * torch.multinomial(input, numSamples, replacement = false, { generator }): for each row of
 * `input` (1-D: one row) of non-negative weights, `numSamples` category indices (int64), drawn
 * with probability proportional to the weights; without replacement each category at most once.
 */
export function multinomial(input: Tensor, numSamples: number, replacement: boolean | RandomOptions = false, opts?: RandomOptions): Tensor {
  const op = "torch.multinomial";
  if (isOptions(replacement)) {
    opts = replacement;
    replacement = (opts as { replacement?: boolean }).replacement ?? false;
  }
  if (!(input instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor of probabilities (or weights).`);
  if (input.shape.length !== 1 && input.shape.length !== 2) throw new RangeError(`${op}: prob_dist must be 1 or 2 dim (got ${input.shape.length} dims, shape ${formatShape(input.shape)}).`);
  if (input.dtype === "int64") throw new TypeError(`${op}: "multinomial_kernel_cpu" not implemented for 'Long'; pass floating point weights (.float()).`);
  if (typeof numSamples !== "number" || !Number.isInteger(numSamples) || numSamples <= 0) throw new RangeError(`${op}: cannot sample n_sample <= 0 samples (numSamples must be a positive integer, got ${String(numSamples)}).`);
  const k = input.shape[input.shape.length - 1]!;
  const rows = input.shape.length === 1 ? 1 : input.shape[0]!;
  if (!replacement && numSamples > k) throw new RangeError(`${op}: cannot sample n_sample > prob_dist.size(-1) samples without replacement (${numSamples} > ${k}).`);
  const gen = generatorOf(opts, op);
  const w = input._values;
  const out = allocate("int64", rows * numSamples);
  const cum = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const row = w.subarray(r * k, (r + 1) * k);
    let total = 0;
    for (let i = 0; i < k; i++) {
      const v = row[i]!;
      if (!(v >= 0) || v === Infinity) throw new RangeError(`${op}: probability tensor contains either \`inf\`, \`nan\` or element < 0.`);
      total += v;
    }
    if (!(total > 0)) throw new RangeError(`${op}: invalid multinomial distribution (sum of probabilities <= 0).`);
    const left = Float64Array.from(row);
    for (let s = 0; s < numSamples; s++) {
      let acc = 0;
      for (let i = 0; i < k; i++) cum[i] = acc += left[i]!;
      if (!(acc > 0)) throw new RangeError(`${op}: invalid multinomial distribution (sum of probabilities <= 0): only ${s} categories have non-zero weight, ${numSamples} were asked for without replacement.`);
      const u = gen.random() * acc;
      let pick = 0;
      while (pick < k - 1 && !(u < cum[pick]!)) pick++;
      while (left[pick] === 0 && pick > 0) pick--; // never land on a zero-weight category at the top end
      out[r * numSamples + s] = pick;
      if (!replacement) left[pick] = 0;
    }
  }
  return new Tensor(out, input.shape.length === 1 ? [numSamples] : [rows, numSamples], "int64");
}

export const BernoulliBackward0: GradientSpec<Record<string, never>> = {
  name: "BernoulliBackward0",
  inputs: ["self"],
  formulas: ["0 (sampling has no gradient)"],
  gradFunc: (g) => [zerosLike(g)],
};

/** torch.bernoulli(p): 1 with probability p, else 0, elementwise (p's dtype; BernoulliBackward0, zero gradient). */
export function bernoulli(p: Tensor, opts?: RandomOptions): Tensor {
  const op = "torch.bernoulli";
  if (!(p instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor of probabilities.`);
  if (p.dtype === "int64") throw new TypeError(`${op}: "bernoulli_tensor_cpu_p_" not implemented for 'Long'; pass floating point probabilities (.float()).`);
  const gen = generatorOf(opts, op);
  const src = p._values;
  const out = allocate(p.dtype === "float64" ? "float64" : DEFAULT_DTYPE, src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${op}: Expected p_in >= 0 && p_in <= 1 to be true, but got false (element ${i} is ${v}).`);
    out[i] = gen.uniformFloat() < v ? 1 : 0; // bernoulli_distribution<float>
  }
  return record(new Tensor(out, p.shape, p.dtype), BernoulliBackward0, [p], () => ({}));
}

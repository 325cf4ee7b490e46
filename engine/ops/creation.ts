// Making tensors: torch.tensor from numbers / nested arrays / typed arrays, and the factories.
import { Tensor, type NestedArray } from "../tensor";
import { allocate, castValue, checkDType, DEFAULT_DTYPE, type DType } from "../dtype";
import { checkShape, numel } from "../shape";
import { generatorOf, type Generator } from "../random";

export interface TensorOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  /** A display name for the graph (the runner fills it from the variable name otherwise). */
  name?: string;
  /** The random stream of rand/randn/randint/… (a torch.Generator); the default one otherwise. */
  generator?: Generator;
}

export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Tensor;

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.name !== undefined) t.name = String(opts.name);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function resolveDType(opts: TensorOptions | undefined, fallback: DType, where: string): DType {
  return opts?.dtype === undefined ? fallback : checkDType(opts.dtype, where);
}

export function tensor(data: TensorData, opts?: TensorOptions): Tensor {
  if (opts !== undefined && (typeof opts !== "object" || opts === null)) {
    throw new TypeError("torch.tensor: the second argument must be an options object like { requiresGrad: true }.");
  }
  if (data instanceof Tensor) {
    const dtype = resolveDType(opts, data.dtype, "torch.tensor");
    return finish(new Tensor(copyInto(allocate(dtype, data._values.length), data._values), data.shape.slice(), dtype), opts);
  }
  if (ArrayBuffer.isView(data)) {
    const src = data as Float32Array | Float64Array | Int32Array | Uint8Array;
    const dtype = resolveDType(opts, src instanceof Float64Array ? "float64" : DEFAULT_DTYPE, "torch.tensor");
    return finish(new Tensor(copyInto(allocate(dtype, src.length), src), [src.length], dtype), opts);
  }
  // Booleans make a bool tensor, as Python's True/False do in PyTorch (numbers stay float32).
  const dtype = resolveDType(opts, firstLeaf(data) === "boolean" ? "bool" : DEFAULT_DTYPE, "torch.tensor");
  const shape = inferShape(data);
  const out = allocate(dtype, numel(shape));
  let k = 0;
  const fill = (v: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v === "number") out[k++] = castValue(dtype, v);
      else if (typeof v === "boolean") out[k++] = v ? 1 : 0;
      else throw new TypeError(`torch.tensor: expected a number at index [${path.join(", ")}], got ${describe(v)}.`);
      return;
    }
    if (!Array.isArray(v)) {
      throw new TypeError(`torch.tensor: expected a sequence at index [${path.join(", ")}], got ${describe(v)}.`);
    }
    if (v.length !== shape[depth]) {
      throw new RangeError(
        `torch.tensor: expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length}) at index [${path.join(", ")}]; nested arrays must be rectangular.`,
      );
    }
    for (let i = 0; i < v.length; i++) fill(v[i] as NestedArray, depth + 1, [...path, i]);
  };
  fill(data, 0, []);
  return finish(new Tensor(out, shape, dtype), opts);
}

/** The type of the first scalar of nested data ("number", "boolean", …). */
function firstLeaf(v: NestedArray): string {
  let x: unknown = v;
  while (Array.isArray(x) && x.length > 0) x = x[0];
  return typeof x;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string ${JSON.stringify(v)}` : typeof v;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let v: unknown = data;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  if (shape.length === 0 && typeof v !== "number" && typeof v !== "boolean") {
    throw new TypeError(`torch.tensor: expected a number, a nested array of numbers or a typed array, got ${describe(v)}.`);
  }
  return shape;
}

function copyInto<T extends Float32Array | Float64Array>(dst: T, src: ArrayLike<number>): T {
  for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
  return dst;
}

/** Parse `(2, 3)`, `([2, 3])`, `(2, 3, opts)` or `([2, 3], opts)`. */
export function parseSizes(args: ReadonlyArray<unknown>, op: string): { shape: number[]; opts: TensorOptions | undefined } {
  let opts: TensorOptions | undefined;
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === "object" && last !== null && !Array.isArray(last)) {
    opts = last as TensorOptions;
    rest = args.slice(0, -1);
  }
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  return { shape: checkShape(shape, op), opts };
}

export type SizeArgs = [readonly number[], TensorOptions?] | number[] | [...number[], TensorOptions];

export function full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  const s = checkShape(shape, "torch.full");
  if (typeof value !== "number") throw new TypeError(`torch.full: fill value must be a number, got ${typeof value}.`);
  const dtype = resolveDType(opts, DEFAULT_DTYPE, "torch.full");
  const data = allocate(dtype, numel(s));
  if (value !== 0) data.fill(value);
  return finish(new Tensor(data, s, dtype), opts);
}

export function zeros(...args: SizeArgs): Tensor {
  const { shape, opts } = parseSizes(args, "torch.zeros");
  return full(shape, 0, opts);
}

export function ones(...args: SizeArgs): Tensor {
  const { shape, opts } = parseSizes(args, "torch.ones");
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

/** A tensor of t's shape (and dtype, unless opts.dtype) filled with `value` (torch.full_like). */
export function fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError("torch.fullLike: the first argument must be a Tensor.");
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/** @internal a tensor of t's shape and dtype filled with v. */
export function scalarLike(t: Tensor, v: number): Tensor {
  return full(t.shape, v, { dtype: t.dtype });
}

export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof m === "object") {
    opts = m;
    m = undefined;
  }
  const cols = m ?? n;
  const t = full([n, cols], 0, { dtype: opts?.dtype ?? DEFAULT_DTYPE });
  for (let i = 0; i < Math.min(n, cols); i++) t._values[i * cols + i] = 1;
  return finish(t, opts);
}

export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts?: TensorOptions): Tensor {
  // arange(end), arange(start, end), arange(start, end, step), each optionally followed by options.
  const nums: number[] = [];
  for (const a of [start, end, step]) {
    if (typeof a === "number") nums.push(a);
    else if (a !== undefined && typeof a === "object") opts = a;
  }
  const [s, e, st] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (st === 0 || !Number.isFinite(st)) throw new RangeError("torch.arange: step must be a non-zero finite number.");
  if ((e - s) / st < 0) {
    throw new RangeError(`torch.arange: upper bound and larger bound inconsistent with step sign (start ${s}, end ${e}, step ${st}).`);
  }
  for (const v of nums) if (!Number.isFinite(v)) throw new RangeError(`torch.arange: unsupported range: ${s} -> ${e} (every bound must be finite).`);
  const n = Math.ceil((e - s) / st);
  // As PyTorch: integers only give int64 (torch.arange(5)), any fractional bound the default float dtype.
  const dtype = resolveDType(opts, nums.every(Number.isInteger) ? "int64" : DEFAULT_DTYPE, "torch.arange");
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = s + i * st;
  return finish(new Tensor(data, [n], dtype), opts);
}

export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`torch.linspace: number of steps must be non-negative, got ${steps}.`);
  const dtype = resolveDType(opts, DEFAULT_DTYPE, "torch.linspace");
  const data = allocate(dtype, steps);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return finish(new Tensor(data, [steps], dtype), opts);
}

export function rand(...args: SizeArgs): Tensor {
  const { shape, opts } = parseSizes(args, "torch.rand");
  const gen = generatorOf(opts, "torch.rand");
  const t = full(shape, 0, { dtype: opts?.dtype ?? DEFAULT_DTYPE });
  const v = t._values;
  gen.fillUniform(v, 0, 1, t.dtype !== "float64");
  return finish(t, opts);
}

export function randn(...args: SizeArgs): Tensor {
  const { shape, opts } = parseSizes(args, "torch.randn");
  const gen = generatorOf(opts, "torch.randn");
  const t = full(shape, 0, { dtype: opts?.dtype ?? DEFAULT_DTYPE });
  const v = t._values;
  gen.fillNormal(v, 0, 1, t.dtype !== "float64");
  return finish(t, opts);
}

export function randLike(t: Tensor, opts?: TensorOptions): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts });
}

export function randnLike(t: Tensor, opts?: TensorOptions): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts });
}

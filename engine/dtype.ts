// Element types. Values live in typed arrays; the integer types and bool are stored in a Float64Array
// (int64 exact up to 2^53; bool as 0/1), which is enough for class indices, argmax results and masks.
export type DType = "float32" | "float64" | "int64" | "int32" | "bool";
export type Storage = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

/** Largest single tensor, in bytes; the runner lowers it to the snippet's memory limit. */
let allocationLimit = Number.POSITIVE_INFINITY;

/** Error thrown when one tensor would exceed the allocation limit (name lets the runner classify it). */
export class TensorMemoryError extends RangeError {
  override name = "TensorMemoryError";
}

export function setAllocationLimit(bytes: number): void {
  allocationLimit = bytes > 0 ? bytes : Number.POSITIVE_INFINITY;
}

export function allocate(dtype: DType, n: number): Storage {
  const bytes = n * (dtype === "float32" ? 4 : 8);
  if (bytes > allocationLimit) {
    const mb = (v: number) => Math.ceil(v / 2 ** 20).toLocaleString("en-US");
    throw new TensorMemoryError(
      `Out of memory: a tensor of ${n.toLocaleString("en-US")} ${dtype} elements needs ${mb(bytes)} MB, more than the memory limit of ${mb(allocationLimit)} MB. Use smaller tensors (or raise the limit in the settings).`,
    );
  }
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/** The out-of-memory error allocate() gives, for an index table of n 4-byte entries (gathers, repeat, …). */
export function checkIndexTable(n: number): void {
  if (n * 4 > allocationLimit || !(n <= 2 ** 31 - 1)) {
    const mb = (v: number) => Math.ceil(v / 2 ** 20).toLocaleString("en-US");
    throw new TensorMemoryError(
      `Out of memory: an index table of ${n.toLocaleString("en-US")} entries needs ${mb(n * 4)} MB, more than the memory limit of ${mb(Math.min(allocationLimit, 2 ** 33))} MB. Use smaller tensors (or raise the limit in the settings).`,
    );
  }
}

export function isFloating(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** bool < int32 < int64 < float32 < float64: PyTorch's promotion order of the dtypes we have. */
const RANK: Record<DType, number> = { bool: 0, int32: 1, int64: 2, float32: 3, float64: 4 };
/** 0 bool, 1 integer, 2 floating: the categories of PyTorch's type promotion. */
const category = (d: DType): number => (d === "bool" ? 0 : isFloating(d) ? 2 : 1);

/** Result type of a binary op, as torch's type promotion: the higher of the two. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Result dtype of a tensor–tensor op, as PyTorch's type promotion: a 0-dim tensor does not raise
 * the dtype of a tensor with dims (float32[3] + float64 scalar tensor is float32) unless it is
 * floating and the other is not (then the default float dtype).
 */
export function resultType(a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] }): DType {
  const za = a.shape.length === 0;
  if (za !== (b.shape.length === 0)) {
    const dimmed = za ? b.dtype : a.dtype;
    const zero = za ? a.dtype : b.dtype;
    if (category(zero) <= category(dimmed)) return dimmed;
    // A 0-dim tensor of a higher category lifts the result to that category's default.
    return isFloating(zero) ? DEFAULT_DTYPE : zero;
  }
  return promote(a.dtype, b.dtype);
}

/** The `[ CPUFloatType{...} ]` name torch prints. */
export function torchTypeName(dtype: DType): string {
  return TYPE_NAMES[dtype];
}

const TYPE_NAMES: Record<DType, string> = { float32: "CPUFloatType", float64: "CPUDoubleType", int64: "CPULongType", int32: "CPUIntType", bool: "CPUBoolType" };

export function checkDType(dtype: unknown, where: string): DType {
  if (typeof dtype === "string" && Object.hasOwn(RANK, dtype)) return dtype as DType;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; use "float32", "float64", "int64", "int32" or "bool".`);
}

/** PyTorch's name of a dtype in messages: Float, Double, Long, Int, Bool. */
export function scalarTypeName(dtype: DType): string {
  return { float32: "Float", float64: "Double", int64: "Long", int32: "Int", bool: "Bool" }[dtype];
}

/** Values as they must be stored in a tensor of `dtype`: integers truncated, bools 0/1. */
export function castValue(dtype: DType, v: number): number {
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  if (dtype === "int64") return Math.trunc(v);
  if (dtype === "int32") return Math.trunc(v) | 0;
  return v;
}

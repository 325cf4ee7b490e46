// Element types. Values live in typed arrays; int64 is stored in a Float64Array (exact up to 2^53),
// which is enough for class indices and argmax results, the only places the engine makes integers.
export type DType = "float32" | "float64" | "int64";
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
  return dtype !== "int64";
}

/** Result type of a binary op, as torch's type promotion: any float64 wins, then float32. */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "float64" || b === "float64") return "float64";
  return "float32";
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
    return isFloating(dimmed) || !isFloating(zero) ? dimmed : DEFAULT_DTYPE;
  }
  return promote(a.dtype, b.dtype);
}

/** The `[ CPUFloatType{...} ]` name torch prints. */
export function torchTypeName(dtype: DType): string {
  return dtype === "float32" ? "CPUFloatType" : dtype === "float64" ? "CPUDoubleType" : "CPULongType";
}

export function checkDType(dtype: unknown, where: string): DType {
  if (dtype === "float32" || dtype === "float64" || dtype === "int64") return dtype;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; use "float32", "float64" or "int64".`);
}

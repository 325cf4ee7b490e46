// Element types. Values live in typed arrays; int64 is stored in a Float64Array (exact up to 2^53),
// which is enough for class indices and argmax results, the only places the engine makes integers.
export type DType = "float32" | "float64" | "int64";
export type Storage = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

export function allocate(dtype: DType, n: number): Storage {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
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

/** The `[ CPUFloatType{...} ]` name torch prints. */
export function torchTypeName(dtype: DType): string {
  return dtype === "float32" ? "CPUFloatType" : dtype === "float64" ? "CPUDoubleType" : "CPULongType";
}

export function checkDType(dtype: unknown, where: string): DType {
  if (dtype === "float32" || dtype === "float64" || dtype === "int64") return dtype;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; use "float32", "float64" or "int64".`);
}

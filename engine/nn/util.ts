// Small checks shared by the nn modules and functions.
import { Tensor } from "../tensor";

/** An index into a list of `length` (negative counts from the end), or a RangeError naming `op`. */
export function normalizeIndex(i: number, length: number, op: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${op}: index must be an integer, got ${String(i)}.`);
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new RangeError(`${op}: index ${i} is out of range (length ${length}).`);
  return j;
}

export function checkTensor(v: unknown, op: string, what = "input"): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${v === null ? "null" : Array.isArray(v) ? "an array (wrap it: torch.tensor([...]))" : typeof v}.`);
  return v;
}

export function checkFloat(t: Tensor, op: string, what = "input"): void {
  if (t.dtype === "int64") throw new TypeError(`${op}: ${what} must be a floating point tensor, got int64 (use .float()).`);
}

export function checkPositiveInt(v: unknown, op: string, what: string, allowZero = false): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new RangeError(`${op}: ${what} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${String(v)}.`);
  }
  return v;
}

export function checkNumber(v: unknown, op: string, what: string): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${op}: ${what} must be a number, got ${String(v)}.`);
  return v;
}

/** A size given as one number or as n numbers (PyTorch's _pair / _single). */
export function tuple(v: unknown, n: number, op: string, what: string, allowZero = false): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : Array.isArray(v) ? (v as unknown[]) : null;
  if (list === null || list.length !== n) throw new TypeError(`${op}: ${what} must be a number or an array of ${n} numbers, got ${JSON.stringify(v)}.`);
  return list.map((x) => checkPositiveInt(x, op, what, allowZero));
}

export function fmtTuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
}

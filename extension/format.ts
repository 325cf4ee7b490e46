// How numbers, shapes and values read in hovers, inline values and messages (pure: no vscode).
import type { ValueSummary } from "../shared/protocol";

type Scalar = ValueSummary["values"][number];

/** 0.800000011920929 (a float32 read as float64) → "0.8"; integers as they are; NaN/±Infinity as named. */
export function formatNumber(v: Scalar): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const s = String(Number(v.toPrecision(6)));
  return s === "-0" ? "0" : s;
}

/** Dimensions shown of a shape (a snapshot's shapes are at most 64 long; this bounds the text anyway). */
const MAX_SHOWN_DIMS = 64;

/** [] → "scalar", [3] → "[3]", [2, 3] → "[2, 3]". */
export function formatShape(shape: readonly number[]): string {
  if (shape.length === 0) return "scalar";
  const shown = shape.length > MAX_SHOWN_DIMS ? [...shape.slice(0, MAX_SHOWN_DIMS), `… ${shape.length - MAX_SHOWN_DIMS} more`] : shape;
  return `[${shown.join(", ")}]`;
}

/** The product of a shape's dimensions, or -1 when one is not a whole non-negative number. */
function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) return -1;
    n *= d;
  }
  return n;
}

/** Nested brackets for small complete tensors: [[1, 2], [3, 4]]. */
function nested(values: readonly Scalar[], shape: readonly number[]): string {
  if (shape.length === 0) return formatNumber(values[0] ?? "NaN");
  if (shape.length === 1) return `[${values.slice(0, shape[0]).map(formatNumber).join(", ")}]`;
  const inner = shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  const parts: string[] = [];
  for (let i = 0; i < shape[0]!; i++) parts.push(nested(values.slice(i * size, (i + 1) * size), inner));
  return `[${parts.join(", ")}]`;
}

export interface ValueFormatOptions {
  /** Show the whole tensor when it has at most this many elements (default 12). */
  maxElements?: number;
  /** Otherwise show this many leading values (default 6). */
  head?: number;
}

/**
 * A value on one line: "4", "[1, 2, 3]", "[[1, 2], [3, 4]]", or for a large tensor its first values
 * and its statistics: "[0.1, 0.2, 0.3, … 1000 values] min -2.1 · max 2.3 · mean 0.01".
 */
export function formatValue(v: ValueSummary, options: ValueFormatOptions = {}): string {
  const maxElements = options.maxElements ?? 12;
  const head = options.head ?? 6;
  if (v.numel === 0) return "[] (empty)";
  if (v.shape.length === 0) return formatNumber(v.values[0] ?? "NaN");
  // Nested brackets only when the shape agrees with the element count: then every loop in nested()
  // is bounded by numel (≤ maxElements), whatever the numbers in the shape say.
  if (!v.truncated && v.numel <= maxElements && v.values.length >= v.numel && product(v.shape) === v.numel && v.shape.length <= MAX_SHOWN_DIMS) {
    return nested(v.values, v.shape);
  }
  const shown = v.values.slice(0, head).map(formatNumber).join(", ");
  let text = `[${shown}, … ${v.numel.toLocaleString("en-US")} values]`;
  if (v.stats) {
    text += ` min ${formatNumber(v.stats.min)} · max ${formatNumber(v.stats.max)} · mean ${formatNumber(v.stats.mean)}`;
    if (v.stats.nanCount) text += ` · ${v.stats.nanCount} NaN`;
    if (v.stats.infCount) text += ` · ${v.stats.infCount} ±Inf`;
  }
  return text;
}

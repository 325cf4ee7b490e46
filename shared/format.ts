// How numbers, shapes, counts and values read everywhere a user sees them: hovers, inline values
// and messages in the editor (extension/), and the graph's boxes, outline, step text, inspector and
// loss plot (webview/). Pure: no DOM, no vscode. One notation for shapes ("[4×2]", as the issue and
// the step texts write them), one rule for numbers (significant digits; PyTorch's nan/inf/-inf),
// one for counts ("65,536").
//
// Two precisions, because two kinds of place genuinely need them:
// - FULL_DIGITS (6) where a value is read in full and compared with PyTorch or a debugger: hovers
//   and the inspector. float32 carries about 7 significant digits; 6 show every digit that is
//   meaningful and drop the float32-read-as-float64 noise (0.800000011920929 → 0.8). Hover and
//   inspector show the same text for the same number.
// - SHORT_DIGITS (4) where a value is glanced at in little room: node boxes (their width sets the
//   zoom at which the graph is legible), outline rows, step text, the loss plot, inline values at
//   line ends. PyTorch's own print shows about as much (4 decimals).
import type { ValueSummary } from "./protocol";

/** One element of a value: a number, or "NaN" / "Infinity" / "-Infinity" as the snapshot carries them. */
export type Scalar = ValueSummary["values"][number];

/** Significant digits where a value is read in full (hovers, inspector). */
export const FULL_DIGITS = 6;
/** Significant digits where a value is glanced at in little room (boxes, outline, step text, plots, inline values). */
export const SHORT_DIGITS = 4;

/** Integers below this are shown whole ("65536", not "6.554e+4"). */
const WHOLE_BELOW = 1e6;
/** Non-integers below this magnitude are shown with an exponent. */
const SMALL = 1e-4;

/** NaN and the infinities as PyTorch prints them. */
function nonFinite(x: number | string): string {
  if (x === "Infinity" || x === Infinity) return "inf";
  if (x === "-Infinity" || x === -Infinity) return "-inf";
  return "nan";
}

/**
 * A number with `digits` significant digits, trailing zeros dropped: 0.800000011920929 → "0.8",
 * 2 → "2", 0.123456789 → "0.1235" (4) / "0.123457" (6). Integers below a million as they are; an
 * exponent for the extremes (1e-7 → "1e-7", 12345.6 → "1.235e+4" at 4 digits); -0 → "0";
 * NaN/±Infinity → "nan", "inf", "-inf".
 */
export function formatNumber(x: number | string, digits = FULL_DIGITS): string {
  if (typeof x === "string" || !Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < WHOLE_BELOW) return String(x);
  const d = Math.min(21, Math.max(1, Math.round(digits)));
  if (a >= Math.min(WHOLE_BELOW, 10 ** d) || a < SMALL) return x.toExponential(d - 1).replace(/\.?0+e/, "e");
  return String(+x.toPrecision(d));
}

/** Dimensions shown of a shape (a snapshot's shapes are at most 64 long; this bounds the text anyway). */
const MAX_SHOWN_DIMS = 64;

/** [] → "[]", [3] → "[3]", [4, 2] → "[4×2]"; past 64 dimensions "… N more". */
export function formatShape(shape: readonly number[]): string {
  if (shape.length <= MAX_SHOWN_DIMS) return `[${shape.join("×")}]`;
  return `[${shape.slice(0, MAX_SHOWN_DIMS).join("×")} … ${shape.length - MAX_SHOWN_DIMS} more]`;
}

/** A shape with its word where the brackets alone say little: "[4×2]", or "[] (scalar)" for a 0-dim tensor. */
export function describeShape(shape: readonly number[]): string {
  return shape.length ? formatShape(shape) : "[] (scalar)";
}

/** 65536 → "65,536". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 tensor" / "8 tensors" / "1,200 grad_fn nodes". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

export interface ValueFormatOptions {
  /** Significant digits of each number (default FULL_DIGITS). */
  digits?: number;
  /** Show the whole tensor, nested, when it has at most this many elements (default 12). */
  maxElements?: number;
  /** Otherwise show its shape and this many leading values (default 6). */
  head?: number;
  /** Add min · max · mean (and NaN/Inf counts) when the summary has them (default false). */
  stats?: boolean;
}

/** For glancing: 4 digits, whole only up to 4 elements, else the shape and 3 values. */
export const SHORT_VALUE: Readonly<ValueFormatOptions> = Object.freeze({ digits: SHORT_DIGITS, maxElements: 4, head: 3 });

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
function nested(values: readonly Scalar[], shape: readonly number[], num: (x: Scalar) => string): string {
  if (shape.length === 0) return num(values[0] ?? "NaN");
  if (shape.length === 1) return `[${values.slice(0, shape[0]).map(num).join(", ")}]`;
  const inner = shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  const parts: string[] = [];
  for (let i = 0; i < shape[0]!; i++) parts.push(nested(values.slice(i * size, (i + 1) * size), inner, num));
  return `[${parts.join(", ")}]`;
}

/**
 * A value on one line: "4", "[1, 2, 3]", "[[1, 2], [3, 4]]" for small tensors; for larger ones (or
 * a sample) its shape and first values, "[4×250] 0.1, 0.2, 0.3, …", with `stats` also
 * " · min -2.1 · max 2.3 · mean 0.01"; "[0×3] (empty)"; "—" for no value.
 */
export function formatValue(v: ValueSummary | null | undefined, options: ValueFormatOptions = {}): string {
  if (!v) return "—";
  const digits = options.digits ?? FULL_DIGITS;
  const maxElements = options.maxElements ?? 12;
  const head = options.head ?? 6;
  const num = (x: Scalar) => formatNumber(x, digits);
  if (v.numel === 0) return `${formatShape(v.shape)} (empty)`;
  if (v.shape.length === 0) return num(v.values[0] ?? "NaN");
  // Nested brackets only when the shape agrees with the element count: then every loop in nested()
  // is bounded by numel (≤ maxElements), whatever the numbers in the shape say.
  if (!v.truncated && v.numel <= maxElements && v.values.length >= v.numel && product(v.shape) === v.numel && v.shape.length <= MAX_SHOWN_DIMS) {
    return nested(v.values, v.shape, num);
  }
  const shown = v.values.slice(0, Math.max(1, head));
  let text = `${formatShape(v.shape)} ${shown.map(num).join(", ")}${v.numel > shown.length ? ", …" : ""}`;
  if (options.stats && v.stats) {
    text += ` · min ${num(v.stats.min)} · max ${num(v.stats.max)} · mean ${num(v.stats.mean)}`;
    if (v.stats.nanCount) text += ` · ${formatCount(v.stats.nanCount)} NaN`;
    if (v.stats.infCount) text += ` · ${formatCount(v.stats.infCount)} ±Inf`;
  }
  return text;
}

/** The number of a one-element value, else undefined. */
export function scalarOf(v: ValueSummary | null | undefined): number | undefined {
  if (!v || v.numel !== 1) return undefined;
  const x = v.values[0];
  return typeof x === "number" ? x : undefined;
}

// How numbers, shapes and values read in the graph view: boxes, outline, inspector, step text and
// loss plot all format through here (one shape notation, "[4×2]"; one number rule).
import type { ValueSummary } from "../shared/protocol";

/** A number the way the view shows it: up to 4 decimals, trailing zeros dropped, exponent for extremes. */
export function formatNumber(x: number | string, digits = 4): string {
  if (typeof x === "string") return x === "Infinity" ? "inf" : x === "-Infinity" ? "-inf" : "nan";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(2);
  return String(+x.toFixed(digits));
}

/** [] → "[]", [3] → "[3]", [4, 2] → "[4×2]". */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join("×")}]`;
}

/** A shape with its words: "[4×2]", or "[] (scalar)" for a 0-dim tensor. */
export function describeShape(shape: readonly number[]): string {
  return shape.length ? formatShape(shape) : "[] (scalar)";
}

/** One line: a number for one element, else shape and a few values. */
export function formatValue(v: ValueSummary | null | undefined, digits = 4): string {
  if (!v) return "—";
  if (v.numel === 1) return formatNumber(v.values[0]!, digits);
  if (v.numel === 0) return `[] (${v.shape.join("×")})`;
  const head = v.values.slice(0, 4).map((x) => formatNumber(x, digits)).join(", ");
  return `${formatShape(v.shape)} ${head}${v.numel > 4 ? ", …" : ""}`;
}

export function scalarOf(v: ValueSummary | null | undefined): number | undefined {
  if (!v || v.numel !== 1) return undefined;
  const x = v.values[0];
  return typeof x === "number" ? x : undefined;
}

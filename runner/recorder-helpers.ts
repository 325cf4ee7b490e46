// Small pure helpers of the recorder: reading engine nodes defensively, labels and notes of tensors.
import type { Node, Tensor } from "../engine/index";
import type { SourceRange } from "../shared/protocol";

/** The class and functions of a user-defined autograd.Function's node (engine/autograd/function.ts), else null. */
export function userFunctionOf(n: Node): { className: unknown; cls: unknown; forward: unknown; backward: unknown } | null {
  return safe(() => {
    const u = (n as { userFunction?: unknown }).userFunction;
    return typeof u === "object" && u !== null ? (u as { className: unknown; cls: unknown; forward: unknown; backward: unknown }) : null;
  }, null);
}

export function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

export function jsonNumber(v: number): number | "NaN" | "Infinity" | "-Infinity" {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

export function inputNames(n: Node): string[] {
  const spec = (n as { spec?: { inputs?: readonly string[] } }).spec;
  const names = spec?.inputs ?? [];
  const count = n.nextFunctions.length;
  if (names.length === count) return names.slice();
  if (names.length === 1) return Array.from({ length: count }, (_, i) => `${names[0]}[${i}]`);
  return Array.from({ length: count }, (_, i) => names[i] ?? `input${i}`);
}

/** "add @ L9": the op of the node that made it (as recorded), lower-cased, and the line. */
export function defaultLabel(fn: Node | null, t: Tensor, range: SourceRange | undefined): string {
  const op = fn ? fn.name.replace(/Backward\d*$/, "").replace(/^./, (c) => c.toLowerCase()) : "tensor";
  return range ? `${op} @ L${range.line}` : `${op} #${t.id}`;
}

export function gradNote(t: Tensor, backwardCalled: boolean): string {
  if (!t.requiresGrad) return "does not require grad";
  if (!t.isLeaf && !t.retainsGrad) {
    return "not kept: a non-leaf tensor's gradient is freed after backward unless you call retainGrad() on it";
  }
  return backwardCalled ? "backward() did not reach this tensor" : "backward() has not been called yet";
}

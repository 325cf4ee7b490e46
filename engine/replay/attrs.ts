// What every replay rule reads: the rule's type, the recorded attributes (checked, with a clear
// AttrError when one is missing or mistyped) and the helpers that lift a batched input (a leading
// batch dimension B) to a point's rank. rules.ts, rules-stats.ts and rules_extra.ts share them, so
// an attribute is read and checked the same way by every rule.
import { Tensor } from "../tensor";
import { allocate } from "../dtype";
import * as sh from "../ops/shape_ops";
import * as la from "../ops/linalg";
import type { FullTensor, JsonNumber } from "./types";

export type Attrs = Readonly<Record<string, unknown>>;
export type Inputs = ReadonlyArray<Tensor | null>;

export interface ReplayRule {
  /** One point: the op's output for these inputs. */
  forward(x: Inputs, a: Attrs): Tensor;
  /** B points at once: inputs flagged in `batched` have a leading dim B (at least one is). */
  batch?(x: Inputs, batched: readonly boolean[], a: Attrs, B: number): Tensor;
}

// ---- attrs ----------------------------------------------------------------------------------------

export class AttrError extends Error {}

export function jsonNum(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return undefined;
}

export function num(a: Attrs, key: string): number {
  const v = jsonNum(a[key]);
  if (v === undefined) throw new AttrError(`the recorded attribute "${key}" is missing or not a number`);
  return v;
}

export function numOrNull(a: Attrs, key: string): number | null {
  return a[key] === null || a[key] === undefined ? null : num(a, key);
}

export function ints(a: Attrs, key: string): number[] {
  const v = a[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new AttrError(`the recorded attribute "${key}" is missing or not a list of numbers`);
  return v as number[];
}

export function bool(a: Attrs, key: string): boolean {
  return a[key] === true;
}

export function str<T extends string>(a: Attrs, key: string, allowed: readonly T[]): T {
  const v = a[key];
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new AttrError(`the recorded attribute "${key}" must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

const decoded = new WeakMap<object, Tensor>();

/** A FullTensor (as recorded) as an engine tensor; decoded once per object. */
export function tensorFromFull(ft: FullTensor): Tensor {
  let t = decoded.get(ft);
  if (t === undefined) {
    const data = allocate(ft.dtype, ft.values.length);
    for (let i = 0; i < data.length; i++) data[i] = jsonNum(ft.values[i] as JsonNumber) ?? NaN;
    t = new Tensor(data, ft.shape.slice(), ft.dtype);
    decoded.set(ft, t);
  }
  return t;
}

/** A recorded tensor attribute, checked. */
export function fullAttr(a: Attrs, key: string): FullTensor {
  const v = a[key] as FullTensor | undefined;
  if (!v || typeof v !== "object" || !Array.isArray(v.values) || !Array.isArray(v.shape)) {
    throw new AttrError(`the recorded attribute "${key}" is missing or not a tensor`);
  }
  return v;
}

/** A recorded tensor attribute as an engine tensor of its recorded dtype (decoded once). */
export function tensorAttr(a: Attrs, key: string): Tensor {
  return tensorFromFull(fullAttr(a, key));
}

// ---- batch helpers --------------------------------------------------------------------------------

export function req(x: Tensor | null | undefined, i = 0): Tensor {
  if (!x) throw new AttrError(`input ${i} is missing`);
  return x;
}

/** Rank of one point's value. */
export const rank = (x: Tensor, batched: boolean): number => x.shape.length - (batched ? 1 : 0);

/** A batched value with size-1 dims inserted after B up to per-point rank r (unbatched: as is). */
export function lift(x: Tensor, batched: boolean, r: number): Tensor {
  const pr = rank(x, batched);
  if (!batched || pr >= r) return x;
  const shape = [x.shape[0]!, ...new Array<number>(r - pr).fill(1), ...x.shape.slice(1)];
  return sh.reshape(x, shape, "replay");
}

/** Every input lifted to the largest per-point rank among them. */
export function liftAll(x: Inputs, batched: readonly boolean[]): Tensor[] {
  const xs = x.map((t, i) => req(t, i));
  const r = Math.max(...xs.map((t, i) => rank(t, batched[i]!)));
  return xs.map((t, i) => lift(t, batched[i]!, r));
}

/** An unbatched value repeated B times along a new leading dim. */
export function repeat(x: Tensor, B: number): Tensor {
  return sh.expand(sh.unsqueeze(x, 0), [B, ...x.shape]);
}

/**
 * Per point a 2-D product [n, m] @ [m, p], over B points. With the right side shared: one large mm
 * of the stacked left sides (no copy of the right side per point); otherwise matmul's batched
 * product (broadcasting a shared left side over B).
 */
export function batchedMm(a: Tensor, aBatched: boolean, b: Tensor, bBatched: boolean): Tensor {
  if (aBatched && !bBatched) {
    const [B, n, m] = a.shape as [number, number, number];
    return sh.reshape(la.mm(sh.reshape(a, [B * n, m], "replay"), b), [B, n, b.shape[1]!], "replay");
  }
  return la.matmul(a, b);
}

export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
export const shift = (dims: readonly number[]): number[] => dims.map((d) => d + 1);


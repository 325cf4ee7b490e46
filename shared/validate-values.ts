// The value table's side of shared/validate.ts: dtypes, shapes (bounded, agreeing with element
// counts), table entries (base64 whose length, alphabet and padding fit the count) and the indices
// that refer to them. Pure TypeScript.
import type { EncodedValue, ValueRef } from "./protocol";
import { bytesPerValue, encodedLength } from "./value-codec";
import { CAPS, Checker, kindOf } from "./validate-checker";

export const DTYPES = ["float32", "float64", "int64", "int32", "bool"] as const;
const SPECIAL_NUMBERS = ["NaN", "Infinity", "-Infinity"];

/** A shape: at most CAPS.ndim whole dimensions in [0, CAPS.dim]; returns it and its element count. */
export function shape(c: Checker, v: unknown, path: string): { shape: number[]; numel: number } {
  const a = c.arr(v, path, CAPS.ndim);
  const out: number[] = [];
  let numel = 1;
  a.forEach((d, i) => {
    const n = c.int(d, c.atIndex(path, "", i), 0, CAPS.dim);
    out.push(n);
    numel *= n;
  });
  if (numel > CAPS.numel) c.fail(path, `has ${numel} elements, more than ${CAPS.numel}`);
  return { shape: out, numel };
}

/** Values as the snapshot carries them: numbers, or NaN/±Inf as strings. */
export function values(c: Checker, v: unknown, path: string, max: number): Array<number | "NaN" | "Infinity" | "-Infinity"> {
  const a = c.arr(v, path, max);
  const out = new Array<number | "NaN" | "Infinity" | "-Infinity">(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x === "number" && Number.isFinite(x)) out[i] = x;
    else if (typeof x === "string" && SPECIAL_NUMBERS.includes(x)) out[i] = x as "NaN";
    else c.fail(c.atIndex(path, "", i), `must be a finite number or "NaN"/"Infinity"/"-Infinity", not ${kindOf(x)}`);
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * One value table entry: a shape, a dtype, stats, and `count` values as base64 whose length must be
 * exactly what `count` values of that dtype take (a wrong character or length names the entry).
 */
export function encodedValue(c: Checker, v: unknown, path: string): EncodedValue & { numel: number } {
  const o = c.obj(v, path);
  const s = shape(c, c.get(o, "shape", path), c.at(path, ".shape"));
  const dtype = c.oneOf(c.get(o, "dtype", path), c.at(path, ".dtype"), DTYPES);
  const count = c.int(c.get(o, "count", path), c.at(path, ".count"), 0, s.numel);
  const data = c.get(o, "data", path);
  if (typeof data !== "string") c.fail(c.at(path, ".data"), `must be base64 text, not ${kindOf(data)}`);
  const want = encodedLength(count, dtype);
  if (data.length !== want) {
    c.fail(c.at(path, ".data"), `has ${data.length} base64 characters, but ${count} ${dtype} value${count === 1 ? "" : "s"} take ${want}`);
  }
  if (!BASE64.test(data)) c.fail(c.at(path, ".data"), "is not base64 (only A-Z, a-z, 0-9, +, / and = padding)");
  // The padding matches the byte count, so decoding (done lazily, when a value is read) cannot fail.
  const pad = (3 - ((count * bytesPerValue(dtype)) % 3)) % 3;
  const has = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (has !== pad) c.fail(c.at(path, ".data"), `ends in ${has} "=" instead of ${pad} for ${count} ${dtype} value${count === 1 ? "" : "s"}`);
  const out: EncodedValue & { numel: number } = { shape: s.shape, dtype, count, data, numel: s.numel };
  const stats = c.get(o, "stats", path);
  if (stats !== undefined) {
    const a = c.arr(stats, c.at(path, ".stats"), 5);
    if (a.length !== 5) c.fail(c.at(path, ".stats"), `must be [min, max, mean, nanCount, infCount], not ${a.length} numbers`);
    out.stats = [
      c.finite(a[0], c.at(path, ".stats[0]")),
      c.finite(a[1], c.at(path, ".stats[1]")),
      c.finite(a[2], c.at(path, ".stats[2]")),
      c.int(a[3], c.at(path, ".stats[3]")),
      c.int(a[4], c.at(path, ".stats[4]")),
    ];
  }
  return out;
}

/**
 * An index into the value table, as far as it can be checked without the table (entries may come
 * after the places that refer to them): a number. `inTable` checks that it is a whole number that
 * names an entry.
 */
export function refIndex(c: Checker, v: unknown, path: string): ValueRef {
  if (typeof v !== "number") c.fail(path, `must be an index into snapshot.values, not ${kindOf(v)}`);
  return v;
}

export function optionalRefIndex(c: Checker, v: unknown, path: string): ValueRef | undefined {
  return v === undefined ? undefined : refIndex(c, v, path);
}

/** The index names an entry of the table. */
export function inTable(c: Checker, r: ValueRef, path: string, table: readonly unknown[]): ValueRef {
  return c.int(r, path, 0, table.length - 1);
}

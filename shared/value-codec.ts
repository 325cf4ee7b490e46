// Tensor values as they travel in a snapshot: little-endian bytes in base64 (float32 → 4 bytes a
// value, float64 → 8, int64 → 8 as a two's-complement integer), so that a value costs 5⅓ or 10⅔
// characters of JSON instead of the ~19 of a printed double, and NaN/±Inf/-0 survive as they are.
// Decoding is strict: a wrong character, a wrong length or a count that does not match the bytes is
// an error naming what is wrong (the input is hostile), never a crash or a silent guess.
// Pure TypeScript: no Node (Buffer), no DOM (atob), so the runner, host and page share it.
import type { DTypeName } from "./protocol";

/** Values a summarized tensor or step keeps (the first ones, row-major): both front ends use it. */
export const SAMPLE_VALUES = 16;

/** What a decoded value list holds: numbers, or NaN/±Inf as strings (as ValueSummary.values). */
export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Bytes per value of each dtype on the wire. */
export function bytesPerValue(dtype: DTypeName): number {
  return dtype === "float32" ? 4 : 8;
}

/** The length of the base64 text for `count` values of `dtype` (with padding). */
export function encodedLength(count: number, dtype: DTypeName): number {
  return Math.ceil((count * bytesPerValue(dtype)) / 3) * 4;
}

/** Base64 of `bytes` (of its first `length` bytes). */
export function base64Encode(bytes: Uint8Array, length = bytes.length): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  const total = Math.min(length, bytes.length);
  for (let start = 0; start < total; start += CHUNK) {
    const end = Math.min(total, start + CHUNK);
    let s = "";
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    }
    if (i < end) {
      const rest = end - i;
      const n = (bytes[i]! << 16) | (rest > 1 ? bytes[i + 1]! << 8 : 0);
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + (rest > 1 ? ALPHABET[(n >> 6) & 63]! : "=") + "=";
    }
    parts.push(s);
  }
  return parts.join("");
}

/** Strict base64 (standard alphabet, padded): throws an Error saying what is wrong. */
export function base64Decode(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`is not base64 (its length ${text.length} is not a multiple of 4)`);
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      if (code === 61 /* = */ && last && j >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = code < 128 ? LOOKUP[code]! : -1;
      if (v < 0) throw new Error(`is not base64 (character ${JSON.stringify(text[i + j])} at ${i + j})`);
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Where encodeValues puts the bytes before base64: a snapshot encodes thousands of small value
 * lists, and a buffer of its own for each costs more than the encoding. A larger list gets its own. */
const SCRATCH_BYTES = 16 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);
const scratchView = new DataView(scratch.buffer);

/** The first `count` of `values` (numbers, or NaN/±Inf as strings) as base64 little-endian bytes. */
export function encodeValues(values: ArrayLike<number | string>, dtype: DTypeName, count = values.length): string {
  const n = Math.min(count, values.length);
  const size = n * bytesPerValue(dtype);
  const bytes = size <= SCRATCH_BYTES ? scratch : new Uint8Array(size);
  const view = size <= SCRATCH_BYTES ? scratchView : new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const raw = values[i]!;
    const v = typeof raw === "number" ? raw : raw === "Infinity" ? Infinity : raw === "-Infinity" ? -Infinity : NaN;
    if (dtype === "float32") view.setFloat32(i * 4, v, true);
    else if (dtype === "float64") view.setFloat64(i * 8, v, true);
    else view.setBigInt64(i * 8, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0), true);
  }
  return base64Encode(bytes, size);
}

/** Numbers for JSON-free use: NaN/±Inf as the strings ValueSummary uses. */
function jsonNumber(v: number): JsonNumber {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

/**
 * `count` values of `dtype` from base64 text. Throws an Error (message without a path; the caller
 * adds it) when the text is not base64 or does not hold exactly `count` values.
 */
export function decodeValues(text: string, dtype: DTypeName, count: number): JsonNumber[] {
  if (typeof text !== "string") throw new Error("must be base64 text");
  const want = encodedLength(count, dtype);
  if (text.length !== want) {
    throw new Error(`has ${text.length} base64 characters, but ${count} ${dtype} value${count === 1 ? "" : "s"} take ${want}`);
  }
  const bytes = base64Decode(text);
  const per = bytesPerValue(dtype);
  if (bytes.length !== count * per) throw new Error(`holds ${bytes.length} bytes, but ${count} ${dtype} values take ${count * per}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<JsonNumber>(count);
  for (let i = 0; i < count; i++) {
    if (dtype === "float32") out[i] = jsonNumber(view.getFloat32(i * 4, true));
    else if (dtype === "float64") out[i] = jsonNumber(view.getFloat64(i * 8, true));
    else out[i] = Number(view.getBigInt64(i * 8, true));
  }
  return out;
}

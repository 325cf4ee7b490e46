// The parent's incremental JSON parser (runner/json-stream.ts): for any text and any way of cutting
// it into chunks it returns what JSON.parse returns, or rejects what JSON.parse rejects; and the
// large form keeps the bytes it buffers bounded.
import { describe, expect, it } from "vitest";
import { JsonStream, JsonStreamError, MAX_DEPTH } from "../../runner/json-stream";

/** Parse `text` cut into chunks of the given sizes (cycled), with small thresholds. */
function parse(text: string | Buffer, chunkSizes: number[] = [7], whole = 16, piece = 8): unknown {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const s = new JsonStream(whole, piece);
  let o = 0;
  for (let k = 0; o < bytes.length; k++) {
    const n = chunkSizes[k % chunkSizes.length]!;
    s.push(bytes.subarray(o, o + n));
    o += n;
  }
  return s.end();
}

/** A seeded pseudo-random generator (the same documents every run). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const ODD_TEXT = ['a', 'é', '€', '😀', '"', "\\", "\n", "\u0001", "\u2028", "\ud800", "x".repeat(30), "ü".repeat(13)];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 5 || k < 0.35) {
    const t = r();
    if (t < 0.25) return Math.round((r() - 0.5) * 1e6) / 1e3;
    if (t < 0.3) return r() < 0.5 ? true : null;
    if (t < 0.35) return -1.5e-300;
    return Array.from({ length: Math.floor(r() * 6) }, () => ODD_TEXT[Math.floor(r() * ODD_TEXT.length)]).join("");
  }
  if (k < 0.65) return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) o[ODD_TEXT[Math.floor(r() * ODD_TEXT.length)]! + i] = randomValue(r, depth + 1);
  return o;
}

describe("JsonStream", () => {
  it("returns what JSON.parse returns, for random documents cut anywhere", () => {
    const r = rng(14);
    for (let i = 0; i < 300; i++) {
      const text = JSON.stringify(randomValue(r, 0), null, i % 3 === 0 ? 1 : undefined);
      const sizes = [1 + Math.floor(r() * 40), 1 + Math.floor(r() * 3)];
      expect(parse(text, sizes, 16, 48), text).toEqual(JSON.parse(text)); // keys up to 48 bytes
      expect(parse(text, [text.length + 1], 1 << 20, 1 << 20)).toEqual(JSON.parse(text));
      // The whole form from many pieces (each turned into text on its own), characters cut anywhere.
      expect(parse(text, sizes, 1 << 20, 1 << 20), text).toEqual(JSON.parse(text));
    }
  });

  it("turns a large string into text a piece at a time, escapes and multi-byte characters intact", () => {
    const s = `${"ab\\\"€😀\n\u0000\ud83d".repeat(500)}\ude00 end`;
    const text = JSON.stringify({ type: "result", s: [s, { t: s }] });
    for (const sizes of [[1], [3], [5, 2], [64], [1000]]) expect(parse(text, sizes, 16, 32)).toEqual(JSON.parse(text));
    // \u escapes written out, cut in every place
    const escaped = `"${"\\u00e9\\ud83d\\ude00\\\\\\n".repeat(40)}"`;
    for (let c = 1; c < 12; c++) expect(parse(escaped, [c], 4, 8)).toBe(JSON.parse(escaped));
  });

  it('keeps "__proto__" an own key, as JSON.parse does', () => {
    const text = '{"__proto__":{"polluted":1},"big":"' + "x".repeat(100) + '"}';
    const v = parse(text, [7], 16, 16) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(v, "__proto__")).toBe(true);
    expect(v).toEqual(JSON.parse(text));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("the whole form from many pieces: invalid UTF-8 becomes U+FFFD as Buffer#toString makes it", () => {
    const bytes = Buffer.concat([Buffer.from('["a'), Buffer.from([0xe2, 0x82]), Buffer.from('b", "'), Buffer.from([0xff]), Buffer.from('€"]')]);
    const expected: unknown = JSON.parse(bytes.toString("utf8"));
    for (const n of [1, 2, 3, 5]) expect(parse(bytes, [n], 1 << 20, 1 << 20)).toEqual(expected);
  });

  it("rejects what JSON.parse rejects, in both forms", () => {
    const bad = [
      "", " ", "[1,]", "[1 2]", '{"a" 1}', '{"a":1,}', "{a:1}", "[1]]", "[[1]", '"abc', "[01]", "[tru]",
      '{"a":1}{"b":2}', "[1] 2", '["\u0001"]', '["\\x"]', "[-]", '{"a":[1,{"b":2]}', "]", "}", "[,1]",
      `["${"x".repeat(40)}`, `{"k":"${"y".repeat(40)}"`, `[${"1,".repeat(30)}`,
    ];
    for (const t of bad) {
      expect(() => JSON.parse(t), t).toThrow();
      expect(() => parse(t), t).toThrow(JsonStreamError);
      expect(() => parse(t, [t.length + 1], 1 << 20, 1 << 20), t).toThrow(JsonStreamError);
    }
  });

  it("refuses nesting deeper than MAX_DEPTH in the large form, a huge key or number, without a stack overflow", () => {
    const deep = "[".repeat(MAX_DEPTH + 10) + '"' + "x".repeat(50) + '"' + "]".repeat(MAX_DEPTH + 10);
    expect(() => parse(deep, [5], 4, 8)).toThrow(/nested deeper than 64/);
    const veryDeep = "[".repeat(200_000);
    expect(() => parse(veryDeep, [4096], 4, 8)).toThrow(JsonStreamError);
    expect(() => parse(`{"${"k".repeat(40)}":1}`, [5], 4, 8)).toThrow(/key was longer/);
    expect(() => parse(`[${"1".repeat(40)}]`, [5], 4, 8)).toThrow(/number or literal was longer/);
    // Within the limit it is fine.
    const ok = "[".repeat(MAX_DEPTH - 1) + '"' + "x".repeat(50) + '"' + "]".repeat(MAX_DEPTH - 1);
    expect(parse(ok, [5], 4, 8)).toEqual(JSON.parse(ok));
  });

  it("holds a bounded number of bytes while a large message arrives", () => {
    const piece = 4096;
    const s = new JsonStream(piece, piece);
    const line = Buffer.from(JSON.stringify({ type: "result", console: Array.from({ length: 200 }, (_, i) => ({ text: String(i % 10).repeat(20_000) })), data: "z".repeat(500_000) }));
    let maxHeld = 0;
    for (let o = 0; o < line.length; o += 65_536) {
      s.push(line.subarray(o, o + 65_536));
      maxHeld = Math.max(maxHeld, heldBytes(s));
    }
    expect(s.end()).toEqual(JSON.parse(line.toString()));
    expect(maxHeld).toBeLessThanOrEqual(piece + 65_536);
  });
});

/** The bytes a JsonStream holds unparsed (its private buffers, read for this test only). */
function heldBytes(s: JsonStream): number {
  const o = s as unknown as { whole: Buffer[] | null; member: { size: number } | null; big: { size: number } | null };
  return (o.whole?.reduce((a, b) => a + b.length, 0) ?? 0) + (o.member?.size ?? 0) + (o.big?.size ?? 0);
}

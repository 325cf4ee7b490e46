// The value codec (shared/value-codec.ts) and the snapshot codec (shared/snapshot-codec.ts): values
// survive the trip as they are (NaN, ±Inf, -0, float32 rounding, int64), base64 matches Node's own,
// malformed text is an error that says what is wrong, and a snapshot's value table is shared.
import { describe, expect, it } from "vitest";
import { base64Decode, base64Encode, decodeValues, encodeValues, encodedLength } from "../../shared/value-codec";
import { decodeSnapshot, encodeSnapshot } from "../../shared/snapshot-codec";
import type { GraphSnapshot, ValueSummary } from "../../shared/protocol";

describe("base64", () => {
  it("matches Node's Buffer for every length and byte", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
      const text = base64Encode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(Array.from(base64Decode(text))).toEqual(Array.from(bytes));
    }
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 255);
    expect(base64Encode(big)).toBe(Buffer.from(big).toString("base64"));
  });

  it("refuses what is not base64, saying why", () => {
    expect(() => base64Decode("abc")).toThrow(/length 3 is not a multiple of 4/);
    expect(() => base64Decode("ab*d")).toThrow(/character "\*" at 2/);
    expect(() => base64Decode("a=bc")).toThrow(/character "=" at 1/);
    expect(() => base64Decode("abcé123")).toThrow(/not base64/);
  });
});

describe("values", () => {
  it("float64: NaN, ±Infinity, -0 and every double come back exactly", () => {
    const vals = [0, -0, 1.5, -2.25, Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2, NaN, Infinity, -Infinity];
    const back = decodeValues(encodeValues(vals, "float64"), "float64", vals.length);
    expect(back.slice(0, 7)).toEqual(vals.slice(0, 7));
    expect(Object.is(back[1], -0)).toBe(true);
    expect(back.slice(7)).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  it("float32: values are float32 (as the tensor holds them); NaN/±Inf as strings; strings in also work", () => {
    const vals = [0.1, -0, 3e38, 1e39, "NaN", "-Infinity", 16777217];
    const back = decodeValues(encodeValues(vals, "float32"), "float32", vals.length);
    expect(back).toEqual([Math.fround(0.1), -0, Math.fround(3e38), "Infinity", "NaN", "-Infinity", 16777216]);
    expect(Object.is(back[1], -0)).toBe(true);
    expect(encodeValues(vals, "float32").length).toBe(encodedLength(vals.length, "float32"));
  });

  it("int64: whole numbers up to 2^53, negative ones, in 8 bytes each", () => {
    const vals = [0, -1, 2 ** 53, -(2 ** 53), 123456789012, 7];
    expect(decodeValues(encodeValues(vals, "int64"), "int64", vals.length)).toEqual(vals);
    expect(encodeValues(vals, "int64").length).toBe(encodedLength(6, "int64"));
  });

  it("a count that does not match the text is an error naming both", () => {
    const text = encodeValues([1, 2, 3], "float32");
    expect(() => decodeValues(text, "float32", 4)).toThrow("has 16 base64 characters, but 4 float32 values take 24");
    expect(() => decodeValues(text, "float64", 3)).toThrow("has 16 base64 characters, but 3 float64 values take 32");
    expect(decodeValues("", "float32", 0)).toEqual([]);
  });
});

describe("snapshots", () => {
  const summary = (values: number[], extra: Partial<ValueSummary> = {}): ValueSummary => ({ shape: [values.length], dtype: "float32", numel: values.length, values, truncated: false, ...extra });
  const snapshot = (): GraphSnapshot => {
    const g = summary([0.5, 0.25]);
    const same = summary([0.5, 0.25]);
    return {
      version: 2, file: "/x.ts", language: "typescript", tracedAt: "t", durationMs: 1,
      limits: { timeoutMs: 1, nodeCap: 1, valueCap: 1, stepCap: 1, memoryMb: 1 },
      console: [], warnings: [], edges: [], nodesTruncated: false,
      tensors: [
        { id: "t1", label: "x", kind: "leaf", shape: [2], dtype: "float32", value: summary([1, 2]), grad: g, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null },
        { id: "t2", label: "big", kind: "constant", shape: [1000], dtype: "float32", value: summary([1, 2, 3], { shape: [1000], numel: 1000, truncated: true, stats: { min: 0.1, max: 3, mean: 1.5, nanCount: 1, infCount: 0 } }), grad: null, requiresGrad: false, isLeaf: true, retainsGrad: false, gradFn: null },
      ],
      nodes: [{ id: "n1", name: "AccumulateGrad", kind: "accumulate", sequenceNr: null, tensor: "t1", inputs: ["grad"], formulas: [], saved: [], released: false }],
      backward: [{ index: 0, kind: "backward", roots: ["t1"], stepsTruncated: false, steps: [{ index: 0, node: "n1", gradIn: same, gradsOut: [], leaf: "t1", gradAfter: g }] }],
    };
  };

  it("one table entry per distinct value list, shared by the tensor's grad and the step's gradients", () => {
    const w = encodeSnapshot(snapshot());
    expect(w.values.length).toBe(3);
    expect(w.tensors[0]!.grad).toBe(w.backward[0]!.steps[0]!.gradIn);
    expect(w.backward[0]!.steps[0]!.gradAfter).toBe(w.tensors[0]!.grad);
    expect(w.values[w.tensors[1]!.value]).toEqual({ shape: [1000], dtype: "float32", count: 3, data: encodeValues([1, 2, 3], "float32"), stats: [0.1, 3, 1.5, 1, 0] });
  });

  it("entries with the same first values but another shape, count, dtype or statistics stay apart; equal ones are one", () => {
    const s = snapshot();
    const stats = (mean: number) => ({ min: 0, max: 1, mean, nanCount: 0, infCount: 0 });
    const v = (extra: Partial<ValueSummary>) => summary([0, 0], { shape: [4], numel: 4, truncated: true, ...extra });
    // 0 and 0: the same bytes (and base64) whatever follows them.
    const kinds = [v({}), v({ stats: stats(0.25) }), v({ stats: stats(0.5) }), v({ shape: [2, 2] }), v({ dtype: "float64" }), summary([0, 0]), v({ stats: stats(0.25) }), v({ stats: { min: -0, max: 1, mean: 0.25, nanCount: 0, infCount: 0 } })];
    s.tensors = kinds.map((value, i) => ({ ...s.tensors[1]!, id: `t${i + 10}`, value }));
    s.backward = [];
    const w = encodeSnapshot(s);
    const refs = w.tensors.map((t) => t.value);
    expect(new Set(refs.slice(0, 6)).size).toBe(6);
    expect(refs[6]).toBe(refs[1]);
    expect(refs[7]).toBe(refs[1]); // -0 and 0 read the same once sent
    expect(w.values).toHaveLength(6);
    const back = decodeSnapshot(JSON.parse(JSON.stringify(w)) as ReturnType<typeof encodeSnapshot>);
    expect(back.tensors.map((t) => [t.value.shape, t.value.dtype, t.value.stats?.mean])).toEqual(kinds.map((k) => [k.shape, k.dtype, k.stats?.mean]));
  });

  it("thousands of entries with the same first values and different statistics: one entry each, in linear time", () => {
    const s = snapshot();
    const n = 20_000;
    s.tensors = Array.from({ length: n }, (_, i) => ({ ...s.tensors[1]!, id: `t${i + 10}`, value: summary([0, 0], { shape: [100], numel: 100, truncated: true, stats: { min: 0, max: i, mean: i / 100, nanCount: 0, infCount: 0 } }) }));
    s.backward = [];
    const w = encodeSnapshot(s);
    expect(w.values).toHaveLength(n);
    expect(new Set(w.tensors.map((t) => t.value)).size).toBe(n);
  });

  it("decodes back to what was encoded ", () => {
    const s = snapshot();
    const back = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(s))) as ReturnType<typeof encodeSnapshot>);
    expect(back).toEqual(s);
    // One decoded object per entry: the step's gradAfter is the tensor's grad.
    expect(back.backward[0]!.steps[0]!.gradAfter).toBe(back.tensors[0]!.grad);
    // Encoding a decoded snapshot again re-uses its value table, and sends changed fields as changed.
    const w = encodeSnapshot(s);
    const d = decodeSnapshot(w);
    expect(encodeSnapshot(d)).toEqual(w);
    expect(encodeSnapshot(d).values[0]).toBe(w.values[0]);
    d.file = "/changed.ts";
    d.tensors[0]!.grad = summary([9]);
    const again = encodeSnapshot(d);
    expect(again.file).toBe("/changed.ts");
    expect(again.values[again.tensors[0]!.grad!]!.data).toBe(encodeValues([9], "float32"));
  });

  it("decoded values are read lazily through one shared accessor: an own, enumerable, settable field", () => {
    const d = decodeSnapshot(encodeSnapshot(snapshot()));
    const [a, b] = [d.tensors[0]!.value, d.tensors[1]!.value];
    const da = Object.getOwnPropertyDescriptor(a, "values")!;
    const db = Object.getOwnPropertyDescriptor(b, "values")!;
    // Not read yet: an accessor, the same functions for every value (no closures per value).
    expect(da.get).toBeTypeOf("function");
    expect(da.get).toBe(db.get);
    expect(da.enumerable).toBe(true);
    expect(Object.keys(a)).toEqual(["shape", "dtype", "numel", "values", "truncated"]);
    // Read: decoded once, then a plain field.
    expect(a.values).toEqual([1, 2]);
    expect(Object.getOwnPropertyDescriptor(a, "values")).toMatchObject({ value: [1, 2], writable: true, enumerable: true });
    expect(a.values).toBe(a.values);
    // Set before it was read: the new values, never the table's.
    b.values = [7];
    expect(b.values).toEqual([7]);
    expect(JSON.parse(JSON.stringify(d.tensors[1]!.value))).toMatchObject({ values: [7] });
    expect({ ...d.tensors[0]!.grad! }.values).toEqual([0.5, 0.25]);
  });
});

describe("encodeValues' scratch buffer", () => {
  it("a small list after a large one, and after another small one, encodes only its own values", () => {
    const large = Array.from({ length: 5000 }, (_, i) => i / 7); // 40,000 bytes as float64: its own buffer
    const small = [1.5, -2, 3];
    const expected = base64Encode(new Uint8Array(Float64Array.from(small).buffer));
    expect(encodeValues(large, "float64")).toHaveLength(encodedLength(5000, "float64"));
    expect(encodeValues(small, "float64")).toBe(expected);
    expect(encodeValues([9, 9, 9, 9, 9, 9], "float32")).toHaveLength(encodedLength(6, "float32"));
    expect(encodeValues(small, "float64")).toBe(expected);
    expect(decodeValues(encodeValues([0.25], "float32"), "float32", 1)).toEqual([0.25]);
    expect(encodeValues([], "float32")).toBe("");
  });
});

import { describe, expect, it } from "vitest";
import { formatNumber, formatShape, formatValue } from "../../extension/format";
import type { ValueSummary } from "../../shared/protocol";

const value = (shape: number[], values: ValueSummary["values"], extra: Partial<ValueSummary> = {}): ValueSummary => ({
  shape,
  dtype: "float32",
  numel: shape.reduce((a, b) => a * b, 1),
  values,
  truncated: false,
  ...extra,
});

describe("formatNumber", () => {
  it.each([
    [2, "2"],
    [0.800000011920929, "0.8"],
    [0.20000000298023224, "0.2"],
    [-3.4000000953674316, "-3.4"],
    [1e-7, "1e-7"],
    [123456.789, "123457"],
    [-0, "0"],
    ["NaN", "NaN"],
    ["-Infinity", "-Infinity"],
  ] as const)("%s → %s", (v, s) => expect(formatNumber(v)).toBe(s));
});

describe("formatShape / formatValue", () => {
  it("names the shape", () => {
    expect(formatShape([])).toBe("scalar");
    expect(formatShape([2, 3])).toBe("[2, 3]");
  });

  it("shows scalars, vectors and small matrices whole", () => {
    expect(formatValue(value([], [4]))).toBe("4");
    expect(formatValue(value([3], [1, 2, 0.30000001192092896]))).toBe("[1, 2, 0.3]");
    expect(formatValue(value([2, 2], [1, 2, 3, 4]))).toBe("[[1, 2], [3, 4]]");
    expect(formatValue(value([2, 1, 2], [1, 2, 3, 4]))).toBe("[[[1, 2]], [[3, 4]]]");
    expect(formatValue(value([0], []))).toBe("[] (empty)");
  });

  it("shows the head and the statistics of large or truncated tensors", () => {
    const v = value([1000], [0.5, 1, "NaN"], { truncated: true, stats: { min: -2, max: 3, mean: 0.25, nanCount: 1, infCount: 0 } });
    expect(formatValue(v, { head: 2 })).toBe("[0.5, 1, … 1,000 values] min -2 · max 3 · mean 0.25 · 1 NaN");
    expect(formatValue(value([4, 4], Array.from({ length: 16 }, (_, i) => i)), { maxElements: 8, head: 3 })).toBe("[0, 1, 2, … 16 values]");
  });
});

describe("formatValue on hostile values", () => {
  it("a shape that disagrees with the values (x.shape = [1e9, 1]) shows flat, at once", () => {
    const v: ValueSummary = { shape: [1e9, 1], dtype: "float32", numel: 3, values: [1, 2, 3], truncated: false };
    expect(formatValue(v)).toBe("[1, 2, 3, … 3 values]");
    const neg: ValueSummary = { shape: [-5, 2], dtype: "float32", numel: 2, values: [1, 2], truncated: false };
    expect(formatValue(neg)).toBe("[1, 2, … 2 values]");
  });

  it("a shape of 10,000 dimensions is cut in its text", () => {
    const s = formatShape(Array.from({ length: 10_000 }, () => 1));
    expect(s.length).toBeLessThan(300);
    expect(s).toMatch(/… 9936 more\]$/);
  });
});

// shared/format.ts: the one formatter of numbers, shapes, counts and values, used by the extension
// (hovers, inline values), the graph view (boxes, outline, step text, loss plot, landscape readouts)
// and the inspector alike.
import { describe, expect, it } from "vitest";
import { describeShape, formatCount, formatNumber, formatShape, formatValue, plural, SHORT_DIGITS, SHORT_VALUE } from "../../shared/format";
import type { ValueSummary } from "../../shared/protocol";
import * as view from "../../webview/format";
import { fmt } from "../../webview/landscape-math";
import { formatScalar } from "../../shared/dot";

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
    [65536, "65536"],
    [0.800000011920929, "0.8"],
    [0.20000000298023224, "0.2"],
    [-3.4000000953674316, "-3.4"],
    [0.123456789, "0.123457"],
    [1e-7, "1e-7"],
    [-0.00001234, "-1.234e-5"],
    [123456.789, "123457"],
    [1234567.5, "1.23457e+6"],
    [-0, "0"],
    ["NaN", "nan"],
    ["Infinity", "inf"],
    ["-Infinity", "-inf"],
    [NaN, "nan"],
    [-Infinity, "-inf"],
  ] as const)("%s → %s (6 significant digits: hovers, inspector)", (v, s) => expect(formatNumber(v)).toBe(s));

  it.each([
    [0.123456789, "0.1235"],
    [1.23456, "1.235"],
    [12.345678, "12.35"],
    [12345.6, "1.235e+4"],
    [12345, "12345"],
    [0.800000011920929, "0.8"],
  ] as const)("%s → %s at 4 significant digits (boxes, outline, step text)", (v, s) => expect(formatNumber(v, SHORT_DIGITS)).toBe(s));

  it("the view's formatNumber is the same rule at 4 digits, and so are the landscape's readouts and the DOT labels", () => {
    for (const x of [0.123456789, -3.4000000953674316, 1e-7, 1234567.5, 0, 2, 12345.6]) {
      expect(view.formatNumber(x)).toBe(formatNumber(x, SHORT_DIGITS));
      expect(fmt(x)).toBe(formatNumber(x, SHORT_DIGITS).replace(/^-/, "−").replace(/e-/, "e−"));
      expect(formatScalar(value([], [x]))).toBe(formatNumber(x, SHORT_DIGITS));
    }
    expect([fmt(NaN), fmt(Infinity), fmt(-Infinity)]).toEqual(["NaN", "∞", "−∞"]);
  });
});

describe("formatShape / describeShape / counts", () => {
  it("one notation: [4×2], [] for a 0-dim tensor, with its word where it stands alone", () => {
    expect(formatShape([])).toBe("[]");
    expect(formatShape([3])).toBe("[3]");
    expect(formatShape([2, 3])).toBe("[2×3]");
    expect(describeShape([])).toBe("[] (scalar)");
    expect(describeShape([4, 2])).toBe("[4×2]");
    expect(view.formatShape([4, 2])).toBe("[4×2]");
    expect(formatScalar(value([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]))).toBe("[4×2]");
  });

  it("counts with thousands separators", () => {
    expect(formatCount(65536)).toBe("65,536");
    expect(plural(1, "tensor")).toBe("1 tensor");
    expect(plural(1200, "grad_fn node")).toBe("1,200 grad_fn nodes");
  });
});

describe("formatValue", () => {
  it("shows scalars, vectors and small matrices whole", () => {
    expect(formatValue(value([], [4]))).toBe("4");
    expect(formatValue(value([3], [1, 2, 0.30000001192092896]))).toBe("[1, 2, 0.3]");
    expect(formatValue(value([2, 2], [1, 2, 3, 4]))).toBe("[[1, 2], [3, 4]]");
    expect(formatValue(value([2, 1, 2], [1, 2, 3, 4]))).toBe("[[[1, 2]], [[3, 4]]]");
    expect(formatValue(value([0, 3], []))).toBe("[0×3] (empty)");
    expect(formatValue(null)).toBe("—");
  });

  it("shows the shape and the head of large or truncated tensors, and on request their statistics", () => {
    const v = value([1000], [0.5, 1, "NaN"], { truncated: true, stats: { min: -2, max: 3, mean: 0.25, nanCount: 1, infCount: 0 } });
    expect(formatValue(v, { head: 2 })).toBe("[1000] 0.5, 1, …");
    expect(formatValue(v, { head: 2, stats: true })).toBe("[1000] 0.5, 1, … · min -2 · max 3 · mean 0.25 · 1 NaN");
    expect(formatValue(value([4, 4], Array.from({ length: 16 }, (_, i) => i)), { maxElements: 8, head: 3 })).toBe("[4×4] 0, 1, 2, …");
  });

  it("the short form (boxes' neighbours: outline, step text, inline values) is the same rule with fewer digits and elements", () => {
    const big = value([4, 2], [0.123456, 2, 3, 4, 5, 6, 7, 8]);
    expect(formatValue(big, SHORT_VALUE)).toBe("[4×2] 0.1235, 2, 3, …");
    expect(view.formatValue(big)).toBe(formatValue(big, SHORT_VALUE));
    expect(formatValue(value([2, 2], [0.123456, 2, 3, 4]), SHORT_VALUE)).toBe("[[0.1235, 2], [3, 4]]");
    expect(view.formatValue(null)).toBe("—");
  });
});

describe("formatValue on hostile values", () => {
  it("a shape that disagrees with the values (x.shape = [1e9, 1]) shows flat, at once", () => {
    const v: ValueSummary = { shape: [1e9, 1], dtype: "float32", numel: 3, values: [1, 2, 3], truncated: false };
    expect(formatValue(v)).toBe("[1000000000×1] 1, 2, 3");
    const neg: ValueSummary = { shape: [-5, 2], dtype: "float32", numel: 2, values: [1, 2], truncated: false };
    expect(formatValue(neg)).toBe("[-5×2] 1, 2");
  });

  it("a shape of 10,000 dimensions is cut in its text", () => {
    const s = formatShape(Array.from({ length: 10_000 }, () => 1));
    expect(s.length).toBeLessThan(300);
    expect(s).toMatch(/ … 9936 more\]$/);
  });
});

import { describe, expect, it } from "vitest";
import { formatTensor, formatValues, R_PRINT_MAX_LINES, R_TRUNCATION_NOTE } from "../engine/format";

// Expected texts are derived by hand from libtorch's aten/src/ATen/core/Formatting.cpp (classic
// iostream version): __printFormat picks (scale, width sz, notation) from
//   intMode (every finite value integral), expMin/expMax = floor(log10|x|) + 1 of the smallest /
//   "largest" finite magnitude (the largest is tracked with a signed comparison),
// then  intMode:   expMax > 9 -> %.4e, sz 11;            else defaultfloat (%g), sz = expMax + 1
//       otherwise: expMax - expMin > 4 -> %.4e, sz 11 (12 if |exp| > 99)
//                  expMax > 5 or < 0   -> %.4f, sz 7, scale 10^(expMax - 1), "scale *" line
//                  else                -> %.4f, sz = expMax == 0 ? 7 : expMax + 6.
// Each value is written with setw(sz); matrix rows join values with " "; line size is 80.
const lines = (...ls: string[]): string => ls.join("\n");

describe("0-dim", () => {
  // Deliberate deviation (engine/format.ts): libtorch prints a 0-dim tensor with defaultfloat
  // ("-3.4"); we print it like the 1-element vector the textbook shows, without the alignment
  // space, because the product's users compare our output with that text.
  it("prints like the textbook's 1-element tensor, with the suffixes", () => {
    expect(formatTensor([-3.4], [], "float32", ["grad_fn = <SubBackward1>"])).toBe(
      lines("torch_tensor", "-3.4000", "[ CPUFloatType{} ][ grad_fn = <SubBackward1> ]"),
    );
    // Same digits as the vector rule: " 0.8000" for [1] → "0.8000" for [].
    expect(formatValues([0.800000011920929], [], "float32")).toBe("0.8000");
  });

  it("integers without decimals, the vector rules otherwise", () => {
    expect(formatTensor([8], [], "float32")).toBe(lines("torch_tensor", "8", "[ CPUFloatType{} ]"));
    expect(formatValues([Math.sqrt(60)], [], "float32")).toBe("7.7460");
    expect(formatValues([NaN], [], "float64")).toBe("nan");
    expect(formatValues([1e-8], [], "float64")).toBe(formatValues([1e-8], [1], "float64").trim());
  });
});

describe("1-dim", () => {
  it("fractional values: fixed, 4 decimals, width 7 for |x| < 10", () => {
    // expMax = floor(log10 0.8) + 1 = 0 -> sz 7 -> " 0.8000" (float32 0.800000011920929).
    expect(formatTensor([0.800000011920929], [1], "float32")).toBe(
      lines("torch_tensor", " 0.8000", "[ CPUFloatType{1} ]"),
    );
    expect(formatTensor(new Float32Array([0.8]), [1], "float32")).toBe(
      lines("torch_tensor", " 0.8000", "[ CPUFloatType{1} ]"),
    );
  });

  it("integer-valued: no decimals, width expMax + 1", () => {
    expect(formatTensor([1], [1], "float32")).toBe(lines("torch_tensor", " 1", "[ CPUFloatType{1} ]"));
    // expMax = floor(log10 200) + 1 = 3 -> sz 4.
    expect(formatValues([10, 200, -3], [3], "float32")).toBe(lines("  10", " 200", "  -3"));
  });

  it("one fractional value switches the whole tensor to fixed notation", () => {
    // expMax = 1 (for 2.5) -> sz 7.
    expect(formatValues([1, 2.5], [2], "float32")).toBe(lines(" 1.0000", " 2.5000"));
  });

  it("exact ties round half to even, as glibc printf does", () => {
    // 0.03125 is exact in binary; %.4f sees an exact tie 0.0312|5 -> "0.0312" (toFixed says 0.0313).
    expect(formatValues([0.03125, 0.5], [2], "float64")).toBe(lines(" 0.0312", " 0.5000"));
  });

  it("integer mode uses %g, so seven-digit integers go to exponent form", () => {
    // intMode, expMax = 7 -> sz 8, defaultfloat precision 6 -> "1.23457e+06" overflows the field.
    expect(formatValues([1234567, 1], [2], "float64")).toBe(lines("1.23457e+06", "       1"));
  });
});

describe("negative values", () => {
  it("align right in a common width", () => {
    // expMax from 1.5, 2.25, 3 -> 1, sz 7.
    expect(formatTensor([-1.5, 2.25, 3, -4], [2, 2], "float32")).toBe(
      lines("torch_tensor", "-1.5000  2.2500", " 3.0000 -4.0000", "[ CPUFloatType{2,2} ]"),
    );
  });

  it("keep libtorch's signed comparison for the width", () => {
    // `if (self_p[i] > expMax)`: -20.25 > 1.5 is false, so expMax stays 1 -> sz 7, misaligned.
    expect(formatValues([1.5, -20.25], [2], "float32")).toBe(lines(" 1.5000", "-20.2500"));
    // First element sets expMax = |-20.25| -> 2 -> sz 8.
    expect(formatValues([-20.25, 1.5], [2], "float32")).toBe(lines("-20.2500", "  1.5000"));
  });
});

describe("matrix", () => {
  it("int64 matrix (as in R torch's docs for torch_tensor(matrix(1:6, 2)))", () => {
    expect(formatTensor([1, 3, 5, 2, 4, 6], [2, 3], "int64")).toBe(
      lines("torch_tensor", " 1  3  5", " 2  4  6", "[ CPULongType{2,3} ]"),
    );
  });

  it("splits wide matrices into column blocks", () => {
    // sz 7 -> (80 - 0) / 8 = 10 columns per block. "Columns a to b" is followed by the first row
    // on the same line (no newline in __printMatrix); blocks after the first start with "\n".
    const data = Array.from({ length: 24 }, (_, i) => (i + 1) / 100);
    expect(formatTensor(data, [2, 12], "float32")).toBe(
      lines(
        "torch_tensor",
        "Columns 1 to 10 0.0100  0.0200  0.0300  0.0400  0.0500  0.0600  0.0700  0.0800  0.0900  0.1000",
        " 0.1300  0.1400  0.1500  0.1600  0.1700  0.1800  0.1900  0.2000  0.2100  0.2200",
        "",
        "Columns 11 to 12 0.1100  0.1200",
        " 0.2300  0.2400",
        "[ CPUFloatType{2,12} ]",
      ),
    );
  });

  it("exactly 10 columns of width 7 fit without a split", () => {
    const v = formatValues(new Array<number>(10).fill(0.5), [1, 10], "float32");
    expect(v).toBe(new Array<string>(10).fill(" 0.5000").join(" "));
  });
});

describe("scale factor and scientific notation", () => {
  it("large magnitudes share a power-of-ten scale", () => {
    // expMax = 6, expMin = 5: difference 1, expMax > 5 -> scale 10^5 printed with %g -> "1e+05 *".
    expect(formatTensor([123456.7, 23456.7], [2], "float64")).toBe(
      lines("torch_tensor", "1e+05 *", " 1.2346", " 0.2346", "[ CPUDoubleType{2} ]"),
    );
  });

  it("small magnitudes too, and matrix rows after the first get an extra space", () => {
    // expMax = expMin = -2 -> scale 10^-3. In __printMatrix a row break with scale != 1 writes
    // indent + " ", so the second row is shifted by one column (libtorch's own output does this).
    expect(formatValues([0.001, 0.002, 0.003, 0.004], [2, 2], "float64")).toBe(
      lines("0.001 *", " 1.0000  2.0000", "  3.0000  4.0000"),
    );
  });

  it("reproduces libtorch output quoted in pytorch/pytorch#43490", () => {
    // 2-d: expMax = floor(log10 6.6782e-4) + 1 = -3 -> scale 1e-4, printed "%g" -> "0.0001 *".
    expect(formatValues([0.00014593, 0.00010351, 0.00066782, 0.00049104], [2, 2], "float32")).toBe(
      lines("0.0001 *", " 1.4593  1.0351", "  6.6782  4.9104"),
    );
    // 4-d slice: the negatives never raise expMax (signed comparison), so expMax comes from
    // 0.012322 -> -1 -> scale 0.01; indent 1 before the scale line and before each row.
    expect(formatValues([0.001006, 0.012322, -0.029587, -0.02228], [1, 1, 2, 2], "float32")).toBe(
      lines("(1,1,.,.) = ", " 0.01 *", "  0.1006  1.2322", "  -2.9587 -2.2280"),
    );
  });

  it("wide ranges use %.4e", () => {
    // expMin = -4, expMax = 1: difference 5 > 4 -> scientific, sz 11.
    expect(formatValues([1e-5, 1], [2], "float64")).toBe(lines(" 1.0000e-05", " 1.0000e+00"));
    // integer mode with expMax = 11 > 9 -> scientific.
    expect(formatValues([1e10, 1], [2], "float64")).toBe(lines(" 1.0000e+10", " 1.0000e+00"));
    // |expMin| = 119 > 99 -> sz 12.
    expect(formatValues([1e-120, 1], [2], "float64")).toBe(lines(" 1.0000e-120", "  1.0000e+00"));
  });
});

describe("nan and inf", () => {
  it("print as nan / inf / -inf in the common width", () => {
    // Non-finite values are skipped by the scan: expMax from 1.5 -> sz 7.
    expect(formatValues([NaN, Infinity, -Infinity, 1.5], [4], "float32")).toBe(
      lines("    nan", "    inf", "   -inf", " 1.5000"),
    );
  });

  it("all non-finite: integer mode with expMin = expMax = 1 -> sz 2", () => {
    expect(formatValues([NaN, Infinity], [2], "float64")).toBe(lines("nan", "inf"));
  });
});

describe("3-d and higher", () => {
  it("prints 2-d slices under (i,.,.) headings, indented by one", () => {
    expect(formatTensor([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], [2, 2, 2], "float32")).toBe(
      lines(
        "torch_tensor",
        "(1,.,.) = ",
        "  0.5000  1.0000",
        "  1.5000  2.0000",
        "",
        "(2,.,.) = ",
        "  2.5000  3.0000",
        "  3.5000  4.0000",
        "[ CPUFloatType{2,2,2} ]",
      ),
    );
  });

  it("visits slices with the first index varying fastest", () => {
    // __printTensor increments counter[0] first: (1,1), (2,1), (1,2), (2,2).
    expect(formatValues([1, 2, 3, 4], [2, 2, 1, 1], "int64")).toBe(
      lines("(1,1,.,.) = ", "  1", "", "(2,1,.,.) = ", "  3", "", "(1,2,.,.) = ", "  2", "", "(2,2,.,.) = ", "  4"),
    );
  });

  it("column blocks inside a slice start after the one-space indent", () => {
    // (80 - 1) / 8 = 9 columns per block.
    const data = Array.from({ length: 20 }, (_, i) => (i + 1) / 100);
    expect(formatValues(data, [1, 2, 10], "float32")).toBe(
      lines(
        "(1,.,.) = ",
        " Columns 1 to 9  0.0100  0.0200  0.0300  0.0400  0.0500  0.0600  0.0700  0.0800  0.0900",
        "  0.1100  0.1200  0.1300  0.1400  0.1500  0.1600  0.1700  0.1800  0.1900",
        "",
        "Columns 10 to 10  0.1000",
        "  0.2000",
      ),
    );
  });

  it("the stream precision left by a fixed slice carries over to integer slices", () => {
    // Slice 1 sets setprecision(4); slice 2 is integral and only resets defaultfloat -> %.4g.
    expect(formatValues([0.5, 1234567], [2, 1, 1], "float32")).toBe(
      lines("(1,.,.) = ", "  0.5000", "", "(2,.,.) = ", " 1.235e+06"),
    );
  });
});

describe("empty tensors", () => {
  it("print just the footer", () => {
    expect(formatTensor([], [0], "float32")).toBe(lines("torch_tensor", "[ CPUFloatType{0} ]"));
    expect(formatTensor([], [2, 0], "float64")).toBe(lines("torch_tensor", "[ CPUDoubleType{2,0} ]"));
    expect(formatTensor([], [0, 2, 3], "int64")).toBe(lines("torch_tensor", "[ CPULongType{0,2,3} ]"));
    expect(formatValues([], [0], "float32")).toBe("");
  });
});

describe("the cap: R torch's print(n = 30)", () => {
  // cpp_torch_tensor_print keeps the first 30 lines of libtorch's text (footer included in the
  // count), then the note, then the footer line.
  it("29 value lines print in full", () => {
    const out = formatTensor(Array.from({ length: 29 }, (_, i) => i), [29], "float32");
    expect(out).not.toContain(R_TRUNCATION_NOTE);
    expect(out.split("\n")).toHaveLength(29 + 2);
  });

  it("30 value lines already get the note (31 lines > 30, nothing removed)", () => {
    const out = formatTensor(Array.from({ length: 30 }, (_, i) => i), [30], "float32");
    const ls = out.split("\n");
    expect(ls).toHaveLength(30 + 3);
    expect(ls[30]).toBe(" 29");
    expect(ls[31]).toBe(R_TRUNCATION_NOTE);
    expect(ls[32]).toBe("[ CPUFloatType{30} ]");
  });

  it("keeps the first 30 lines of a long vector", () => {
    const out = formatTensor(Array.from({ length: 40 }, (_, i) => i), [40], "float32", ["requires_grad = TRUE"]);
    const expected = ["torch_tensor", ...Array.from({ length: 30 }, (_, i) => String(i).padStart(3))];
    expected.push(R_TRUNCATION_NOTE, "[ CPUFloatType{40} ][ requires_grad = TRUE ]");
    expect(out).toBe(expected.join("\n"));
  });

  it("stays bounded and fast for huge inputs of any rank", () => {
    const big = new Float32Array(4_000_000).map((_, i) => Math.sin(i));
    for (const shape of [[4_000_000], [1, 4_000_000], [4_000_000, 1], [400, 100, 100], [10, 10, 40, 1000]]) {
      const t0 = Date.now();
      const out = formatTensor(big, shape, "float32");
      expect(Date.now() - t0).toBeLessThan(2000);
      const ls = out.split("\n");
      expect(ls).toHaveLength(R_PRINT_MAX_LINES + 3);
      expect(ls[ls.length - 2]).toBe(R_TRUNCATION_NOTE);
      expect(ls[ls.length - 1]).toBe(`[ CPUFloatType{${shape.join(",")}} ]`);
      expect(out.length).toBeLessThan(5000);
    }
  });

  it("formatValues carries the note but no header or footer", () => {
    const v = formatValues(Array.from({ length: 100 }, (_, i) => i / 2), [100], "float64");
    const ls = v.split("\n");
    expect(ls).toHaveLength(31);
    expect(ls[0]).toBe("  0.0000"); // expMax = 2 (49.5 is the largest) -> sz 8
    expect(ls[30]).toBe(R_TRUNCATION_NOTE);
  });
});

describe("footer", () => {
  it("type names and suffixes", () => {
    expect(formatTensor([1.5], [1], "float64", ["requires_grad = TRUE"])).toBe(
      lines("torch_tensor", " 1.5000", "[ CPUDoubleType{1} ][ requires_grad = TRUE ]"),
    );
    expect(formatTensor([7], [1, 1], "int64")).toBe(lines("torch_tensor", " 7", "[ CPULongType{1,1} ]"));
    expect(formatTensor([2], [], "float32", ["a", "b"])).toBe(lines("torch_tensor", "2", "[ CPUFloatType{} ][ a ][ b ]"));
  });

  it("rejects a shape the data cannot fill", () => {
    expect(() => formatTensor([1, 2], [3], "float32")).toThrow(RangeError);
    expect(() => formatTensor([1, 2], [-1], "float32")).toThrow(RangeError);
  });
});

// Printing tensors the way R torch's `print(x)` does.
//
// R torch's print method writes "torch_tensor\n", then the text libtorch's `operator<<` produces
// (aten/src/ATen/core/Formatting.cpp: print / __printFormat / __printMatrix / __printTensor), cut to
// at most 30 lines by R's `print(n = 30)` (mlverse/torch src/tensor.cpp, cpp_torch_tensor_print),
// then "[ grad_fn = <...> ]" or "[ requires_grad = TRUE ]".
//
// The rules below are a re-implementation of the classic iostream-based Formatting.cpp (the one
// R torch has shipped for years and whose output fills its documentation: 0-dim values like "0.81"
// or "7.74597", scale lines like "1e+05 *"). Its quirks are kept on purpose, because they are what
// an R torch user sees:
//   * a 0-dim tensor prints with `defaultfloat` (printf "%g", 6 significant digits): -3.4 -> "-3.4";
//   * the width scan compares the *signed* value against the running maximum magnitude, so a
//     negative entry only widens the column if it comes first (`[1.5, -20.25]` is not aligned);
//   * integer-valued tensors print with "%g" too, so 1234567 shows as "1.23457e+06";
//   * when a column scale is used, rows after the first get one extra leading space;
//   * "Columns a to b" is followed by the first row on the same line;
//   * in 3-d and higher, the stream precision set by one slice (4 for fixed/scientific) stays for
//     the integer-valued slices after it ("%.4g" instead of "%.6g");
//   * slices are visited with the *first* leading index varying fastest: (1,1,.,.), (2,1,.,.), ...
//   * exact decimal ties round half to even, as glibc's printf does (0.03125 -> "0.0312").
//
// Bounding: R's own 30-line limit already bounds the text, and we generate it lazily, stopping at
// line 30, so a huge tensor costs one linear scan (libtorch sizes its columns from every element)
// plus a few dozen formatted numbers. This is R torch's behaviour, not a deviation.
// Deviations: a NaN with its sign bit set prints "nan" (glibc prints "-nan"), since JavaScript does
// not reliably preserve NaN signs; and the text has no trailing newline (R's print adds "\n").
// Newer libtorch releases (the fmt-based Formatting.cpp) print a 0-dim tensor with the shortest
// round-trip digits, the scale as "100000 *", and drop the leading indent of a slice's first row;
// this module follows the classic version throughout.

export type FormatDType = "float32" | "float64" | "int64" | "int32" | "bool";

/** libtorch's default `linesize`. */
const LINE_SIZE = 80;
/** R torch's default `print(x, n = 30)`: at most this many lines of libtorch's text are kept. */
export const R_PRINT_MAX_LINES = 30;
/** The line R torch inserts when it cut the text. */
export const R_TRUNCATION_NOTE = "... [the output was truncated (use n=-1 to disable)]";

const TYPE_NAMES: Readonly<Record<FormatDType, string>> = {
  float32: "CPUFloatType",
  float64: "CPUDoubleType",
  int64: "CPULongType",
  int32: "CPUIntType",
  bool: "CPUBoolType",
};

/** The text of `print(tensor)` in R torch: "torch_tensor\n<values>\n[ CPUFloatType{2,3} ]<suffixes>". */
export function formatTensor(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: FormatDType,
  suffixes?: readonly string[],
): string {
  const block = formatValues(data, shape, dtype);
  let footer = `[ ${TYPE_NAMES[dtype]}{${shape.join(",")}} ]`;
  for (const s of suffixes ?? []) footer += `[ ${s} ]`;
  return `torch_tensor\n${block === "" ? "" : block + "\n"}${footer}`;
}

/** Just the value block (no header/footer), used for compact displays. */
export function formatValues(data: ArrayLike<number>, shape: readonly number[], dtype: FormatDType): string {
  if (!Object.hasOwn(TYPE_NAMES, dtype)) throw new TypeError(`formatValues: unknown dtype ${JSON.stringify(dtype)}.`);
  let numel = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`formatValues: bad shape [${shape.join(", ")}].`);
    numel *= d;
  }
  if (data.length < numel) {
    throw new RangeError(`formatValues: shape [${shape.join(", ")}] needs ${numel} values, got ${data.length}.`);
  }
  // libtorch converts to double before printing; a float32 tensor can only hold float32 values.
  const get: Getter = dtype === "float32" ? (i) => Math.fround(data[i] as number) : (i) => data[i] as number;

  const out = new LineWriter(R_PRINT_MAX_LINES);
  const stream: StreamState = { precision: 6 };
  if (shape.length === 0) {
    // Deviation, on purpose: libtorch prints a 0-dim tensor with the stream's default format
    // ("-3.4"); we print it like the 1-element vector the textbook shows ("-3.4000"), the text the
    // product's users compare against, without the vector's alignment space.
    const one = new LineWriter(2);
    printVector(one, get, 1, stream);
    out.write(one.text().trimStart());
  } else if (numel > 0) {
    if (shape.length === 1) printVector(out, get, numel, stream);
    else if (shape.length === 2) printMatrix(out, get, 0, shape[0] as number, shape[1] as number, 0, stream);
    else printTensor(out, get, shape, stream);
  }
  const text = out.text();
  const lines = text.endsWith("\n") ? text.slice(0, -1) : text;
  return out.full ? `${lines}\n${R_TRUNCATION_NOTE}` : lines;
}

// ---- libtorch's layout ----------------------------------------------------------------------------

type Getter = (i: number) => number;

/** The part of the C++ stream's state that leaks from one printed slice to the next. */
interface StreamState {
  precision: number;
}

/** Collects text, stopping for good once `maxLines` newlines have been written. */
class LineWriter {
  private readonly parts: string[] = [];
  private lines = 0;
  full = false;

  constructor(private readonly maxLines: number) {}

  write(s: string): void {
    if (this.full) return;
    for (let nl = s.indexOf("\n"); nl >= 0; nl = s.indexOf("\n", nl + 1)) {
      if (++this.lines >= this.maxLines) {
        this.parts.push(s.slice(0, nl + 1));
        this.full = true;
        return;
      }
    }
    this.parts.push(s);
  }

  text(): string {
    return this.parts.join("");
  }
}

type Kind = "default" | "scientific" | "fixed";

interface PrintFormat {
  scale: number;
  width: number;
  kind: Kind;
}

/** __printFormat over elements [start, end): a common scale, field width and notation. */
function printFormat(get: Getter, start: number, end: number, stream: StreamState): PrintFormat {
  let intMode = true;
  for (let i = start; i < end; i++) {
    const z = get(i);
    if (Number.isFinite(z) && z !== Math.ceil(z)) {
      intMode = false;
      break;
    }
  }
  let offset = start;
  while (offset < end && !Number.isFinite(get(offset))) offset++;
  let expMin = 1;
  let expMax = 1;
  if (offset < end) {
    expMin = Math.abs(get(offset));
    expMax = expMin;
    for (let i = offset; i < end; i++) {
      const v = get(i);
      const z = Math.abs(v);
      if (Number.isFinite(z)) {
        if (z < expMin) expMin = z;
        // libtorch compares the signed value here, so negative entries rarely widen the column.
        if (v > expMax) expMax = z;
      }
    }
    // Math.log10 and glibc's log10 are both fdlibm's algorithm, exact on powers of ten.
    expMin = expMin !== 0 ? Math.floor(Math.log10(expMin)) + 1 : 1;
    expMax = expMax !== 0 ? Math.floor(Math.log10(expMax)) + 1 : 1;
  }
  let format: PrintFormat;
  if (intMode) {
    format = expMax > 9 ? { scale: 1, width: 11, kind: "scientific" } : { scale: 1, width: expMax + 1, kind: "default" };
  } else if (expMax - expMin > 4) {
    const width = Math.abs(expMax) > 99 || Math.abs(expMin) > 99 ? 12 : 11;
    format = { scale: 1, width, kind: "scientific" };
  } else if (expMax > 5 || expMax < 0) {
    format = { scale: powerOfTen(expMax - 1), width: 7, kind: "fixed" };
  } else {
    format = { scale: 1, width: expMax === 0 ? 7 : expMax + 6, kind: "fixed" };
  }
  // `std::fixed/std::scientific << std::setprecision(4)` stays on the stream; `defaultfloat`
  // (integer mode) leaves the precision alone.
  if (format.kind !== "default") stream.precision = 4;
  return format;
}

/** One element, right-aligned in the field: `stream << std::setw(sz) << value / scale`. */
function element(v: number, f: PrintFormat, stream: StreamState): string {
  const x = v / f.scale;
  const s = f.kind === "fixed" ? fixed(x, 4) : f.kind === "scientific" ? scientific(x, 4) : general(x, stream.precision);
  return s.padStart(f.width);
}

/** printScale: "1e+05 *\n", written with defaultfloat at the stream's precision. */
function scaleLine(f: PrintFormat, stream: StreamState): string {
  return `${general(f.scale, stream.precision)} *\n`;
}

function printVector(out: LineWriter, get: Getter, n: number, stream: StreamState): void {
  const f = printFormat(get, 0, n, stream);
  if (f.scale !== 1) out.write(scaleLine(f, stream));
  for (let i = 0; i < n && !out.full; i++) out.write(element(get(i), f, stream) + "\n");
}

/** __printMatrix for the rows x cols block starting at `base`. */
function printMatrix(
  out: LineWriter,
  get: Getter,
  base: number,
  rows: number,
  cols: number,
  indent: number,
  stream: StreamState,
): void {
  const f = printFormat(get, base, base + rows * cols, stream);
  const pad = " ".repeat(indent);
  out.write(pad);
  const perLine = Math.max(1, Math.floor((LINE_SIZE - indent) / (f.width + 1)));
  for (let first = 0; first < cols && !out.full; ) {
    const last = first + perLine <= cols ? first + perLine - 1 : cols - 1;
    if (perLine < cols) {
      if (first !== 0) out.write("\n");
      out.write(`Columns ${first + 1} to ${last + 1}${pad}`);
    }
    if (f.scale !== 1) out.write(scaleLine(f, stream) + pad);
    for (let r = 0; r < rows && !out.full; r++) {
      let line = "";
      for (let c = first; c <= last; c++) {
        line += element(get(base + r * cols + c), f, stream);
        if (c === last) {
          line += "\n";
          if (r !== rows - 1) line += f.scale !== 1 ? pad + " " : pad;
        } else {
          line += " ";
        }
      }
      out.write(line);
    }
    first = last + 1;
  }
}

/** __printTensor: every 2-d slice under a "(i,j,.,.) = " heading, first leading index fastest. */
function printTensor(out: LineWriter, get: Getter, shape: readonly number[], stream: StreamState): void {
  const lead = shape.slice(0, -2);
  const rows = shape[shape.length - 2] as number;
  const cols = shape[shape.length - 1] as number;
  const strides: number[] = new Array<number>(lead.length);
  for (let i = lead.length - 1, s = rows * cols; i >= 0; i--) {
    strides[i] = s;
    s *= lead[i] as number;
  }
  const counter = new Array<number>(lead.length).fill(0);
  counter[0] = -1;
  for (let start = true; !out.full; start = false) {
    let finished = false;
    for (let i = 0; ; i++) {
      counter[i] = (counter[i] as number) + 1;
      if ((counter[i] as number) < (lead[i] as number)) break;
      if (i === lead.length - 1) {
        finished = true;
        break;
      }
      counter[i] = 0;
    }
    if (finished) break;
    if (!start) out.write("\n");
    let heading = "(";
    let base = 0;
    for (let i = 0; i < lead.length; i++) {
      heading += `${(counter[i] as number) + 1},`;
      base += (counter[i] as number) * (strides[i] as number);
    }
    out.write(heading + ".,.) = \n");
    printMatrix(out, get, base, rows, cols, 1, stream);
  }
}

// ---- printf-exact number formatting ---------------------------------------------------------------
// JavaScript's toFixed/toExponential break exact ties away from zero; glibc's printf rounds them to
// even. Both work from the exact binary value, so we do the same with BigInt.

const bits = new DataView(new ArrayBuffer(8));

/** The exact value of a positive finite double as `digits * 10^exp`. */
function exactDecimal(a: number): { digits: bigint; exp: number } {
  bits.setFloat64(0, a);
  const hi = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2 = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  // m * 2^-k = m * 5^k * 10^-k
  return exp2 >= 0 ? { digits: mantissa << BigInt(exp2), exp: 0 } : { digits: mantissa * 5n ** BigInt(-exp2), exp: exp2 };
}

/** round(value * 10^frac), exact ties to even. */
function scaledRound(x: { digits: bigint; exp: number }, frac: number): bigint {
  const shift = x.exp + frac;
  if (shift >= 0) return x.digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  const q = x.digits / divisor;
  const twice = 2n * (x.digits % divisor);
  return twice > divisor || (twice === divisor && (q & 1n) === 1n) ? q + 1n : q;
}

function nonFinite(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

function signOf(v: number): string {
  return v < 0 || Object.is(v, -0) ? "-" : "";
}

/** printf("%.{prec}f"). */
function fixed(v: number, prec: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const a = Math.abs(v);
  let s = (a === 0 ? 0n : scaledRound(exactDecimal(a), prec)).toString();
  if (prec > 0) {
    s = s.padStart(prec + 1, "0");
    s = `${s.slice(0, -prec)}.${s.slice(-prec)}`;
  }
  return signOf(v) + s;
}

/** Digits of |v| rounded to `prec + 1` significant digits, and the decimal exponent after rounding. */
function significant(a: number, prec: number): { digits: string; exp: number } {
  if (a === 0) return { digits: "0".repeat(prec + 1), exp: 0 };
  const x = exactDecimal(a);
  let exp = x.digits.toString().length - 1 + x.exp;
  let n = scaledRound(x, prec - exp);
  if (n >= 10n ** BigInt(prec + 1)) {
    n /= 10n;
    exp += 1;
  }
  return { digits: n.toString(), exp };
}

function exponentSuffix(exp: number): string {
  return `e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** printf("%.{prec}e"). */
function scientific(v: number, prec: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const { digits, exp } = significant(Math.abs(v), prec);
  const mantissa = prec > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return signOf(v) + mantissa + exponentSuffix(exp);
}

/** printf("%.{prec}g"), i.e. iostream's defaultfloat. */
function general(v: number, prec: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const p = prec === 0 ? 1 : prec;
  const a = Math.abs(v);
  if (a === 0) return signOf(v) + "0";
  const { digits, exp } = significant(a, p - 1);
  let body: string;
  if (exp < p && exp >= -4) {
    body = stripZeros(fixed(a, p - 1 - exp));
  } else {
    body = stripZeros(p > 1 ? `${digits[0]}.${digits.slice(1)}` : digits) + exponentSuffix(exp);
  }
  return signOf(v) + body;
}

function stripZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** std::pow(10, n) for integer n: the correctly rounded double, as glibc returns. */
function powerOfTen(n: number): number {
  return Number(`1e${n}`);
}

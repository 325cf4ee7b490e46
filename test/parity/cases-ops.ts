// Parity cases for issue 12's elementwise/math/reduction ops: every op of the op table
// (engine/ops/table.ts) and of ops/stats.ts / ops/arith.ts, forward values, grad_fn graph and the
// leaves' gradients against real PyTorch. Leaves are float64 (so values compare at rtol 1e-9) in
// each op's domain.
import { UNARY_OPS, BINARY_OPS } from "../../engine/ops/table";
import { leaf, prog, s, type Case } from "./build";
import type { Leaf } from "./program";
import type { Arg } from "./ops";

const bw = (t: string) => s(undefined, "backward", [t]);
const sumBw = (t: string) => [s(`${t}_sum`, "sum", [t]), bw(`${t}_sum`)];
const f64 = (name: string, shape: number[], values?: number[]): Leaf => leaf(name, shape, { dtype: "float64", ...(values ? { values } : {}) });

/** Values inside each unary op's domain (asin/acos need |x| < 1, log needs x > 0). */
const UNIT = [0.3, -0.45, 0.7, 0.12, -0.8, 0.55];
const POS = [0.3, 1.45, 2.7, 0.12, 0.8, 3.55];
const ANY = [0.3, -1.45, 2.7, -0.12, 0.8, -2.25];
const domain: Record<string, number[]> = { asin: UNIT, acos: UNIT, tan: UNIT, log: POS, log1p: POS, log2: POS, log10: POS, sqrt: POS, rsqrt: POS };

export const OP_TABLE_CASES: Case[] = [
  ...Object.keys(UNARY_OPS).map((k): Case => ({
    program: prog(`table op ${k}`, [f64("x", [2, 3], domain[k] ?? ANY)], [s("y", k, ["x"]), ...sumBw("y")]),
  })),
  ...Object.keys(UNARY_OPS).map((k): Case => ({
    program: prog(`table op ${k}_ in place`, [f64("x", [2, 3], domain[k] ?? ANY)], [s("c", "clone", ["x"]), s(undefined, `${k}_`, ["c"]), ...sumBw("c")]),
  })),
  ...Object.keys(BINARY_OPS).map((k): Case => ({
    program: prog(`table op ${k} with broadcasting`, [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2])], [s("y", k, ["a", "b"]), ...sumBw("y")]),
  })),
  { program: prog("round halves to even", [f64("x", [6], [0.5, 1.5, 2.5, -0.5, -1.5, 2.4])], [s("y", "round", ["x"]), ...sumBw("y")]) },
  { program: prog("erf over its range", [f64("x", [6], [-3.2, -1.1, -0.01, 0.4, 2.6, 5.9])], [s("y", "erf", ["x"]), ...sumBw("y")]) },
  ...(
    [
      ["amax dim 1", "amax", [1]], ["amin all", "amin", []], ["amax dims [0, 1] keepdim", "amax", [[0, 1], true]],
      ["logsumexp dim 1", "logsumexp", [1]], ["logsumexp dims [0, 1] keepdim", "logsumexp", [[0, 1], true]],
      ["var", "var", []], ["var dim 0 correction 0", "varC", [0, 0]], ["std dim 1 keepdim", "stdK", [1]],
      ["prod", "prod", []], ["prod dim 1", "prod", [1]], ["cumsum dim 1", "cumsum", [1]], ["cumprod dim 0", "cumprod", [0]],
      ["norm", "norm", []], ["norm p=1 dim 1", "norm", [1, 1]], ["norm p=3", "norm", [3]],
      ["vector_norm inf", "vectorNorm", ["inf"]], ["linalg.norm", "linalgNorm", []],
    ] as const
  ).map(([name, op, a]): Case => ({ program: prog(name, [f64("x", [2, 3], ANY)], [s("y", op, ["x"], ...(a as readonly Arg[])), ...sumBw("y")]) })),
  { program: prog("dist", [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2])], [s("y", "dist", ["a", "b"]), bw("y")]) },
  { program: prog("dist p=1", [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2])], [s("y", "dist", ["a", "b"], 1), bw("y")]) },
  { program: prog("rsub tensor", [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2])], [s("y", "rsub", ["a", "b"]), ...sumBw("y")]) },
  { program: prog("rsub number", [f64("a", [2, 3], ANY)], [s("y", "rsubS", ["a"], 2), ...sumBw("y")]) },
  { program: prog("pow(2, x)", [f64("x", [2, 3], ANY)], [s("y", "powBase", ["x"], 2), ...sumBw("y")]) },
  { program: prog("lerp number weight", [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2])], [s("y", "lerpS", ["a", "b"], 0.3), ...sumBw("y")]) },
  {
    program: prog("lerp tensor weight", [f64("a", [2, 3], ANY), f64("b", [3], [0.4, -1.2, 2.2]), f64("w", [2, 1], [0.25, 0.75])], [
      s("y", "lerp", ["a", "b", "w"]),
      ...sumBw("y"),
    ]),
  },
];

/** bool and int32 as PyTorch: result dtypes of comparisons, tests, reductions and arithmetic. */
export const DTYPE_CASES: Case[] = [
  {
    program: prog("comparisons and value tests give bool", [f64("x", [2, 3], ANY), f64("y", [2, 3], [0.3, 1, 2.7, -0.12, 0, -2.25])], [
      s("m", "gt", ["x"], 0), s("e", "eq", ["x", "y"]), s("n", "isnan", ["x"]), s("f", "isfinite", ["x"]), s("c", "isclose", ["x", "y"]),
      s("a", "all", ["m"]), s("a1", "any", ["m"], 1), s("ms", "sum", ["m"]), s("mm", "add", ["m", "e"]), s("mi", "mulInt", ["m"], 2), s("mx", "mul", ["m", "x"]),
      s("ln", "logicalNot", ["m"]), s("lx", "logicalXor", ["m", "e"]),
      s("z", "sum", ["mx"]), bw("z"),
    ]),
  },
  {
    program: prog("int32 arithmetic", [f64("x", [2, 3], [1.5, -2.25, 3, 4.75, -5, 6])], [
      s("i", "to", ["x"], "int32"), s("j", "add", ["i", "i"]), s("k", "divS", ["i"], 2), s("l", "sum", ["i"]), s("g", "gt", ["i"], 0), s("b", "to", ["x"], "bool"),
    ]),
  },
  {
    program: prog("bool minus bool fails", [f64("x", [3], ANY)], [s("m", "gt", ["x"], 0), s("d", "sub", ["m", "m"])]),
    expect: { errorPhrase: "Subtraction, the `-` operator, with two bool tensors is not supported" },
  },
];

// Hand-written parity cases: every example of issue 11's "Why" section, flatten's arguments, and the
// in-place/version/view semantics of item 2. Each is compared with PyTorch like any random program;
// the ones our engine does not match yet are named in expected-failures.ts.
import { leaf, noGrad, prog, s, type Case } from "./build";
import { OPS12_CASES } from "./cases-ops12";
import { DTYPE_CASES, OP_TABLE_CASES } from "./cases-ops";

const bw = (t: string) => s(undefined, "backward", [t]);
const sumBw = (t: string, sum = `${t}_sum`) => [s(sum, "sum", [t]), bw(sum)];

export const WHY_CASES: Case[] = [
  { program: prog("matmul 3-D @ 2-D", [leaf("a", [2, 3, 4]), leaf("b", [4, 5])], [s("y", "matmul", ["a", "b"]), ...sumBw("y")]) },
  { program: prog("matmul 3-D @ 1-D", [leaf("a", [2, 3, 4]), leaf("v", [4])], [s("y", "matmul", ["a", "v"]), ...sumBw("y")]) },
  { program: prog("matmul 3-D @ 3-D", [leaf("a", [2, 3, 4]), leaf("b", [2, 4, 5])], [s("y", "matmul", ["a", "b"]), ...sumBw("y")]) },
  { program: prog("matmul 1-D @ 3-D", [leaf("v", [3]), leaf("b", [2, 3, 4])], [s("y", "matmul", ["v", "b"]), ...sumBw("y")]) },
  {
    program: prog("linear on 3-D input with bias", [leaf("x", [2, 3, 4]), leaf("w", [5, 4]), leaf("b", [5])], [
      s("y", "linear", ["x", "w", "b"]),
      ...sumBw("y"),
    ]),
  },
  { program: prog("x[:, 1]", [leaf("x", [3, 4])], [s("y", "index", ["x"], ":", 1), ...sumBw("y")]) },
  { program: prog("x[1, 0:3]", [leaf("x", [3, 4])], [s("y", "index", ["x"], 1, "0:3"), ...sumBw("y")]) },
  { program: prog("x[[0, 1], 1]", [leaf("x", [3, 4])], [s("y", "index", ["x"], [0, 1], 1), ...sumBw("y")]) },
  { program: prog("x[:]", [leaf("x", [3, 4])], [s("y", "index", ["x"], ":"), ...sumBw("y")]) },
  { program: prog("x[...]", [leaf("x", [3, 4])], [s("y", "index", ["x"], "..."), ...sumBw("y")]) },
  { program: prog("x[0-dim int tensor]", [leaf("x", [3, 4])], [s("y", "index", ["x"], { int0: 1 }), ...sumBw("y")]) },
  { program: prog("x.t().reshape(6)", [leaf("x", [2, 3])], [s("xt", "t", ["x"]), s("y", "reshape", ["xt"], 6), ...sumBw("y")]) },
  {
    program: prog("x.t().view(6) fails", [leaf("x", [2, 3])], [s("xt", "t", ["x"]), s("y", "view", ["xt"], 6)]),
    expect: { errorPhrase: "view size is not compatible with input tensor's size and stride" },
  },
  {
    // Viewable but not contiguous: 2.x's reshape skips its contiguous fast path and records
    // _reshape_alias (ReshapeAliasBackward0), as 1.13 does; a contiguous input gives ViewBackward0.
    program: prog("x.t().reshape(3, 2, 1) is a view: ReshapeAliasBackward0", [leaf("x", [2, 3])], [
      s("xt", "t", ["x"]),
      s("y", "reshape", ["xt"], 3, 2, 1),
      ...sumBw("y"),
    ]),
  },
  { program: prog("x.reshape(3, 2) of a contiguous x: ViewBackward0", [leaf("x", [2, 3])], [s("y", "reshape", ["x"], 3, 2), ...sumBw("y")]) },
  { program: prog("v.flatten() on 1-D is v", [leaf("v", [4])], [s("y", "flatten", ["v"]), ...sumBw("y")]) },
  {
    program: prog("0-dim float64 + float32[3] is float32", [leaf("x", [3]), leaf("c", [], { dtype: "float64" })], [
      s("y", "add", ["x", "c"]),
      ...sumBw("y"),
    ]),
  },
  {
    program: prog("cat of float32 and float64", [leaf("a", [2]), leaf("b", [3], { dtype: "float64" })], [s("y", "cat", ["a", "b"], 0), ...sumBw("y")]),
  },
  {
    program: prog("stack of float32 and float64", [leaf("a", [2]), leaf("b", [2], { dtype: "float64" })], [s("y", "stack", ["a", "b"], 0), ...sumBw("y")]),
  },
  { program: prog("sign has SignBackward0", [leaf("x", [3])], [s("y", "sign", ["x"]), ...sumBw("y")]) },
  {
    program: prog("mm float32 × float64 fails", [leaf("a", [2, 3]), leaf("b", [3, 2], { dtype: "float64" })], [s("y", "mm", ["a", "b"])]),
    // 2.x's addmm/mm check says "expected m1 and m2 to have the same dtype, but got: float != double"; 1.13 had other words.
    expect: { errorPhrase: { ours: "expected m1 and m2 to have the same dtype", torch113: "expected scalar type Float but found Double" } },
  },
  {
    program: prog("tensor(3)[0] fails", [leaf("x", [], { values: [3] })], [s("y", "index", ["x"], 0)]),
    expect: { errorPhrase: "invalid index of a 0-dim tensor" },
  },
  {
    program: prog("mse_loss of [3,1] and [3] warns and broadcasts", [leaf("p", [3, 1]), leaf("t", [3], { grad: false })], [
      s("l", "mseLoss", ["p", "t"]),
      bw("l"),
    ]),
    expect: { warningPhrase: "that is different to the input size" },
  },
];

export const FLATTEN_CASES: Case[] = [
  { program: prog("flatten(1) of [2,3,4]", [leaf("x", [2, 3, 4])], [s("y", "flatten", ["x"], 1), ...sumBw("y")]) },
  { program: prog("flatten(0, 1) of [2,3,4]", [leaf("x", [2, 3, 4])], [s("y", "flatten", ["x"], 0, 1), ...sumBw("y")]) },
  { program: prog("flatten(1, 1) of [2,3,4] is x", [leaf("x", [2, 3, 4])], [s("y", "flatten", ["x"], 1, 1), ...sumBw("y")]) },
  { program: prog("flatten() of a transposed [2,3]", [leaf("x", [2, 3])], [s("xt", "t", ["x"]), s("y", "flatten", ["xt"]), ...sumBw("y")]) },
  { program: prog("flatten() of a 0-dim tensor", [leaf("x", [])], [s("y", "flatten", ["x"]), ...sumBw("y")]) },
];

/** An in-place op applied to a non-leaf copy of x (y = x.clone()), then backward through it. */
function inplaceOnClone(op: string, args: Array<number | null>, other = false, positive = false): Case {
  const leaves = [leaf("x", [3], { positive })];
  if (other) leaves.push(leaf("z", [3], { positive: true, seed: 5 }));
  return {
    program: prog(
      `y = x.clone(); y.${op.replace(/S_$/, "_")}(${other ? "z" : args.join(", ")})`,
      leaves,
      [s("y", "clone", ["x"]), s("r", op, other ? ["y", "z"] : ["y"], ...args), ...sumBw("y")],
      { versions: true },
    ),
  };
}

export const INPLACE_CASES: Case[] = [
  ...["add_", "sub_", "mul_", "div_", "pow_", "copy_"].map((op) => inplaceOnClone(op, [], true, op === "pow_")),
  inplaceOnClone("addS_", [2]),
  inplaceOnClone("subS_", [2]),
  inplaceOnClone("mulS_", [2]),
  inplaceOnClone("divS_", [2]),
  inplaceOnClone("powS_", [2]),
  ...["neg_", "exp_", "sqrt_", "log_", "abs_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "zero_"].map((op) =>
    inplaceOnClone(op, [], false, op === "sqrt_" || op === "log_"),
  ),
  inplaceOnClone("fill_", [0.5]),
  {
    // 1.13 records SqueezeBackward2 / SqueezeBackward3; names.ts renames them to 2.x's 3 / 4.
    program: prog("y.squeeze_() and y.squeeze_(1) (2.x: SqueezeBackward3, SqueezeBackward4)", [leaf("x", [2, 1, 3])], [
      s("y", "clone", ["x"]),
      s(undefined, "squeeze_", ["y"]),
      s("z", "clone", ["x"]),
      s(undefined, "squeeze_", ["z"], 1),
      s("w", "add", ["y", "z"]),
      ...sumBw("w"),
    ]),
  },
  {
    program: prog("y.unsqueeze_(0)", [leaf("x", [2, 3])], [s("y", "clone", ["x"]), s(undefined, "unsqueeze_", ["y"], 0), ...sumBw("y")]),
  },
  inplaceOnClone("clamp_", [-0.5, 0.5]),
  {
    program: prog(
      "manual SGD step under noGrad, then grad.zero_()",
      [leaf("w", [3]), leaf("x", [3], { grad: false })],
      [
        s("p", "mul", ["w", "x"]),
        s("loss", "sum", ["p"]),
        bw("loss"),
        noGrad(s(undefined, "sgdStep", ["w"], 0.1)),
        s("g", "grad", ["w"]),
        s(undefined, "zero_", ["g"]),
      ],
      { versions: true },
    ),
  },
  {
    program: prog(
      "an update through .data",
      [leaf("w", [3])],
      [s("d", "data", ["w"]), s(undefined, "mulS_", ["d"], 2), s("y", "mulS", ["w"], 3), ...sumBw("y")],
      { versions: true },
    ),
  },
  {
    program: prog(
      "detach() shares storage and version",
      [leaf("w", [3])],
      [s("d", "detach", ["w"]), s(undefined, "zero_", ["d"]), s("y", "mul", ["w", "w"]), ...sumBw("y")],
      { versions: true },
    ),
  },
  {
    program: prog(
      "a view of a non-leaf modified in place (CopySlices)",
      [leaf("x", [4, 3])],
      [s("y", "mulS", ["x"], 1), s("v", "narrow", ["y"], 0, 1, 2), s(undefined, "mulS_", ["v"], 2), ...sumBw("y")],
      { versions: true },
    ),
  },
  {
    program: prog(
      "x[0] of a non-leaf filled in place (CopySlices over SelectBackward)",
      [leaf("x", [3, 2])],
      [s("y", "clone", ["x"]), s("v", "select", ["y"], 0, 0), s(undefined, "fill_", ["v"], 1), ...sumBw("y")],
      { versions: true },
    ),
  },
  {
    program: prog("in-place op on a leaf that requires grad fails", [leaf("w", [3])], [s(undefined, "addS_", ["w"], 1)]),
    expect: { errorPhrase: "a leaf Variable that requires grad is being used in an in-place operation." },
  },
  {
    program: prog("a saved tensor modified in place makes backward fail", [leaf("x", [3])], [
      s("y", "exp", ["x"]),
      s(undefined, "addS_", ["y"], 1),
      ...sumBw("y"),
    ]),
    expect: { errorPhrase: "one of the variables needed for gradient computation has been modified by an inplace operation" },
  },
  {
    program: prog(
      "version counters count in-place ops and are shared by views",
      [leaf("x", [2, 3], { grad: false })],
      [s("v", "view", ["x"], 6), s(undefined, "addS_", ["x"], 1), s(undefined, "mulS_", ["v"], 2), s("y", "clone", ["x"])],
      { versions: true },
    ),
  },
];

/** stride(), storageOffset(), isContiguous() and contiguous() of views. */
export const LAYOUT_CASES: Case[] = [
  {
    program: prog(
      "layout of views: t, narrow, select, expand, permute, contiguous",
      [leaf("x", [3, 4]), leaf("c", [2, 1, 3])],
      [
        s("xt", "t", ["x"]),
        s("xn", "narrow", ["x"], 1, 1, 2),
        s("xs", "select", ["x"], 1, 2),
        s("ce", "expand", ["c"], 2, 4, 3),
        s("cp", "permute", ["c"], 2, 0, 1),
        s("xtc", "contiguous", ["xt"]),
        s("xc", "contiguous", ["x"]),
        s("xi", "index", ["x"], "1:", "::2"),
      ],
      { layout: true },
    ),
  },
];

/** Differences the random programs found, kept as named cases. */
export const FOUND_CASES: Case[] = [
  {
    // sqrt of the negative element gives a NaN gradient there; minimum's backward must not let it
    // reach l (PyTorch masks with masked_fill/where, so NaN·0 never happens).
    program: prog("minimum's backward does not leak a NaN gradient into the unselected input", [leaf("l", [1], { values: [1] }), leaf("a", [2], { values: [-1, 4] })], [
      s("m", "minimum", ["l", "a"]),
      s("r", "sqrt", ["m"]),
      ...sumBw("r"),
    ]),
  },
  {
    program: prog("where's backward does not leak a NaN gradient into the unselected input", [leaf("a", [2], { values: [1, -2] }), leaf("b", [2], { values: [-3, 5] })], [
      s("y", "where", ["a", "b", "a"]),
      s("r", "sqrt", ["y"]),
      ...sumBw("r"),
    ]),
  },
  { program: prog("x.view(1, 1) of a 0-dim tensor", [leaf("x", [])], [s("y", "view", ["x"], 1, 1), ...sumBw("y")]) },
  { program: prog("x.sum(0).reshape(1): a 0-dim tensor reshapes as a view", [leaf("x", [3])], [s("y", "sum", ["x"], 0), s("z", "reshape", ["y"], 1), ...sumBw("z")]) },
  {
    // fill_/zero_ skip the overlap check (filling is idempotent); CopySlices' backward then refuses.
    program: prog("zero_() of an expanded view is allowed; backward through it fails", [leaf("x", [1])], [
      s("y", "clone", ["x"]),
      s("e", "expand", ["y"], 3),
      s(undefined, "zero_", ["e"]),
      ...sumBw("y"),
    ]),
    expect: { errorPhrase: "more than one element of the written-to tensor refers to a single memory location" },
  },
  {
    program: prog("in-place op on a view of a leaf that requires grad fails", [leaf("w", [2])], [s("v", "narrow", ["w"], 0, 0, 1), s(undefined, "mulS_", ["v"], 2)]),
    expect: { errorPhrase: "a view of a leaf Variable that requires grad is being used in an in-place operation." },
  },
  {
    program: prog("cross_entropy's NllLossBackward0 has no edge for the target", [leaf("x", [2, 3]), leaf("t", [2], { dtype: "int64", values: [0, 2] })], [
      s("l", "crossEntropy", ["x", "t"]),
      bw("l"),
    ]),
  },
];

export const ALL_CASES: Case[] = [...WHY_CASES, ...FLATTEN_CASES, ...INPLACE_CASES, ...LAYOUT_CASES, ...FOUND_CASES, ...OPS12_CASES, ...OP_TABLE_CASES, ...DTYPE_CASES];

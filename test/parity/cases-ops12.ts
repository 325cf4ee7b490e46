// Parity cases of the indexing, structural, sorting and linear-algebra ops of issue 12: values,
// grad_fn graphs and leaf gradients against real PyTorch (the emitters are in ops.ts).
import { leaf, prog, s, type Case } from "./build";

const sumBw = (t: string) => [s(`${t}_sum`, "sum", [t]), s(undefined, "backward", [`${t}_sum`])];
const one = (name: string, shape: number[], op: string, ...a: Parameters<typeof s>[3][]): Case => ({
  program: prog(name, [leaf("x", shape)], [s("y", op, ["x"], ...a), ...sumBw("y")]),
});

export const OPS12_CASES: Case[] = [
  // paired advanced indexing (x[rows, cols]) and its mixed forms
  one("x[[0, 2, 1], [1, 3, 0]] (paired)", [3, 4], "index", [0, 2, 1], [1, 3, 0]),
  one("x[:, [0, 2], [1, 1]]", [2, 3, 4], "index", ":", [0, 2], [1, 1]),
  one("x[[1, 0], ..., [3, 0]] (apart: B first)", [2, 3, 4], "index", [1, 0], "...", [3, 0]),
  one("x[1:, [0, 1]]", [3, 4], "index", "1:", [0, 1]),
  one("x[[0, 0], 1:3] ", [3, 4], "index", [0, 0], "1:3"),
  // gather family
  one("x.gather(1, idx)", [3, 4], "gather", 1, [[0, 3], [2, 2], [1, 0]]),
  one("x.index_select(0, idx)", [3, 4], "indexSelect", 0, [2, 0, 2]),
  one("x.take(idx)", [3, 4], "take", [[5, 0], [11, 5]]),
  { program: prog("x.scatter(1, idx, src)", [leaf("x", [3, 4]), leaf("src", [3, 2])], [s("y", "scatter", ["x", "src"], 1, [[0, 3], [2, 1], [1, 0]]), ...sumBw("y")]) },
  { program: prog("x.scatter_add(1, idx, src)", [leaf("x", [3, 4]), leaf("src", [3, 2])], [s("y", "scatterAdd", ["x", "src"], 1, [[0, 0], [2, 1], [3, 3]]), ...sumBw("y")]) },
  one("x.masked_fill(x > 0, 0.5)", [3, 4], "maskedFillPos", 0.5),
  // structural
  one("x.repeat(2, 1, 2)", [2, 3], "repeat", 2, 1, 2),
  one("x.tile([2])", [2, 3], "tile", [2]),
  one("x.repeat_interleave(2, 1)", [2, 3], "repeatInterleave", 2, 1),
  one("x.flip(0, 1)", [2, 3], "flip", 0, 1),
  one("x.roll(1, 1)", [2, 3], "roll", 1, 1),
  one("x.tril()", [3, 4], "tril"),
  one("x.triu(1)", [3, 4], "triu", 1),
  // PyTorch records one SplitBackward0 with two outputs; we record one node per piece.
  one("x.chunk(2, 1): both pieces", [3, 4], "chunkMul", 1),
  // sorting
  one("x.sort(1).values", [3, 4], "sortValues", 1),
  one("x.topk(2).values", [3, 4], "topkValues", 2),
  // linear algebra
  { program: prog("x.mv(v)", [leaf("x", [3, 4]), leaf("v", [4])], [s("y", "mv", ["x", "v"]), ...sumBw("y")]) },
  { program: prog("torch.addmm(c, a, b)", [leaf("c", [2]), leaf("a", [3, 4]), leaf("b", [4, 2])], [s("y", "addmm", ["c", "a", "b"]), ...sumBw("y")]) },
  { program: prog("torch.baddbmm(c, a, b)", [leaf("c", [3, 2]), leaf("a", [2, 3, 4]), leaf("b", [2, 4, 2])], [s("y", "baddbmm", ["c", "a", "b"]), ...sumBw("y")]) },
  { program: prog("torch.outer(a, b)", [leaf("a", [3]), leaf("b", [4])], [s("y", "outer", ["a", "b"]), ...sumBw("y")]) },
  { program: prog("torch.einsum('bij,bjk->bik')", [leaf("a", [2, 3, 4]), leaf("b", [2, 4, 2])], [s("y", "einsum", ["a", "b"], "bij,bjk->bik"), ...sumBw("y")]) },
  { program: prog("torch.einsum('i,j->ij')", [leaf("a", [3]), leaf("b", [4])], [s("y", "einsum", ["a", "b"], "i,j->ij"), ...sumBw("y")]) },
];

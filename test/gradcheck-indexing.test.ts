// Numeric gradient checks (first and second order) of the indexing, structural, sorting and
// linear-algebra ops of issue 12, one line per op and shape; and their grad_fn names as PyTorch
// 2.x records them (checked against python3-torch's 1.13 graphs, where the names agree).
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { checkGrads, checkSecondOrder, generator, type Nested } from "./helpers/gradcheck";

type Fn = (...xs: Tensor[]) => Tensor;
const gen = generator(20261212);
const U = (s: number[]) => gen(s);
/** Pairwise distinct values (sort, topk: no ties to make the gradient ambiguous). */
const D = (s: number[]) => gen(s, { distinct: true, margin: 0.05 });
const i64 = (v: Nested) => torch.tensor(v, { dtype: "int64" });
const mask = torch.tensor([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]]);

const CASES: Array<[string, Fn, Nested[]]> = [
  // paired advanced indexing
  ["index(arange, ys) (probs[arange(n), ys])", (x) => x!.index(torch.arange(3), i64([1, 3, 0])), [U([3, 4])]],
  ["index(rows, cols) with repeats", (x) => x!.index([0, 0, 2], [1, 1, 3]), [U([3, 4])]],
  ["index(':', [0, 2], [1, 1]) of a 3-D", (x) => x!.index(":", [0, 2], [1, 1]), [U([2, 3, 4])]],
  ["index([1, 0], '...', [3, 0]) (dims apart: B first)", (x) => x!.index([1, 0], "...", [3, 0]), [U([2, 3, 4])]],
  ["index(broadcast [[0], [1]], [0, 2])", (x) => x!.index([[0], [1]], [0, 2]), [U([2, 3])]],
  ["index('1:', [0, 1])", (x) => x!.index("1:", [0, 1]), [U([3, 4])]],
  // gather / scatter
  ["gather dim 1", (x) => x!.gather(1, i64([[0, 3], [2, 2], [1, 0]])), [U([3, 4])]],
  ["gather dim 0", (x) => x!.gather(0, i64([[2, 0, 1, 1]])), [U([3, 4])]],
  ["torch.gather of a 1-D", (x) => torch.gather(x!, 0, i64([4, 0, 4])), [U([5])]],
  ["scatter (self and src)", (x, s) => x!.scatter(1, i64([[0, 3], [2, 1], [1, 0]]), s!), [U([3, 4]), U([3, 2])]],
  ["scatter from a larger src", (x, s) => x!.scatter(0, i64([[2, 0]]), s!), [U([3, 2]), U([2, 3])]],
  ["scatter a value", (x) => x!.scatter(1, i64([[0], [2], [3]]), 1.5), [U([3, 4])]],
  ["scatterAdd with repeated indices", (x, s) => x!.scatterAdd(1, i64([[0, 0], [2, 1], [3, 3]]), s!), [U([3, 4]), U([3, 2])]],
  ["scatter_ on a clone", (x, s) => x!.clone().scatter_(1, i64([[1], [0], [2]]), s!).mul(x!), [U([3, 4]), U([3, 1])]],
  ["scatterAdd_ on a clone", (x, s) => x!.clone().scatterAdd_(0, i64([[0, 1, 0, 1]]), s!).sin(), [U([2, 4]), U([1, 4])]],
  ["indexSelect", (x) => x!.indexSelect(1, [3, 0, 3]), [U([2, 4])]],
  ["take", (x) => x!.take(i64([[5, -1], [0, 5]])), [U([2, 3])]],
  ["maskedSelect", (x) => x!.maskedSelect(mask), [U([3, 4])]],
  ["maskedSelect with a broadcast mask", (x) => x!.maskedSelect(torch.tensor([1, 0, 0, 1])), [U([3, 4])]],
  ["maskedFill with a number", (x) => x!.maskedFill(mask, 2).mul(x!), [U([3, 4])]],
  ["maskedFill with a 0-dim tensor", (x, v) => x!.maskedFill(mask, v!), [U([3, 4]), U([])]],
  // structural
  ["repeat(2, 1, 2) adds a dim", (x) => x!.repeat(2, 1, 2), [U([2, 3])]],
  ["tile([2])", (x) => x!.tile([2]), [U([2, 3])]],
  ["repeatInterleave(2)", (x) => x!.repeatInterleave(2), [U([2, 3])]],
  ["repeatInterleave(2, dim 1)", (x) => x!.repeatInterleave(2, 1), [U([2, 3])]],
  ["repeatInterleave(counts, dim 0)", (x) => x!.repeatInterleave(i64([2, 0, 1]), 0), [U([3, 2])]],
  ["flip(0, 1)", (x) => x!.flip(0, 1), [U([2, 3])]],
  ["roll(1, 1)", (x) => x!.roll(1, 1), [U([2, 3])]],
  ["roll([1, -1], [0, 1])", (x) => x!.roll([1, -1], [0, 1]), [U([2, 3])]],
  ["roll(4) flattened", (x) => x!.roll(4), [U([2, 3])]],
  ["chunk(2, 1)", (x) => { const [a, b] = x!.chunk(2, 1); return a!.mul(b!); }, [U([3, 4])]],
  ["split(2) uneven", (x) => { const p = x!.split(2); return p[0]!.sum(0).mul(p[1]!.sum(0)); }, [U([3, 2])]],
  ["split([1, 3], 1)", (x) => { const p = x!.split([1, 3], 1); return p[1]!.mul(p[0]!); }, [U([2, 4])]],
  ["unbind(1)", (x) => { const [a, b, c] = x!.unbind(1); return a!.mul(b!).add(c!); }, [U([2, 3])]],
  ["tril", (x) => x!.tril(), [U([3, 4])]],
  ["tril(-1) of a batch", (x) => x!.tril(-1), [U([2, 3, 3])]],
  ["triu(1)", (x) => x!.triu(1), [U([3, 4])]],
  ["tril_ on a clone", (x) => x!.clone().tril_().mul(x!), [U([3, 3])]],
  // sorting
  ["sort(1) values", (x) => x!.sort(1).values, [D([3, 4])]],
  ["sort(0, descending)", (x) => x!.sort(0, true).values, [D([3, 4])]],
  ["topk(2)", (x) => x!.topk(2).values, [D([3, 4])]],
  ["topk(2, 0, smallest)", (x) => x!.topk(2, 0, false).values, [D([3, 4])]],
  ["torch.max(x, 1) values", (x) => torch.max(x!, 1).values, [D([3, 4])]],
  ["torch.min(x, 0, keepdim)[0]", (x) => torch.min(x!, 0, true)[0], [D([3, 4])]],
  // linear algebra
  ["mv", (a, v) => a!.mv(v!), [U([3, 4]), U([4])]],
  ["bmm", (a, b) => a!.bmm(b!), [U([2, 3, 4]), U([2, 4, 2])]],
  ["outer", (a, b) => torch.outer(a!, b!), [U([3]), U([4])]],
  ["addmm", (c, a, b) => torch.addmm(c!, a!, b!), [U([2]), U([3, 4]), U([4, 2])]],
  ["baddbmm", (c, a, b) => torch.baddbmm(c!, a!, b!), [U([3, 2]), U([2, 3, 4]), U([2, 4, 2])]],
  ["einsum ij,jk->ik", (a, b) => torch.einsum("ij,jk->ik", a!, b!), [U([3, 4]), U([4, 2])]],
  ["einsum bij,bjk->bik", (a, b) => torch.einsum("bij,bjk->bik", a!, b!), [U([2, 3, 4]), U([2, 4, 2])]],
  ["einsum i,j->ij", (a, b) => torch.einsum("i,j->ij", a!, b!), [U([3]), U([4])]],
  ["einsum ii->i", (a) => torch.einsum("ii->i", a!), [U([3, 3])]],
  ["einsum ij->", (a) => torch.einsum("ij->", a!), [U([3, 4])]],
  ["einsum ij,ij->i (implicit sum)", (a, b) => torch.einsum("ij,ij->i", a!, b!), [U([3, 4]), U([3, 4])]],
  ["einsum i,i", (a, b) => torch.einsum("i,i", a!, b!), [U([4]), U([4])]],
  ["einsum ij,jk,kl->il", (a, b, c) => torch.einsum("ij,jk,kl->il", a!, b!, c!), [U([2, 3]), U([3, 4]), U([4, 2])]],
];

describe("gradcheck: indexing, structural, sorting and linear-algebra ops", () => {
  it.each(CASES)("%s", (name, fn, inputs) => {
    checkGrads(fn, inputs, { name });
  });
});

describe("gradgradcheck: indexing, structural, sorting and linear-algebra ops", () => {
  it.each(CASES)("%s", (name, fn, inputs) => {
    checkSecondOrder(fn, inputs, { name });
  });
});

// ---- grad_fn names (PyTorch 2.x; printed by python3-torch 1.13 for the same calls, which agree
// except repeatInterleave, whose 2.x graph is Repeat.cpp's unsqueeze → expand → clone → flatten) ----
const m = () => torch.tensor([[1, 5, 3, 2], [4, 0, 6, 7], [9, 8, 2, 1]], { dtype: "float64", requiresGrad: true });
const v = (n = 4) => torch.arange(n, { dtype: "float64", requiresGrad: true });
const NAMES: Array<[string, () => Tensor, string, string?]> = [
  ["x[arange, ys]", () => m().index(torch.arange(3), i64([1, 2, 0])), "IndexBackward0", "AccumulateGrad"],
  ["x[:, idx]", () => m().index(":", [0, 1]), "IndexBackward0", "SliceBackward0"],
  ["gather", () => m().gather(1, i64([[0], [1], [2]])), "GatherBackward0", "AccumulateGrad"],
  ["scatter(src)", () => m().scatter(1, i64([[0], [1], [2]]), m().index(":", "0:1")), "ScatterBackward0", "AccumulateGrad"],
  ["scatter(value)", () => m().scatter(1, i64([[0], [1], [2]]), 2), "ScatterBackward1", "AccumulateGrad"],
  ["scatterAdd", () => m().scatterAdd(1, i64([[0], [1], [2]]), m()), "ScatterAddBackward0", "AccumulateGrad"],
  ["scatter_ on a clone", () => m().clone().scatter_(1, i64([[0], [1], [2]]), 2), "ScatterBackward1", "CloneBackward0"],
  ["scatterAdd_ on a clone", () => m().clone().scatterAdd_(1, i64([[0], [1], [2]]), m()), "ScatterAddBackward0", "CloneBackward0"],
  ["indexSelect", () => m().indexSelect(0, [2, 0]), "IndexSelectBackward0", "AccumulateGrad"],
  ["maskedSelect", () => m().maskedSelect(m().detach().gt(3)), "MaskedSelectBackward0", "AccumulateGrad"],
  ["maskedFill(number)", () => m().maskedFill(m().detach().gt(3), 0), "MaskedFillBackward0", "AccumulateGrad"],
  ["maskedFill(0-dim tensor)", () => m().maskedFill(m().detach().gt(3), v(1).sum()), "MaskedFillBackward1", "AccumulateGrad"],
  ["take", () => m().take(i64([0, 5])), "TakeBackward0", "AccumulateGrad"],
  ["repeat", () => m().repeat(2, 1), "RepeatBackward0", "AccumulateGrad"],
  ["tile", () => m().tile([2]), "RepeatBackward0", "AccumulateGrad"],
  ["repeatInterleave(2, 0)", () => m().repeatInterleave(2, 0), "ViewBackward0", "CloneBackward0"],
  ["repeatInterleave(counts, 0)", () => m().repeatInterleave(i64([1, 2, 0]), 0), "IndexSelectBackward0", "AccumulateGrad"],
  ["flip", () => m().flip(0), "FlipBackward0", "AccumulateGrad"],
  ["roll", () => m().roll(1, 1), "RollBackward0", "AccumulateGrad"],
  ["chunk", () => m().chunk(2, 1)[1]!, "SplitBackward0", "AccumulateGrad"],
  ["split(size)", () => m().split(3, 1)[1]!, "SplitBackward0", "AccumulateGrad"],
  ["split(sizes)", () => m().split([1, 3], 1)[1]!, "SplitWithSizesBackward0", "AccumulateGrad"],
  ["unbind", () => m().unbind(0)[1]!, "UnbindBackward0", "AccumulateGrad"],
  ["tril", () => m().tril(), "TrilBackward0", "AccumulateGrad"],
  ["triu", () => m().triu(1), "TriuBackward0", "AccumulateGrad"],
  ["topk", () => m().topk(2).values, "TopkBackward0", "AccumulateGrad"],
  ["sort", () => m().sort(1).values, "SortBackward0", "AccumulateGrad"],
  ["torch.max(x, 1)", () => torch.max(m(), 1).values, "MaxBackward0", "AccumulateGrad"],
  ["torch.max(x)", () => torch.max(m()), "MaxBackward1", "AccumulateGrad"],
  ["torch.min(x, y)", () => torch.min(m(), m()), "MinimumBackward0", "AccumulateGrad"],
  ["outer", () => torch.outer(v(3), v()), "MulBackward0", "ViewBackward0"],
  ["addmm", () => torch.addmm(v(3), m(), m().t()), "AddmmBackward0", "AccumulateGrad"],
  ["baddbmm", () => torch.baddbmm(torch.zeros(2, 3, 3, { dtype: "float64" }), m().unsqueeze(0).expand(2, 3, 4), m().t().unsqueeze(0).expand(2, 4, 3)), "BaddbmmBackward0"],
  ["mv", () => m().mv(v()), "MvBackward0", "AccumulateGrad"],
  ["bmm", () => m().unsqueeze(0).bmm(m().t().unsqueeze(0)), "BmmBackward0", "UnsqueezeBackward0"],
  ["einsum ij,jk->ik", () => torch.einsum("ij,jk->ik", m(), m().t()), "ViewBackward0", "PermuteBackward0"],
  ["einsum ij->", () => torch.einsum("ij->", m()), "SumBackward1", "PermuteBackward0"],
  ["einsum i,j->ij", () => torch.einsum("i,j->ij", v(3), v()), "MulBackward0", "PermuteBackward0"],
  ["bernoulli", () => torch.bernoulli(torch.full([3], 0.5, { dtype: "float64", requiresGrad: true })), "BernoulliBackward0", "AccumulateGrad"],
];

describe("grad_fn names match PyTorch 2.x", () => {
  it.each(NAMES)("%s → %s", (_label, make, name, next) => {
    const out = make();
    expect(out.gradFn?.name).toBe(name);
    if (next !== undefined) expect(out.gradFn!.nextFunctions[0]![0]?.name).toBe(next);
  });
});

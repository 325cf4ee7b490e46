// Values and errors of issue 12's indexing/structural/sorting/linear-algebra ops, and the creation and
// random functions. Expected values were printed by python3-torch (1.13.1) for the same calls.
import { describe, expect, it } from "vitest";
import { torch, Tensor } from "../../engine/index";

const x = torch.arange(12, { dtype: "float32" }).reshape(3, 4);
const i64 = (v: Parameters<typeof torch.tensor>[0]) => torch.tensor(v, { dtype: "int64" });

describe("values as PyTorch computes them", () => {
  it.each<[string, () => Tensor, unknown]>([
    ["gather", () => x.gather(1, i64([[3], [0], [1]])), [[3], [4], [9]]],
    ["scatterAdd with repeats", () => x.scatterAdd(1, i64([[0, 0], [1, 1], [3, 3]]), torch.ones(3, 2)), [[2, 1, 2, 3], [4, 7, 6, 7], [8, 9, 10, 13]]],
    ["repeatInterleave(counts, 0)", () => x.repeatInterleave(i64([1, 0, 2]), 0), [[0, 1, 2, 3], [8, 9, 10, 11], [8, 9, 10, 11]]],
    ["roll([1, -1], [0, 1])", () => x.roll([1, -1], [0, 1]), [[9, 10, 11, 8], [1, 2, 3, 0], [5, 6, 7, 4]]],
    ["flip(1)", () => x.flip(1), [[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]]],
    ["sort(descending) keeps ties in order", () => torch.sort(torch.tensor([3, 1, 2, 3]), -1, true).indices, [0, 3, 2, 1]],
    ["topk(2, 1, smallest)", () => torch.tensor([[1, 5, 3], [4, 0, 6]]).topk(2, 1, false).values, [[1, 3], [0, 4]]],
    ["topk indices", () => torch.tensor([[1, 5, 3], [4, 0, 6]]).topk(2, 1, false).indices, [[0, 2], [1, 0]]],
    ["einsum ij,jk->ik", () => torch.einsum("ij,jk->ik", x, x.t()), [[14, 38, 62], [38, 126, 214], [62, 214, 366]]],
    ["einsum ii->i", () => torch.einsum("ii->i", x.index(":", ":3")), [0, 5, 10]],
    ["einsum ij->j", () => torch.einsum("ij->j", x), [12, 15, 18, 21]],
    ["einsum bi,bi->b", () => torch.einsum("bi,bi->b", x, x), [14, 126, 366]],
    ["tril(-1)", () => x.tril(-1), [[0, 0, 0, 0], [4, 0, 0, 0], [8, 9, 0, 0]]],
    ["triu(2)", () => x.triu(2), [[0, 0, 2, 3], [0, 0, 0, 7], [0, 0, 0, 0]]],
    ["x[[0, 2], [1, 3]]", () => x.index([0, 2], [1, 3]), [1, 11]],
    ["x[[[0], [2]], [1, 3]] broadcast", () => x.index(i64([[0], [2]]), i64([1, 3])), [[1, 3], [9, 11]]],
    ["x[[True, False, True]]", () => x.index([true, false, true]), [[0, 1, 2, 3], [8, 9, 10, 11]]],
    ["baddbmm", () => torch.baddbmm(torch.ones(3, 3), x.unsqueeze(0), x.t().unsqueeze(0)), [[[15, 39, 63], [39, 127, 215], [63, 215, 367]]]],
  ])("%s", (_l, make, want) => {
    expect(make().tolist()).toEqual(want);
  });

  it("chunk sizes as PyTorch's: 5 in 3 → 2, 2, 1; 6 in 4 → 2, 2, 2", () => {
    expect(torch.arange(5).chunk(3).map((t) => t.shape[0])).toEqual([2, 2, 1]);
    expect(torch.arange(6).chunk(4).map((t) => t.shape[0])).toEqual([2, 2, 2]);
  });

  it("split, chunk and unbind are views of the tensor's storage", () => {
    const t = torch.arange(6, { dtype: "float32" }).reshape(2, 3);
    const [a] = t.chunk(2, 1);
    a!.index(0, 0).fill_(42);
    expect(t.index(0, 0).item()).toBe(42);
    expect(t.unbind(1)[2]!.isView()).toBe(true);
  });
});

describe("clear errors for bad arguments", () => {
  it.each<[string, () => unknown, RegExp]>([
    ["gather with a float index", () => x.gather(1, torch.tensor([[0]])), /gather: Expected dtype int64 for index \(got float32\)/],
    ["gather out of range", () => x.gather(1, i64([[4], [0], [0]])), /gather: index 4 is out of bounds for dimension 1 with size 4/],
    ["gather of another rank", () => x.gather(1, i64([0])), /Index tensor must have the same number of dimensions as input tensor/],
    ["scatter with an index larger than src", () => x.scatter(1, i64([[0, 1]]), torch.ones(1, 1)), /smaller size than src/],
    ["indexSelect with a 2-D index", () => x.indexSelect(0, i64([[0]])), /Index is supposed to be a vector/],
    ["take out of range", () => x.take(i64([12])), /take: index 12 out of range/],
    ["maskedSelect with a mask that does not broadcast", () => x.maskedSelect(torch.ones(5)), /cannot be broadcast to the tensor's shape \[3, 4\]/],
    ["paired indices that do not broadcast", () => x.index([0, 1], [0, 1, 2]), /could not be broadcast together/],
    ["an index out of range", () => x.index([0, 3]), /index 3 is out of bounds for dimension 0 with size 3/],
    ["repeat with fewer sizes than dims", () => x.repeat(2), /Number of dimensions of repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2\)/],
    ["split sizes that do not add up", () => x.split([1, 1], 0), /split_with_sizes expects split_sizes to sum exactly to 3/],
    ["topk k too large", () => x.topk(5), /selected index k \(5\) out of range/],
    ["tril of a vector", () => torch.ones(3).tril(), /tril: input tensor must have at least 2 dimensions/],
    ["einsum with the wrong number of operands", () => torch.einsum("ij,jk->ik", x), /2 operand subscripts .* but 1 operand given/],
    ["einsum with an ellipsis", () => torch.einsum("...ij->...ji", x), /ellipsis \("\.\.\."\) is not supported yet/],
    ["einsum with a subscript per dim mismatch", () => torch.einsum("i->i", x), /number of subscripts in the equation \(1\) does not match the number of dimensions \(2\)/],
    ["outer of matrices", () => torch.outer(x, x), /outer: expected 1-D tensors/],
    ["randint with low ≥ high", () => torch.randint(5, 3, [2]), /random_ expects 'from' to be less than 'to', but got from=5 >= to=3/],
    ["randint without a size", () => torch.randint(5, 3 as never), /size must be an array of sizes/],
    ["multinomial without replacement, too many", () => torch.multinomial(torch.tensor([0.5, 0.5]), 3), /cannot sample n_sample > prob_dist.size\(-1\) samples without replacement/],
    ["multinomial of zeros", () => torch.multinomial(torch.zeros(3), 1), /sum of probabilities <= 0/],
    ["multinomial with a negative weight", () => torch.multinomial(torch.tensor([-1, 2]), 1), /element < 0/],
    ["bernoulli with p > 1", () => torch.bernoulli(torch.tensor([2])), /Expected p_in >= 0 && p_in <= 1/],
    ["a generator option that is not a Generator", () => torch.rand(2, { generator: 42 as never }), /the generator option must be a torch.Generator/],
    ["torch.Tensor with options", () => (torch.Tensor as unknown as (...a: unknown[]) => Tensor)([1, 2], { requiresGrad: true }), /torch\.Tensor takes data .* use torch\.tensor\(data, \{ dtype, requiresGrad \}\)/],
    ["torch.Tensor with a negative size", () => torch.Tensor(-1), /size 0 must be a non-negative integer/],
    ["new torch.Tensor of a string", () => new torch.Tensor("abc" as never), /invalid data type the string "abc"/],
  ])("%s", (_l, make, message) => {
    expect(make).toThrow(message);
  });
});

describe("creation and random functions", () => {
  it("arange: int64 for integer bounds, float32 otherwise, any dtype on request", () => {
    expect(torch.arange(5).dtype).toBe("int64");
    expect(torch.arange(1, 10, 3).tolist()).toEqual([1, 4, 7]);
    expect(torch.arange(0, 1, 0.25).dtype).toBe("float32");
    expect(torch.arange(3, { dtype: "float64" }).dtype).toBe("float64");
  });

  it("fullLike / zerosLike / onesLike keep the shape and take a dtype", () => {
    const t = torch.fullLike(x, 7, { dtype: "float64" });
    expect([t.shape, t.dtype, t.index(2, 3).item()]).toEqual([[3, 4], "float64", 7]);
    expect(torch.zerosLike(x, { dtype: "int64" }).dtype).toBe("int64");
    expect(torch.onesLike(x).sum().item()).toBe(12);
  });

  it("torch.Tensor with and without new: float32 from data, zeros of sizes, empty", () => {
    const a = torch.Tensor([2.0]);
    const b = new torch.Tensor([[1, 2]]);
    expect([a.dtype, a.tolist(), b.shape]).toEqual(["float32", [2], [1, 2]]);
    expect(torch.Tensor(2, 3).shape).toEqual([2, 3]);
    expect(torch.Tensor().shape).toEqual([0]);
    expect(torch.Tensor(torch.tensor([1, 2], { dtype: "int64" })).dtype).toBe("float32");
    expect(a instanceof torch.Tensor && a instanceof Tensor).toBe(true);
    expect(a.requiresGrad).toBe(false);
  });

  it("a Generator makes its own reproducible stream; the default stream is not touched", () => {
    torch.manualSeed(1);
    const before = torch.rand(3).tolist();
    const g = new torch.Generator().manualSeed(2147483647);
    const a = torch.randn(5, { generator: g }).tolist();
    torch.manualSeed(1);
    const g2 = torch.Generator().manualSeed(2147483647);
    torch.randint(0, 5, [7], { generator: torch.Generator(3) }); // another stream in between
    expect(torch.rand(3).tolist()).toEqual(before);
    expect(torch.randn(5, { generator: g2 }).tolist()).toEqual(a);
    expect(g.initialSeed()).toBe(2147483647);
  });

  it("randint: int64 in [low, high), every value reached", () => {
    const r = torch.randint(-2, 3, [2000], { generator: torch.Generator(5) });
    expect(r.dtype).toBe("int64");
    expect(new Set(r.tolist() as number[])).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(torch.randint(10, [2, 3]).shape).toEqual([2, 3]);
  });

  it("randperm is a permutation", () => {
    const p = torch.randperm(50, { generator: torch.Generator(9) }).tolist() as number[];
    expect(p.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("multinomial follows the weights; without replacement each category once", () => {
    const draws = torch.multinomial(torch.tensor([1, 0, 3]), 4000, true, { generator: torch.Generator(11) }).tolist() as number[];
    const count = (k: number) => draws.filter((d) => d === k).length;
    expect(count(1)).toBe(0);
    expect(count(2) / draws.length).toBeGreaterThan(0.72);
    expect(count(2) / draws.length).toBeLessThan(0.78);
    const rows = torch.multinomial(torch.tensor([[1, 1, 1, 1], [0, 2, 1, 1]]), 3).tolist() as number[][];
    for (const r of rows) expect(new Set(r).size).toBe(3);
    expect(rows[1]).not.toContain(0);
    expect(torch.multinomial(torch.tensor([0.2, 0.8]), 1, { replacement: true } as never).shape).toEqual([1]);
  });

  it("bernoulli draws 0/1 with probability p and has a zero gradient", () => {
    const p = torch.full([4000], 0.3, { requiresGrad: true });
    const b = torch.bernoulli(p, { generator: torch.Generator(4) });
    expect(b.mean().item()).toBeGreaterThan(0.27);
    expect(b.mean().item()).toBeLessThan(0.33);
    b.sum().backward();
    expect(p.grad!.abs().sum().item()).toBe(0);
  });

  it("numel / nelement / item / tolist", () => {
    expect([x.numel(), x.nelement(), torch.numel(x)]).toEqual([12, 12, 12]);
    expect(x.index(1, 2).item()).toBe(6);
    expect(x.index(1).tolist()).toEqual([4, 5, 6, 7]);
  });
});

describe("index tensors are integer or bool, as in PyTorch", () => {
  it("a float tensor (such as a comparison's result cast to float) is refused instead of read as positions; a bool mask selects", () => {
    // Comparisons give bool tensors (as PyTorch's): x[x > 5] selects, like maskedSelect.
    expect(x.index(x.gt(5)).tolist()).toEqual(x.maskedSelect(x.gt(5)).tolist());
    expect(() => x.index(x.gt(5).to("float32"))).toThrow(/tensors used as indices must be long, int or bool tensors \(got float32\).*maskedSelect/);
    expect(() => x.index(torch.tensor([0, 1]))).toThrow(/\{ dtype: "int64" \}/);
    expect(x.index(torch.tensor([0, 1], { dtype: "int64" })).shape).toEqual([2, 4]);
  });
});

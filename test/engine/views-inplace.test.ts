// Storage, strides and views; in-place ops with version counters, as PyTorch 2.x has them. The
// expected names and numbers are PyTorch's (checked with torch; see test/parity for the machine
// comparison against it).
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../../engine/index";

const f64 = (v: number[] | number[][], requiresGrad = false) => torch.tensor(v, { dtype: "float64", requiresGrad });
const names = (t: Tensor): unknown => {
  const walk = (n: Tensor["gradFn"] | null): unknown => (n === null ? null : [n.name, ...n.nextFunctions.map(([c]) => walk(c))]);
  return walk(t.gradFn);
};

describe("views share storage", () => {
  it("view, t, transpose, permute, expand, select, slice, diagonal, unfold, detach and .data see each other's writes", () => {
    const x = torch.arange(6, { dtype: "float64" }).reshape(2, 3);
    const views = [x.view(6), x.t(), x.transpose(0, 1), x.permute(1, 0), x.select(1, 1), x.index(":", "1:3"), x.diagonal(), x.detach(), x.data, x.unfold(1, 2, 1)];
    for (const v of views) expect(v._storage, v.toString()).toBe(x._storage);
    torch.noGrad(() => x.view(6).select(0, 4).fill_(40));
    expect(x.tolist()).toEqual([[0, 1, 2], [3, 40, 5]]);
    expect(x.t().tolist()).toEqual([[0, 3], [1, 40], [2, 5]]);
    expect(x.select(1, 1).tolist()).toEqual([1, 40]);
    expect(x.diagonal().tolist()).toEqual([0, 40]);
    expect(x.unfold(1, 2, 1).tolist()).toEqual([[[0, 1], [1, 2]], [[3, 40], [40, 5]]]);
    x.data.mul_(2);
    expect(x.tolist()).toEqual([[0, 2, 4], [6, 80, 10]]);
  });

  it("strides, offsets and contiguity are PyTorch's", () => {
    const x = torch.zeros(2, 3, 4);
    expect(x.stride()).toEqual([12, 4, 1]);
    expect(x.isContiguous()).toBe(true);
    const t = x.transpose(0, 2);
    expect(t.stride()).toEqual([1, 4, 12]);
    expect(t.isContiguous()).toBe(false);
    expect(t.contiguous().isContiguous()).toBe(true);
    expect(t.contiguous().gradFn).toBeNull();
    expect(x.contiguous()).toBe(x);
    const s = x.select(1, 2);
    expect(s.storageOffset()).toBe(8);
    expect(s.stride()).toEqual([12, 1]);
    expect(x.expand(5, 2, 3, 4).stride()).toEqual([0, 12, 4, 1]);
    expect(x.unsqueeze(1).stride()).toEqual([12, 12, 4, 1]);
    expect(x.index(":", "::2").stride()).toEqual([12, 8, 1]);
  });

  it("view fails where the strides do not allow it, reshape copies there (UnsafeViewBackward0 → CloneBackward0 → TBackward0)", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    expect(() => x.t().view(6)).toThrow("view size is not compatible with input tensor's size and stride");
    const r = x.t().reshape(6);
    expect(names(r)).toEqual(["UnsafeViewBackward0", ["CloneBackward0", ["TBackward0", ["AccumulateGrad"]]]]);
    expect(r.tolist()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(r._storage).not.toBe(x._storage);
    expect(names(x.reshape(3, 2))).toEqual(["ViewBackward0", ["AccumulateGrad"]]);
    expect(x.reshape(3, 2)._storage).toBe(x._storage);
  });

  it("flatten(startDim, endDim) as PyTorch; a 1-D tensor and startDim = endDim give the tensor itself", () => {
    const x = torch.zeros(2, 3, 4);
    expect(x.flatten().shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(x.flatten(-2, -1).shape).toEqual([2, 12]);
    expect(x.flatten(1, 1)).toBe(x);
    const v = f64([1, 2], true);
    expect(v.flatten()).toBe(v);
    expect(torch.tensor(3).flatten().shape).toEqual([1]);
    expect(() => x.flatten(2, 1)).toThrow("cannot come after");
    expect(x.unflatten(2, [2, 2]).shape).toEqual([2, 3, 2, 2]);
    expect(x.unflatten(1, [-1, 1]).shape).toEqual([2, 3, 1, 4]);
  });

  it("indexing records PyTorch's nodes", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    expect(names(x.index(":", 1))).toEqual(["SelectBackward0", ["SliceBackward0", ["AccumulateGrad"]]]);
    expect(names(x.index(1, "0:3"))).toEqual(["SelectBackward0", ["AccumulateGrad"]]);
    expect(names(x.index([0, 1], 1))).toEqual(["IndexBackward0", ["SelectBackward0", ["AccumulateGrad"]]]);
    expect(names(x.index(":"))).toEqual(["SliceBackward0", ["AccumulateGrad"]]);
    expect(names(x.index("0:2"))).toEqual(["SliceBackward0", ["AccumulateGrad"]]);
    expect(names(x.index("..."))).toEqual(["AliasBackward0", ["AccumulateGrad"]]);
    expect(x.index("...")).not.toBe(x);
    expect(names(x.index(torch.tensor(1, { dtype: "int64" })))).toEqual(["SelectBackward0", ["AccumulateGrad"]]);
    expect(() => torch.tensor(3).index(0)).toThrow("invalid index of a 0-dim tensor");
  });

  it("gradients through views are PyTorch's (checked against known values)", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    const y = x.t().mul(x.t()).sum().add(x.diagonal().sum().mul(10)).add(x.unfold(1, 2, 1).sum());
    y.backward();
    // d/dx of Σx² is 2x; the diagonal (1, 5) adds 10; unfold(1, 2, 1) reads the middle column twice.
    expect(x.grad!.tolist()).toEqual([[2 + 10 + 1, 4 + 2, 6 + 1], [8 + 1, 10 + 10 + 2, 12 + 1]]);
  });
});

describe("in-place ops", () => {
  it("change the tensor, bump its version, and rebase its history (PyTorch's names)", () => {
    const x = f64([1, 2, 3], true);
    const b = x.clone();
    expect(b.version).toBe(0);
    expect(b.mul_(2)).toBe(b);
    expect(b.version).toBe(1);
    expect(names(b)).toEqual(["MulBackward1", ["CloneBackward0", ["AccumulateGrad"]]]);
    b.exp_();
    expect(b.gradFn!.name).toBe("ExpBackward0");
    b.sum().backward();
    expect((x.grad!.tolist() as number[]).map((v) => +v.toFixed(6))).toEqual([1, 2, 3].map((v) => +(2 * Math.exp(2 * v)).toFixed(6)));
  });

  it("a leaf that requires grad cannot be changed in place, except under noGrad (a manual SGD step)", () => {
    const w = f64([1, 2], true);
    expect(() => w.sub_(1)).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    expect(() => w.index(0).fill_(1)).toThrow("a view of a leaf Variable that requires grad");
    w.mul(w).sum().backward();
    torch.noGrad(() => {
      w.sub_(w.grad!.mul(0.1));
      w.grad!.zero_();
    });
    expect(w.tolist()).toEqual([0.8, 1.6]);
    expect(w.grad!.tolist()).toEqual([0, 0]);
    expect(w.isLeaf).toBe(true);
    expect(w.gradFn).toBeNull();
  });

  it("a saved tensor changed afterwards makes backward fail with PyTorch's message", () => {
    const x = f64([1, 2, 3], true);
    const a = x.mul(2);
    a.mul_(3);
    expect(() => a.sum().backward()).not.toThrow(); // MulBackward1 saved nothing
    const e = x.exp();
    e.mul_(3); // ExpBackward0 saved e itself
    expect(() => e.sum().backward()).toThrow("which is output 0 of ExpBackward0, is at version 1; expected version 0 instead.");
    const b = x.exp();
    b.add_(1); // ExpBackward0 saved its result b, now at version 1
    expect(() => b.sum().backward()).toThrow(
      "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.DoubleTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead.",
    );
  });

  it("an in-place op that saves self keeps its old values for backward (x.mul_(y) → grad of y is the old x)", () => {
    const x = f64([1, 2], true);
    const y = f64([3, 4], true);
    const a = x.clone();
    a.mul_(y);
    expect(a.tolist()).toEqual([3, 8]);
    a.sum().backward();
    expect(y.grad!.tolist()).toEqual([1, 2]);
    expect(x.grad!.tolist()).toEqual([3, 4]);
  });

  it("writing through a view gives the base CopySlices and the view AsStridedBackward0", () => {
    const x = f64([1, 2, 3], true);
    const a = x.clone();
    const v = a.index(0);
    v.mul_(2);
    expect(names(a)).toEqual(["CopySlices", ["CloneBackward0", ["AccumulateGrad"]]]);
    expect(v.gradFn!.name).toBe("AsStridedBackward0");
    expect(v.gradFn!.nextFunctions[0]![0]).toBe(a.gradFn);
    expect(a.tolist()).toEqual([2, 2, 3]);
    a.mul(f64([1, 10, 100])).sum().backward();
    expect(x.grad!.tolist()).toEqual([2, 10, 100]);
  });

  it("copy_ into a slice of a constant makes it require grad (CopySlices over SliceBackward0)", () => {
    const w = f64([1, 2, 3], true);
    const z = torch.zeros(3, { dtype: "float64" });
    z.index("0:2").copy_(w.index("0:2"));
    expect(names(z)).toEqual(["CopySlices", null, ["SliceBackward0", ["AccumulateGrad"]]]);
    z.mul(z).sum().backward();
    expect(w.grad!.tolist()).toEqual([2, 4, 0]);
  });

  it("zero_, fill_, copy_, maskedFill_, indexPut_ and the random fills record PyTorch's nodes and gradients", () => {
    const x = f64([[1, -2, 3], [-4, 5, -6]], true);
    const grads = (f: (c: Tensor) => Tensor) => {
      x.grad = undefined;
      const c = x.clone();
      f(c).mul(f64([[1, 2, 3], [4, 5, 6]])).sum().backward();
      return [c.gradFn!.name, x.grad!.tolist()];
    };
    expect(grads((c) => c.zero_())).toEqual(["ZeroBackward0", [[0, 0, 0], [0, 0, 0]]]);
    expect(grads((c) => c.fill_(2))).toEqual(["FillBackward2", [[0, 0, 0], [0, 0, 0]]]);
    expect(grads((c) => c.copy_(torch.ones(3)))).toEqual(["CopyBackwards", [[0, 0, 0], [0, 0, 0]]]);
    expect(grads((c) => c.maskedFill_(c.gt(0), 0))).toEqual(["MaskedFillBackward0", [[0, 2, 0], [4, 0, 6]]]);
    expect(grads((c) => c.indexPut_([[0, 1]], torch.ones(3, { dtype: "float64" })))).toEqual(["IndexPutBackward0", [[0, 0, 0], [0, 0, 0]]]);
    expect(grads((c) => c.indexPut_([0], 7))).toEqual(["CopySlices", [[0, 0, 0], [4, 5, 6]]]);
    expect(grads((c) => c.uniform_())[0]).toBe("UniformBackward0");
    const t = x.clone();
    t.indexPut_([1, 2], 9);
    expect(t.tolist()).toEqual([[1, -2, 3], [-4, 5, 9]]);
    expect(t.gradFn!.name).toBe("CopySlices");
    const v = f64([5], true);
    const c2 = x.clone();
    c2.fill_(v.sum());
    expect(c2.gradFn!.name).toBe("FillBackward3");
    c2.sum().backward();
    expect(v.grad!.tolist()).toEqual([6]);
  });

  it("refuses what PyTorch refuses", () => {
    expect(() => torch.zeros(3).expand(2, 3).add_(1)).toThrow("more than one element of the written-to tensor refers to a single memory location");
    expect(() => torch.zeros(3).add_(torch.zeros(2, 3))).toThrow("output with shape [3] doesn't match the broadcast shape [2, 3]");
    expect(() => torch.zeros(3, { dtype: "int64" }).add_(0.5)).toThrow("result type Float can't be cast to the desired output type Long");
  });

  it("second-order gradients through in-place ops and views", () => {
    const x = f64([0.5, -1.5], true);
    const a = x.clone();
    a.pow_(3);
    const [g] = torch.autograd.grad(a.sum(), x, { createGraph: true });
    expect(g!.tolist()).toEqual([0.75, 6.75]); // 3x²
    g!.sum().backward();
    expect(x.grad!.tolist()).toEqual([3, -9]); // 6x
  });
});

describe("PyTorch names the engine lacks, or spells otherwise", () => {
  it("say so in PyTorch's terms instead of 'is not a function'", () => {
    const x = torch.tensor([1, 2]);
    const anyX = x as unknown as Record<string, () => unknown>;
    expect(() => anyX["logaddexp"]!()).toThrow("tensor.logaddexp() is a PyTorch method that Autograd Lens does not have yet.");
    expect(() => anyX["bernoulli_"]!()).toThrow("tensor.bernoulli_() is a PyTorch method that Autograd Lens does not have yet.");
    x.name = "w";
    expect(() => anyX["requires_grad_"]!()).toThrow("w.requires_grad_ is PyTorch's Python spelling; in Autograd Lens it is w.requiresGrad_().");
    expect(() => anyX["grad_fn"]).toThrow("w.grad_fn is PyTorch's Python spelling; in Autograd Lens it is w.gradFn");
    const t = torch as unknown as Record<string, unknown>;
    expect(() => t["no_grad"]).toThrow("torch.no_grad is PyTorch's Python spelling; in Autograd Lens it is torch.noGrad().");
    expect(() => t["logaddexp"]).toThrow("torch.logaddexp() is a PyTorch function that Autograd Lens does not have yet.");
    expect(() => (torch.nn as unknown as Record<string, unknown>)["Conv3d"]).toThrow("torch.nn.Conv3d is a PyTorch module that Autograd Lens does not have yet.");
    expect(() => (torch.nn.functional as unknown as Record<string, unknown>)["hardswish"]).toThrow("torch.nn.functional.hardswish() is a PyTorch function");
    expect(() => (torch.nn.functional as unknown as Record<string, unknown>)["cross_entropy"]).toThrow("torch.nn.functional.cross_entropy is PyTorch's Python spelling; in Autograd Lens it is torch.nn.functional.crossEntropy().");
  });

  it("leave everything else alone: own names, unknown names, await and JSON", async () => {
    const x = torch.tensor([1, 2]);
    expect((x as unknown as Record<string, unknown>)["notATorchName"]).toBeUndefined();
    expect((x as unknown as { then?: unknown }).then).toBeUndefined();
    expect(await Promise.resolve(x)).toBe(x);
    expect(x.add(1).tolist()).toEqual([2, 3]);
    expect(typeof JSON.stringify({ a: 1 })).toBe("string");
    expect("toJSON" in x).toBe(false);
  });
});

describe("views made before an in-place write", () => {
  it("take the base's new history, as PyTorch derives it (AsStridedBackward0), and its gradients", () => {
    const x = f64([1, 2, 3], true);
    const w = x.clone();
    const head = w.index("0:2");
    w.mul_(2);
    const y = w.sum().add(head.sum());
    expect(head.gradFn!.name).toBe("AsStridedBackward0");
    expect(head.gradFn!.nextFunctions[0]![0]!.name).toBe("MulBackward1");
    y.backward();
    expect(x.grad!.tolist()).toEqual([4, 4, 2]); // PyTorch: tensor([4., 4., 2.])
    const a = x.clone();
    const v1 = a.index(0);
    const v2 = a.index(1);
    v1.mul_(5);
    v2.mul(1);
    expect(v2.gradFn!.name).toBe("AsStridedBackward0");
    expect(v2.gradFn!.nextFunctions[0]![0]!.name).toBe("CopySlices");
  });
});

describe("kernels on strided views", () => {
  it("mm of transposed and sliced views equals mm of contiguous copies", () => {
    torch.manualSeed(3);
    const a = torch.randn(5, 7, { dtype: "float64" });
    const b = torch.randn(6, 7, { dtype: "float64" });
    const c = torch.randn(7, 12, { dtype: "float64" });
    const close = (p: Tensor, q: Tensor) => expect(p.sub(q).abs().max().item()).toBeLessThan(1e-12);
    close(a.mm(b.t()), a.mm(b.t().contiguous()));
    close(b.t().t().mm(a.t()), b.mm(a.t().contiguous()));
    close(a.mm(c.index(":", "::2")), a.mm(c.index(":", "::2").contiguous()));
    close(a.t().t().mm(c.t().t()), a.mm(c));
    close(a.add(b.index("0:5")), a.add(b.index("0:5").contiguous()));
    close(b.t().mul(c.index(":", "0:6")), b.t().contiguous().mul(c.index(":", "0:6").contiguous()));
  });
});

describe("what the parity suite found", () => {
  it("reshape: contiguous → ViewBackward0, strided but viewable → ReshapeAliasBackward0, else a copy", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    expect(names(x.reshape(6))).toEqual(["ViewBackward0", ["AccumulateGrad"]]);
    expect(names(x.t().reshape(3, 2, 1))).toEqual(["ReshapeAliasBackward0", ["TBackward0", ["AccumulateGrad"]]]);
    expect(x.t().reshape(3, 2, 1)._storage).toBe(x._storage);
    expect(names(torch.tensor(3, { requiresGrad: true }).flatten())).toEqual(["ViewBackward0", ["AccumulateGrad"]]);
    expect(torch.tensor(3).view(1, 1).shape).toEqual([1, 1]);
  });

  it("squeeze_ / unsqueeze_ change the tensor's own shape (SqueezeBackward3/4, UnsqueezeBackward1)", () => {
    const x = f64([[1], [2]], true);
    const y = x.clone();
    expect(y.squeeze_(1)).toBe(y);
    expect(y.shape).toEqual([2]);
    expect(names(y)).toEqual(["SqueezeBackward4", ["CloneBackward0", ["AccumulateGrad"]]]);
    y.unsqueeze_(0);
    expect(y.shape).toEqual([1, 2]);
    expect(y.gradFn!.name).toBe("UnsqueezeBackward1");
    y.squeeze_();
    expect(y.gradFn!.name).toBe("SqueezeBackward3");
    y.mul(f64([3, 4])).sum().backward();
    expect(x.grad!.tolist()).toEqual([[3], [4]]);
  });

  it("an in-place write through a view of a tensor that needs no grad records nothing", () => {
    const x = torch.zeros(2, 3);
    const v = x.view(6);
    x.add_(1);
    v.mul_(2);
    expect(x.gradFn).toBeNull();
    expect(x.requiresGrad).toBe(false);
    expect([x.version, v.version]).toEqual([2, 2]);
  });

  it("zero_ of an expanded view is allowed; backward through it fails as PyTorch's", () => {
    const x = f64([2], true);
    const y = x.clone();
    y.expand(3).zero_();
    expect(y.tolist()).toEqual([0]);
    expect(() => y.sum().backward()).toThrow("more than one element of the written-to tensor refers to a single memory location");
  });

  it("a NaN gradient does not leak into the input maximum/minimum/where/clamp did not pick", () => {
    const a = f64([-1, 4], true);
    const b = f64([0, 0], true);
    a.sqrt().minimum(b).sum().backward(); // sqrt(-1) = NaN; its gradient is NaN
    expect(b.grad!.tolist()).toEqual([0, 1]);
    const p = f64([-1, 1], true);
    const q = f64([2, 3], true);
    torch.where(f64([1, 0]), p, q).sqrt().sum().backward(); // the NaN gradient at [0] belongs to p
    expect(q.grad!.tolist()).toEqual([0, 1 / (2 * Math.sqrt(3))]);
  });

  it("nllLoss's node has an edge for the input only", () => {
    const x = f64([[1, 2, 3], [3, 2, 1]], true);
    const l = torch.nn.functional.crossEntropy(x, torch.tensor([0, 2], { dtype: "int64" }));
    expect(l.gradFn!.nextFunctions.length).toBe(1);
  });

  it("mm of float32 with float64 fails with PyTorch 2.x's words", () => {
    expect(() => torch.ones(2, 2).mm(torch.ones(2, 2, { dtype: "float64" }))).toThrow("expected m1 and m2 to have the same dtype, but got: float != double");
  });
});

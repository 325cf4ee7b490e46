// Autograd semantics that must match torch: accumulation, hooks, retainGraph, noGrad, detach,
// autograd.grad (incl. createGraph), and the errors torch raises, each with what to do.
import { afterEach, describe, expect, it } from "vitest";
import { setWarningHandler, torch, Tensor } from "../../engine/index";

afterEach(() => setWarningHandler(null));

const f64 = (v: number | number[] | number[][], requiresGrad = true) => torch.tensor(v, { dtype: "float64", requiresGrad });

describe("accumulation and retainGraph", () => {
  it("leaves accumulate .grad across backward calls", () => {
    const x = f64(3);
    const y = x.mul(x); // dy/dx = 2x = 6
    y.backward(undefined, { retainGraph: true });
    expect(x.grad!.item()).toBe(6);
    y.backward();
    expect(x.grad!.item()).toBe(12);
    x.grad = undefined;
    x.mul(x).backward();
    expect(x.grad!.item()).toBe(6);
  });

  it("sums gradients from every use of a tensor (fan-out)", () => {
    const x = f64([1, 2]);
    const y = x.mul(x).add(x.mul(3)).sum(); // dy/dx = 2x + 3
    y.backward();
    expect(x.grad!.tolist()).toEqual([5, 7]);
  });

  it("does not change a gradient tensor it handed out earlier", () => {
    const x = f64(1);
    x.mul(2).backward();
    const first = x.grad!;
    x.mul(2).backward();
    expect(x.grad!.item()).toBe(4);
    // torch adds in place into the existing .grad; the same object is updated.
    expect(first.item()).toBe(4);
  });

  it("a node without saved tensors can run twice (torch only fails where tensors were freed)", () => {
    const x = f64(1);
    const y = x.add(1);
    y.backward();
    y.backward();
    expect(x.grad!.item()).toBe(2);
  });
});

describe("hooks", () => {
  it("a hook on a leaf sees and can replace its gradient before accumulation", () => {
    const x = f64(2);
    const seen: number[] = [];
    const h = x.registerHook((g) => {
      seen.push(g.item());
      return g.mul(10);
    });
    x.mul(3).backward();
    expect(seen).toEqual([3]);
    expect(x.grad!.item()).toBe(30);
    h.remove();
    x.grad = undefined;
    x.mul(3).backward();
    expect(x.grad!.item()).toBe(3);
  });

  it("a hook on a non-leaf changes what flows on, and retainGrad sees the hooked value", () => {
    const x = f64(2);
    const y = x.mul(3);
    y.retainGrad();
    y.registerHook((g) => g.mul(2));
    y.mul(5).backward();
    expect(y.grad!.item()).toBe(10); // 5, doubled by the hook
    expect(x.grad!.item()).toBe(30); // 10 · 3
  });

  it("rejects hooks on tensors that do not require grad", () => {
    expect(() => torch.tensor(1).registerHook(() => undefined)).toThrow(/doesn't require gradient/);
  });
});

describe("grad mode, detach, requiresGrad", () => {
  it("noGrad records nothing and restores the mode after errors", () => {
    const x = f64(2);
    const y = torch.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => torch.noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(torch.isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it("detach cuts the graph and shares values", () => {
    const x = f64([1, 2]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d._storage).toBe(x._storage);
  });

  it("requiresGrad propagates and only leaves can change it", () => {
    const a = torch.tensor([1, 2]);
    expect(a.requiresGrad).toBe(false);
    expect(a.requiresGrad_()).toBe(a);
    const b = a.mul(2);
    expect(b.requiresGrad).toBe(true);
    expect(b.isLeaf).toBe(false);
    expect(() => b.requiresGrad_(false)).toThrow(/only change requires_grad flags of leaf variables/);
    expect(() => torch.tensor([1], { dtype: "int64", requiresGrad: true })).toThrow(/floating point/);
  });
});

describe("autograd.grad", () => {
  it("returns gradients without touching .grad", () => {
    const x = f64(3);
    const y = x.pow(3);
    const [g] = torch.autograd.grad(y, x);
    expect(g!.item()).toBe(27);
    expect(x.grad).toBeUndefined();
  });

  it("with createGraph gives differentiable gradients (second derivative)", () => {
    const x = f64(3);
    const y = x.pow(3);
    const [g] = torch.autograd.grad(y, [x], { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const [g2] = torch.autograd.grad(g!, [x]);
    expect(g2!.item()).toBe(18); // d²(x³)/dx² = 6x
  });

  it("gradient w.r.t. a non-leaf input, and unused inputs", () => {
    const x = f64(2);
    const h = x.mul(x);
    const y = h.mul(3);
    const [gh, gx] = torch.autograd.grad(y, [h, x], { retainGraph: true });
    expect(gh!.item()).toBe(3);
    expect(gx!.item()).toBe(12);
    const z = f64(1);
    expect(() => torch.autograd.grad(y, [z], { retainGraph: true })).toThrow(/appears to not have been used in the graph.*allowUnused/);
    expect(torch.autograd.grad(y, [z], { allowUnused: true })).toEqual([undefined]);
  });
});

describe("errors say what torch says and what to do", () => {
  it("backward on a non-scalar without a gradient", () => {
    const y = f64([1, 2]).mul(2);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs.*y\.sum\(\)\.backward\(\)/);
    y.backward(torch.onesLike(y));
  });

  it("backward on a tensor that does not require grad", () => {
    expect(() => torch.tensor(1).mul(2).backward()).toThrow(/element 0 of tensors does not require grad and does not have a grad_fn.*requiresGrad: true/);
  });

  it("shape mismatches name the op", () => {
    const a = torch.ones(2, 3);
    const b = torch.ones(2, 4);
    expect(() => a.add(b)).toThrow(/^add: The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/);
    expect(() => a.mul(b)).toThrow(/^mul: /);
    expect(() => a.mm(b)).toThrow(/^mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x4\)/);
    expect(() => a.reshape(4)).toThrow(/^reshape: shape '\[4\]' is invalid for input of size 6/);
    expect(() => a.sum(2)).toThrow(/^sum: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
    expect(() => a.index(5)).toThrow(/index 5 is out of bounds for dimension 0 with size 2/);
  });

  it("bad input to torch.tensor", () => {
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(/expected sequence of length 2 at dim 1 \(got 1\)/);
    expect(() => torch.tensor("abc" as unknown as number)).toThrow(/expected a number/);
    expect(() => torch.tensor(1).item()).not.toThrow();
    expect(() => torch.ones(2).item()).toThrow(/a Tensor with 2 elements cannot be converted to Scalar/);
  });

  it("gradient of the wrong shape passed to backward", () => {
    const y = f64([1, 2]).mul(2);
    expect(() => y.backward(torch.ones(3))).toThrow(/Mismatch in shape/);
  });
});

describe("tensor basics", () => {
  it("factories and seeds", () => {
    torch.manualSeed(7);
    const a = torch.rand(2, 3).tolist();
    torch.manualSeed(7);
    expect(torch.rand([2, 3]).tolist()).toEqual(a);
    expect(torch.zeros(2, 2).tolist()).toEqual([[0, 0], [0, 0]]);
    expect(torch.eye(2).tolist()).toEqual([[1, 0], [0, 1]]);
    expect(torch.arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(torch.arange(1, 2, 0.25).tolist()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(torch.linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(torch.full([2], 7).tolist()).toEqual([7, 7]);
    const n = torch.randn([10000], { dtype: "float64" });
    const mean = n.mean().item();
    const std = Math.sqrt(n.sub(mean).square().mean().item());
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    expect(torch.tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(torch.tensor(5).shape).toEqual([]);
    expect(torch.tensor([[1, 2]], { name: "w" }).name).toBe("w");
  });

  it("dtype promotion", () => {
    const a = torch.tensor([1], { dtype: "float32" });
    const b = torch.tensor([1], { dtype: "float64" });
    expect(a.add(b).dtype).toBe("float64");
    expect(a.add(1).dtype).toBe("float32");
    expect(a instanceof Tensor).toBe(true);
  });
});

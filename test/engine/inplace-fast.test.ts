// The unrecorded in-place path (ops/inplace.ts binaryInPlace / fillUnrecorded): an optimizer step
// under noGrad writes straight into the tensor's storage. Each case is checked against the same
// op computed out of place, so the fast path cannot drift from the general one.
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../../engine/index";

const round = (v: unknown): unknown => (Array.isArray(v) ? v.map(round) : Math.fround(v as number));
const t = (v: number[] | number[][] | number[][][], opts?: { dtype?: "float32" | "float64" | "int64" }) => torch.tensor(v, opts);

describe("add_/sub_/mul_/div_ without recording", () => {
  const cases: Array<[string, () => Tensor, () => Tensor | number]> = [
    ["scalar", () => t([[1, 2, 3], [4, 5, 6]]), () => 0.5],
    ["same shape", () => t([[1, 2, 3], [4, 5, 6]]), () => t([[2, 3, 4], [5, 6, 7]])],
    ["row", () => t([[1, 2, 3], [4, 5, 6]]), () => t([10, 20, 30])],
    ["[1, 3] row", () => t([[1, 2, 3], [4, 5, 6]]), () => t([[10, 20, 30]])],
    ["one element", () => t([[1, 2, 3], [4, 5, 6]]), () => t([[7]])],
    ["column (general path)", () => t([[1, 2, 3], [4, 5, 6]]), () => t([[2], [3]])],
    ["float64 into float32", () => t([1, 2, 3]), () => t([0.1, 0.2, 0.3], { dtype: "float64" })],
  ];
  for (const kind of ["add", "sub", "mul", "div"] as const) {
    for (const [name, make, other] of cases) {
      it(`${kind}_ with ${name} equals ${kind} out of place`, () => {
        const x = make();
        const o = other();
        // x keeps its dtype: a float64 result is rounded to float32 as it is written.
        const expected = round(x[kind](o).tolist());
        const before = x.version;
        const r = torch.noGrad(() => x[`${kind}_`](o));
        expect(r).toBe(x);
        expect(x.tolist()).toEqual(expected);
        expect(x.version).toBe(before + 1);
      });
    }
  }

  it("an optimizer step on a leaf under noGrad updates it and keeps it a leaf", () => {
    const w = t([1, 2, 3]).requiresGrad_();
    w.sum().mul(2).backward();
    torch.noGrad(() => w.sub_(w.grad!.mul(0.25)));
    expect(w.tolist()).toEqual([0.5, 1.5, 2.5]);
    expect(w.gradFn).toBeNull();
    expect(w.isLeaf).toBe(true);
    torch.noGrad(() => w.grad!.zero_());
    expect(w.grad!.tolist()).toEqual([0, 0, 0]);
  });

  it("a write through a contiguous view reaches the base", () => {
    const base = t([[1, 2], [3, 4]]);
    const row = base.select(0, 1);
    row.mul_(10);
    expect(base.tolist()).toEqual([[1, 2], [30, 40]]);
    expect(base.version).toBe(1);
  });

  it("other sharing x's storage reads the old values (general path)", () => {
    const x = t([[1, 2], [3, 4]]);
    x.add_(x.t());
    expect(x.tolist()).toEqual([[2, 5], [5, 8]]);
  });

  it("keeps PyTorch's errors: a wider other, a leaf under grad mode, an overlapping x", () => {
    expect(() => t([1, 2, 3]).add_(t([[[1, 2, 3]]]))).toThrow(/doesn't match the broadcast shape/);
    const leaf = t([1, 2]).requiresGrad_();
    expect(() => leaf.sub_(1)).toThrow(/a leaf Variable that requires grad/);
    expect(() => t([1]).expand(3).add_(1)).toThrow(/more than one element of the written-to tensor/);
  });

  it("int64 tensors keep integer results", () => {
    const x = t([1, 2, 3], { dtype: "int64" });
    x.mul_(3);
    expect(x.tolist()).toEqual([3, 6, 9]);
    expect(() => x.div_(2)).toThrow(/can't be cast/);
  });
});

describe("zero_/fill_ without recording", () => {
  it("fills contiguous and strided tensors, and bumps the version", () => {
    const x = t([[1, 2, 3], [4, 5, 6]]);
    x.t().select(0, 1).fill_(9); // column 1: a strided view
    expect(x.tolist()).toEqual([[1, 9, 3], [4, 9, 6]]);
    x.zero_();
    expect(x.tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(x.version).toBe(2);
    const i = t([1, 2], { dtype: "int64" });
    i.fill_(2.7);
    expect(i.tolist()).toEqual([2, 2]);
  });

  it("an expanded tensor may be filled (as PyTorch allows)", () => {
    const base = t([5]);
    base.expand(3).fill_(1);
    expect(base.tolist()).toEqual([1]);
  });
});

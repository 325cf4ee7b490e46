// The gradient checker must be able to fail (wrong gradients, wrong values), and where there is no
// derivative to check numerically (kinks, ties) the engine follows PyTorch's documented choices.
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { checkGrads, checkSecondOrder, ref, type Nested } from "./helpers/gradcheck";

type Fn = (...xs: Tensor[]) => Tensor;
const f64 = (v: Nested) => torch.tensor(v, { dtype: "float64" });

// ---- the checker itself must be able to fail ---------------------------------------------------------------
describe("the checker catches wrong gradients and wrong values", () => {
  it("a gradient scaled by 1.01 (hook) fails, naming the op, input and element", () => {
    const wrong: Fn = (x) => {
      if (x!.requiresGrad) x!.registerHook((g) => g.mul(1.01));
      return x!.sin();
    };
    expect(() => checkGrads(wrong, [[0.3, -1.2]], { name: "sin with a bad hook" })).toThrow(
      /gradcheck sin with a bad hook: gradient mismatch: 2 of 2 elements differ\n {2}input 0 \[2\] element \[0\]: analytic .* vs numeric/,
    );
  });
  it("a gradient routed to the wrong input fails", () => {
    // d/da (a·b) is b; swapping which tensor receives which gradient is caught.
    const wrong: Fn = (a, b) => a!.mul(b!.detach()).add(b!.mul(a!.detach())).sub(a!.detach().mul(b!.detach())).add(a!.detach().sub(a!).mul(0.5));
    expect(() => checkGrads(wrong, [[1, 2], [3, 4]], { name: "bad" })).toThrow(/input 0 \[2\] element/);
  });
  it("a wrong forward reference fails", () => {
    expect(() => checkGrads((x) => x!.exp(), [[0.1]], { name: "exp", ref: (x) => ref.map(x!, Math.sin) })).toThrow(
      /forward value differs from the plain-JS reference/,
    );
  });
  it("a second derivative missing a term fails (hook with a detached factor)", () => {
    const wrong: Fn = (x) => {
      const y = x!.sin();
      y.registerHook((g) => g.mul(y.detach()));
      return y;
    };
    expect(() => checkSecondOrder(wrong, [[0.3, -1.2]], { name: "detached" })).toThrow(/gradgradcheck detached: second-order gradient mismatch/);
  });
});

// ---- at kinks and ties there is no derivative to check numerically: PyTorch's documented choices ------------
describe("subgradients at kinks and ties follow PyTorch", () => {
  const grad = (make: (x: Tensor) => Tensor, data: Nested): unknown => {
    const x = torch.tensor(data, { dtype: "float64", requiresGrad: true });
    make(x).sum().backward();
    return x.grad!.tolist();
  };
  it.each<[string, (x: Tensor) => Tensor, Nested, Nested]>([
    ["max() splits the gradient evenly among ties", (x) => x.max(), [1, 3, 3, 2], [0, 0.5, 0.5, 0]],
    ["min() splits the gradient evenly among ties", (x) => x.min(), [[1, 3], [1, 1]], [[1 / 3, 0], [1 / 3, 1 / 3]]],
    ["maximum gives half to each side of a tie", (x) => x.maximum(f64([1, 0, 5])), [1, 2, 3], [0.5, 1, 0]],
    ["minimum gives half to each side of a tie", (x) => x.minimum(f64([1, 0, 5])), [1, 2, 3], [0.5, 0, 1]],
    ["relu'(0) = 0", (x) => x.relu(), [-1, 0, 2], [0, 0, 1]],
    ["abs'(0) = 0", (x) => x.abs(), [-1, 0, 2], [-1, 0, 1]],
    ["clamp passes the gradient at the bounds", (x) => x.clamp(0, 1), [-1, 0, 0.5, 1, 2], [0, 1, 1, 1, 0]],
  ])("%s", (_label, make, data, expected) => {
    expect(grad(make, data)).toEqual(expected);
  });
  it("max(dim) with ties sends the gradient to the returned index only", () => {
    const x = torch.tensor([[2, 2, 1], [0, 4, 4]], { dtype: "float64", requiresGrad: true });
    const { values, indices } = x.max(1);
    values.sum().backward();
    const idx = indices.tolist() as number[];
    const g = x.grad!.tolist() as number[][];
    g.forEach((row, i) => expect(row).toEqual(row.map((_, j) => (j === idx[i] ? 1 : 0))));
  });
});

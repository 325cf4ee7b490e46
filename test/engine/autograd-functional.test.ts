// torch.autograd.functional: jacobian / hessian / vjp / jvp / vhp / hvp against known closed forms and
// central differences.
import { describe, expect, it } from "vitest";
import { torch, Tensor } from "../../engine/index";

const F = torch.autograd.functional;
const f64 = (v: number[] | number[][]) => torch.tensor(v, { dtype: "float64" });
const vals = (t: Tensor | Tensor[] | Tensor[][]) => Array.from((t as Tensor)._values);

/** Central-difference Jacobian of f: R^n → R^m, row-major [m, n]. */
function numericJacobian(f: (x: Tensor) => Tensor, x: number[], h = 1e-6): number[] {
  const m = f(f64(x)).numel();
  const J = new Array<number>(m * x.length).fill(0);
  for (let j = 0; j < x.length; j++) {
    const xp = x.slice(), xm = x.slice();
    xp[j]! += h;
    xm[j]! -= h;
    const fp = f(f64(xp))._values, fm = f(f64(xm))._values;
    for (let i = 0; i < m; i++) J[i * x.length + j] = (fp[i]! - fm[i]!) / (2 * h);
  }
  return J;
}

function expectClose(a: number[], b: number[], tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!), `element ${i}: ${v} vs ${b[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(b[i]!))));
}

describe("autograd.functional", () => {
  const g = (x: Tensor) => x.sin().mul(x.pow(2)).add(x.sum());
  const x0 = [0.3, -1.2, 2.0];

  it("jacobian: known values and finite differences", () => {
    const A = f64([[1, 2, 3], [4, 5, 6]]);
    const J = F.jacobian((x) => A.matmul(x), f64([1, 1, 1])) as Tensor;
    expect(J.shape).toEqual([2, 3]);
    expect(vals(J)).toEqual([1, 2, 3, 4, 5, 6]);
    const J2 = F.jacobian(g, f64(x0)) as Tensor;
    expect(J2.requiresGrad).toBe(false);
    expectClose(vals(J2), numericJacobian(g, x0));
    // Several inputs and outputs: outputs outer, inputs inner; shapes out.shape + in.shape.
    const r = F.jacobian((a, b) => [a.mul(b), a.sum().mul(2)], [f64([[1, 2], [3, 4]]), f64([5, 6])]) as Tensor[][];
    expect(r[0]![0]!.shape).toEqual([2, 2, 2, 2]);
    expect(r[0]![1]!.shape).toEqual([2, 2, 2]);
    expect(r[1]![0]!.shape).toEqual([2, 2]);
    expect(vals(r[1]![0]!)).toEqual([2, 2, 2, 2]);
    expect(vals(r[0]![1]!)).toEqual([1, 0, 0, 2, 3, 0, 0, 4]);
  });

  it("independent outputs: zeros, or an error with strict", () => {
    const r = F.jacobian((a, _b) => a.mul(2), [f64([1, 2]), f64([3])]) as Tensor[];
    expect(vals(r[1]!)).toEqual([0, 0]);
    expect(() => F.jacobian((a) => a.mul(2), [f64([1]), f64([3])], { strict: true })).toThrow(
      "autograd.functional.jacobian: Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode.",
    );
  });

  it("hessian: known values, several inputs, finite differences of the gradient", () => {
    const H = F.hessian((x) => x.pow(3).sum(), f64([1, 2])) as Tensor;
    expect(H.shape).toEqual([2, 2]);
    expect(vals(H)).toEqual([6, 0, 0, 12]);
    const Hs = F.hessian((a, b) => a.mul(b).sum().add(a.pow(2).sum()), [f64([1, 2]), f64([3, 4])]) as Tensor[][];
    expect(vals(Hs[0]![0]!)).toEqual([2, 0, 0, 2]);
    expect(vals(Hs[0]![1]!)).toEqual([1, 0, 0, 1]);
    expect(vals(Hs[1]![1]!)).toEqual([0, 0, 0, 0]);
    const scalar = (x: Tensor) => g(x).pow(2).sum();
    const gradOf = (x: Tensor) => {
      const l = x.detach().requiresGrad_();
      return torch.autograd.grad(scalar(l), l)[0]!;
    };
    expectClose(vals(F.hessian(scalar, f64(x0)) as Tensor), numericJacobian(gradOf, x0), 1e-5);
    expect(() => F.hessian((x) => x.mul(2), f64([1, 2]))).toThrow(/should contain a single element/);
  });

  it("vjp and jvp equal vᵀJ and Jv", () => {
    const J = numericJacobian(g, x0);
    const v = [0.5, -2, 1];
    const [out, vj] = F.vjp(g, f64(x0), f64(v));
    expect(vals(out as Tensor)).toEqual(vals(g(f64(x0))));
    expectClose(vals(vj as Tensor), [0, 1, 2].map((j) => v.reduce((s, vi, i) => s + vi * J[i * 3 + j]!, 0)));
    const [, jv] = F.jvp(g, f64(x0), f64(v));
    expectClose(vals(jv as Tensor), [0, 1, 2].map((i) => v.reduce((s, vj2, j) => s + J[i * 3 + j]! * vj2, 0)));
    // v may be left out for one-element outputs (vjp) and inputs (jvp).
    const [, d] = F.vjp((x) => x.pow(2).sum(), f64([1, 2]));
    expect(vals(d as Tensor)).toEqual([2, 4]);
    const [, e] = F.jvp((x) => x.mul(f64([1, 2, 3])), f64([2]).reshape([]));
    expect(vals(e as Tensor)).toEqual([1, 2, 3]);
    expect(() => F.vjp(g, f64(x0))).toThrow(/v can only be None if the output is a single Tensor with a single element/);
    expect(() => F.jvp(g, f64(x0), f64([1]))).toThrow(/Mismatch in shape/);
  });

  it("vhp / hvp equal vᵀH", () => {
    const [, hv] = F.hvp((x) => x.pow(3).sum(), f64([1, 2]), f64([1, 1]));
    expect(vals(hv as Tensor)).toEqual([6, 12]);
    const [, vh] = F.vhp((a, b) => a.mul(b).sum(), [f64([1, 2]), f64([3, 4])], [f64([1, 0]), f64([0, 1])]);
    expect((vh as Tensor[]).map(vals)).toEqual([[0, 1], [1, 0]]);
  });

  it("createGraph: the result can be differentiated again", () => {
    const x = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const J = F.jacobian((t) => t.pow(3), x, { createGraph: true }) as Tensor;
    expect(J.requiresGrad).toBe(true);
    J.sum().backward(); // d/dx Σ diag(3x²) = 6x
    expect(vals(x.grad!)).toEqual([6, 12]);
  });

  it("bad input", () => {
    expect(() => F.jacobian(() => 3 as unknown as Tensor, f64([1]))).toThrow(/outputs of the user-provided function given to jacobian must be either a Tensor or a tuple/);
    expect(() => F.jacobian("f" as never, f64([1]))).toThrow(/first argument must be the function/);
    expect(() => F.jacobian((x) => x, [f64([1]), 2 as unknown as Tensor])).toThrow(/value at index 1 has type number/);
  });
});

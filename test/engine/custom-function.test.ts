// torch.autograd.Function: user-defined forward/backward, PyTorch's rules and error messages, checked
// with central differences to first and second order.
import { describe, expect, it } from "vitest";
import { torch, Tensor, FunctionCtx } from "../../engine/index";
import { checkGrads, checkSecondOrder } from "../helpers/gradcheck";

/** Legendre polynomial P3(x) = ½(5x³ − 3x), PyTorch's "Learning PyTorch with Examples" custom Function. */
class LegendrePolynomial3 extends torch.autograd.Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3).mul(5).sub(x.mul(3)).mul(0.5);
  }
  static override backward(ctx: FunctionCtx, grad: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return grad.mul(x.pow(2).mul(7.5).sub(1.5));
  }
}

/** Two tensors and a number; the gradient for the number is null. */
class ScaledMul extends torch.autograd.Function {
  static override forward(ctx: FunctionCtx, a: Tensor, b: Tensor, alpha: number): Tensor {
    ctx.saveForBackward(a, b);
    ctx["alpha"] = alpha;
    return a.mul(b).mul(alpha);
  }
  static override backward(ctx: FunctionCtx, grad: Tensor): Array<Tensor | null> {
    const [a, b] = ctx.savedTensors;
    const alpha = ctx["alpha"] as number;
    return [ctx.needsInputGrad[0] ? grad.mul(b).mul(alpha) : null, ctx.needsInputGrad[1] ? grad.mul(a).mul(alpha) : null, null];
  }
}

/** Saves its output (as PyTorch's Exp example); double backward goes through this node again. */
class MyExp extends torch.autograd.Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const r = x.exp();
    ctx.saveForBackward(r);
    return r;
  }
  static override backward(ctx: FunctionCtx, grad: Tensor): Tensor {
    return grad.mul(ctx.savedTensors[0]);
  }
}

describe("torch.autograd.Function", () => {
  it("names its node after the class and runs forward under no-grad", () => {
    let modeInForward: boolean | undefined;
    class Probe extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        modeInForward = torch.isGradEnabled();
        return x.mul(2);
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = Probe.apply(x);
    expect(modeInForward).toBe(false);
    expect(y.gradFn!.name).toBe("ProbeBackward");
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn!.nextFunctions.map(([n]) => n?.name)).toEqual(["AccumulateGrad"]);
    expect(LegendrePolynomial3.apply(x).gradFn!.name).toBe("LegendrePolynomial3Backward");
    // No input requires grad, or noGrad: no node.
    expect(Probe.apply(torch.tensor([1])).gradFn).toBeNull();
    expect(torch.noGrad(() => Probe.apply(x)).requiresGrad).toBe(false);
  });

  it("Legendre P3: values and first/second-order gradients", () => {
    const y = LegendrePolynomial3.apply(torch.tensor([0.5, -1, 2], { dtype: "float64" }));
    expect(Array.from(y._values)).toEqual([0.5 * (5 * 0.125 - 1.5), 0.5 * (-5 + 3), 0.5 * (40 - 6)]);
    checkGrads((x) => LegendrePolynomial3.apply(x), [[0.3, -0.7, 1.2, 2.1]], { name: "Legendre" });
    checkSecondOrder((x) => LegendrePolynomial3.apply(x), [[0.3, -0.7, 1.2, 2.1]], { name: "Legendre" });
  });

  it("several inputs, a number argument (null grad), needsInputGrad, broadcasting", () => {
    checkGrads((a, b) => ScaledMul.apply(a, b, 1.5), [[[1, 2, 3], [4, 5, 6]], [0.5, -1, 2]], { name: "ScaledMul" });
    checkSecondOrder((a, b) => ScaledMul.apply(a, b, 1.5), [[[1, 2, 3], [4, 5, 6]], [0.5, -1, 2]], { name: "ScaledMul" });
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const b = torch.tensor([3, 4]);
    let needs: boolean[] = [];
    class Spy extends ScaledMul {
      static override backward(ctx: FunctionCtx, grad: Tensor): Array<Tensor | null> {
        needs = ctx.needsInputGrad.slice();
        return super.backward(ctx, grad);
      }
    }
    const y = Spy.apply(a, b, 2);
    expect(y.gradFn!.nextFunctions.length).toBe(2);
    y.sum().backward();
    expect(needs).toEqual([true, false, false]);
    expect(Array.from(a.grad!._values)).toEqual([6, 8]);
  });

  it("a saved output: double backward differentiates through the node again", () => {
    checkGrads((x) => MyExp.apply(x), [[0.1, -0.4, 1.3]], { name: "MyExp" });
    checkSecondOrder((x) => MyExp.apply(x), [[0.1, -0.4, 1.3]], { name: "MyExp" });
    const x = torch.tensor(0.7, { dtype: "float64", requiresGrad: true });
    const [g] = torch.autograd.grad(MyExp.apply(x), x, { createGraph: true });
    const [gg] = torch.autograd.grad(g!, x);
    expect(gg!.item()).toBeCloseTo(Math.exp(0.7), 12);
  });

  it("saved tensors are freed by backward (PyTorch's error on a second backward)", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = LegendrePolynomial3.apply(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/LegendrePolynomial3Backward: Trying to backward through the graph a second time/);
    const z = LegendrePolynomial3.apply(x).sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(Array.from(x.grad!._values)).toEqual([3 * 6, 3 * 28.5]); // P3'(x) = 7.5x² − 1.5, three backward passes
  });

  it("checks what backward returns, with PyTorch's messages", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const make = (backward: (g: Tensor) => unknown, extraArg = false) => {
      class Bad extends torch.autograd.Function {
        static override forward(_ctx: FunctionCtx, t: Tensor): Tensor {
          return t.mul(2);
        }
        static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
          return backward(g) as Tensor;
        }
      }
      return () => (extraArg ? (Bad.apply as (...a: unknown[]) => Tensor)(x, 3) : Bad.apply(x)).sum().backward();
    };
    expect(make((g) => [g, g])).toThrow("function BadBackward returned an incorrect number of gradients (expected 1, got 2)");
    expect(make((g) => [g, null])).not.toThrow();
    expect(make(() => torch.ones(3))).toThrow("Function BadBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible with [2]");
    expect(make((g) => [g, g], true)).toThrow("function BadBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable");
    expect(make(() => "grad")).toThrow(/returned string as gradient 0/);
    expect(make(() => torch.ones(3, 2))).not.toThrow(); // the input's shape expands to it: summed back, as PyTorch
    expect(make(() => torch.ones(1))).toThrow(/got \[1\] but expected shape compatible with \[2\]/);
  });

  it("bad definitions get clear errors", () => {
    const x = torch.tensor([1], { requiresGrad: true });
    class NoForward extends torch.autograd.Function {}
    expect(() => NoForward.apply(x)).toThrow(/You must implement the forward function/);
    class NoBackward extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, t: Tensor): Tensor {
        return t.mul(2);
      }
    }
    const y = NoBackward.apply(x);
    expect(() => y.sum().backward()).toThrow(/NoBackwardBackward: You must implement either the backward or vjp method/);
    class ReturnsNumber extends torch.autograd.Function {
      static override forward(): Tensor {
        return 3 as unknown as Tensor;
      }
    }
    expect(() => (ReturnsNumber.apply as (...a: unknown[]) => Tensor)(x)).toThrow("ReturnsNumber.forward must return a Tensor, got number.");
    class SavesNumber extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, t: Tensor): Tensor {
        ctx.saveForBackward(t, 3 as unknown as Tensor);
        return t;
      }
    }
    expect(() => SavesNumber.apply(x)).toThrow("saveForBackward can only save tensors, but argument 1 is of type number.");
    const detached = LegendrePolynomial3.apply;
    expect(() => (detached as (t: Tensor) => Tensor)(x)).toThrow(/call it on your subclass/);
    expect(() => torch.autograd.Function.apply(x)).toThrow(/call it on your subclass/);
  });

  it("an input returned as is becomes a new tensor with the node; markNonDifferentiable; markDirty", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    class Ident extends torch.autograd.Function {
      static override forward(_ctx: FunctionCtx, t: Tensor): Tensor {
        return t;
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(3);
      }
    }
    const y = Ident.apply(x);
    expect(y).not.toBe(x);
    expect(y.gradFn!.name).toBe("IdentBackward");
    y.sum().backward();
    expect(Array.from(x.grad!._values)).toEqual([3, 3]);

    class Argmax extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, t: Tensor): Tensor {
        const r = t.argmax();
        ctx.markNonDifferentiable(r);
        return r;
      }
    }
    expect(Argmax.apply(x).requiresGrad).toBe(false);

    class Double_ extends torch.autograd.Function {
      static override forward(ctx: FunctionCtx, t: Tensor): Tensor {
        t.mul_(2);
        ctx.markDirty(t);
        return t;
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const h = x.mul(1);
    const r = Double_.apply(h);
    expect(r).toBe(h);
    expect(h.gradFn!.name).toBe("Double_Backward");
    expect(Array.from(h._values)).toEqual([2, 4]);
    x.grad = undefined;
    h.sum().backward();
    expect(Array.from(x.grad!._values)).toEqual([2, 2]);
    expect(() => Double_.apply(x)).toThrow(/a leaf Variable that requires grad/);
  });
});

// A custom autograd Function (PyTorch's "Learning PyTorch with Examples", "Defining new autograd
// functions"): y = a + b·P3(c + d·x) fitted to sin(x), where P3(x) = ½(5x³ − 3x) is the Legendre
// polynomial of degree 3, with a forward and a backward written by hand. The graph shows its node
// as LegendrePolynomial3Backward, a user-defined node whose recipe is the backward below.
import { torch, FunctionCtx, Tensor } from "autograd-lens";

class LegendrePolynomial3 extends torch.autograd.Function {
  static override forward(ctx: FunctionCtx, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  static override backward(ctx: FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors;
    // dP3/dx = ½(15x² − 3) = 1.5(5x² − 1)
    return gradOutput.mul(input.pow(2).mul(5).sub(1).mul(1.5));
  }
}

const x = torch.linspace(-Math.PI, Math.PI, 200);
const y = torch.sin(x);

// Weights, initialised not too far from the answer so the fit converges.
const a = torch.full([], 0.0, { requiresGrad: true });
const b = torch.full([], -1.0, { requiresGrad: true });
const c = torch.full([], 0.0, { requiresGrad: true });
const d = torch.full([], 0.3, { requiresGrad: true });

const optimizer = new torch.optim.SGD([a, b, c, d], { lr: 5e-5 });
for (let t = 0; t < 300; t++) {
  // The custom Function is used through apply (PyTorch: P3 = LegendrePolynomial3.apply).
  const yPred = a.add(b.mul(LegendrePolynomial3.apply(c.add(d.mul(x)))));
  const loss = yPred.sub(y).pow(2).sum();
  if (t % 50 === 49) console.log(t, loss.item().toFixed(4));
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

console.log(`Result: y = ${a.item().toFixed(4)} + ${b.item().toFixed(4)} * P3(${c.item().toFixed(4)} + ${d.item().toFixed(4)} x)`);

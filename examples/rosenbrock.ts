// Function minimization: the Rosenbrock "banana" f(x, y) = (1 − x)² + 100·(y − x²)², whose minimum
// at (1, 1) lies at the end of a long curved valley (the classic test of an optimizer, as in the R
// torch book's optimizers chapter and PyTorch's torch.optim docs). Two scalar leaves, Adam, 500
// steps: the graph of one step is small enough to read whole, and the Landscape tab draws the valley
// around the trained point with −∇f, and runs SGD, momentum or Adam from there.
import { torch } from "autograd-lens";

const x = torch.tensor(-1.5, { requiresGrad: true });
const y = torch.tensor(2.0, { requiresGrad: true });

const optimizer = new torch.optim.Adam([x, y], { lr: 0.1 });
for (let step = 0; step < 500; step++) {
  optimizer.zeroGrad();
  // (1 − x)² + 100·(y − x²)²; rsub is "1 − x" as Python writes it (RsubBackward1).
  const f = torch.rsub(x, 1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
  f.backward();
  optimizer.step();
  if (step % 100 === 0 || step === 499) console.log(`step ${step}: f = ${f.item().toFixed(5)}, x = ${x.item().toFixed(4)}, y = ${y.item().toFixed(4)}`);
}

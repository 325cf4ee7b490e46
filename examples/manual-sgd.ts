// A network from scratch with the tutorials' manual update (PyTorch's "Learning PyTorch with
// Examples", the R torch book's network-from-scratch chapter): the forward pass builds a graph, backward()
// fills .grad, and the update changes the weights in place under noGrad, so it is not recorded.
import { torch } from "autograd-lens";

torch.manualSeed(42);
const x = torch.randn(100, 3);
const y = x.matmul(torch.tensor([[0.5], [-1], [2]])).add(0.1).tanh();

const w1 = torch.randn(3, 32).mul(0.5).requiresGrad_();
const b1 = torch.zeros(1, 32, { requiresGrad: true });
const w2 = torch.randn(32, 1).mul(0.2).requiresGrad_();
const b2 = torch.zeros(1, 1, { requiresGrad: true });
const lr = 1e-3;

let loss = torch.tensor(0);
for (let t = 0; t < 100; t++) {
  const h = x.mm(w1).add(b1).clamp(0); // ReLU as clamp(min = 0)
  const pred = h.mm(w2).add(b2);
  loss = pred.sub(y).pow(2).sum();
  if (t % 25 === 0) console.log(t, loss.item());
  loss.backward();
  torch.noGrad(() => {
    for (const p of [w1, b1, w2, b2]) {
      p.sub_(p.grad!.mul(lr));
      p.grad!.zero_();
    }
  });
}
console.log("final loss", loss.item(), "w1 changed in place", w1.version, "times");

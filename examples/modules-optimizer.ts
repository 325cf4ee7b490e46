// The network of manual-sgd.ts again, written as the tutorials' next chapter writes it (PyTorch's
// "Learning PyTorch with Examples": nn and optim; the R torch book's modules and optimizers
// chapters): nn.Sequential holds the layers and their Parameters, nn.MSELoss is the loss, and
// optim.Adam does the update that manual-sgd.ts writes by hand. Pick a call of the loop in the
// graph's Call picker to see one iteration; hover model to see its parameters.
import { torch } from "autograd-lens";

const nn = torch.nn;

torch.manualSeed(42);
const x = torch.randn(100, 3);
const y = x.matmul(torch.tensor([[0.5], [-1], [2]])).add(0.1).tanh();

const model = new nn.Sequential(new nn.Linear(3, 32), new nn.ReLU(), new nn.Linear(32, 1));
const lossFn = new nn.MSELoss();
const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
console.log(String(model));

for (let t = 0; t < 100; t++) {
  const pred = model(x);
  const loss = lossFn(pred, y);
  if (t % 25 === 0 || t === 99) console.log(t, loss.item());
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
const first = model[0] as InstanceType<typeof nn.Linear>;
console.log("first layer's weight norm", first.weight.norm().item());

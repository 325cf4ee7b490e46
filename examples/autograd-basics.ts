// The textbook example (Deep Learning and Scientific Computing with R torch, chapter 4):
// f(x1, x2) = 0.2·x1² + 0.2·x2² − 5 at (2, 2), its graph, and the gradients backward() computes.
import { torch } from "autograd-lens";

const x1 = torch.tensor(2, { requiresGrad: true });
const x2 = torch.tensor(2, { requiresGrad: true });

const x3 = x1.square();
x3.retainGrad();
const x5 = x3.mul(0.2);
x5.retainGrad();

const x4 = x2.square();
x4.retainGrad();
const x6 = x4.mul(0.2);
x6.retainGrad();

const x7 = x5.add(x6).sub(5);
console.log(x7.toString()); // -3.4000, grad_fn = <SubBackward1>

x7.backward();

console.log(x1.grad?.toString()); // 0.8000 = 0.4 · x1
console.log(x2.grad?.toString()); // 0.8000
const g = (t: typeof x3) => t.grad?.item().toFixed(4);
console.log("x3.grad", g(x3), "x4.grad", g(x4)); // 0.2000 0.2000
console.log("x5.grad", g(x5), "x6.grad", g(x6)); // 1.0000 1.0000
console.log("grad_fn", [x3, x4, x5, x6, x7].map((t) => t.gradFn?.name).join(", "));

# The textbook example (Deep Learning and Scientific Computing with R torch, chapter 4) in PyTorch:
# f(x1, x2) = 0.2·x1² + 0.2·x2² − 5 at (2, 2), its graph, and the gradients backward() computes.
import torch

x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)

x3 = x1.square()
x3.retain_grad()
x5 = x3 * 0.2
x5.retain_grad()

x4 = x2.square()
x4.retain_grad()
x6 = x4 * 0.2
x6.retain_grad()

x7 = x5 + x6 - 5
print(x7)  # tensor(-3.4000, grad_fn=<SubBackward0>)

x7.backward()

print(x1.grad, x2.grad)  # tensor(0.8000) tensor(0.8000) = 0.4 · x1
print("x3.grad", x3.grad, "x4.grad", x4.grad)  # 0.2, 0.2
print("x5.grad", x5.grad, "x6.grad", x6.grad)  # 1, 1
print("grad_fn", [t.grad_fn.name() for t in (x3, x4, x5, x6, x7)])

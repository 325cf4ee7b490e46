# The Python twin of examples/manual-sgd.ts, run by gallery-twins.test.ts to compare printed numbers.
import torch

torch.manual_seed(42)
x = torch.randn(100, 3)
y = (x @ torch.tensor([[0.5], [-1.0], [2.0]]) + 0.1).tanh()

w1 = (torch.randn(3, 32) * 0.5).requires_grad_()
b1 = torch.zeros(1, 32, requires_grad=True)
w2 = (torch.randn(32, 1) * 0.2).requires_grad_()
b2 = torch.zeros(1, 1, requires_grad=True)
lr = 1e-3

loss = torch.tensor(0)
for t in range(100):
    h = (x.mm(w1) + b1).clamp(0)  # ReLU as clamp(min = 0)
    pred = h.mm(w2) + b2
    loss = (pred - y).pow(2).sum()
    if t % 25 == 0:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        for p in [w1, b1, w2, b2]:
            p.sub_(p.grad * lr)
            p.grad.zero_()
print("final loss", loss.item(), "w1 changed in place", w1._version, "times")

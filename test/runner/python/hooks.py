# retain_grad and a tensor hook that doubles the gradient flowing into h.
import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
h = a * b
h.retain_grad()
h.register_hook(lambda g: g * 2)
s = (h.exp() / 100).sum()
s.backward()

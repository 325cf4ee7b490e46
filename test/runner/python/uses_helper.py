import torch
from helper_module import square

w = torch.tensor(3.0, requires_grad=True)
y = square(w)
y.backward()

# A custom torch.autograd.Function: PyTorch names its node after the class.
import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


x = torch.tensor(2.0, requires_grad=True)
c = Cube.apply(x)
out = c * 2
out.backward()

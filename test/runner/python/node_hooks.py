# The program's own hooks on grad_fn nodes, registered and removed through their handles while the
# tracer hooks every node too: the program's hooks behave as they would untraced.
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * 3).sum()
seen = []
kept = y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(("kept", grad_outputs[0].item())))
dropped = y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(("dropped", 0)))
dropped.remove()
y.backward()
kept.remove()
z = (x * 3).sum()
z.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(("second", len(grad_inputs))))
z.backward()
print(seen, type(kept).__name__)

# The Python twin of nn-parity.test.ts: reads cases as JSON on stdin (inputs, a PyTorch expression per
# case), runs each in float64 with PyTorch, and prints values, gradients of sum(out * W) (W =
# linspace(0.5, 1.5, numel)) and grad_fn names as JSON. Repr cases print str(module).
import json, sys, warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")
torch.set_default_dtype(torch.float64)
out = []
for case in json.load(sys.stdin):
    try:
        if case.get("repr"):
            out.append({"repr": str(eval(case["py"]))})
            continue
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=rg) for v, rg in zip(case["inputs"], case["requiresGrad"])]
        env = {"torch": torch, "nn": nn, "F": F, "x": xs}
        y = eval(case["py"], env)
        W = torch.linspace(0.5, 1.5, y.numel()).reshape(y.shape) if y.numel() > 1 else torch.tensor(0.75).reshape(y.shape)
        (y * W).sum().backward()
        out.append({
            "shape": list(y.shape),
            "value": y.detach().flatten().tolist(),
            "grads": [None if t.grad is None else t.grad.flatten().tolist() for t in xs],
            "gradFn": None if y.grad_fn is None else y.grad_fn.name(),
        })
    except Exception as e:  # reported per case
        out.append({"error": f"{type(e).__name__}: {e}"})
print(json.dumps({"torch": torch.__version__, "results": out}))

# The Python twin of optim-parity.test.ts: runs each case (JSON on stdin) with real PyTorch and prints,
# per step, every parameter's values and every group's lr. Option names arrive camelCase.
import json
import re
import sys

import torch

cases = json.load(sys.stdin)


def snake(k):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)


def opts(o):
    out = {}
    for k, v in o.items():
        k = {"tMax": "T_max", "etaMin": "eta_min", "stepSize": "step_size", "minLr": "min_lr"}.get(k, snake(k))
        out[k] = tuple(v) if k == "betas" else v
    return out


results = []
for c in cases:
    dt = torch.float64 if c["dtype"] == "float64" else torch.float32
    params = {n: torch.tensor(p["values"], dtype=dt).reshape(p["shape"]).requires_grad_() for n, p in c["params"].items()}
    x = torch.tensor(c["x"], dtype=dt)
    y = torch.tensor(c["y"], dtype=dt)
    o = c["optimizer"]
    cls = getattr(torch.optim, o["type"])
    groups = [dict(opts(g.get("options", {})), params=[params[n] for n in g["params"]]) for g in o["groups"]]
    opt = cls(groups, **opts(o.get("defaults", {})))
    sched = None
    s = c.get("scheduler")
    if s:
        scls = getattr(torch.optim.lr_scheduler, s["type"])
        so = opts(s.get("options", {}))
        if s["type"] == "LambdaLR":
            so = {"lr_lambda": lambda e: 0.9 ** e + 0.01 * e}
        sched = scls(opt, **so)
    steps = []
    for t in range(c["steps"]):
        for st in c.get("setLr", []):
            if st["step"] == t:
                opt.param_groups[st["group"]]["lr"] = st["lr"]
        opt.zero_grad(set_to_none=c.get("setToNone", True))
        w1, w2 = params["w1"], params["w2"]
        pred = x.mm(w1).add(w2)
        loss = pred.sub(y).pow(2).sum().add(w1.mul(w1).mul(w1).mul(w1).sum().mul(0.1))
        loss.backward()
        opt.step()
        if sched is not None:
            if s["type"] == "ReduceLROnPlateau":
                sched.step(c["metrics"][t])
            else:
                sched.step()
        steps.append({
            "params": {n: p.detach().reshape(-1).tolist() for n, p in params.items()},
            "lr": [g["lr"] for g in opt.param_groups],
        })
    results.append(steps)
print(json.dumps({"torch": torch.__version__, "results": results}))

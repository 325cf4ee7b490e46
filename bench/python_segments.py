"""Where the Python tracer's time goes, per iteration of bench row (s)'s training loop, measured inside
one process (what bench/python.mjs cannot see from outside): the loop of examples/training-loop.py
runs ITERS times with the recorder of runner/python attached as the tracer attaches it (the
assignments' bind calls, torch.autograd.backward wrapped by begin_call/end_call), or with nothing
attached ("none"), and each statement is timed with perf_counter. Printed: the 25th percentile of
each segment over the iterations after the first 100 (so preemption and GC pauses drop out), in µs.

    /usr/bin/python3 bench/python_segments.py runner/python [ITERS]
    /usr/bin/python3 bench/python_segments.py none [ITERS]

Not the tracer end to end (no ast rewrite, no watchdog, no snapshot), and not a target: a tool for
finding which statement got slower, e.g. to compare two versions of runner/python side by side.
"""
import collections
import gc
import sys
import time

import torch
from torch import nn

TRACER = sys.argv[1] if len(sys.argv) > 1 else "none"
ITERS = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
NAMES = ["zero_grad", "model(x)", "bind pred", "mse_loss", "bind loss", "backward", "step", "total"]

torch.manual_seed(0)
x = torch.linspace(-2, 2, 64).unsqueeze(1)
y = 0.5 * x + 0.3 + 0.1 * torch.randn(64, 1)
model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
(torch.ones(1, requires_grad=True) * 2).sum().backward()  # the engine's start-up, outside the timing

backward_parts = {"begin_call": [], "engine": [], "end_call": []}
clock = time.perf_counter
if TRACER != "none":
    sys.path.insert(0, TRACER)
    import autograd_lens_backward
    from autograd_lens_recorder import Recorder

    autograd_lens_backward.MAX_BACKWARD_CALLS = 10 ** 9  # every iteration records, as the first 1,000 do

    class _Here:
        def here(self, frame):
            return {"line": 1, "column": 1}

    limits = {"timeoutMs": 120000, "nodeCap": 2000000, "valueCap": 1000, "stepCap": 3000000, "memoryMb": 1024}
    recorder = Recorder(torch, "/segments.py", limits, _Here())
    gc.set_threshold(10000, 10, 10)  # as autograd_lens_trace._fewer_collections
    original = torch.autograd.backward

    def backward(*a, **kw):
        t0 = clock()
        recorder.begin_call("backward", [a[0]], sys._getframe(1))
        t1 = clock()
        result = original(*a, **kw)
        t2 = clock()
        recorder.end_call(None)
        t3 = clock()
        backward_parts["begin_call"].append(t1 - t0)
        backward_parts["engine"].append(t2 - t1)
        backward_parts["end_call"].append(t3 - t2)
        return result

    torch.autograd.backward = backward
    bind = recorder.bind
    pred_pattern, loss_pattern = {"n": "pred", "l": 1, "c": 1}, {"n": "loss", "l": 1, "c": 1}
else:
    def bind(*_):
        pass

    pred_pattern = loss_pattern = None

segments = collections.defaultdict(list)
for _ in range(ITERS):
    t0 = clock()
    opt.zero_grad()
    t1 = clock()
    pred = model(x)
    t2 = clock()
    bind(pred, pred_pattern, 1, 1)
    t3 = clock()
    loss = nn.functional.mse_loss(pred, y)
    t4 = clock()
    bind(loss, loss_pattern, 1, 1)
    t5 = clock()
    loss.backward()
    t6 = clock()
    opt.step()
    t7 = clock()
    for k, (a, b) in enumerate([(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t6, t7), (t0, t7)]):
        segments[k].append(b - a)


def p25(xs):
    xs = sorted(xs[100:])
    return xs[len(xs) // 4] * 1e6


print("%-12s %s" % (TRACER[-12:], " | ".join("%s %.1f" % (NAMES[k], p25(segments[k])) for k in range(len(NAMES)))))
if TRACER != "none":
    print("%-12s (backward: %s)" % ("", ", ".join("%s %.1f" % (k, p25(v)) for k, v in backward_parts.items())))

"""The "pytorch" peer's Python side: real PyTorch (Debian's python3-torch), one thread.

bench/peers/pytorch.mjs runs `python3 pytorch_peer.py` for one job and writes the job to
stdin as JSON: {"fn": case function, "data": the seeded inputs (typed arrays as lists),
"plan": the repetition plan}. The result goes to stdout as one JSON object, the same shape
worker.mjs sends back for the Node peers: {"ok", "samples", "warmupMs", "check", "version"}.

Timed exactly as worker.mjs times the Node peers: per rep fresh inputs (untimed, after a
gc), then the case's run() between two time.perf_counter() readings; the same warm-up and
rep rules (see PLANS in run.mjs). The programs are written as a PyTorch user writes them,
op for op what bench/peers/ours.mjs does.
"""

import gc
import json
import platform
import sys
import time

import torch

# One intra-op and one inter-op thread: our engine runs on one thread, and on these
# tensor sizes PyTorch would not use more anyway. The parent also sets OMP_NUM_THREADS=1.
torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def f32(values, *shape):
    """Float32 tensor from the harness's list; the values are float32 already, so exact."""
    return torch.tensor(values, dtype=torch.float32).reshape(*shape)


def train_step(d):
    """Case (m): MLP 100x3 -> 32 -> 1, `steps` SGD steps with in-place updates."""
    m, nin, k, steps, lr = d["samples"], d["nin"], d["hidden"], d["steps"], d["lr"]
    x = f32(d["x"], m, nin)
    y = f32(d["y"], m, 1)

    def setup():
        return {
            "params": [
                f32(d["w1"], nin, k).requires_grad_(),
                f32(d["b1"], k).requires_grad_(),
                f32(d["w2"], k, 1).requires_grad_(),
                f32(d["b2"], 1).requires_grad_(),
            ]
        }

    def run(state):
        w1, b1, w2, b2 = params = state["params"]
        first = None
        for step in range(steps):
            h = x.mm(w1).add(b1).clamp(0)
            pred = h.mm(w2).add(b2)
            loss = pred.sub(y).pow(2).sum()
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.sub_(p.grad.mul(lr))
                    p.grad.zero_()
            if step == 0:
                first = loss
        state["first"] = first
        state["loss"] = loss

    def check(state):
        w1, _, _, b2 = state["params"]
        return [state["first"].item(), state["loss"].item(), w1[0, 0].item(), b2[0].item()]

    return setup, run, check


def chain(d):
    """Case (n): h = x, then (h*w, +x, tanh, sin) repeated to `ops` ops, sum, backward."""
    ops, width, cycle = d["ops"], d["width"], d["cycle"]
    if cycle != ["mul_w", "add_x", "tanh", "sin"] or ops % 4:
        raise ValueError(f"pytorch_peer.py's chain is written for (mul_w, add_x, tanh, sin) x n, got {cycle} x {ops}")

    def setup():
        return {"x": f32(d["x"], width).requires_grad_(), "w": f32(d["w"], width).requires_grad_()}

    def run(state):
        x, w = state["x"], state["w"]
        h = x
        for _ in range(ops // 4):
            h = h.mul(w).add(x).tanh().sin()
        out = h.sum()
        out.backward()
        state["out"] = out

    def check(state):
        gx, gw = state["x"].grad, state["w"].grad
        return [state["out"].item(), gx[0].item(), gw[0].item(), gx[-1].item()]

    return setup, run, check


def mlp(d):
    """Case (a): the scalar MLP of lib/scalar-mlp.mjs, every value a 0-dim tensor."""
    sizes, nin = d["sizes"], d["sizes"][0]
    xs, ys = d["xs"], d["ys"]

    def setup():
        flat = iter(d["params"])
        layers = []
        for l in range(1, len(sizes)):
            neurons = []
            for _ in range(sizes[l]):
                w = [torch.tensor(next(flat), requires_grad=True) for _ in range(sizes[l - 1])]
                neurons.append((w, torch.tensor(next(flat), requires_grad=True)))
            layers.append(neurons)
        return {"layers": layers}

    def run(state):
        layers = state["layers"]
        total = None
        for s in range(d["samples"]):
            act = xs[s * nin:(s + 1) * nin]  # plain numbers, as in scalarMlpLoss
            for l, neurons in enumerate(layers):
                last = l == len(layers) - 1
                nxt = []
                for w, b in neurons:
                    z = b
                    for i in range(len(w)):
                        z = z.add(w[i].mul(act[i]))
                    nxt.append(z if last else z.relu())
                act = nxt
            diff = act[0].sub(ys[s])
            total = diff.mul(diff) if total is None else total.add(diff.mul(diff))
        total.backward()
        state["loss"] = total

    def check(state):
        layers = state["layers"]
        return [state["loss"].item(), layers[0][0][0][0].grad.item(), layers[-1][0][1].grad.item()]

    return setup, run, check


def matmul(d):
    """Case (b): A.matmul(B).sum().backward() for N x N."""
    n = d["n"]

    def setup():
        return {"a": f32(d["a"], n, n).requires_grad_(), "b": f32(d["b"], n, n).requires_grad_()}

    def run(state):
        c = state["a"].matmul(state["b"])
        loss = c.sum()
        loss.backward()
        state["c"], state["loss"] = c, loss

    def check(state):
        c, a, b = state["c"], state["a"], state["b"]
        return [state["loss"].item(), c[0, 0].item(), c[-1, -1].item(), a.grad[0, 0].item(), b.grad[-1, -1].item()]

    return setup, run, check


def elementwise(d):
    """Case (c): x.mul(x).mul(0.2).add(x.mul(x).mul(0.2)).sub(5).sum().backward()."""

    def setup():
        return {"x": f32(d["x"], d["n"]).requires_grad_()}

    def run(state):
        x = state["x"]
        y = x.mul(x).mul(0.2).add(x.mul(x).mul(0.2)).sub(5).sum()
        y.backward()
        state["y"] = y

    def check(state):
        g = state["x"].grad
        return [state["y"].item(), g[0].item(), g[-1].item()]

    return setup, run, check


def conv2d_step(d):
    """Case (o): conv2d of [8, 1, 28, 28] with 8 3x3 filters, loss = mean(y^2), backward, `steps` times."""
    n, c, hw, f, k, steps = d["batch"], d["channels"], d["size"], d["filters"], d["kernel"], d["steps"]
    x = f32(d["x"], n, c, hw, hw)

    def setup():
        return {"w": f32(d["w"], f, c, k, k).requires_grad_(), "b": f32(d["b"], f).requires_grad_()}

    def run(state):
        w, b = state["w"], state["b"]
        for _ in range(steps):
            w.grad = None
            b.grad = None
            loss = torch.nn.functional.conv2d(x, w, b).square().mean()
            loss.backward()
        state["loss"] = loss

    def check(state):
        gw = state["w"].grad.flatten()
        return [state["loss"].item(), gw[0].item(), state["b"].grad[0].item(), gw[-1].item()]

    return setup, run, check


def embedding_step(d):
    """Case (p): embedding rows of 32 indices, linear to 27 classes, cross-entropy, SGD, `steps` times."""
    v, dim, steps, lr = d["vocab"], d["dim"], d["steps"], d["lr"]
    F = torch.nn.functional
    idx = torch.tensor(d["idx"], dtype=torch.int64)
    target = torch.tensor(d["target"], dtype=torch.int64)

    def setup():
        return {"params": [f32(d["emb"], v, dim).requires_grad_(), f32(d["w"], v, dim).requires_grad_(), f32(d["b"], v).requires_grad_()]}

    def run(state):
        emb, w, b = params = state["params"]
        first = None
        for step in range(steps):
            loss = F.cross_entropy(F.linear(F.embedding(idx, emb), w, b), target)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p.sub_(p.grad.mul(lr))
                    p.grad = None
            if step == 0:
                first = loss
        state["first"] = first
        state["loss"] = loss

    def check(state):
        emb, _, b = state["params"]
        return [state["first"].item(), state["loss"].item(), emb[0, 0].item(), b[0].item()]

    return setup, run, check


CASES = {"trainStep": train_step, "conv2dStep": conv2d_step, "embeddingStep": embedding_step, "chain": chain, "mlp": mlp, "matmul": matmul, "elementwise": elementwise}


def run_job(job):
    factory = CASES.get(job["fn"])
    if factory is None:
        raise ValueError(f"the pytorch peer has no case {job['fn']}")
    setup, run, check = factory(job["data"])
    plan = job["plan"]
    state = None
    cpu = []  # the process's CPU time per rep, as worker.mjs records it (process.cpuUsage)

    def rep():
        nonlocal state
        gc.collect()
        state = setup()
        c0 = time.process_time()
        t0 = time.perf_counter()
        run(state)
        ms = (time.perf_counter() - t0) * 1000
        cpu.append((time.process_time() - c0) * 1000)
        return ms

    # The same rules as worker.mjs: warm up at least warmupReps times and until warmupMs has
    # passed (a quarter of the budget at most), then time reps until the plan is satisfied.
    warmup = []
    spent = 0.0
    i = 0
    while True:
        more = i < plan["warmupReps"] or (spent < plan["warmupMs"] and i < plan["maxReps"])
        if i > 0 and (not more or spent > plan["budgetMs"] / 4):
            break
        ms = rep()
        warmup.append(ms)
        spent += ms
        i += 1
    samples = []
    first_timed = len(cpu)
    spent = 0.0
    for i in range(plan["maxReps"]):
        more = i < plan["minReps"] or (i < plan["reps"] and spent < plan["budgetMs"]) or spent < plan["minTimedMs"]
        if not more:
            break
        ms = rep()
        samples.append(ms)
        spent += ms
    return {
        "ok": True,
        "samples": samples,
        "cpuSamples": cpu[first_timed:],
        "warmupMs": warmup,
        "check": [float(v) for v in check(state)],
        "version": f"torch {torch.__version__} (Python {platform.python_version()}, {torch.get_num_threads()} thread)",
    }


def main():
    try:
        result = run_job(json.load(sys.stdin))
    except Exception as err:  # reported to the harness as n/a, like a failing Node peer
        result = {"ok": False, "error": f"{type(err).__name__}: {err}"}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Backward calls for the Python tracer's recorder: torch.autograd.backward / grad are wrapped (in
autograd_lens_trace); each grad_fn node gets a post hook (Node.register_hook) when it is found, so
steps arrive in the order PyTorch's engine ran them, with the gradients each node received and sent.

A hook only keeps references (the engine's gradient tensors, a copy of a leaf's or retained
tensor's .grad right after it changed); the snapshot turns them into summaries when it is built
(autograd_lens_snapshot). What is kept follows the snapshot's value policy (autograd_lens_encode:
the last call in full, earlier calls' steps, here up to HELD_EARLIER_STEPS, none in a loop of
LOOP_CALLS calls or more): calls older than that keep their loss and range only, and the recorder
lets go of their nodes (Recorder.forget).
"""
from autograd_lens_values import materialize

MAX_BACKWARD_CALLS = 1000
# Steps of calls before the newest one that stay held with their graphs (the TypeScript runner's
# snapshots keep 1,000: autograd_lens_encode.EARLIER_STEPS). Fewer here: every graph held grows the
# heap and pushes the program's own tensors out of the caches; that alone costs a small training loop
# a third of its untraced time at 1,000 steps, and a tenth at 200 (bench row (s)). 50 keeps every
# call of a tutorial with a few backward calls.
HELD_EARLIER_STEPS = 50
# From this many backward calls on (a loop), only the newest call keeps its graph and steps: holding
# the 4-5 calls before it cost a small training loop another 4 µs of its ~75 µs an iteration.
LOOP_CALLS = 10


class BackwardRecorder:
    def __init__(self):
        self.calls = []
        self.current = None
        self.calls_dropped = 0
        self.oldest_kept = 0  # the oldest call whose steps (and graph) are still held
        self.earlier_steps = 0  # steps held of calls before the newest one
        self.raw = None  # the current call's "_raw" list, while one runs (what the hooks append to)
        self.freeing = False  # the current call frees what the nodes it runs saved (no retain_graph)
        self.step_cap = self.limits["stepCap"]

    def begin_call(self, kind, roots, frame, keep_graph=False):
        """A backward()/grad() call starts. keep_graph: retain_graph (or create_graph) was set, so the
        engine keeps the saved tensors of the nodes it runs; otherwise it frees them."""
        if self.frozen:
            return
        if len(self.calls) >= MAX_BACKWARD_CALLS:
            self.calls_dropped += 1
            self.current = None
            self.raw = None
            return
        where = self.locator.here(frame)
        root_ids = []
        loss = None
        for r in roots:
            rec = self.tensors.get(id(r))
            if rec is None or rec["fn"] is not r.grad_fn:
                self._look(r, rec, where) if r.grad_fn is not None else self.add_tensor(r, where)
            elif r.grad_fn is not None:
                self.discover(r.grad_fn, where, rec)  # keep its graph with this call
            rec = self.tensors.get(id(r))
            if rec is not None:
                root_ids.append(rec["id"])
        if roots and roots[0].numel() == 1:
            try:
                loss = roots[0].item()
            except Exception:
                loss = None
        self.program.call_begins()
        call = {"index": len(self.calls), "kind": kind, "roots": root_ids, "steps": [], "stepsTruncated": False, "_raw": [], "_keep": keep_graph}
        if isinstance(loss, float) and loss == loss and abs(loss) != float("inf"):
            call["loss"] = loss
        elif isinstance(loss, (int, bool)):
            call["loss"] = float(loss)
        if where is not None:
            call["range"] = where
        self.calls.append(call)
        self.current = call
        self.raw = call["_raw"]
        self.freeing = not keep_graph

    def end_call(self, error):
        call = self.current
        self.current = None
        self.raw = None
        if call is None:
            return
        if error is not None:
            call["error"] = ("%s: %s" % (type(error).__name__, error))[:10000]
        # This call is now the newest; the one before it becomes "earlier": keep earlier calls'
        # steps while they add up to HELD_EARLIER_STEPS (none in a loop), let go of older ones.
        i = call["index"]
        in_loop = i >= LOOP_CALLS
        if i > 0:
            prev = self.calls[i - 1]
            if prev.get("_raw") is not None:
                self.earlier_steps += len(prev["_raw"])
        while self.oldest_kept < i and (in_loop or self.earlier_steps > HELD_EARLIER_STEPS):
            old = self.calls[self.oldest_kept]
            raw = old.get("_raw")
            if raw is not None:
                self.earlier_steps -= len(raw)
                old["_raw"] = None
                old["stepsTruncated"] = old["stepsTruncated"] or bool(raw)
            self.forget(self.oldest_kept)
            self.oldest_kept += 1

    def _on_step(self, key, grad_inputs, grad_outputs):
        raw = self.raw  # the current call's steps (None: no call is being recorded)
        if raw is None:
            return
        if len(raw) >= self.step_cap:
            self.current["stepsTruncated"] = True
            return
        rec = self.by_key.get(key)
        if rec is None:
            return
        try:
            if self.freeing:
                rec["freed"] = True  # the engine releases what the node saved when it runs it
            after = None
            t_rec = rec["tensor"]
            if t_rec is not None:
                t = t_rec["t"]
                # Copied: PyTorch accumulates into .grad in place later.
                if rec["acc"] or t.retains_grad:
                    g = t.grad
                    after = self.copy_of(g) if g is not None else False
            raw.append((rec, grad_inputs, grad_outputs, after))
        except Exception:
            pass  # recording must never change what backward does


def build_steps(recorder, call):
    """The call's steps as the snapshot has them (values still Held; summarized by the snapshot)."""
    raw = call.pop("_raw", None)
    call.pop("_keep", None)
    if not raw:
        return
    capture = recorder.capture
    torch = recorder.torch
    nodes = recorder.nodes
    steps = []
    for rec, grad_inputs, grad_outputs, after in raw:
        if nodes.get(rec["node"]) is not rec:
            continue
        received = next((g for g in grad_outputs if g is not None), None)
        outs = []
        try:
            nexts = rec["node"].next_functions
        except Exception:
            nexts = ()
        for i, (nxt, _) in enumerate(nexts):
            to = nodes.get(nxt) if nxt is not None else None
            g = grad_inputs[i] if i < len(grad_inputs) else None
            outs.append({"index": i, "to": to["id"] if to else None, "grad": capture(g) if g is not None else None})
        step = {"index": len(steps), "node": rec["id"], "gradIn": capture(received) if received is not None else _empty_summary(), "gradsOut": outs}
        t_rec = rec["tensor"]
        if after is not None and t_rec is not None:
            step["leaf" if rec["acc"] else "retained"] = t_rec["id"]
            if after is not False:
                step["gradAfter"] = capture(materialize(torch, after))
        steps.append(step)
    call["steps"] = steps


def _empty_summary():
    return {"shape": [0], "dtype": "float32", "numel": 0, "values": [], "truncated": False}

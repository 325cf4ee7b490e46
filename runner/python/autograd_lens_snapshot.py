"""The GraphSnapshot (shared/protocol.ts) from what the recorder saw, like Recorder.build in
runner/recorder.ts: nodes with PyTorch's names, next_functions as edges, saved values, tensors with
their kinds, values and grads, the backward calls."""
import datetime
import math

from autograd_lens_backward import build_steps
from autograd_lens_recorder import input_names
from autograd_lens_saved import saved_of
from autograd_lens_encode import encode_snapshot
from autograd_lens_values import Held, dtype_name, resolve, summarize

SNAPSHOT_VERSION = 2


def _leaf_label(recorder, rec_):
    """A leaf's name in the landscape's input picker: its variable, or its parameter name (`0.weight`)."""
    return rec_["name"] or recorder.param_labels.get(id(rec_["t"]))


def _default_label(rec_, nodes):
    t = rec_["t"]
    gf = t.grad_fn
    if gf is not None:
        n = nodes.get(gf)
        op = (n["name"] if n else type(gf).__name__)
        op = op.rstrip("0123456789")
        if op.endswith("Backward"):
            op = op[: -len("Backward")]
        op = op[:1].lower() + op[1:]
    else:
        op = "tensor"
    r = rec_["range"]
    return "%s @ L%d" % (op, r["line"]) if r else "%s #%s" % (op, rec_["id"][1:])


def _grad_note(t, backward_called):
    if not t.requires_grad:
        return "does not require grad"
    if not t.is_leaf and not getattr(t, "retains_grad", False):
        return "not kept: a non-leaf tensor's gradient is freed after backward unless you call retain_grad() on it"
    return "backward() did not reach this tensor" if backward_called else "backward() has not been called yet"


def user_defined(node, recorder):
    """A custom torch.autograd.Function's node (its class is `_forward_cls`): the class and where its
    forward and backward are written in the traced file (the `def` line, after any decorators)."""
    try:
        cls = getattr(node, "_forward_cls", None)
        if cls is None:
            return None
        out = {"className": str(getattr(cls, "__name__", "Function"))[:200]}
        for what in ("forward", "backward"):
            code = getattr(getattr(cls, what, None), "__code__", None)
            if code is None or code.co_filename != recorder.filename:
                continue
            line = code.co_firstlineno
            text = recorder.locator.line_text(line)
            while text is not None and text.lstrip().startswith("@"):
                line += 1
                text = recorder.locator.line_text(line)
            if text is not None:
                out[what] = {"line": int(line), "column": recorder.locator.first_column(line)}
        return out
    except Exception:
        return None


def build(recorder, file, producer, duration_ms, error=None):
    torch = recorder.torch
    recorder.current = None  # a backward call the program was stopped in records no more steps
    recorder.raw = None
    recorder.fast_hooks.restore()
    try:
        _complete(recorder)
    except Exception:
        pass  # what was found while the program ran is still a graph
    recorder.frozen = True
    limits = recorder.limits
    try:
        _saved_and_outputs(recorder)
    except Exception:
        pass
    for call in recorder.calls:
        try:
            build_steps(recorder, call)
        except Exception:
            call["steps"], call["stepsTruncated"] = [], True
        call.pop("_raw", None)
        call.pop("_keep", None)
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "file": file,
        "language": "python",
        "producer": producer,
        "tracedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "durationMs": duration_ms,
        "limits": limits,
        "console": list(recorder.console),
        "warnings": list(recorder.warnings),
        "tensors": [],
        "nodes": [],
        "edges": [],
        "backward": list(recorder.calls),
        "nodesTruncated": recorder.nodes_truncated,
    }
    if recorder.calls_dropped:
        snapshot["backwardCallsDropped"] = recorder.calls_dropped
    recorder.scopes.release()
    if recorder.scopes.list:
        snapshot["scopes"] = recorder.scopes.list
    if error is not None:
        snapshot["error"] = error
    try:
        _fill(recorder, snapshot, torch, limits)
    except Exception as e:  # never lose the run's error and console to a failure here
        snapshot["tensors"], snapshot["nodes"], snapshot["edges"] = [], [], []
        snapshot.pop("output", None)
        if error is None:
            snapshot["error"] = {"kind": "internal", "message": "Autograd Lens could not build the graph: %s: %s" % (type(e).__name__, e)}
    try:
        out = snapshot.get("output")
        out_rec = next((r for r in recorder.tensors.values() if r["id"] == out), None) if out is not None else None
        snapshot["program"] = recorder.program.build(recorder.nodes_truncated, limits["nodeCap"], lambda r: _leaf_label(recorder, r), out_rec)
    except Exception as e:  # the graph matters more than the landscape
        snapshot["program"] = {"unavailable": "Autograd Lens could not write down the traced ops (%s: %s)" % (type(e).__name__, e),
                               "leaves": {}, "constants": {}, "ops": []}
    _resolve_steps(snapshot["backward"], torch, limits["valueCap"])
    # Steps may name nodes the build dropped (it never drops recorded ones; this keeps ids honest).
    ids = {n["id"] for n in snapshot["nodes"]}
    tids = {t["id"] for t in snapshot["tensors"]}
    for call in snapshot["backward"]:
        call["roots"] = [r for r in call["roots"] if r in tids]
        call["steps"] = [s for s in call["steps"] if s["node"] in ids]
        for s in call["steps"]:
            for o in s["gradsOut"]:
                if o["to"] is not None and o["to"] not in ids:
                    o["to"] = None
            if "leaf" in s and s["leaf"] not in tids:
                del s["leaf"]
            if "retained" in s and s["retained"] not in tids:
                del s["retained"]
    return encode_snapshot(snapshot)


def _complete(recorder):
    """The graphs of tensors the code holds that no look reached yet (a tensor changed in place since
    it was named)."""
    for rec_ in list(recorder.tensors.values()):
        t = rec_["t"]
        fn = t.grad_fn
        if fn is not None and (fn not in recorder.nodes or rec_["fn"] is not fn):
            recorder._look(t, rec_, rec_["range"])


def _saved_and_outputs(recorder):
    """Each node's saved values; and for a node whose result the code never bound, that result as the
    node that used it saved it (ExpBackward0's `result`, the next AddmmBackward0's `mat1`)."""
    nodes = recorder.nodes
    for rec_ in list(nodes.values()):
        if rec_["acc"]:
            continue
        rec_["saved"], rec_["released"] = saved_of(rec_, recorder, recorder.capture)
    for rec_ in list(nodes.values()):
        for entry in rec_.get("saved", ()):
            v = entry.get("value")
            if not isinstance(v, Held) or "tensor" in entry:
                continue
            fn = v.t.grad_fn
            made = nodes.get(fn) if fn is not None else None
            if made is None or made["acc"] or made["tensor"] is not None:
                continue
            t_rec = recorder.add_tensor(v.t, made["range"])
            if t_rec is not None:
                made["tensor"] = t_rec
                entry["tensor"] = t_rec["id"]


def _fill(recorder, snapshot, torch, limits):
    nodes = recorder.nodes
    cap = limits["valueCap"]
    # A node found by the walk has no tensor and no line: it runs where its consumer was made.
    for rec_ in nodes.values():
        for nxt, _ in _nexts(rec_["node"]):
            n = nodes.get(nxt)
            if n is not None and n["range"] is None and n["name"] != "AccumulateGrad":
                n["range"] = rec_["range"]
                if n["seq"] is not None and rec_["seq"] is not None and n["seq"] > rec_["seq"]:
                    n["seq"] = rec_["seq"]
    consumed = set()
    for rec_ in nodes.values():
        accumulate = rec_["name"] == "AccumulateGrad"
        nexts = _nexts(rec_["node"])
        for index, (nxt, input_nr) in enumerate(nexts):
            n = nodes.get(nxt) if nxt is not None else None
            if n is None:
                continue
            snapshot["edges"].append({"from": rec_["id"], "to": n["id"], "index": index, "inputNr": int(input_nr)})
            if n["tensor"] is not None:
                consumed.add(n["tensor"]["id"])
        if accumulate:
            saved, released = [], False
        else:
            # Tensors read when the node was found; released when a call without retain_graph ran
            # the node, or when reading them now finds them freed.
            saved = [dict(v, value=resolve(torch, v["value"], cap)) if isinstance(v.get("value"), Held) else v for v in rec_.get("saved", ())]
            released = (bool(rec_.get("freed")) and any("value" in v for v in saved)) or bool(rec_.get("released"))
        info = {
            "id": rec_["id"],
            "name": rec_["name"],
            "kind": "accumulate" if accumulate else "function",
            "sequenceNr": None if accumulate else rec_["seq"],
            "tensor": rec_["tensor"]["id"] if rec_["tensor"] is not None else None,
            "inputs": ["grad"] if accumulate else input_names(rec_["name"], len(nexts)),
            "formulas": [],
            "saved": saved,
            "released": released,
        }
        if rec_["range"] is not None:
            info["range"] = rec_["range"]
        if rec_.get("scope") is not None:
            info["scope"] = rec_["scope"]
        user = None if accumulate else user_defined(rec_["node"], recorder)
        if user is not None:
            info["userDefined"] = user
            if "backward" in user:
                info["formulas"] = ["user-defined: %s.backward at line %d" % (user["className"], user["backward"]["line"])] * len(nexts)
        snapshot["nodes"].append(info)
    roots = {r for c in recorder.calls for r in c["roots"]}
    last_sink = None
    backward_called = len(recorder.calls) > 0
    for rec_ in recorder.tensors.values():
        t = rec_["t"]
        tid = rec_["id"]
        requires = bool(t.requires_grad)
        if not requires:
            kind = "constant"
        elif t.grad_fn is None:
            kind = "leaf"
        elif tid in roots or tid not in consumed:
            kind = "output"
        else:
            kind = "intermediate"
        if kind == "output":
            last_sink = tid
        keeps = t.is_leaf or getattr(t, "retains_grad", False)
        grad = t.grad if keeps else None
        name = rec_["name"]
        gf = nodes.get(t.grad_fn) if t.grad_fn is not None else None
        info = {
            "id": tid,
            "label": name if name is not None else recorder.param_labels.get(id(t)) or _default_label(rec_, nodes),
            "kind": kind,
            "shape": [int(s) for s in t.shape],
            "dtype": dtype_name(t),
            "value": summarize(torch, t, cap),
            "grad": summarize(torch, grad, cap) if grad is not None else None,
            "requiresGrad": requires,
            "isLeaf": bool(t.is_leaf),
            "retainsGrad": bool(getattr(t, "retains_grad", False)),
            "gradFn": gf["id"] if gf is not None else None,
        }
        if name is not None:
            info["name"] = name
        if grad is None:
            info["gradNote"] = _grad_note(t, backward_called)
        if rec_["range"] is not None:
            info["range"] = rec_["range"]
        if rec_["boundAt"] is not None:
            info["boundAt"] = rec_["boundAt"]
        version = getattr(t, "_version", 0)  # PyTorch's version counter (in-place writes)
        if isinstance(version, int) and version > 0:
            info["version"] = version
        snapshot["tensors"].append(info)
    last = recorder.calls[-1] if recorder.calls else None
    output = last["roots"][0] if last and last["roots"] else last_sink
    if output is not None:
        snapshot["output"] = output


def _resolve_steps(calls, torch, cap):
    """The gradients the steps held, as summaries (an unreadable one becomes an empty summary)."""
    def value(v):
        try:
            return resolve(torch, v, cap)
        except Exception:
            return {"shape": [0], "dtype": "float32", "numel": 0, "values": [], "truncated": False}

    for call in calls:
        for s in call["steps"]:
            s["gradIn"] = value(s["gradIn"])
            for o in s["gradsOut"]:
                if o["grad"] is not None:
                    o["grad"] = value(o["grad"])
            if "gradAfter" in s:
                s["gradAfter"] = value(s["gradAfter"])


def _nexts(node):
    try:
        return tuple(node.next_functions)
    except Exception:
        return ()

"""The program of a Python trace (GraphSnapshot.program, shared/protocol.ts), like runner/program.ts:
the ops the output depends on (its grad_fn graph: the last backward call's forward pass in a
training loop), written down as data when the snapshot is built — the replay rule's name, its input tensors, its
non-tensor arguments — with copies of the leaves and constants the ops read, so that Autograd Lens's
engine (engine/replay) can re-run the forward computation at other leaf values (the landscape).

PyTorch's grad_fn names are our engine's names, so most ops carry over as they are. What needs care:
- inputs: the node's next_functions in the schema's order; an AccumulateGrad is a leaf, another node
  is the tensor it made (or a node made inside a composite function such as F.linear's transpose,
  recorded here as an op of its own); an empty slot (None) is an input that does not require grad —
  its value comes from what the node saved (`_saved_other`, `_saved_target`, ...; a Python number
  becomes a 0-dim tensor of the result's dtype), read when the node was found; `2 - x`
  (RsubBackward1, which keeps neither operand) from its output and x;
- outputs: the tensor the code bound, else the one a consumer saved (`_saved_self` of the next op);
- arguments: PyTorch's saved scalars under their schema names (`_saved_exponent` → exponent), with
  the few renames our rules use (dim → dims for sum/mean, reduction as a word, the output shape for
  view-like ops, `1 - x`'s RsubBackward1 as a subtraction with its operands swapped);
- values: a leaf's values as they were when the last backward call began (copied then, before an
  optimizer step changes them in place), or as they are now for an output no backward call reached.

Nothing here raises into the user's program: an op this cannot write down gets a `_problem`
attribute in plain words, and runner/python-program.ts turns the first one the output depends on
into the reason the landscape is not offered.
"""

from autograd_lens_values import Held, dtype_name, json_number, materialize

DATA_CAP = 1000000  # numbers (leaf and constant values) the program embeds in all, as runner/program.ts
MAX_OPS = 200000

_SHAPE_OPS = ("ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "ExpandBackward0", "AliasBackward0")
_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}
_SCHEMA = {
    "AddmmBackward0": ("self", "mat1", "mat2"),
    "MmBackward0": ("self", "mat2"),
    "BmmBackward0": ("self", "mat2"),
    "MvBackward0": ("self", "vec"),
    "DotBackward0": ("self", "tensor"),
    "PowBackward1": ("self", "exponent"),
    "PowBackward2": ("self", "exponent"),
    "MseLossBackward0": ("self", "target"),
    "BinaryCrossEntropyBackward0": ("self", "target"),
}


def _json_number(v):
    # An op's argument: booleans stay booleans and big integers are clamped (they are sizes or
    # flags, not values); floats are written as the value table writes them.
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 else (2 ** 53 if v > 0 else -(2 ** 53))
    return json_number(v)


def _slot_names(name, count):
    names = _SCHEMA.get(name)
    if names is not None and len(names) == count:
        return names
    if count == 1:
        return ("self",)
    if count == 2:
        return ("self", "other")
    return tuple("input%d" % i for i in range(count))


class ProgramRecorder:
    """Writes down, when the snapshot is built, the ops the output depends on (its grad_fn graph, as
    the recorder kept it), with the leaf values the last backward call's forward pass read."""

    def __init__(self, torch, recorder):
        self.torch = torch
        self.recorder = recorder
        self.stopped = None
        self.leaf_values = {}  # id(leaf) → a copy of its values when the last backward call began
        self.epoch_leaves = []  # leaves reached by the graph since the last backward call began

    def stop(self, reason):
        if self.stopped is None:
            self.stopped = reason
            self.leaf_values = {}

    def inplace(self, t_rec, node, line):
        """An op gave an existing tensor a new grad_fn: re-running it would need every value's versions."""
        if self.stopped is not None:
            return
        name = t_rec.get("name")
        what = "`%s`" % name if name else "a tensor"
        at = " at line %d" % line if line else ""
        self.stop("%s is changed in place%s (PyTorch recorded %s), and re-running in-place changes is not supported yet"
                  % (what, at, _node_name(node)))

    def call_begins(self):
        """A backward call begins: the leaves its graph reads have the values its forward pass read
        (an optimizer step changes them in place afterwards). Copied, the last call's replace the last."""
        leaves, self.epoch_leaves = self.epoch_leaves, []
        if self.stopped is not None or not leaves:
            return
        total = 0
        for t in leaves:
            total += t.numel()
        if total > DATA_CAP:
            return
        try:
            copy_of = self.recorder.copy_of
            copies = [copy_of(t) for t in leaves]
        except Exception:
            return
        values = {}
        for t, c in zip(leaves, copies):
            values[id(t)] = (t, c)
        self.leaf_values = values

    # ---- the snapshot's program --------------------------------------------------------------------

    def build(self, truncated, node_cap, label_of, output_rec):
        if truncated:
            return _unavailable("recording stopped at the node cap (%s grad_fn nodes), so the traced computation is incomplete; "
                                "raise the node cap to re-evaluate it" % "{:,}".format(node_cap))
        if self.stopped is not None:
            return _unavailable(self.stopped)
        try:
            self.leaf_values = {k: (t, materialize(self.torch, c)) for k, (t, c) in self.leaf_values.items()}
        except Exception:
            self.leaf_values = {}  # (a copy that cannot be made a tensor again: the leaves' values now)
        self.ops = []
        self.sources = {}  # id(tensor) or key → {"key", "t", "values", "leaf", ...}
        self.made = {}  # node → the key of the tensor it made
        self.numbers = 0
        self.next_internal = 1
        self.outputs = {}  # node → its output tensor, where a consumer saved it
        fn = output_rec["t"].grad_fn if output_rec is not None else None
        if fn is not None:
            order = self._order(fn)
            self._consumer_outputs(order)
            for node in order:
                if self.stopped is not None:
                    return _unavailable(self.stopped)
                if _node_name(node) == "AccumulateGrad":
                    continue
                if len(self.ops) >= MAX_OPS:
                    return _unavailable("the program ran more than %d ops, too many to re-run" % MAX_OPS)
                rec = self.recorder.nodes.get(node)
                if rec is None:
                    return _unavailable("the graph of the output was not recorded in full")
                self._record(node, rec)
            if self.stopped is not None:
                return _unavailable(self.stopped)
        leaves, constants = {}, {}
        for st in self.sources.values():
            if st.get("full") is not None:
                constants[st["key"]] = st["full"]
                continue
            values = st["values"]
            if st.get("cast") is not None:
                values = values.to(st["cast"])
            ft = self._full(values)
            if st["leaf"]:
                label = label_of(st["rec"]) if st.get("rec") is not None else None
                if label:
                    ft["label"] = label
                leaves[st["key"]] = ft
            else:
                constants[st["key"]] = ft
        ops = []
        for r in self.ops:
            op = {"node": r["node"], "op": r["op"], "inputs": r["inputs"], "attrs": r["attrs"], "out": r["out"]}
            if "line" in r:
                op["line"] = r["line"]
            ops.append(op)
        return {"leaves": leaves, "constants": constants, "ops": ops}

    def _order(self, fn):
        """Every node the output depends on, inputs first."""
        order, seen, stack = [], set(), [fn]
        while stack:
            n = stack.pop()
            if n.__class__ is tuple:
                order.append(n[0])
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append((n,))
            try:
                nexts = n.next_functions
            except Exception:
                nexts = ()
            for m, _ in reversed(nexts):  # the first input first (leaves in the order the code reads them)
                if m is not None and m not in seen:
                    stack.append(m)
        return order

    def _consumer_outputs(self, order):
        """A node's output as a node that uses it saved it (`exp(x.view(3))`: ExpBackward0's saved
        self is ViewBackward0's output), for nodes whose tensor the code never named."""
        nodes = self.recorder.nodes
        for node in order:
            rec = nodes.get(node)
            if rec is None or rec["acc"] or not rec.get("saved"):
                continue
            try:
                nexts = node.next_functions
            except Exception:
                continue
            slots = _slot_names(rec["name"], len(nexts))
            by_name = {v["name"]: v["value"] for v in rec["saved"] if isinstance(v.get("value"), Held)}
            for i, (m, idx) in enumerate(nexts):
                v = by_name.get(slots[i])
                if m is not None and idx == 0 and v is not None and m not in self.outputs:
                    self.outputs[m] = v.t

    def _record(self, node, rec):
        name = rec["name"]
        t_rec = rec["tensor"]
        if t_rec is not None and t_rec["fn"] is node:
            out, out_key = t_rec["t"], t_rec["id"]
        else:
            out = self.outputs.get(node)
            out_key = "i%d" % self.next_internal
            self.next_internal += 1
        try:
            nexts = list(node.next_functions)
        except Exception:
            nexts = []
        slots = _slot_names(name, len(nexts))
        saved = {v["name"]: v for v in rec.get("saved", ())}
        inputs, problem = [], None
        for i, (fn, idx) in enumerate(nexts):
            key, why = self._input(fn, idx, slots[i], saved, out)
            if key is None and fn is None and name in ("AddBackward0", "SubBackward0") and len(nexts) == 2:
                key = self._derived(name, i, out, nexts, saved)
                why = None if key is not None else why
            inputs.append(key)
            if why is not None and problem is None:
                problem = why
        args = ()
        if name == "RsubBackward1":
            args = (None, self._rsub_number(out, nexts, saved))
        op, attrs, why = _translate(name, node, out, inputs, args, out.dtype if out is not None else None, self)
        if why is not None and problem is None:
            problem = why
        if op is None:
            return
        r = {"node": rec["id"], "op": op, "inputs": inputs, "attrs": attrs, "out": out_key}
        if problem is not None:
            r["attrs"] = dict(attrs, _problem=problem)
        where = rec.get("range") or (t_rec["range"] if t_rec is not None else None)
        if where and where.get("line"):
            r["line"] = int(where["line"])
        self.ops.append(r)
        self.made[node] = out_key

    def _rsub_number(self, out, nexts, saved):
        """`2 - x` (RsubBackward1): PyTorch keeps neither the 2 nor alpha's operand; out + alpha·x gives it back."""
        try:
            x = self._value_of(nexts[0][0]) if nexts and nexts[0][0] is not None else None
            if out is None or x is None:
                return None
            alpha = saved.get("alpha", {}).get("scalar", 1)
            v = (out.detach().double() + float(alpha) * x.detach().double()).reshape(-1)
            if v.numel() == 0 or float(v.max() - v.min()) > 1e-6 * max(1.0, float(v.abs().max())):
                return None
            return float(v[0])
        except Exception:
            return None

    def _derived(self, name, missing, out, nexts, saved):
        """`x + 5`, `x - c` (AddBackward0, SubBackward0): PyTorch keeps neither operand; the one that
        does not require grad is the output minus (or plus) the other. A constant, whatever the leaves."""
        try:
            other = nexts[1 - missing][0]
            x = self._value_of(other) if other is not None else None
            if out is None or x is None:
                return None
            alpha = float(saved.get("alpha", {}).get("scalar", 1))
            o, x = out.detach().double(), x.detach().double()
            if name == "AddBackward0":  # out = self + alpha·other
                v = (o - x) / alpha if missing == 1 else o - alpha * x
            else:  # out = self - alpha·other
                v = (x - o) / alpha if missing == 1 else o + alpha * x
            flat = v.reshape(-1)
            if flat.numel() == 0 or not bool(flat.isfinite().all()):
                return None
            if float(flat.max() - flat.min()) <= 1e-6 * max(1.0, float(flat.abs().max())):
                return self._number(float(flat[0].to(out.dtype)) if out.is_floating_point() else float(flat[0]), out)
            return self._source(v.to(out.dtype), out, False)
        except Exception:
            return None

    def _value_of(self, fn, depth=0):
        """The value a node made, where it is known: a leaf, a bound or saved tensor, or the sum or
        difference of known values (`x5 + x6` in `x5 + x6 - 5`)."""
        variable = getattr(fn, "variable", None)
        if variable is not None:
            held = self.leaf_values.get(id(variable))
            return held[1] if held is not None else variable  # (made tensors by build())
        rec = self.recorder.nodes.get(fn)
        if rec is not None and rec["tensor"] is not None and rec["tensor"]["fn"] is fn:
            return rec["tensor"]["t"]
        out = self.outputs.get(fn)
        if out is not None or rec is None or depth > 8 or rec["name"] not in ("AddBackward0", "SubBackward0"):
            return out
        nexts = fn.next_functions
        if len(nexts) != 2 or nexts[0][0] is None or nexts[1][0] is None:
            return None
        a, b = self._value_of(nexts[0][0], depth + 1), self._value_of(nexts[1][0], depth + 1)
        if a is None or b is None:
            return None
        alpha = float(next((v.get("scalar", 1) for v in rec.get("saved", ()) if v["name"] == "alpha"), 1))
        a, b = a.detach().double(), b.detach().double()
        return a + alpha * b if rec["name"] == "AddBackward0" else a - alpha * b

    def _input(self, fn, idx, slot, saved, out):
        """The key of an input slot (and a problem, or None)."""
        torch = self.torch
        if fn is None:
            v = saved.get(slot)
            if v is not None and isinstance(v.get("value"), Held):
                return self._source(v["value"].t, out, False), None
            if v is not None and isinstance(v.get("scalar"), (int, float)) and not isinstance(v.get("scalar"), bool):
                return self._number(v["scalar"], out), None
            return None, "reads an input that PyTorch did not keep"
        if idx != 0:
            return None, "reads output %d of %s, which cannot be re-run yet" % (idx, _node_name(fn))
        key = self.made.get(fn)
        if key is not None:
            return key, None
        variable = getattr(fn, "variable", None)
        if variable is not None and isinstance(variable, torch.Tensor):  # AccumulateGrad: a leaf
            return self._source(variable, None, True), None
        return None, "reads a value that was not recorded"

    def _number(self, v, out):
        dtype = dtype_name(out) if out is not None else "float32"
        if isinstance(v, float) and dtype not in ("float32", "float64"):
            dtype = "float32"
        key = "k%d" % self.next_internal
        self.next_internal += 1
        self.sources[key] = {"key": key, "t": None, "full": {"shape": [], "dtype": dtype, "values": [_json_number(v)]}, "leaf": False}
        return key

    def _source(self, t, out, leaf):
        """A leaf or constant tensor an op reads: its values (a leaf's as the last backward call's forward read them)."""
        st = self.sources.get(id(t))
        if st is not None:
            return st["key"]
        n = t.numel()
        self.numbers += n
        if self.numbers > DATA_CAP:
            self.stop("the leaves and constants the ops read hold more than %s numbers, too many to embed in the snapshot" % "{:,}".format(DATA_CAP))
            return None
        rec = self.recorder.tensors.get(id(t))
        if rec is None and leaf:  # a leaf is in the graph anyway (its AccumulateGrad); a constant need not be
            rec = self.recorder.add_tensor(t)
        key = rec["id"] if rec is not None else "k%d" % self.next_internal
        if rec is None:
            self.next_internal += 1
        cast = None
        # A Python number PyTorch wrapped (a 0-dim double or long next to a float32 result): the result's dtype.
        if not leaf and t.dim() == 0 and out is not None and t.dtype != out.dtype and out.is_floating_point():
            cast = out.dtype
        held = self.leaf_values.get(id(t)) if leaf else None
        values = held[1] if held is not None and held[0] is t else t.detach()
        self.sources[id(t)] = {"key": key, "t": t, "rec": rec, "values": values, "leaf": leaf and t.requires_grad, "cast": cast}
        return key

    def _full(self, t):
        values = t.reshape(-1).tolist()
        if t.dtype == self.torch.bool:
            values = [1 if v else 0 for v in values]
        else:
            values = [_json_number(v) for v in values]
        return {"shape": [int(s) for s in t.shape], "dtype": dtype_name(t), "values": values}


def _unavailable(reason):
    return {"unavailable": reason, "leaves": {}, "constants": {}, "ops": []}


def _node_name(node):
    try:
        return node.name().replace("torch::autograd::", "")
    except Exception:
        return type(node).__name__


_SAVED_NAMES = {}


def _saved_scalars(node):
    """PyTorch's saved non-tensor values of a node, by schema name (`_saved_exponent` → exponent)."""
    out = {}
    names = _SAVED_NAMES.get(type(node))
    if names is None:
        try:
            names = [a for a in dir(node) if a.startswith("_saved_") and not a.endswith(("_sym_sizes", "_sym_strides", "_sizes", "_strides", "_numel"))]
        except Exception:
            names = []
        _SAVED_NAMES[type(node)] = names
    for attr in names:
        try:
            v = getattr(node, attr)
        except Exception:
            continue
        key = attr[len("_saved_"):]
        if isinstance(v, (bool, int, float)):
            out[key] = _json_number(v)
        elif isinstance(v, (tuple, list)) and len(v) <= 64 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            out[key] = [_json_number(x) for x in v]
        elif isinstance(v, str):
            out[key] = v[:100]
    return out


def _translate(name, node, out, inputs, args, dtype, program):
    """(the replay op's name, its attrs, a problem or None) for PyTorch's node `name`."""
    saved = _saved_scalars(node)
    attrs = dict(saved)
    if name in ("AddBackward0", "SubBackward0", "RsubBackward0", "RsubBackward1") and attrs.get("alpha", 1) != 1:
        return name, {}, "was made with alpha=%s, which the landscape cannot re-run yet" % attrs.get("alpha")
    attrs.pop("alpha", None)
    if name == "AddmmBackward0":
        if saved.get("alpha", 1) != 1 or saved.get("beta", 1) != 1:
            return name, {}, "was made with alpha or beta other than 1, which the landscape cannot re-run yet"
        return name, {}, None
    if name == "RsubBackward0":  # rsub(a, b) = b - a
        inputs.reverse()
        return "SubBackward0", {}, None
    if name == "RsubBackward1":  # `2 - x`: rsub(x, 2); PyTorch does not save the 2
        other = args[1] if len(args) > 1 else None
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            inputs.insert(0, program._number(other, out))
            return "SubBackward0", {}, None
        return name, {}, "subtracts from a number that PyTorch does not keep"
    if name in ("SumBackward1", "MeanBackward1", "NansumBackward0"):
        dims = saved.get("dim")
        if isinstance(dims, int):
            dims = [dims]
        return name, {"dims": dims if dims is not None else [], "keepdim": bool(saved.get("keepdim", False))}, None
    if name in ("MseLossBackward0", "BinaryCrossEntropyBackward0", "NllLossBackward0"):
        attrs["reduction"] = _REDUCTIONS.get(saved.get("reduction"), saved.get("reduction"))
        return name, attrs, None if name != "NllLossBackward0" else "needs nll_loss's class targets, which PyTorch does not expose"
    if name in _SHAPE_OPS or name.startswith("SqueezeBackward"):
        if out is None:
            return name, {}, "has a shape that PyTorch does not report"
        return ("SqueezeBackward0" if name.startswith("Squeeze") else name), {"shape": [int(s) for s in out.shape]}, None
    if name == "ToCopyBackward0" and out is not None:
        return name, {"dtype": dtype_name(out)}, None
    if name == "SliceBackward0" and "end" in attrs and isinstance(attrs["end"], (int, float)) and attrs["end"] >= 2 ** 31:
        attrs["end"] = 2 ** 31 - 1
    return name, attrs, None

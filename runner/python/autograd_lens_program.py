"""The program of a Python trace (GraphSnapshot.program, shared/protocol.ts), like runner/program.ts:
every op PyTorch recorded, written down as data — the replay rule's name, its input tensors, its
non-tensor arguments — with copies of the leaves and constants the ops read, so that Autograd Lens's
engine (engine/replay) can re-run the forward computation at other leaf values (the landscape).

PyTorch's grad_fn names are our engine's names, so most ops carry over as they are. What needs care:
- inputs: the node's next_functions in the schema's order; an AccumulateGrad is a leaf, another node
  is the tensor it made (or a node made inside a composite function such as F.linear's transpose,
  recorded here as an op of its own); an empty slot (None) is an input that does not require grad —
  its value comes from what the node saved (`_saved_other`, `_saved_target`, ...) or else from the
  call's arguments (a Python number becomes a 0-dim tensor of the result's dtype);
- arguments: PyTorch's saved scalars under their schema names (`_saved_exponent` → exponent), with
  the few renames our rules use (dim → dims for sum/mean, reduction as a word, the output shape for
  view-like ops, `1 - x`'s RsubBackward1 as a subtraction with its operands swapped);
- values: a leaf's or constant's values when an op last read them, copied again when its version
  counter (`Tensor._version`) moved, i.e. after an in-place update such as optimizer.step().

Nothing here raises into the user's program: an op this cannot write down gets a `_problem`
attribute in plain words, and runner/python-program.ts turns the first one the output depends on
into the reason the landscape is not offered.
"""

from autograd_lens_values import dtype_name, json_number

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
    def __init__(self, torch, recorder):
        self.torch = torch
        self.recorder = recorder
        self.ops = []
        self.sources = {}  # id(tensor) → {"key", "t", "values", "version", "since", "leaf"}
        self.made = {}  # node → the key of the tensor it made (for recorded and internal nodes)
        self.outputs = set()  # id(tensor) of every op result
        self.numbers = 0
        self.stopped = None
        self.next_internal = 1
        self.version_of = self._version_reader()

    def _version_reader(self):
        """A tensor's version counter (bumped by every in-place change); without one, compare values."""
        probe = self.torch.zeros(1)
        if isinstance(getattr(probe, "_version", None), int):
            return lambda t: t._version
        return None

    # ---- recording ---------------------------------------------------------------------------------

    def stop(self, reason):
        if self.stopped is None:
            self.stopped = reason
            self.ops = []
            self.sources = {}
            self.made = {}

    def inplace(self, t_rec, node, line):
        """An op gave an existing tensor a new grad_fn: re-running it would need every value's versions."""
        if self.stopped is not None:
            return
        name = t_rec.get("name")
        what = "`%s`" % name if name else "a tensor"
        at = " at line %d" % line if line else ""
        self.stop("%s is changed in place%s (PyTorch recorded %s), and re-running in-place changes is not supported yet"
                  % (what, at, _node_name(node)))

    def op(self, func, args, t, t_rec, node, line):
        """The torch call `func(*args)` returned `t`, made by the new node `node`."""
        if self.stopped is not None:
            return
        if len(self.ops) >= MAX_OPS:
            self.stop("the program ran more than %d ops, too many to re-run" % MAX_OPS)
            return
        if id(t) in self.outputs or id(t) in self.sources:
            self.inplace(t_rec, node, line)
            return
        try:
            self._record(node, t_rec["id"], t, args, func, line)
            self.outputs.add(id(t))
        except Exception as e:  # recording must never disturb the program
            self.stop("recording an op at line %s failed (%s: %s)" % (line, type(e).__name__, e))

    def _record(self, node, out_key, out, args, func, line):
        name = _node_name(node)
        try:
            nexts = list(node.next_functions)
        except Exception:
            nexts = []
        slots = _slot_names(name, len(nexts))
        reflected = getattr(func, "__name__", "").startswith("__r")
        inputs, problem = [], None
        for i, (fn, idx) in enumerate(nexts):
            key, why = self._input(node, fn, idx, slots[i], i, args, reflected, out, line)
            inputs.append(key)
            if why is not None and problem is None:
                problem = why
        op, attrs, why = _translate(name, node, out, inputs, args, out.dtype if out is not None else None, self)
        if why is not None and problem is None:
            problem = why
        if op is None:
            return
        rec = {"node": node, "op": op, "inputs": inputs, "attrs": attrs, "out": out_key}
        if problem is not None:
            rec["attrs"] = dict(attrs, _problem=problem)
        if line:
            rec["line"] = int(line)
        self.ops.append(rec)
        self.made[node] = out_key

    def _input(self, node, fn, idx, slot, i, args, reflected, out, line):
        """The key of input slot i (and a problem, or None)."""
        torch = self.torch
        if fn is None:
            v = None
            try:
                v = getattr(node, "_saved_" + slot)
            except Exception:
                v = None
            if v is None and not reflected and i < len(args):
                v = args[i]
            if isinstance(v, torch.Tensor):
                return self._source(v, out, False), None
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return self._number(v, out), None
            return None, "reads an input that PyTorch did not keep"
        if idx != 0:
            return None, "reads output %d of %s, which cannot be re-run yet" % (idx, _node_name(fn))
        key = self.made.get(fn)
        if key is not None:
            return key, None
        variable = getattr(fn, "variable", None)
        if variable is not None:  # AccumulateGrad: a leaf
            return self._source(variable, None, True), None
        # A node made inside a composite function (F.linear's transpose): an op of its own.
        internal = "i%d" % self.next_internal
        self.next_internal += 1
        self._record(fn, internal, None, (), None, line)
        return internal, None

    def _number(self, v, out):
        dtype = dtype_name(out) if out is not None else "float32"
        if isinstance(v, float) and dtype not in ("float32", "float64"):
            dtype = "float32"
        key = "k%d" % self.next_internal
        self.next_internal += 1
        self.sources[key] = {"key": key, "t": None, "full": {"shape": [], "dtype": dtype, "values": [_json_number(v)]}, "since": 0, "leaf": False}
        return key

    def _source(self, t, out, leaf):
        """A leaf or constant tensor read by the op about to be recorded: its values, copied again when they changed."""
        index = len(self.ops)
        st = self.sources.get(id(t))
        version = self.version_of(t) if self.version_of is not None else None
        if st is not None:
            if version is not None and version == st["version"]:
                return st["key"]
            if version is None and self.torch.equal(st["values"], t.detach()):
                return st["key"]
            st["values"] = t.detach().clone()
            st["version"] = version
            st["since"] = index
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
        self.sources[id(t)] = {"key": key, "t": t, "rec": rec, "values": t.detach().clone(), "version": version, "since": index,
                               "leaf": leaf and t.requires_grad, "cast": cast}
        return key

    # ---- the snapshot's program --------------------------------------------------------------------

    def build(self, truncated, node_cap, label_of):
        if truncated:
            return _unavailable("recording stopped at the node cap (%s grad_fn nodes), so the traced computation is incomplete; "
                                "raise the node cap to re-evaluate it" % "{:,}".format(node_cap))
        if self.stopped is not None:
            return _unavailable(self.stopped)
        leaves, constants = {}, {}
        old = {}
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
            old[st["key"]] = st["since"]
        ops = []
        for i, r in enumerate(self.ops):
            inputs = [None if k is None else (k + "@old" if i < old.get(k, 0) else k) for k in r["inputs"]]
            node_rec = self.recorder.nodes.get(r["node"])
            op = {"node": node_rec["id"] if node_rec else "n0", "op": r["op"], "inputs": inputs, "attrs": r["attrs"], "out": r["out"]}
            if "line" in r:
                op["line"] = r["line"]
            ops.append(op)
        return {"leaves": leaves, "constants": constants, "ops": ops}

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

"""The recorder of the Python tracer: watches real PyTorch while the user's file runs and turns what
it saw into one GraphSnapshot (shared/protocol.ts), field by field like runner/recorder.ts.

Torch calls are not intercepted (a TorchFunctionMode alone costs more than the whole overhead the
tracer may add to a training loop). Instead the graph is discovered from `grad_fn` and
`next_functions`, as torchviz does, at the points the ast rewrite marks in the user's file and at
each backward call:
- tensors: values bound to names (`x = EXPR`, with line and column), values of expression
  statements, `return` and of operations and calls inside expressions, the roots of each backward
  call; leaves through their AccumulateGrad
  nodes; module parameters with their named_parameters() names; when the snapshot is built, a
  node's result that the code never bound but the next node saved (a Linear's output inside a
  Sequential, as the Tanh after it saved it);
- grad_fn nodes: every node newly reachable from such a value was made by the statement that
  produced it (its line and column), PyTorch's own names and saved values (`_saved_*`, read when
  the node is found, before backward frees them);
- backward calls and their steps: autograd_lens_backward (hooks on each node, in engine order).
What is held is bounded: the graphs of the calls whose steps the snapshot keeps (the last call and
earlier ones up to autograd_lens_backward.HELD_EARLIER_STEPS steps; in a loop, from
autograd_lens_backward.LOOP_CALLS calls on, the last call only); older calls keep their loss and
range, and their nodes and intermediate tensors are let go (holding every iteration's graph alone
would cost more than the 2x overhead target allows).
"""
import sys

from autograd_lens_backward import BackwardRecorder
from autograd_lens_hooks import FastHooks, StepHook
from autograd_lens_program import ProgramRecorder
from autograd_lens_saved import saved_tensor_slots
from autograd_lens_scopes import CallScopes
from autograd_lens_values import Held, copier, summarize

MAX_CONSOLE_ENTRIES = 2000
_UNSET = object()
_KINDS = {}  # node type → Recorder._kind(node)
MAX_CONSOLE_CHARS = 200000

# PyTorch does not expose a node's input names; these are the schema's names for common ops.
_INPUT_NAMES = {
    "AddmmBackward0": ["self", "mat1", "mat2"],
    "MmBackward0": ["self", "mat2"],
    "BmmBackward0": ["self", "mat2"],
    "MvBackward0": ["self", "vec"],
    "DotBackward0": ["self", "tensor"],
}
_BINARY = ("Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Atan2", "Rsub", "Fmod", "Remainder")


def input_names(name, count):
    names = _INPUT_NAMES.get(name)
    if names is not None and len(names) == count:
        return list(names)
    if count == 1:
        return ["self"]
    if count == 2 and name.startswith(_BINARY):
        return ["self", "other"]
    return ["input%d" % i for i in range(count)]


class Recorder(BackwardRecorder):
    def __init__(self, torch, filename, limits, locator):
        self.torch = torch
        self.Tensor = torch.Tensor
        self.copy_of = copier(torch)  # values kept while the program runs (autograd_lens_values)
        self.filename = filename
        self.limits = limits
        self.locator = locator
        self.tensors = {}  # id(tensor) → record (the tensor is held, so ids stay unique)
        self.nodes = {}  # node → record, in the order found (inputs before the nodes that use them)
        self.by_key = {}  # record key (an int, what hooks hold) → node record
        self.function_nodes = 0
        self.nodes_truncated = False
        self.next_tensor = 1
        self.next_node = 1
        self.next_seq = 0
        self.epoch_nodes = {}  # epoch → nodes last seen in it (for letting go of old calls)
        self.epoch_tensors = {}  # epoch → records of non-leaf tensors bound in it
        self.console = []
        self.console_chars = 0
        self.console_truncated = False
        self.warnings = []
        self.param_labels = {}  # id(parameter) → "fc.weight"
        self.places = {}  # (line, column) → the one range dict for it (Recorder.where)
        self.frozen = False  # the snapshot is being built: record nothing more
        self.has_seq = None  # Node._sequence_nr (torch 2.x); 1.13: the order nodes were found
        BackwardRecorder.__init__(self)
        self.program = ProgramRecorder(torch, self)  # the last pass's ops as data, for the landscape
        self.scopes = CallScopes(filename)  # the user's function calls, for folding
        self.fast_hooks = FastHooks(torch)  # restored when the snapshot is built

    # ---- tensors and nodes ---------------------------------------------------------------------

    def capture(self, t, copy=False):
        """A value for the snapshot: a tensor of at most valueCap elements is held and summarized when
        the snapshot is built (copied first when PyTorch updates it in place later, as .grad); a bigger
        one is summarized now."""
        if t.numel() <= self.limits["valueCap"]:
            return Held(t.detach().clone() if copy else t)
        return summarize(self.torch, t, self.limits["valueCap"])

    def is_tensor(self, v):
        return isinstance(v, self.torch.Tensor)

    def add_tensor(self, t, range_=None):
        rec = self.tensors.get(id(t))
        if rec is not None:
            return rec
        if self.function_nodes >= self.limits["nodeCap"] or len(self.tensors) >= self.limits["nodeCap"] * 4:
            self.nodes_truncated = True
            return None
        fn = t.grad_fn
        rec = {"t": t, "id": "t%d" % self.next_tensor, "range": range_, "name": None, "boundAt": None, "fn": fn}
        self.next_tensor += 1
        self.tensors[id(t)] = rec
        if fn is not None:
            epoch = len(self.calls)
            rec["epoch"] = epoch
            self.epoch_tensors.setdefault(epoch, []).append(rec)
        return rec

    def discover(self, fn, where, t_rec=None):
        """Record `fn` and every node reachable from it that is not recorded yet (made by the code at
        `where`); returns fn's record. Inputs are recorded before the nodes that use them."""
        nodes = self.nodes
        epoch = len(self.calls)
        rec = nodes.get(fn)
        if rec is not None and rec["epoch"] == epoch:
            if t_rec is not None and rec["tensor"] is None:
                rec["tensor"] = t_rec
            return rec
        listed = self.epoch_nodes.get(epoch)
        if listed is None:
            listed = self.epoch_nodes[epoch] = []
        leaves = self.program.epoch_leaves
        new = []
        seen = set()
        stack = [fn]
        pop, push, see_node, known = stack.pop, stack.append, seen.add, nodes.get
        while stack:
            n = pop()
            if n.__class__ is tuple:  # (node,): its inputs are done
                new.append(n[0])
                continue
            if n in seen:
                continue
            see_node(n)
            old = known(n)
            if old is not None:
                if old["epoch"] == epoch:
                    continue
                old["epoch"] = epoch  # in use again: keep it while this call is kept
                listed.append(n)
                if old["acc"]:
                    if old["tensor"] is not None:
                        leaves.append(old["tensor"]["t"])
                    continue
            else:
                push((n,))
            try:
                nexts = n.next_functions
            except Exception:
                continue
            for m, _ in reversed(nexts):  # the first input first
                if m is not None and m not in seen:
                    push(m)
        if new:
            self._add_nodes(new, where, epoch, listed, sys._getframe(1))
        rec = nodes.get(fn)
        if rec is not None and t_rec is not None and rec["tensor"] is None:
            rec["tensor"] = t_rec
        return rec

    def _kind(self, node):
        """(PyTorch's name, is an AccumulateGrad, the `_saved_*` slots holding tensors) of a node's
        type: the same for every node of a type, so read once."""
        kind = _KINDS.get(type(node))
        if kind is None:
            name = node.name()
            accumulate = name == "torch::autograd::AccumulateGrad" or name == "AccumulateGrad"
            kind = ("AccumulateGrad" if accumulate else name, accumulate, None if accumulate else saved_tensor_slots(node, self.Tensor))
            if len(_KINDS) < 10000:
                _KINDS[type(node)] = kind
        return kind

    def _add_nodes(self, new, where, epoch, listed, frame):
        """Records for nodes just found (in order: inputs first), made by the code at `where`, called
        from `frame` (its user function calls are the nodes' scope). (The loop runs for every op of
        every iteration of a training loop: the recorder's counters are locals until it ends.)"""
        nodes, by_key, limits = self.nodes, self.by_key, self.limits
        node_cap = limits["nodeCap"]
        on_step, hook_of, kind_of = self._on_step, StepHook, _KINDS.get
        function_nodes, next_node, next_seq = self.function_nodes, self.next_node, self.next_seq
        has_seq = self.has_seq
        scope = _UNSET
        for node in new:
            kind = kind_of(node.__class__)
            name, accumulate, slots = kind if kind is not None else self._kind(node)
            tensor_rec = None
            seq = None
            if accumulate:
                variable = getattr(node, "variable", None)
                if variable is not None:
                    self.function_nodes = function_nodes  # (add_tensor checks the cap)
                    tensor_rec = self.add_tensor(variable, where)
                    self.program.epoch_leaves.append(variable)
            else:
                if function_nodes >= node_cap:
                    self.nodes_truncated = True
                    continue
                function_nodes += 1
                if has_seq is None:
                    has_seq = self.has_seq = callable(getattr(node, "_sequence_nr", None))
                if has_seq:
                    try:
                        seq = int(node._sequence_nr())
                    except Exception:
                        seq = None
                if seq is None:
                    seq = next_seq
                if seq >= next_seq:
                    next_seq = seq + 1
            key = next_node
            next_node += 1
            rec = {"node": node, "id": "n%d" % key, "key": key, "name": name, "tensor": tensor_rec, "range": None if accumulate else where,
                   "seq": seq, "epoch": epoch, "acc": accumulate}
            if not accumulate:
                if scope is _UNSET:
                    scope = self.scopes.current(frame)
                if scope is not None:
                    rec["scope"] = scope
            nodes[node] = rec
            by_key[key] = rec
            listed.append(node)
            try:
                node.register_hook(hook_of(on_step, key))  # a key, not the node: no reference cycle
            except Exception:
                pass  # a node without hooks: its steps are not seen
            if slots:
                # Before backward frees them (the snapshot marks the node released afterwards).
                saved = []
                for a in slots:
                    try:
                        saved.append((a, getattr(node, a)))
                    except Exception:
                        pass
                rec["sv"] = saved
        self.function_nodes, self.next_node, self.next_seq = function_nodes, next_node, next_seq

    def forget(self, epoch):
        """Let go of the nodes and intermediate tensors last seen in `epoch` (a call the snapshot no
        longer keeps): user code that still holds them keeps them alive, we do not."""
        for n in self.epoch_nodes.pop(epoch, ()):
            rec = self.nodes.get(n)
            if rec is not None and rec["epoch"] <= epoch:
                del self.nodes[n]
                del self.by_key[rec["key"]]
                if not rec["acc"]:
                    self.function_nodes -= 1
        for rec in self.epoch_tensors.pop(epoch, ()):
            if rec.get("epoch", epoch) <= epoch and self.tensors.get(id(rec["t"])) is rec:
                del self.tensors[id(rec["t"])]

    # ---- what the rewritten code reports -------------------------------------------------------

    def where(self, line, column):
        """{"line", "column"}: one dict per place in the code (shared, never changed)."""
        key = (line, column)
        w = self.places.get(key)
        if w is None:
            w = {"line": line, "column": column}
            if len(self.places) < 100000:
                self.places[key] = w
        return w

    def see(self, value, line, column):
        """A value the code produced at (line, column) without naming it: an expression statement,
        a `return`. Tensors in it join the graph."""
        if value.__class__ is self.Tensor or isinstance(value, self.Tensor):
            fn = value.grad_fn
            if fn is None or self.frozen:
                return
            rec = self.tensors.get(id(value))
            if rec is not None and rec["fn"] is fn:
                return
            self._look(value, rec, self.where(line, column))
        elif value.__class__ is tuple or value.__class__ is list or isinstance(value, (tuple, list)):
            if 0 < len(value) <= 64:
                for v in value:
                    if isinstance(v, self.Tensor) and v.grad_fn is not None:
                        self._look(v, self.tensors.get(id(v)), self.where(line, column))

    def _look(self, t, rec, where):
        if self.frozen:
            return
        fn = t.grad_fn
        if rec is None:
            rec = self.add_tensor(t, where)
            if rec is None:
                return
        elif rec["fn"] is not fn:
            # A tensor got a new grad_fn: an in-place op (h.add_(1)) at this line.
            self.program.inplace(rec, fn, where["line"] if where else None)
            rec["fn"] = fn
        self.discover(fn, where, rec)

    def bind(self, value, pattern, line=None, column=None):
        """`x = EXPR` (pattern from the rewrite; EXPR starts at line, column): name the tensors, and
        a module's parameters."""
        if self.frozen:
            return
        try:
            if "n" in pattern:  # one name: most assignments
                if value is not None:
                    self._bind_one(value, pattern, line, column)
            else:
                self._walk(value, pattern, 0, line, column)
        except Exception:
            pass

    def _walk(self, value, p, depth, line, column):
        if depth > 32 or p is None or value is None:
            return
        if "m" in p:
            for q in p["m"]:
                self._walk(value, q, depth + 1, line, column)
            return
        if "n" in p:
            self._bind_one(value, p, line, column)
            return
        items = p.get("t")
        if items is None or isinstance(value, (str, bytes, dict)) or self.is_tensor(value):
            return
        try:
            seq = list(value) if isinstance(value, (tuple, list)) else None
        except Exception:
            seq = None
        if seq is None:
            return
        star = p.get("s", -1)
        for i, q in enumerate(items):
            if star >= 0 and i > star:
                j = len(seq) - (len(items) - i)
            else:
                j = i
            if i == star or j < 0 or j >= len(seq):
                continue
            self._walk(seq[j], q, depth + 1, line, column)

    def _bind_one(self, value, p, line, column):
        """One name of a pattern (p: {"n": name, "l", "c": where the name is}) bound to `value`, made
        by the expression at (line, column) (or, without one, at the name)."""
        if value.__class__ is self.Tensor or isinstance(value, self.Tensor):
            rec = self.tensors.get(id(value))
            fn = value.grad_fn
            if rec is not None and fn is None:
                if rec["name"] is None:
                    self._name(rec, p)
                return
            where = self.where(line, column) if line is not None else self.where(p["l"], p["c"])
            if rec is None:
                if not value.requires_grad and len(self.tensors) >= self.limits["nodeCap"] * 2:
                    return  # a constant bound to a name: not in the graph, but hovers want it
                rec = self.add_tensor(value, where)
                if rec is None:
                    return
                if fn is not None:
                    self.discover(fn, where, rec)
            elif rec["fn"] is not fn:
                self.program.inplace(rec, fn, where["line"])
                rec["fn"] = fn
                self.discover(fn, where, rec)
            elif rec.get("epoch", 0) < len(self.calls):
                rec["epoch"] = len(self.calls)  # carried into this iteration: keep it with it
                self.epoch_tensors.setdefault(rec["epoch"], []).append(rec)
                self.discover(fn, where, rec)
            if rec["name"] is None:
                self._name(rec, p)
            return
        named = getattr(value, "named_parameters", None)
        if named is not None and isinstance(value, self.torch.nn.Module):
            at = self.where(p["l"], p["c"])
            for pname, param in named():
                self.param_labels[id(param)] = pname
                if self.add_tensor(param, at) is None:
                    break

    def _name(self, rec, p):
        rec["name"] = p["n"]
        rec["boundAt"] = self.where(p["l"], p["c"])

    # ---- console and warnings ------------------------------------------------------------------

    def console_line(self, level, text):
        if self.console_truncated or self.frozen:
            return
        if len(self.console) >= MAX_CONSOLE_ENTRIES or self.console_chars + len(text) > MAX_CONSOLE_CHARS:
            self.console_truncated = True
            self.console.append({"level": "warn", "text": "[console output truncated after %d entries]" % len(self.console)})
            return
        self.console_chars += len(text)
        entry = {"level": level, "text": text}
        where = self.locator.here(sys._getframe(1))
        if where is not None:
            entry["range"] = where
        self.console.append(entry)

    def warning(self, message, filename, lineno):
        if self.frozen or len(self.warnings) >= MAX_CONSOLE_ENTRIES:
            return
        entry = {"message": str(message)[:10000]}
        if filename == self.filename and lineno:
            entry["range"] = {"line": int(lineno), "column": self.locator.first_column(int(lineno))}
            where = self.locator.here(sys._getframe(1))
            if where is not None and where["line"] == int(lineno):
                entry["range"] = where
        else:
            where = self.locator.here(sys._getframe(1))
            if where is not None:
                entry["range"] = where
        self.warnings.append(entry)

"""The recorder of the Python tracer: watches real PyTorch while the user's file runs and turns what
it saw into one GraphSnapshot (shared/protocol.ts), field by field like runner/recorder.ts.

What it sees, and how:
- tensors: every result of a torch function or tensor method (a TorchFunctionMode, torch >= 1.13)
  that requires grad, with the user's line; names from the bind calls of the ast rewrite;
- grad_fn nodes: the results' grad_fn, plus every node reachable through next_functions (nodes made
  inside composite functions, AccumulateGrad), PyTorch's own names and saved values (`_saved_*`);
- backward: torch.autograd.backward / grad are wrapped; before each call every node of the graph
  gets a post hook (Node.register_hook), so steps arrive in the order the engine ran them.
"""
import sys

from autograd_lens_program import ProgramRecorder
from autograd_lens_scopes import CallScopes
from autograd_lens_values import Held, summarize

MAX_CONSOLE_ENTRIES = 2000
MAX_CONSOLE_CHARS = 200000
MAX_BACKWARD_CALLS = 1000
MAX_SAVED_TEXT = 200

# PyTorch does not expose a node's input names; these are the schema's names for common ops.
_INPUT_NAMES = {
    "AddmmBackward0": ["self", "mat1", "mat2"],
    "MmBackward0": ["self", "mat2"],
    "BmmBackward0": ["self", "mat2"],
    "MvBackward0": ["self", "vec"],
    "DotBackward0": ["self", "tensor"],
}
_BINARY = ("Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Atan2", "Rsub", "Fmod", "Remainder")


def saved_of(rec, recorder, capture=None):
    from autograd_lens_snapshot import saved_of as read

    return read(rec, recorder, capture)


def node_name(node):
    try:
        name = node.name()
    except Exception:
        name = type(node).__name__
    return name.replace("torch::autograd::", "")


def input_names(name, count):
    names = _INPUT_NAMES.get(name)
    if names is not None and len(names) == count:
        return list(names)
    if count == 1:
        return ["self"]
    if count == 2 and name.startswith(_BINARY):
        return ["self", "other"]
    return ["input%d" % i for i in range(count)]


class Recorder:
    def __init__(self, torch, filename, limits, locator):
        self.torch = torch
        self.filename = filename
        self.limits = limits
        self.locator = locator
        self.tensors = {}  # id(tensor) → record (the tensor is held, so ids stay unique)
        self.nodes = {}  # node → record
        self.function_nodes = 0
        self.nodes_truncated = False
        self.next_tensor = 1
        self.next_node = 1
        self.next_seq = 0
        self.hooked = set()
        self.calls = []
        self.current = None
        self.step_index = 0
        self.steps_recorded = 0
        self.calls_dropped = 0
        self.console = []
        self.console_chars = 0
        self.console_truncated = False
        self.warnings = []
        self.param_labels = {}  # id(parameter) → "fc.weight"
        self.busy = False  # our own torch calls are not the user's
        self.frozen = False  # the snapshot is being built: record nothing more
        self.program = ProgramRecorder(torch, self)  # the forward ops as data, for the landscape
        self.scopes = CallScopes(filename)  # the user's function calls, for folding

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
        rec = {"t": t, "id": "t%d" % self.next_tensor, "range": range_, "name": None, "boundAt": None}
        self.next_tensor += 1
        self.tensors[id(t)] = rec
        return rec

    def add_node(self, node, tensor_rec=None, range_=None):
        rec = self.nodes.get(node)
        if rec is not None:
            return rec
        name = node_name(node)
        accumulate = name == "AccumulateGrad"
        if not accumulate:
            if self.function_nodes >= self.limits["nodeCap"]:
                self.nodes_truncated = True
                return None
            self.function_nodes += 1
        if accumulate and tensor_rec is None:
            variable = getattr(node, "variable", None)
            if variable is not None:
                tensor_rec = self.add_tensor(variable)
        seq = None
        if not accumulate:
            getter = getattr(node, "_sequence_nr", None)  # torch 2.x; 1.13: the order nodes were seen
            try:
                seq = int(getter()) if getter is not None else None
            except Exception:
                seq = None
            if seq is None:
                seq = self.next_seq
            self.next_seq = max(self.next_seq, seq) + 1
        rec = {"node": node, "id": "n%d" % self.next_node, "name": name, "tensor": tensor_rec, "range": range_, "seq": seq}
        self.next_node += 1
        self.nodes[node] = rec
        return rec

    def on_result(self, result, func=None, args=()):
        """A torch function or tensor method returned: record the tensors in it that are in a graph."""
        if self.busy or self.frozen:
            return
        if self.is_tensor(result):
            items = (result,)
        elif isinstance(result, (tuple, list)) and len(result) <= 64:
            items = [r for r in result if self.is_tensor(r)]
            if not items:
                return
        else:
            return
        self.busy = True
        try:
            where = None
            for t in items:
                if not t.requires_grad:
                    continue
                if where is None:
                    where = self.locator.here(sys._getframe(1))
                rec = self.tensors.get(id(t))
                existed = rec is not None
                gf = t.grad_fn
                if rec is None:
                    rec = self.add_tensor(t, where)
                    if rec is None:
                        return
                if gf is not None and gf not in self.nodes:
                    line = where["line"] if where else None
                    if existed:
                        self.program.inplace(rec, gf, line)
                    node_rec = self.add_node(gf, rec, where)
                    if node_rec is not None:
                        scope = self.scopes.current(sys._getframe(1))
                        if scope is not None:
                            node_rec["scope"] = scope
                        self.program.op(func, args, t, rec, gf, line)
        finally:
            self.busy = False

    def reach(self, roots, limit=None):
        """Record every node reachable from `roots` through next_functions (bounded by the node cap)."""
        stack = [n for n in roots if n is not None]
        seen = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            rec = self.nodes.get(node)
            if rec is None:
                rec = self.add_node(node)
                if rec is None:
                    continue
            try:
                nexts = node.next_functions
            except Exception:
                continue
            for nxt, _ in nexts:
                if nxt is not None and nxt not in seen:
                    stack.append(nxt)
        return seen

    def bind(self, value, pattern):
        """`x = EXPR` (pattern from the rewrite): name the tensors, and a module's parameters."""
        if self.frozen:
            return
        self.busy = True
        try:
            self._walk(value, pattern, 0)
        except Exception:
            pass
        finally:
            self.busy = False

    def _walk(self, value, p, depth):
        if depth > 32 or p is None or value is None:
            return
        if "m" in p:
            for q in p["m"]:
                self._walk(value, q, depth + 1)
            return
        if "n" in p:
            self._bind_one(value, p["n"], {"line": p["l"], "column": p["c"]})
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
            self._walk(seq[j], q, depth + 1)

    def _bind_one(self, value, name, at):
        if self.is_tensor(value):
            rec = self.tensors.get(id(value))
            if rec is None:
                if value.requires_grad:
                    rec = self.add_tensor(value, at)
                else:
                    # A constant bound to a name: not in the graph, but hovers want it.
                    if len(self.tensors) >= self.limits["nodeCap"] * 2:
                        return
                    rec = self.add_tensor(value, at)
            if rec is not None and rec["name"] is None:
                rec["name"] = name
                rec["boundAt"] = at
            return
        named = getattr(value, "named_parameters", None)
        if named is not None and isinstance(value, self.torch.nn.Module):
            for pname, param in named():
                self.param_labels[id(param)] = pname
                if self.add_tensor(param, at) is None:
                    break

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

    # ---- backward ------------------------------------------------------------------------------

    def begin_call(self, kind, roots, frame, keep_graph=False):
        """A backward()/grad() call starts. keep_graph: retain_graph (or create_graph) was set, so the
        engine keeps the saved tensors of the nodes it runs; otherwise it frees them."""
        if self.frozen:
            return
        if len(self.calls) >= MAX_BACKWARD_CALLS:
            self.calls_dropped += 1
            self.current = None
            return
        self.busy = True
        try:
            where = self.locator.here(frame)
            root_ids = []
            for r in roots:
                rec = self.add_tensor(r, where)
                if rec is not None:
                    root_ids.append(rec["id"])
            call = {"index": len(self.calls), "kind": kind, "roots": root_ids, "steps": [], "stepsTruncated": False}
            if roots and roots[0].numel() == 1:
                try:
                    loss = float(roots[0].detach().reshape(-1)[0])
                    if loss == loss and abs(loss) != float("inf"):
                        call["loss"] = loss
                except Exception:
                    pass
            if where is not None:
                call["range"] = where
            self.calls.append(call)
            self.current = call
            self.step_index = 0
            recording = self.steps_recorded < self.limits["stepCap"]
            for node in self.reach([r.grad_fn for r in roots]):
                n_rec = self.nodes.get(node)
                if n_rec is None:
                    continue
                if recording and node not in self.hooked:
                    self._hook(node)
                if n_rec["name"] == "AccumulateGrad":
                    continue
                if recording and "saved" not in n_rec:
                    # Before backward frees them (the snapshot marks the node released afterwards).
                    n_rec["saved"] = saved_of(n_rec, self, self.capture)[0]
                if not keep_graph:
                    n_rec["freed"] = True  # the engine releases what it saved when it runs the node
        finally:
            self.busy = False

    def _hook(self, node):
        register = getattr(node, "register_hook", None)
        if register is None:
            return
        rec = self

        def post_hook(grad_inputs, grad_outputs):
            try:
                rec.on_step(node, grad_inputs, grad_outputs)
            except Exception:
                pass  # recording must never change what backward does

        try:
            register(post_hook)
            self.hooked.add(node)
        except Exception:
            pass

    def end_call(self, error):
        if self.current is not None and error is not None:
            self.current["error"] = ("%s: %s" % (type(error).__name__, error))[:10000]
        self.current = None

    def on_step(self, node, grad_inputs, grad_outputs):
        call = self.current
        if call is None or self.frozen:
            return
        rec = self.nodes.get(node)
        if rec is None:
            return
        if self.steps_recorded >= self.limits["stepCap"]:
            call["stepsTruncated"] = True
            return
        self.steps_recorded += 1
        self.busy = True
        try:
            cap = self.limits["valueCap"]
            received = next((g for g in grad_outputs if g is not None), None)
            # The engine's gradient tensors, held as they are (holding them keeps PyTorch from
            # accumulating into them in place); summarized when the snapshot is built.
            grad_in = self.capture(received) if received is not None else _empty_summary()
            outs = []
            try:
                nexts = node.next_functions
            except Exception:
                nexts = ()
            for i, (nxt, _) in enumerate(nexts):
                to = self.nodes.get(nxt) if nxt is not None else None
                g = grad_inputs[i] if i < len(grad_inputs) else None
                outs.append({"index": i, "to": to["id"] if to else None, "grad": self.capture(g) if g is not None else None})
            step = {"index": self.step_index, "node": rec["id"], "gradIn": grad_in, "gradsOut": outs}
            self.step_index += 1
            t_rec = rec["tensor"]
            if t_rec is not None:
                t = t_rec["t"]
                if rec["name"] == "AccumulateGrad":
                    step["leaf"] = t_rec["id"]
                    if t.grad is not None:
                        step["gradAfter"] = self.capture(t.grad, copy=True)
                elif getattr(t, "retains_grad", False):
                    step["retained"] = t_rec["id"]
                    if t.grad is not None:
                        step["gradAfter"] = self.capture(t.grad, copy=True)
            call["steps"].append(step)
        finally:
            self.busy = False


def _empty_summary():
    return {"shape": [0], "dtype": "float32", "numel": 0, "values": [], "truncated": False}

"""Which call of the user's own functions made each grad_fn node (snapshot.scopes, node.scope), for
folding: a call of `def layer(x, w, b)` is one box "layer() @ L12" in the graph view.

No rewrite is needed: when a node is recorded, the user file's frames on the stack are its function
calls (outermost first), and the frame that called each one gives the call line and column. A call enters the
list when a node is made inside it; the calls running at the last node are kept (as frame objects, so
a new call is never mistaken for an old one) to recognise the same call at the next node. Methods
count too (there are no module scopes in a Python trace: a model's forward() is one box, labelled
by its qualified name "Net.forward"). Bounded: at most MAX_DEPTH nested calls (deep recursion) and
MAX_SCOPES calls in all; later nodes carry no scope.
"""

MAX_SCOPES = 20000
MAX_DEPTH = 64
# Frames walked from a node's op outwards, at most (torch's own frames included).
MAX_WALK = 400


class CallScopes:
    def __init__(self, filename):
        self.filename = filename
        self.list = []
        self.chain = []  # [(frame, index)] of the calls running at the last node, outermost first
        self.columns = {}  # (code, lasti) -> the call's column, for calls made again (loops)

    def current(self, frame):
        """The innermost user function call running at `frame` (an index into the list), or None."""
        calls = []
        f, n = frame, 0
        while f is not None and n < MAX_WALK:
            code = f.f_code
            # (Not the module itself, nor lambdas and comprehensions: Python gives them no name to show.)
            if code.co_filename == self.filename and not code.co_name.startswith("<"):
                calls.append(f)
            f = f.f_back
            n += 1
        calls.reverse()
        del calls[MAX_DEPTH:]
        k = 0
        chain = self.chain
        while k < len(calls) and k < len(chain) and chain[k][0] is calls[k]:
            k += 1
        chain = chain[:k]
        parent = chain[-1][1] if chain else None
        for f in calls[k:]:
            if len(self.list) >= MAX_SCOPES:
                self.chain = chain
                return None
            index = len(self.list)
            code = f.f_code
            scope = {"kind": "function", "name": str(getattr(code, "co_qualname", code.co_name))[:200], "type": "function"}
            at = self._call_at(f)
            if at is not None:
                scope["line"] = at[0]
                if at[1] is not None:
                    scope["column"] = at[1]
            if parent is not None:
                scope["parent"] = parent
            self.list.append(scope)
            chain.append((f, index))
            parent = index
        self.chain = chain
        return parent

    def _call_at(self, frame):
        """(line, column) in the user's file the call was made from (past torch's frames, as
        Module.__call__); the column (1-based) is None where Python cannot say (before 3.11)."""
        f, n = frame.f_back, 0
        while f is not None and n < MAX_WALK:
            if f.f_code.co_filename == self.filename:
                return (f.f_lineno, self._column(f.f_code, f.f_lasti))
            f = f.f_back
            n += 1
        return None

    def _column(self, code, lasti):
        """The start column (1-based) of the instruction at `lasti`: the call expression's."""
        key = (code, lasti)
        col = self.columns.get(key, -1)
        if col != -1:
            return col
        col = None
        try:
            if lasti >= 0 and hasattr(code, "co_positions"):
                for i, pos in enumerate(code.co_positions()):
                    if i == lasti // 2:
                        col = pos[2] + 1 if isinstance(pos[2], int) else None
                        break
        except Exception:  # noqa: BLE001 — positions are a nicety; the line is enough
            col = None
        if len(self.columns) < 10000:
            self.columns[key] = col
        return col

    def release(self):
        """Forget the frames held (the run is over)."""
        self.chain = []

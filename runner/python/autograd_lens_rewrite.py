"""Names for tensors: an `ast` rewrite of the user's file that keeps every line and column.

    x = EXPR            →  x = __autograd_lens_bind__(EXPR, '<pattern>', L, C)
    a, (b, *c) = EXPR   →  a, (b, *c) = __autograd_lens_bind__(EXPR, '<pattern>', L, C)
    self.w = EXPR       →  self.w = __autograd_lens_bind__(EXPR, '<pattern>', L, C)      (name "self.w")
    x: T = EXPR, (x := EXPR) likewise;
    EXPR (a statement)  →  __autograd_lens_see__(EXPR, L, C)
    return EXPR         →  return __autograd_lens_see__(EXPR, L, C)
    a + b, -a, f(a) inside an expression  →  __autograd_lens_see__(a + b, L, C) (x5 + x6 in x5 + x6 - 5)

L, C: where EXPR starts (line, 1-based character column). These calls are where the tracer looks at
the graph (autograd_lens_recorder: grad_fn nodes newly reachable from a value seen at line L were
made by line L); torch calls themselves are not intercepted.

The pattern is JSON: {"n": name, "l": line, "c": column} for a name, {"t": [patterns], "s": i} for a
tuple/list target (s = index of a starred element, or -1). Columns are 1-based characters. Every new
node takes the location of the node it wraps, so tracebacks, warnings and frames keep the user's
lines and columns.
"""
import ast
import json

from autograd_lens_values import byte_col_to_char

BIND = "__autograd_lens_bind__"
SEE = "__autograd_lens_see__"
_PARTS = (ast.BinOp, ast.UnaryOp, ast.Call)


def _dotted(node):
    """`self.w`, `model.fc` for attribute chains on a name; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class _Rewriter(ast.NodeTransformer):
    def __init__(self, lines):
        self.lines = lines

    def _col(self, node):
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else None
        return byte_col_to_char(line, node.col_offset)

    def _pattern(self, target, depth=0):
        if depth > 32:
            return None
        if isinstance(target, ast.Name):
            return {"n": target.id, "l": target.lineno, "c": self._col(target)}
        if isinstance(target, ast.Attribute):
            name = _dotted(target)
            if name is None:
                return None
            return {"n": name, "l": target.lineno, "c": self._col(target)}
        if isinstance(target, (ast.Tuple, ast.List)):
            items, star = [], -1
            for i, el in enumerate(target.elts):
                if isinstance(el, ast.Starred):
                    star = i
                    items.append(None)  # the starred part is a fresh list, not a tensor
                else:
                    items.append(self._pattern(el, depth + 1))
            if all(p is None for p in items):
                return None
            return {"t": items, "s": star}
        return None  # subscripts and the like: not a name

    def _wrap(self, value, patterns):
        patterns = [p for p in patterns if p is not None]
        if not patterns or value is None:
            return value
        text = json.dumps(patterns[0] if len(patterns) == 1 else {"m": patterns}, separators=(",", ":"))
        return self._call(BIND, value, [ast.Constant(value=text)])

    def _call(self, fn, value, extra):
        at = [ast.Constant(value=value.lineno), ast.Constant(value=self._col(value))]
        call = ast.Call(func=ast.Name(id=fn, ctx=ast.Load()), args=[value] + extra + at, keywords=[])
        for n in [call, call.func] + call.args[1:]:
            ast.copy_location(n, value)
        return call

    # ---- values inside expressions: `x5 + x6` in `x7 = x5 + x6 - 5` ---------------------------------

    def _top(self, expr):
        """A statement's own value: its parts are seen, it is itself bound or seen by the statement."""
        if isinstance(expr, _PARTS):
            self.generic_visit(expr)
            return expr
        return self.visit(expr)

    def _part(self, node):
        self.generic_visit(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
            return node  # super() stays as written
        return self._call(SEE, node, [])

    visit_BinOp = visit_UnaryOp = visit_Call = _part

    def visit_arg(self, node):
        return node  # annotations stay as written (they may be kept as text)

    def _function(self, node):
        returns, node.returns = node.returns, None
        self.generic_visit(node)
        node.returns = returns
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    # ---- statements ---------------------------------------------------------------------------

    def visit_Expr(self, node):
        node.value = self._top(node.value)
        if not isinstance(node.value, ast.Constant):  # docstrings stay docstrings
            node.value = self._call(SEE, node.value, [])
        return node

    def visit_Return(self, node):
        if node.value is not None:
            node.value = self._call(SEE, self._top(node.value), [])
        return node

    def visit_Assign(self, node):
        node.targets = [self.visit(t) for t in node.targets]
        node.value = self._wrap(self._top(node.value), [self._pattern(t) for t in node.targets])
        return node

    def visit_AnnAssign(self, node):
        node.target = self.visit(node.target)
        if node.value is not None:
            node.value = self._wrap(self._top(node.value), [self._pattern(node.target)])
        return node

    def visit_NamedExpr(self, node):
        node.value = self._wrap(self._top(node.value), [self._pattern(node.target)])
        return node


def rewrite(tree, lines):
    """The module with bindings inserted (in place); every line and column kept."""
    return _Rewriter(lines).visit(tree)


def parse_pattern(text, cache={}):  # noqa: B006 - a deliberate per-process cache
    p = cache.get(text)
    if p is None:
        p = json.loads(text)
        if len(cache) < 100000:
            cache[text] = p
    return p

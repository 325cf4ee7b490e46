# Runs every parity program of one test run in this one process (importing torch takes seconds) and
# prints one JSON result per program, in the same form as capture.ts produces for our engine.
# stdin: JSON list of {"statements": [python source, ...], "leafCount": n, "names": [...],
#                      "layout": bool, "versions": bool}
# stdout: JSON list of results.
import json
import math
import sys
import warnings

import torch

torch.set_num_threads(1)


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def values_of(t):
    return [enc(v) for v in t.detach().reshape(-1).tolist()]


def is_contiguous(sizes, strides):
    """torch's rule: row-major strides, ignoring dims of size 1 (and anything with 0 elements)."""
    if 0 in sizes:
        return True
    expected = 1
    for size, stride in zip(reversed(sizes), reversed(strides)):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def layout_of(g, tensors):
    """(sizes, strides) of the tensor node g produced, or None when it cannot be told."""
    if g is None:
        return None
    kind = type(g).__name__
    if kind == "AccumulateGrad":
        return list(g.variable.shape), list(g.variable.stride())
    named = next((t for _, t in tensors if t.grad_fn is g), None)
    if named is not None:
        return list(named.shape), list(named.stride())
    inner = layout_of(g.next_functions[0][0], tensors) if g.next_functions else None
    if inner is None:
        return None
    sizes, strides = inner
    if kind == "TransposeBackward0":
        a, b = g._saved_dim0 % len(sizes), g._saved_dim1 % len(sizes)
        sizes[a], sizes[b] = sizes[b], sizes[a]
        strides[a], strides[b] = strides[b], strides[a]
        return sizes, strides
    if kind == "TBackward0":
        return sizes[::-1], strides[::-1]
    if kind == "PermuteBackward0":
        dims = [d % len(sizes) for d in g._saved_dims]
        return [sizes[d] for d in dims], [strides[d] for d in dims]
    if kind == "ExpandBackward0" and list(g._saved_self_sym_sizes) == sizes:
        # matmul expands an operand to the shape it already has: a no-op view.
        return sizes, strides
    return None


def input_contiguous(g, tensors):
    """Was the tensor that node g produced contiguous? None when it cannot be told."""
    layout = layout_of(g, tensors)
    return None if layout is None else is_contiguous(*layout)


def graph_of(fn, leaves):
    """The graph under fn as a list of nodes in depth-first pre-order (shared nodes listed once)."""
    if fn is None:
        return None
    nodes = []
    index = {}
    alive = []  # keep the wrappers alive: a collected wrapper's id() can be reused by the next one

    def visit(f):
        key = id(f)
        if key in index:
            return index[key]
        i = len(nodes)
        index[key] = i
        alive.append(f)
        # type(f).__name__, not f.name(): name() says "torch::autograd::AccumulateGrad".
        node = {"name": type(f).__name__, "next": []}
        nodes.append(node)
        if node["name"] == "AccumulateGrad":
            var = f.variable
            node["leaf"] = next((n for n, t in leaves if t is var), "?")
        if node["name"] == "ReshapeAliasBackward0":
            # names.ts maps this 1.13 node to 2.x's ViewBackward0 when reshape's input was contiguous.
            node["inputContiguous"] = input_contiguous(f.next_functions[0][0], leaves)
        for (g, nr) in f.next_functions:
            node["next"].append([None if g is None else visit(g), nr])
        return i

    visit(fn)
    return nodes


def describe(ns, names, name, layout, versions):
    v = ns.get(name)
    if v is None:
        return {"kind": "none"}
    if not isinstance(v, torch.Tensor):
        return {"kind": "other", "repr": type(v).__name__}
    tensors = [(n, ns[n]) for n in names if isinstance(ns.get(n), torch.Tensor)]
    alias = next((n for n, t in tensors if t is v and n != name and names.index(n) < names.index(name)), None)
    info = {
        "kind": "tensor",
        "shape": list(v.shape),
        "dtype": str(v.dtype).replace("torch.", ""),
        "values": values_of(v),
        "requiresGrad": v.requires_grad,
        "isLeaf": v.is_leaf,
        "aliasOf": alias,
        "graph": graph_of(v.grad_fn, tensors),
    }
    if v.is_leaf and v.requires_grad:
        info["grad"] = None if v.grad is None else values_of(v.grad)
    if layout:
        info["layout"] = {"stride": list(v.stride()), "storageOffset": v.storage_offset(), "contiguous": v.is_contiguous()}
    if versions:
        info["version"] = v._version
    return info


def run(prog):
    ns = {"torch": torch}
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, stmt in enumerate(prog["statements"]):
            try:
                exec(stmt, ns)
            except Exception as e:  # noqa: BLE001 - every torch error is a result to compare
                error = {"step": i - prog["leafCount"], "message": f"{type(e).__name__}: {e}"}
                break
        names = [n for n in prog["names"] if n in ns]
        tensors = {n: describe(ns, names, n, prog.get("layout"), prog.get("versions")) for n in names}
    return {"error": error, "tensors": tensors, "warnings": [str(w.message) for w in caught]}


def main():
    progs = json.load(sys.stdin)
    out = []
    for p in progs:
        try:
            out.append(run(p))
        except Exception as e:  # noqa: BLE001 - a harness failure must not lose the other results
            out.append({"error": {"step": -1, "message": f"harness: {type(e).__name__}: {e}"}, "tensors": {}, "warnings": []})
    json.dump({"torch": torch.__version__, "results": out}, sys.stdout)


main()

"""PyTorch's saved values of a grad_fn node (`_saved_self` → "self"): the tensors are read when the
recorder finds the node (backward frees them), scalars and sizes when the snapshot is built."""
import math

from autograd_lens_values import summarize


def _saved_scalar(v):
    if v is None or isinstance(v, (bool, str)):
        return v if not isinstance(v, str) else v[:200]
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 else str(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity"))
    if isinstance(v, (tuple, list)) and len(v) <= 16 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return "[%s]" % ", ".join(str(x) for x in v)
    return str(v)[:200]


def saved_of(rec_, recorder, capture=None):
    """PyTorch's saved values of a node (`_saved_self` → "self"), as the snapshot has them; released:
    backward freed them. Tensors come from what the recorder read when it found the node (rec_["sv"],
    see saved_tensor_slots), everything else (scalars, sizes: kept after backward) is read now."""
    torch = recorder.torch
    node = rec_["node"]
    out, released = [], False
    if capture is None:
        capture = lambda t: summarize(torch, t, recorder.limits["valueCap"])  # noqa: E731
    early = dict(rec_.get("sv") or ())
    tensor_attrs = _TENSOR_ATTRS.get(type(node), ())
    for attr in _saved_names(node):
        if attr in early:
            v = early[attr]
        else:
            try:
                v = getattr(node, attr)
            except RuntimeError:
                released = released or attr in tensor_attrs or not tensor_attrs
                continue
            except Exception:
                continue
        name = attr[len("_saved_"):]
        if v is None:
            continue  # PyTorch saved nothing in this slot (e.g. `self` of a tensor times a Python number)
        if isinstance(v, torch.Tensor):
            t_rec = recorder.tensors.get(id(v))
            entry = {"name": name, "value": capture(v)}
            if t_rec is not None:
                entry["tensor"] = t_rec["id"]
            out.append(entry)
        elif isinstance(v, (tuple, list)) and v and all(isinstance(x, torch.Tensor) for x in v):
            for i, x in enumerate(v[:16]):
                out.append({"name": "%s[%d]" % (name, i), "value": capture(x)})
        else:
            out.append({"name": name, "scalar": _saved_scalar(v)})
    return out, released


_TENSOR_ATTRS = {}  # node type → its `_saved_*` attributes that hold tensors


def saved_tensor_slots(node, Tensor):
    """The node type's `_saved_*` attributes that hold tensors (read when the recorder finds a node:
    backward frees them; scalars and sizes stay readable and are read when the snapshot is built)."""
    kind = type(node)
    attrs = _TENSOR_ATTRS.get(kind)
    if attrs is None:
        attrs = []
        for a in _saved_names(node):
            try:
                v = getattr(node, a)
            except Exception:
                attrs.append(a)
                continue
            if v is None or isinstance(v, Tensor) or (isinstance(v, (tuple, list)) and v and all(isinstance(x, Tensor) for x in v)):
                attrs.append(a)
        _TENSOR_ATTRS[kind] = attrs
    return attrs


_NAMES = {}


def _saved_names(node):
    """The `_saved_*` attributes PyTorch exposes on this node type (the same for every node of a type)."""
    t = type(node)
    names = _NAMES.get(t)
    if names is None:
        try:
            names = [a for a in dir(node) if a.startswith("_saved_")]
        except Exception:
            names = []
        _NAMES[t] = names
    return names

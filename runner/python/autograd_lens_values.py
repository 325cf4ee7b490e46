"""Value summaries and source positions for the Autograd Lens tracer (standard library + torch).

A ValueSummary is the same JSON object the TypeScript recorder makes (shared/protocol.ts): shape,
dtype, numel, the first `cap` values row-major (NaN/±Inf as strings), `truncated`, and statistics
over the finite values when numel > 1.
"""
import math
import sys

# The dtypes the snapshot can name; every other dtype is shown converted (see DTYPE_NOTE).
_FLOAT64 = ("float64", "double")
_INT = ("int64", "int32", "int16", "int8", "uint8", "long", "int", "short", "bool")


def dtype_name(t):
    """torch dtype → the snapshot's DTypeName (float32 for every other floating type, int64 for other integers)."""
    name = str(t.dtype).replace("torch.", "")
    if name in _FLOAT64:
        return "float64"
    if name in ("bool", "int32", "int"):
        return "int32" if name == "int" else name
    if name in _INT:
        return "int64"
    return "float32"


_INTEGRAL_NAMES = ("int64", "int32", "bool")


def json_number(v):
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 else float(v)
    if v != v:
        return "NaN"
    if v == math.inf:
        return "Infinity"
    if v == -math.inf:
        return "-Infinity"
    return v


def summarize(torch, t, cap):
    """The ValueSummary of tensor t (values copied now: later in-place updates do not change it)."""
    shape = [int(s) for s in t.shape]
    numel = 1
    for s in shape:
        numel *= s
    summary = {"shape": shape, "dtype": dtype_name(t), "numel": numel, "values": [], "truncated": numel > cap}
    try:
        with torch.no_grad():
            flat = t.detach()
            if flat.is_complex():
                flat = flat.real
            if getattr(flat, "is_sparse", False):
                flat = flat.to_dense()
            flat = flat.reshape(-1).cpu()
            head = flat[: min(numel, cap)]
            if summary["dtype"] in _INTEGRAL_NAMES:
                values = [int(v) for v in head.to(torch.int64).tolist()]
            elif head.dtype in (torch.float32, torch.float64):
                values = head.tolist()  # Python floats already
            else:
                values = head.to(torch.float64).tolist()
            total = sum(values) if summary["dtype"] not in _INTEGRAL_NAMES else 0.0
            all_finite = math.isfinite(total)
            # All finite (their sum is): JSON takes them as they are; else NaN/±Inf become strings.
            summary["values"] = values if all_finite else [json_number(v) for v in values]
            if 1 < numel <= cap:
                # Everything is in `values` already: statistics in Python (cheaper than torch ops on small tensors).
                finite = values if all_finite else [v for v in values if math.isfinite(v)]
                nan = 0 if all_finite else sum(1 for v in values if v != v)
                stats = {"min": 0, "max": 0, "mean": 0, "nanCount": nan, "infCount": len(values) - len(finite) - nan}
                if finite:
                    stats["min"] = min(finite)
                    stats["max"] = max(finite)
                    stats["mean"] = math.fsum(finite) / len(finite)
                summary["stats"] = stats
            elif numel > 1:
                d = flat.to(torch.float64)
                nan = d != d
                inf = (d == math.inf) | (d == -math.inf)
                finite = d[~(nan | inf)]
                stats = {"min": 0, "max": 0, "mean": 0, "nanCount": int(nan.sum()), "infCount": int(inf.sum())}
                if finite.numel() > 0:
                    stats["min"] = float(finite.min())
                    stats["max"] = float(finite.max())
                    stats["mean"] = float(finite.mean())
                summary["stats"] = stats
    except Exception:  # a tensor without readable values (meta, a failed device copy): shape only
        summary["values"] = []
        summary["truncated"] = numel > 0
    return summary


class Held:
    """A small tensor kept as it is and summarized when the snapshot is built (cheaper during the run)."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


# Up to this many elements, a copy taken while the program runs is the tensor's values as a Python list
# (Tensor.tolist: about half of what clone() costs on a small tensor, the common case of a training
# loop's parameters and their .grad, copied every iteration); bigger tensors are cloned.
LIST_COPY_MAX = 64


def copier(torch):
    """copy_of(t): a copy of t's values now (PyTorch changes it in place later): a small dense
    tensor's values as a tuple (nested list, dtype), made a tensor again by materialize() when the
    snapshot is built (exact: tolist() gives Python numbers that convert back to the same dtype);
    otherwise a detached clone (empty tensors too: a list would lose their shape)."""
    strided = torch.strided

    def copy_of(t):
        if t.layout is strided and not t.is_quantized:
            n = t.numel()
            if 0 < n <= LIST_COPY_MAX:
                try:
                    return (t.tolist(), t.dtype)
                except Exception:
                    pass
        return t.detach().clone()

    return copy_of


def materialize(torch, v):
    """A tensor from copy_of's result."""
    return torch.tensor(v[0], dtype=v[1]) if v.__class__ is tuple else v


def resolve(torch, v, cap):
    """A ValueSummary from what capture() kept."""
    return summarize(torch, v.t, cap) if isinstance(v, Held) else v


def byte_col_to_char(line_text, byte_col):
    """A 0-based UTF-8 byte offset into a line (what ast and co_positions give) → 1-based column."""
    if line_text is None or byte_col is None or byte_col < 0:
        return (byte_col or 0) + 1
    raw = line_text.encode("utf-8")
    return len(raw[:byte_col].decode("utf-8", "replace")) + 1


class Locator:
    """Positions in the user's file: the innermost frame of that file on a stack, as a SourceRange."""

    def __init__(self, filename, lines):
        self.filename = filename
        self.lines = lines
        self.positions = {}  # code object → its co_positions(), listed once
        self.places = {}  # (code, instruction offset) → its range (here())

    def line_text(self, line):
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def first_column(self, line):
        text = self.line_text(line)
        if text is None:
            return 1
        return len(text) - len(text.lstrip()) + 1

    def frame_range(self, frame, lasti=None):
        """The range of the instruction a frame of the user's file is running."""
        line = frame.f_lineno
        column = None
        code = frame.f_code
        listed = self.positions.get(code)
        if listed is None and hasattr(code, "co_positions"):  # Python 3.11+
            try:
                listed = self.positions[code] = list(code.co_positions())
            except Exception:
                listed = None
        if listed:
            index = (frame.f_lasti if lasti is None else lasti) // 2
            pos = listed[index] if 0 <= index < len(listed) else None
            if pos is not None and pos[0] is not None and pos[2] is not None:
                line = pos[0]
                column = byte_col_to_char(self.line_text(pos[0]), pos[2])
        if line is None:
            return None
        return {"line": int(line), "column": column if column is not None else self.first_column(line)}

    def here(self, frame=None):
        """The innermost frame of the user's file on the current stack (or from `frame` outwards).
        The same dict for the same instruction (callers never change it)."""
        f = frame if frame is not None else sys._getframe(1)
        while f is not None:
            code = f.f_code
            if code.co_filename == self.filename:
                key = (code, f.f_lasti)
                r = self.places.get(key)
                if r is None:
                    r = self.frame_range(f)
                    if r is not None and len(self.places) < 100000:
                        self.places[key] = r
                return r
            f = f.f_back
        return None

    def traceback_frames(self, tb):
        """[(fn, range)] for the traceback's frames in the user's file, outermost first."""
        out = []
        while tb is not None:
            f = tb.tb_frame
            if f.f_code.co_filename == self.filename:
                r = self.frame_range(f, tb.tb_lasti)
                if r is not None:
                    r["line"] = tb.tb_lineno if tb.tb_lineno is not None else r["line"]
                    out.append((f.f_code.co_name, r))
            tb = tb.tb_next
        return out

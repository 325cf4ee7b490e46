"""The snapshot as it travels (version 2, shared/protocol.ts SnapshotWire): every ValueSummary dict
of the built snapshot becomes an index into one `values` table whose entries hold the values as
base64 of little-endian bytes (float32 4 bytes a value, float64 and int64 8), statistics as
[min, max, mean, nanCount, infCount]. Identical value lists share one entry (a step's incoming
gradient is the previous step's outgoing one). Standard library only."""
import base64
import math
import struct

_FORMAT = {"float32": "f", "float64": "d", "int64": "q"}

# As runner/recorder.ts (shared/value-codec.ts SAMPLE_VALUES): what a summarized value keeps, the
# bytes of full values kept for tensors and for the last call's steps, and how many steps of earlier
# backward calls keep their (sampled) values.
SAMPLE_VALUES = 16
TENSOR_VALUE_BUDGET = 750000
STEP_VALUE_BUDGET = 750000
EARLIER_STEPS = 1000


def _sample(summary):
    values = summary.get("values") or []
    if len(values) > SAMPLE_VALUES:
        summary["values"] = values[:SAMPLE_VALUES]
        summary["truncated"] = True


class _Budget:
    def __init__(self, limit):
        self.left = limit

    def keep(self, summary):
        """Full values while the budget lasts, else a sample."""
        if summary is None:
            return
        values = summary.get("values") or []
        size = len(values) * (4 if summary.get("dtype") == "float32" else 8)
        if len(values) > SAMPLE_VALUES and size > self.left:
            _sample(summary)
        else:
            self.left -= size


def compact(snapshot):
    """Apply the snapshot's value policy: the last backward call's steps and the newest tensors keep
    their values (to the value cap) within the budgets; earlier calls' steps and the rest a sample."""
    calls = snapshot.get("backward", [])
    earlier = 0
    for i in range(len(calls) - 2, -1, -1):
        steps = calls[i].get("steps", [])
        if earlier + len(steps) > EARLIER_STEPS and steps:
            calls[i]["steps"] = []
            calls[i]["stepsTruncated"] = True
            continue
        earlier += len(steps)
        for s in steps:
            _sample(s["gradIn"])
            for o in s.get("gradsOut", []):
                if o.get("grad") is not None:
                    _sample(o["grad"])
            if s.get("gradAfter") is not None:
                _sample(s["gradAfter"])
    if calls:
        budget = _Budget(STEP_VALUE_BUDGET)
        for s in calls[-1].get("steps", []):
            budget.keep(s["gradIn"])
            for o in s.get("gradsOut", []):
                budget.keep(o.get("grad"))
            budget.keep(s.get("gradAfter"))
    budget = _Budget(TENSOR_VALUE_BUDGET)
    tensors = snapshot.get("tensors", [])
    first = [t for t in tensors if t.get("isLeaf") or t.get("name") is not None]
    rest = [t for t in reversed(tensors) if not (t.get("isLeaf") or t.get("name") is not None)]
    for t in first + rest:
        budget.keep(t["value"])
        budget.keep(t.get("grad"))
    for n in snapshot.get("nodes", []):
        for sv in n.get("saved", []):
            if sv.get("value") is not None:
                budget.keep(sv["value"])


def _float(v):
    if isinstance(v, str):
        return math.nan if v == "NaN" else (math.inf if v == "Infinity" else -math.inf)
    return float(v)


def _int(v):
    if isinstance(v, str):
        return 0
    if isinstance(v, float):
        return int(v) if math.isfinite(v) else 0
    return max(-(2 ** 63), min(2 ** 63 - 1, int(v)))


def encode_value(summary):
    """One table entry from a ValueSummary dict."""
    dtype = summary.get("dtype", "float32")
    fmt = _FORMAT.get(dtype, "f")
    values = summary.get("values") or []
    numel = summary.get("numel", len(values))
    count = min(len(values), numel)
    vals = values[:count]
    if fmt == "q":
        data = struct.pack("<%dq" % count, *[_int(v) for v in vals])
    else:
        try:
            data = struct.pack("<%d%s" % (count, fmt), *[_float(v) for v in vals])
        except OverflowError:  # a float64 past float32's range in a float32 summary: ±Inf as torch would show
            data = b"".join(struct.pack("<f", x if abs(x) <= 3.4028234663852886e38 or not math.isfinite(x) else math.copysign(math.inf, x)) for x in (_float(v) for v in vals))
    entry = {"shape": list(summary.get("shape", [numel])), "dtype": dtype, "count": count, "data": base64.b64encode(data).decode("ascii")}
    st = summary.get("stats")
    if st is not None:
        entry["stats"] = [st["min"], st["max"], st["mean"], st["nanCount"], st["infCount"]]
    return entry


def encode_snapshot(snapshot):
    """Replace every ValueSummary dict of `snapshot` (in place) by a reference into snapshot["values"]."""
    compact(snapshot)
    table = []
    by_id = {}
    by_content = {}

    def ref(summary):
        key_id = id(summary)
        if key_id in by_id:
            return by_id[key_id][0]
        entry = encode_value(summary)
        key = (entry["dtype"], tuple(entry["shape"]), entry["count"], tuple(entry.get("stats") or ()), entry["data"])
        r = by_content.get(key)
        if r is None:
            r = len(table)
            table.append(entry)
            by_content[key] = r
        by_id[key_id] = (r, summary)  # keep the dict alive so its id is not reused
        return r

    for t in snapshot.get("tensors", []):
        t["value"] = ref(t["value"])
        if t.get("grad") is not None:
            t["grad"] = ref(t["grad"])
    for n in snapshot.get("nodes", []):
        for sv in n.get("saved", []):
            if sv.get("value") is not None:
                sv["value"] = ref(sv["value"])
    for call in snapshot.get("backward", []):
        for s in call.get("steps", []):
            s["gradIn"] = ref(s["gradIn"])
            for o in s.get("gradsOut", []):
                if o.get("grad") is not None:
                    o["grad"] = ref(o["grad"])
            if s.get("gradAfter") is not None:
                s["gradAfter"] = ref(s["gradAfter"])
    snapshot["values"] = table
    return snapshot

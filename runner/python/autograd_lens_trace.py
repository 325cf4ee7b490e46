"""Autograd Lens's Python tracer: runs one Python file with the user's own PyTorch and writes the
GraphSnapshot of shared/protocol.ts as JSON to a file descriptor.

    python autograd_lens_trace.py --file PATH --limits JSON [--result-fd N]   (the source on stdin)

The file runs as __main__ with its own folder first on sys.path (its imports of the user's modules
work), rewritten by autograd_lens_rewrite so assignments name their tensors. Limits, like the
TypeScript runner's: a watchdog thread stops the program after limits.timeoutMs and names the line
the main thread was on; RLIMIT_AS caps memory at limits.memoryMb beyond what Python + torch mapped
at start; node/value/step caps in the recorder. The graph traced before a failure is kept.

Exit status: 0 with a snapshot written (also when the program failed: the snapshot says how), 3 with
a snapshot when torch cannot be imported. Standard library + torch only; Python >= 3.8,
torch >= 1.13 (features detected, no private modules required).
"""
import ast
import json
import os
import sys
import threading
import time
import warnings

TOOL_DIR = os.path.dirname(os.path.abspath(__file__))
EXIT_NO_TORCH = 3
GRACE_S = 1.0
GC_FIRST_THRESHOLD = 10000  # allocations between collections of the youngest generation (Python's default: 700)


def _args(argv):
    out = {"file": None, "limits": None, "fd": 3}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--file":
            out["file"] = argv[i + 1]
            i += 1
        elif a == "--limits":
            out["limits"] = json.loads(argv[i + 1])
            i += 1
        elif a == "--result-fd":
            out["fd"] = int(argv[i + 1])
            i += 1
        i += 1
    return out


class Output:
    """The result channel: written once, by whichever thread gets there first."""

    def __init__(self, fd):
        self.fd = os.dup(fd)
        os.close(fd)
        self.lock = threading.Lock()
        self.done = False

    def _send(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def message(self, kind):
        """A line the parent reads as it comes ("running": the program starts; "finishing": it is over)."""
        with self.lock:
            if not self.done:
                self._send(json.dumps({"type": kind}).encode("utf-8") + b"\n")

    def write(self, snapshot, status=0):
        """The last line: the snapshot. Then the process ends (no atexit handlers of the program run)."""
        with self.lock:
            if self.done:
                return
            self.done = True
            try:
                data = json.dumps({"type": "result", "snapshot": snapshot}, allow_nan=False, separators=(",", ":"), default=str)
            except ValueError as e:
                data = json.dumps({"type": "result", "snapshot": dict(snapshot, values=[], tensors=[], nodes=[], edges=[], backward=[],
                                  error={"kind": "internal", "message": "Autograd Lens could not encode the graph: %s" % e})})
            self._send(data.encode("utf-8") + b"\n")
            os.close(self.fd)
        os._exit(status)


def _bare_snapshot(file, limits, error, producer):
    import datetime

    return {
        "version": 2,
        "values": [],
        "file": file,
        "language": "python",
        "producer": producer,
        "tracedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "durationMs": 0,
        "limits": limits,
        "console": [],
        "warnings": [],
        "tensors": [],
        "nodes": [],
        "edges": [],
        "backward": [],
        "nodesTruncated": False,
        "error": error,
    }


class _Stop(BaseException):
    """Raised into the user's program at its next assignment or expression statement after the
    timeout (with interrupt_main, for a program that catches KeyboardInterrupt)."""


class ConsoleStream:
    """sys.stdout / sys.stderr for the program: each line becomes a console entry with its line."""

    def __init__(self, recorder, level):
        self.recorder = recorder
        self.level = level
        self.buffer = ""
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, s):
        if not isinstance(s, str):
            s = str(s)
        self.buffer += s
        if len(self.buffer) > 200000:
            self.buffer = self.buffer[:200000]
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.recorder.console_line(self.level, line)
        return len(s)

    def flush(self):
        pass

    def close_out(self):
        if self.buffer:
            self.recorder.console_line(self.level, self.buffer)
            self.buffer = ""

    def isatty(self):
        return False

    def writable(self):
        return True

    def fileno(self):
        raise OSError("the traced program's output is captured (no file descriptor)")


def _vm_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except Exception:
        return None
    return None


def _set_memory_limit(memory_mb):
    """RLIMIT_AS at what is mapped now plus memory_mb; returns a function that lifts it again."""
    try:
        import resource
    except ImportError:
        return lambda: None
    base = _vm_bytes()
    if base is None:
        return lambda: None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = base + memory_mb * 2 ** 20
    if hard != resource.RLIM_INFINITY and limit > hard:
        limit = hard
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except Exception:
        return lambda: None

    def lift():
        try:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        except Exception:
            pass

    return lift


def _fewer_collections():
    """The recorder's own bookkeeping (a few dicts and tuples per grad_fn node and backward step)
    would trigger the cyclic garbage collector on the program's objects many times more often than
    the program alone does (the bench's 300-iteration loop: no collection untraced, 15 traced, 3-4 ms
    of its ~80 ms; 1 with this threshold). The youngest generation's threshold is raised to make up
    for it; a program that sets its own thresholds or disables the collector keeps its choice."""
    try:
        import gc

        first, second, third = gc.get_threshold()
        if gc.isenabled() and 0 < first < GC_FIRST_THRESHOLD:
            gc.set_threshold(GC_FIRST_THRESHOLD, second, third)
    except Exception:
        pass


def _seconds(ms):
    s = ms / 1000.0
    return ("%g" % round(s, 3 if ms < 1000 else 2)) + " s"


def main():
    started = time.time()
    args = _args(sys.argv[1:])
    out = Output(args["fd"])
    limits = args["limits"]
    path = os.path.abspath(args["file"])
    source = sys.stdin.buffer.read().decode("utf-8", "replace")
    # Our own folder off sys.path: the user's modules are imported from theirs.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != TOOL_DIR]
    interpreter = "%s (Python %d.%d.%d)" % (sys.executable, *sys.version_info[:3])
    try:
        import torch
    except Exception as e:
        message = (
            "PyTorch could not be imported by the Python interpreter %s: %s: %s. Install it for that "
            "interpreter (%s -m pip install torch), or choose another interpreter (the Python "
            "extension's interpreter, or the autogradLens.pythonPath setting)." % (interpreter, type(e).__name__, e, sys.executable)
        )
        out.write(_bare_snapshot(path, limits, {"kind": "import", "message": message}, "python %d.%d.%d" % sys.version_info[:3]), EXIT_NO_TORCH)
        return
    producer = "pytorch %s" % torch.__version__
    sys.path.insert(0, TOOL_DIR)
    from autograd_lens_recorder import Recorder
    from autograd_lens_rewrite import BIND, SEE, parse_pattern, rewrite
    from autograd_lens_snapshot import build
    from autograd_lens_values import Locator, byte_col_to_char

    sys.path.pop(0)
    lines = source.splitlines()
    locator = Locator(path, lines)
    rec = Recorder(torch, path, limits, locator)
    state = {"stop": None, "where": None, "lift": lambda: None, "run_started": time.time()}
    main_ident = threading.get_ident()

    finish_lock = threading.Lock()

    def finish(error):
        if not finish_lock.acquire(blocking=False):
            threading.Event().wait()  # the other thread is writing the snapshot and ends the process
        out.message("finishing")
        stdout.close_out()
        stderr.close_out()
        state["lift"]()
        snapshot = build(rec, path, producer, round((time.time() - state["run_started"]) * 1000, 1), error)
        out.write(snapshot, 0)

    # ---- the program's surroundings --------------------------------------------------------------
    import linecache

    linecache.cache[path] = (len(source), None, [l + "\n" for l in lines], path)
    stdout, stderr = ConsoleStream(rec, "log"), ConsoleStream(rec, "error")
    sys.stdout, sys.stderr = stdout, stderr

    def showwarning(message, category, filename, lineno, file=None, line=None):
        rec.warning("%s: %s" % (category.__name__, message), filename, lineno)

    warnings.showwarning = showwarning

    Tensor = torch.Tensor

    def wrap(kind, original):
        def traced(*a, **kw):
            roots = a[0] if a else kw.get("tensors", kw.get("outputs"))
            if roots.__class__ is Tensor or isinstance(roots, Tensor):
                roots = [roots]  # (Tensor.backward's call)
            else:
                roots = [r for r in (roots or []) if isinstance(r, Tensor)]
            keep = kw.get("retain_graph")
            if keep is None and kind == "backward" and len(a) > 2:
                keep = a[2]
            if keep is None and kind == "grad" and len(a) > 3:
                keep = a[3]
            create = kw.get("create_graph", a[3] if kind == "backward" and len(a) > 3 else (a[4] if kind == "grad" and len(a) > 4 else False))
            rec.begin_call(kind, roots, sys._getframe(1), bool(keep if keep is not None else create))
            try:
                result = original(*a, **kw)
            except BaseException as e:
                rec.end_call(e)
                raise
            rec.end_call(None)
            return result

        traced.__wrapped__ = original
        traced.__name__ = original.__name__
        traced.__doc__ = original.__doc__
        return traced

    torch.autograd.backward = wrap("backward", torch.autograd.backward)
    torch.autograd.grad = wrap("grad", torch.autograd.grad)

    # ---- the watchdog ------------------------------------------------------------------------------
    def watchdog():
        deadline = state["run_started"] + limits["timeoutMs"] / 1000.0
        while time.time() < deadline:
            if done.wait(min(0.05, max(0.0, deadline - time.time()))):
                return
        frame = sys._current_frames().get(main_ident)
        state["where"] = locator.here(frame) if frame is not None else None
        state["stop"] = "timeout"
        if "stopping" in state:
            state["stopping"][0] = True  # a program that catches KeyboardInterrupt still stops
        import _thread

        _thread.interrupt_main()
        if done.wait(GRACE_S):
            return
        # The program ignored the interrupt (a bare except, a long native call): report from here.
        finish(timeout_error())

    def timeout_error():
        where = state["where"]
        at = " at line %d" % where["line"] if where else ""
        err = {
            "kind": "timeout",
            "message": "Timed out after %s: the program was still running%s. (The limit is the autogradLens.runTimeout setting.)" % (_seconds(limits["timeoutMs"]), at),
        }
        if where:
            err["range"] = where
        return err

    done = threading.Event()

    # ---- compile -----------------------------------------------------------------------------------
    try:
        tree = ast.parse(source, filename=path)
        rewrite(tree, lines)
        code = compile(tree, path, "exec")
        rec.scopes.top = code
    except SyntaxError as e:
        line = e.lineno or 1
        err = {"kind": "syntax", "message": "%s: %s" % (type(e).__name__, e.msg), "range": {"line": line, "column": e.offset or 1}}
        finish(err)
        return

    import types

    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__
    g = module.__dict__
    bind, see = rec.bind, rec.see
    stopping = state["stopping"] = [False]  # set by the watchdog: stop at the next statement we see

    def bind_value(value, pattern, line, column):
        if stopping[0]:
            raise _Stop()
        bind(value, parse_pattern(pattern), line, column)
        return value

    def see_value(value, line, column):
        if stopping[0]:
            raise _Stop()
        if value is not None:  # (most expression statements' value: optimizer.step(), backward())
            see(value, line, column)
        return value

    g[BIND] = bind_value
    g[SEE] = see_value
    sys.modules["__main__"] = module
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    error = None
    state["lift"] = _set_memory_limit(limits["memoryMb"])
    _fewer_collections()
    out.message("running")
    state["run_started"] = time.time()
    threading.Thread(target=watchdog, name="autograd-lens-watchdog", daemon=True).start()
    try:
        exec(code, g)
    except SystemExit as e:
        status = e.code
        if status not in (None, 0):
            error = {"kind": "runtime", "message": "The program exited with status %s (sys.exit)." % (status,)}
            frames = locator.traceback_frames(e.__traceback__)
            if frames:
                error["range"] = frames[-1][1]
    except BaseException as e:  # noqa: B902 - everything the program raises is reported
        error = _error_of(e, locator, state, timeout_error, limits, path)
    finally:
        done.set()
    finish(error)


def _error_of(e, locator, state, timeout_error, limits, path):
    if state["stop"] == "timeout" and isinstance(e, (KeyboardInterrupt, _Stop)):
        return timeout_error()
    frames = locator.traceback_frames(e.__traceback__)
    text = str(e)
    name = type(e).__name__
    kind = "runtime"
    if isinstance(e, MemoryError) or ("can't allocate memory" in text or "not enough memory" in text.lower()):
        kind = "memory"
        at = " at line %d" % frames[-1][1]["line"] if frames else ""
        message = "Out of memory%s: the program needed more than the memory limit of %d MB (%s: %s). (The limit is the autogradLens.memoryLimit setting.)" % (
            at, limits["memoryMb"], name, text.split("\n")[0][:300])
    else:
        if isinstance(e, ImportError):
            kind = "import"
        message = "%s: %s" % (name, text) if text else name
    message = message[:20000]
    # Frames like the TypeScript runner's ("    at fn (file:line:col)"), innermost first.
    stack = [message] + [
        ("    at %s (%s:%d:%d)" % (fn, path, r["line"], r["column"])) if fn != "<module>" else ("    at %s:%d:%d" % (path, r["line"], r["column"]))
        for fn, r in reversed(frames)
    ]
    err = {"kind": kind, "message": message, "stack": "\n".join(stack)[:50000]}
    if frames:
        err["range"] = frames[-1][1]
    return err


if __name__ == "__main__":
    main()

// The parent side of Python traces (pure Node, no vscode; the extension and the CLI use it): runs
// runner/python/autograd_lens_trace.py with the user's interpreter in its own process group, the
// source on stdin, and reads JSON lines from fd 3 ("running", "finishing", then the snapshot). The
// tracer enforces the time and memory limits itself and keeps the graph traced before a failure;
// this side is the backstop: a deadline (boot, then timeoutMs + grace, then time to build the
// snapshot), a cap on the bytes it reads, the whole group killed at the end, and a structural check
// of the snapshot (shared/validate.ts, the one validator) — the tracer runs the user's code, so nothing it
// sends is trusted.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { GraphSnapshot, RunError, RunLimits } from "../shared/protocol";
import { emptySnapshot, resolveLimits } from "./sandbox";
import { checkSnapshot } from "../shared/validate";
import { checkPythonProgram } from "./python-program";
import { MAX_TOTAL_BYTES, RESULT_BUDGET } from "./channel";
import { CostCounter, mb } from "./message-cost";

export interface PythonRunRequest {
  source: string;
  /** Absolute path of the file (its folder goes first on sys.path). */
  fileName: string;
  /** Run only these lines (1-based, inclusive); positions still refer to the whole file. */
  selection?: { startLine: number; endLine: number };
  limits?: Partial<RunLimits>;
  /** The interpreter: a path or a command on PATH (default: python3, python on Windows). */
  python?: string;
}

/** Why a Python run could not start: the editor offers to pick another interpreter for these. */
export type InterpreterProblem = "no-python" | "no-torch";

export const DEFAULT_PYTHON = process.platform === "win32" ? "python" : "python3";
export const TRACER_SCRIPT = "autograd_lens_trace.py";
/** Importing torch can take a while on a cold disk; the program's own clock starts after it. */
const BOOT_TIMEOUT_MS = 60_000;
/** After timeoutMs the tracer's watchdog has this long to stop the program and report. */
const KILL_GRACE_MS = 2500;
/** Once the tracer says the program is over, building and sending the snapshot may take this long. */
const SNAPSHOT_GRACE_MS = 30_000;
/** The most the parent reads from the tracer in all; each line has the TypeScript child's budget
 * (RESULT_BUDGET: its bytes, and its cost in memory once parsed, runner/message-cost.ts), checked as
 * the bytes arrive and before the line is parsed: the program can write to the tracer's pipe too. */
const MAX_RESULT_BYTES = MAX_TOTAL_BYTES;
const STDERR_TAIL_CHARS = 8192;
/** The exit status the tracer uses when torch cannot be imported. */
const EXIT_NO_TORCH = 3;

const problems = new WeakMap<GraphSnapshot, InterpreterProblem>();

/** For a snapshot from runPython: the interpreter was missing or has no torch (else undefined). */
export function interpreterProblem(snapshot: GraphSnapshot): InterpreterProblem | undefined {
  return problems.get(snapshot);
}

/** Where the tracer's .py files are: dist/python when bundled, runner/python in a checkout. */
export function defaultTracerDir(): string {
  const here = path.join(__dirname, "python");
  if (fs.existsSync(path.join(here, TRACER_SCRIPT))) return here;
  return path.resolve(__dirname, "..", "runner", "python");
}

const PY_IMPORT = /^(?:import\s|from\s+\S+\s+import\b)/;

/**
 * Blank the lines outside a selection, keeping line and column positions exact. Top-level imports
 * (also parenthesized multi-line ones) are kept. An indented selection (a loop body) runs as the body
 * of an `if True:` written on the blanked line just above it.
 */
export function applyPythonSelection(source: string, selection: { startLine: number; endLine: number }): string {
  const parts = source.split(/(\r\n|\r|\n)/);
  const start = Math.max(1, Math.floor(selection.startLine));
  const end = Math.max(start, Math.floor(selection.endLine));
  let inImport = false;
  const kept = new Set<number>();
  for (let i = 0; i < parts.length; i += 2) {
    const line = i / 2 + 1;
    const text = parts[i]!;
    if (line >= start && line <= end) continue;
    if (inImport) {
      kept.add(line);
      if (text.includes(")")) inImport = false;
      continue;
    }
    if (PY_IMPORT.test(text)) {
      kept.add(line);
      if (text.includes("(") && !text.includes(")")) inImport = true;
      continue;
    }
    parts[i] = "";
  }
  const first = (() => {
    for (let i = (start - 1) * 2; i < parts.length && i <= (end - 1) * 2; i += 2) if (parts[i]!.trim() && !parts[i]!.trim().startsWith("#")) return parts[i]!;
    return undefined;
  })();
  if (first && /^\s/.test(first) && start > 1 && !kept.has(start - 1)) parts[(start - 2) * 2] = "if True:";
  return parts.join("");
}

interface Outcome {
  snapshot: GraphSnapshot;
  problem?: InterpreterProblem;
}

/** Run one Python file with the user's torch. Never rejects and never hangs. */
export function runPython(req: PythonRunRequest, options: { tracerDir?: string } = {}): Promise<GraphSnapshot> {
  const limits = resolveLimits(req.limits);
  const python = req.python?.trim() || DEFAULT_PYTHON;
  const t0 = Date.now();
  const fail = (kind: RunError["kind"], message: string, extra: Partial<RunError> = {}): GraphSnapshot => {
    const s = emptySnapshot({ fileName: req.fileName, language: "python" }, limits, Date.now() - t0, { kind, message, ...extra });
    return s;
  };
  const script = path.join(options.tracerDir ?? defaultTracerDir(), TRACER_SCRIPT);
  if (!fs.existsSync(script)) return Promise.resolve(fail("internal", `The Python tracer is missing: ${script}.`));
  const source = req.selection ? applyPythonSelection(req.source, req.selection) : req.source;

  return new Promise<Outcome>((resolve) => {
    let child: ChildProcess;
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONIOENCODING: "utf-8", PYTHONUNBUFFERED: "1" };
    delete env["PYTHONSTARTUP"];
    delete env["PYTHONINSPECT"];
    try {
      child = spawn(python, [script, "--file", req.fileName, "--limits", JSON.stringify(limits), "--result-fd", "3"], {
        cwd: fs.existsSync(path.dirname(req.fileName)) ? path.dirname(req.fileName) : undefined,
        stdio: ["pipe", "pipe", "pipe", "pipe"],
        detached: process.platform !== "win32", // its own process group, killed as a whole
        env,
        windowsHide: true,
      });
    } catch (e) {
      resolve({ snapshot: fail("import", noPythonMessage(python, e)), problem: "no-python" });
      return;
    }
    let done = false;
    let stderr = "";
    let received = 0;
    /** The current line so far, in pieces (a 20 MB snapshot line arrives in hundreds of chunks). */
    let pending: Buffer[] = [];
    let cost = new CostCounter();
    let result: unknown;
    let resultProblem: string | undefined;
    let phase: "boot" | "running" | "finishing" = "boot";
    let spawnError: NodeJS.ErrnoException | undefined;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      killGroup(child);
      resolve(o);
    };
    let timer = setTimeout(onDeadline, BOOT_TIMEOUT_MS);
    function onDeadline(): void {
      if (phase === "boot") finish({ snapshot: fail("internal", `${python} did not start the program within ${BOOT_TIMEOUT_MS / 1000} s (importing torch?).${tail()}`) });
      else if (phase === "running")
        finish({
          snapshot: fail("timeout", `Timed out after ${limits.timeoutMs / 1000} s: the program was still running. It did not respond and was stopped. (The limit is the autogradLens.runTimeout setting.)`),
        });
      else finish({ snapshot: fail("internal", "The program finished, but building its graph took too long; lower the node cap (--node-cap, autogradLens.nodeCap) or the value cap (--value-cap).") });
    }
    const tail = () => {
      const t = stderr.trim().slice(-2000);
      return t ? `\n${t}` : "";
    };
    const onLine = (line: string) => {
      if (!line.trim()) return;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        resultProblem = "a line that is not JSON";
        return;
      }
      if (typeof msg !== "object" || msg === null) return;
      const m = msg as { type?: unknown; snapshot?: unknown };
      if (m.type === "running" && phase === "boot") {
        phase = "running";
        clearTimeout(timer);
        timer = setTimeout(onDeadline, limits.timeoutMs + KILL_GRACE_MS);
      } else if (m.type === "finishing" && phase !== "finishing") {
        phase = "finishing";
        clearTimeout(timer);
        timer = setTimeout(onDeadline, SNAPSHOT_GRACE_MS);
      } else if (m.type === "result" && result === undefined) {
        result = m.snapshot;
      }
    };
    const channel = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
    const tooLarge = (what: string) =>
      finish({ snapshot: fail("internal", `The Python tracer sent ${what}; lower the node cap (--node-cap, autogradLens.nodeCap) or the value cap (--value-cap).`) });
    /** Count a piece of the current line; false once the line is over its budget (the run has ended). */
    const count = (piece: Buffer): boolean => {
      cost.push(piece);
      if (cost.bytes > RESULT_BUDGET.bytes) tooLarge(`a message of more than ${mb(RESULT_BUDGET.bytes)}`);
      else if (cost.cost > RESULT_BUDGET.cost) tooLarge(`a message that would take more than ${mb(RESULT_BUDGET.cost)} of memory`);
      else return true;
      return false;
    };
    channel?.on("data", (chunk: Buffer) => {
      if (done) return;
      received += chunk.length;
      if (received > MAX_RESULT_BYTES) {
        tooLarge(`more than ${mb(MAX_RESULT_BYTES)}`);
        return;
      }
      // Only the new chunk is searched for line ends (searching the whole line so far each time is quadratic).
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(10, start)) >= 0) {
        const piece = chunk.subarray(start, nl);
        if (!count(piece)) return;
        pending.push(piece);
        const line = Buffer.concat(pending).toString("utf8");
        pending = [];
        cost = new CostCounter();
        onLine(line);
        start = nl + 1;
      }
      if (start < chunk.length) {
        const piece = chunk.subarray(start);
        if (!count(piece)) return;
        pending.push(piece);
      }
    });
    channel?.on("error", () => undefined);
    child.stdout?.resume(); // native output (C++ prints): nobody reads it
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.stdin?.on("error", () => undefined); // the interpreter may exit before reading (no torch)
    child.stdin?.end(source, "utf8");
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
      if (child.pid === undefined) finish({ snapshot: fail("import", noPythonMessage(python, e)), problem: "no-python" });
    });
    child.on("close", (code, signal) => {
      if (done) return;
      if (pending.length) onLine(Buffer.concat(pending).toString("utf8"));
      if (result !== undefined) {
        // The shared validator (as for the TypeScript child's messages): types, ids, bounds; it caps
        // every string and decodes the value table into the GraphSnapshot consumers read.
        const decoded = checkSnapshot(result);
        if (!decoded.ok) {
          finish({ snapshot: fail("internal", `The Python tracer sent an invalid result (${decoded.error.slice(0, 500)}).`) });
          return;
        }
        const snapshot = decoded.snapshot;
        checkPythonProgram(snapshot);
        finish({ snapshot, ...(code === EXIT_NO_TORCH && snapshot.error?.kind === "import" ? { problem: "no-torch" as const } : {}) });
        return;
      }
      if (spawnError) {
        finish({ snapshot: fail("import", noPythonMessage(python, spawnError)), problem: "no-python" });
        return;
      }
      if (resultProblem) {
        finish({ snapshot: fail("internal", `The Python tracer sent an invalid result (${resultProblem}).`) });
        return;
      }
      if (phase === "boot") {
        // It never got to the program: not a Python that can run the tracer (too old, not Python).
        finish({
          snapshot: fail("import", `${python} could not run the Autograd Lens tracer (exit ${signal ?? code}); it needs Python 3.8 or later with PyTorch.${tail()}`),
          problem: "no-python",
        });
        return;
      }
      if (signal === "SIGKILL" || signal === "SIGSEGV" || signal === "SIGABRT" || /out of memory|MemoryError|can't allocate/i.test(stderr)) {
        finish({
          snapshot: fail(
            "memory",
            `The program's process was stopped (${signal ?? `exit ${code}`}), most likely out of memory (the memory limit is ${limits.memoryMb} MB). (The limit is the autogradLens.memoryLimit setting.)${tail()}`,
          ),
        });
        return;
      }
      finish({ snapshot: fail("internal", `The Python process stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).${tail()}`) });
    });
  }).then((o) => {
    if (o.problem) problems.set(o.snapshot, o.problem);
    return o.snapshot;
  });
}

function noPythonMessage(python: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why = code === "ENOENT" ? "was not found" : code === "EACCES" ? "is not executable" : `could not be started (${e instanceof Error ? e.message : String(e)})`;
  return `The Python interpreter "${python}" ${why}. Choose a Python with PyTorch installed (the Python extension's interpreter, or the autogradLens.pythonPath setting).`;
}

function killGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (process.platform !== "win32") process.kill(-pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

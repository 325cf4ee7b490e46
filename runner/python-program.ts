// The landscape for Python traces (issue 15 item 4): the tracer writes PyTorch's ops down as a
// program (runner/python/autograd_lens_program.py); the landscape re-runs it with our engine. It is
// honest only when every op the output depends on maps to one the engine has and the engine,
// re-running them at the recorded point, gives back what PyTorch computed. This checks both once,
// when the snapshot arrives, and otherwise replaces the program by the reason, in the user's words
// (the variable, the line, PyTorch's op name), which the view shows instead of the tab.
import type { GraphSnapshot, ProgramInfo, ProgramOp, TensorInfo } from "../shared/protocol";
import * as replay from "../engine/replay/index";

/** Relative tolerance of the replay check (float32 ops in another order, libm differences). */
const RTOL = 1e-4;
const ATOL = 1e-5;

/** Checks `s.program` of a Python trace in place: keeps it, or sets `unavailable` to why not. */
export function checkPythonProgram(s: GraphSnapshot): void {
  const program = s.program;
  if (!program || program.unavailable !== undefined || s.output === undefined) return;
  const why = problemOf(s, program, s.output);
  for (const op of program.ops) delete (op.attrs as Record<string, unknown>)["_problem"];
  if (why !== null) s.program = { unavailable: why, leaves: {}, constants: {}, ops: [] };
}

function problemOf(s: GraphSnapshot, program: ProgramInfo, output: string): string | null {
  const byId = new Map<string, TensorInfo>(s.tensors.map((t) => [t.id, t]));
  const producer = new Map<string, ProgramOp>();
  for (const op of program.ops) producer.set(op.out, op);
  if (!producer.has(output)) {
    const t = byId.get(output);
    if (!t?.gradFn) return null; // not an op's result: the view says so itself
    return `the op that made ${t.name !== undefined ? `\`${t.name}\`` : t.label} was not recorded (the torch calls were not seen), so there is nothing to re-run.`;
  }
  // The slice the output depends on, outputs first.
  const seen = new Set<string>();
  const stack = [output];
  const slice: ProgramOp[] = [];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const op = producer.get(id);
    if (op === undefined || seen.has(id)) continue;
    seen.add(id);
    slice.push(op);
    for (const inp of op.inputs) if (inp !== null) stack.push(inp.endsWith("@old") ? inp.slice(0, -4) : inp);
  }
  slice.reverse();
  for (const op of slice) {
    const problem = op.attrs["_problem"];
    if (typeof problem === "string") return `${what(op, byId)} ${problem}.`;
    if (!replay.ruleFor(op.op)) return `${what(op, byId)} has no counterpart in Autograd Lens's engine, which re-runs the ops to draw the landscape.`;
  }
  const clean: ProgramInfo = { ...program, ops: program.ops.map((op) => ({ ...op, attrs: withoutProblem(op.attrs) })) };
  let values: Map<string, { shape: number[]; values: Float64Array }>;
  try {
    values = replay.replayRecorded(clean, output);
  } catch (e) {
    return `re-running the traced ops with Autograd Lens's engine failed (${(e as Error).message}).`;
  }
  for (const op of slice) {
    const t = byId.get(op.out);
    const got = values.get(op.out);
    if (t === undefined || got === undefined) continue;
    const mismatch = differs(t, got.values);
    if (mismatch !== null) return `${what(op, byId)} re-runs with Autograd Lens's engine to ${mismatch}, so the landscape would not be PyTorch's function.`;
  }
  return null;
}

function withoutProblem(attrs: Record<string, unknown>): Record<string, unknown> {
  if (!("_problem" in attrs)) return attrs;
  const { _problem: _, ...rest } = attrs;
  return rest;
}

/** "`loss` (line 9, PyTorch's MseLossBackward0)", or "PyTorch's TBackward0 at line 5" for a tensor the code never saw. */
function what(op: ProgramOp, byId: ReadonlyMap<string, TensorInfo>): string {
  const t = byId.get(op.out);
  const line = op.line ?? t?.range?.line;
  if (t?.name !== undefined) return `\`${t.name}\` (line ${line ?? "?"}, PyTorch's ${op.op})`;
  return `PyTorch's ${op.op}${line !== undefined ? ` at line ${line}` : ""}`;
}

/** Where the replayed values leave PyTorch's (compared over the values the snapshot kept), or null. */
function differs(t: TensorInfo, got: Float64Array): string | null {
  const v = t.value;
  if (v.numel !== got.length) return `${got.length} values where PyTorch made ${v.numel}`;
  for (let i = 0; i < v.values.length; i++) {
    const raw = v.values[i];
    const want = typeof raw === "number" ? raw : raw === "NaN" ? NaN : raw === "Infinity" ? Infinity : raw === "-Infinity" ? -Infinity : NaN;
    const g = got[i]!;
    if (Number.isNaN(want) && Number.isNaN(g)) continue;
    if (want === g) continue;
    if (!(Math.abs(g - want) <= ATOL + RTOL * Math.abs(want))) return `${formatNumber(g)} where PyTorch computed ${formatNumber(want)} (element ${i})`;
  }
  return null;
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

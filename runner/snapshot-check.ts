// A structural check of a GraphSnapshot that came from outside this process (the Python tracer's
// output is the user's process: treat it as hostile). Types, enums, protocol version, and that every
// id a field refers to exists. Pure: no Node, no vscode. The TypeScript runner's snapshots pass it
// too (test/runner/python.test.ts checks both), so both front ends meet one contract.
import { SNAPSHOT_VERSION, type DTypeName, type GraphSnapshot, type SnapshotWire } from "../shared/protocol";
import { decodeSnapshot } from "../shared/snapshot-codec";
import { encodedLength } from "../shared/value-codec";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

const DTYPES = ["float32", "float64", "int64", "int32", "bool"];
const KINDS = ["leaf", "intermediate", "output", "constant"];
const ERROR_KINDS = ["syntax", "import", "runtime", "timeout", "memory", "unsupported", "internal"];
const LEVELS = ["log", "info", "warn", "error", "debug"];
const LANGUAGES = ["typescript", "javascript", "python"];
/** Past these, a snapshot is not something we draw (the runner's caps are far below). */
const MAX_DIMS = 64;
const MAX_ITEMS = 2_000_000;

class Invalid extends Error {}

function fail(path: string, what: string): never {
  throw new Invalid(`${path}: ${what}`);
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, "not an array");
  if (v.length > MAX_ITEMS) fail(path, `more than ${MAX_ITEMS} items`);
  return v;
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, "not an object");
  return v;
}

function str(o: Obj, key: string, path: string, optional = false): void {
  if (optional && o[key] === undefined) return;
  if (!isStr(o[key])) fail(`${path}.${key}`, "not a string");
}

function range(v: unknown, path: string): void {
  if (v === undefined) return;
  const r = obj(v, path);
  if (!isInt(r.line) || r.line < 1 || !isInt(r.column) || r.column < 1) fail(path, "line and column must be integers ≥ 1");
  if (r.endLine !== undefined && (!isInt(r.endLine) || r.endLine < 1)) fail(`${path}.endLine`, "not an integer ≥ 1");
  if (r.endColumn !== undefined && (!isInt(r.endColumn) || r.endColumn < 1)) fail(`${path}.endColumn`, "not an integer ≥ 1");
}

function shape(v: unknown, path: string): number[] {
  const s = arr(v, path);
  if (s.length > MAX_DIMS || !s.every((d) => isInt(d) && d >= 0)) fail(path, "not a shape (non-negative integers)");
  return s as number[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A value table entry: shape, dtype, `count` values as base64 of exactly the right length, stats. */
function entry(v: unknown, path: string): void {
  const s = obj(v, path);
  const dims = shape(s.shape, `${path}.shape`);
  if (!DTYPES.includes(s.dtype as string)) fail(`${path}.dtype`, `not one of ${DTYPES.join(", ")}`);
  const numel = dims.reduce((a, d) => a * d, 1);
  if (!isInt(s.count) || s.count < 0 || s.count > numel) fail(`${path}.count`, `not a count of at most numel (${numel})`);
  if (!isStr(s.data) || !BASE64.test(s.data)) fail(`${path}.data`, "not base64 text");
  if (s.data.length !== encodedLength(s.count, s.dtype as DTypeName)) fail(`${path}.data`, `its length does not match ${s.count} ${String(s.dtype)} values`);
  if (s.stats !== undefined) {
    const st = arr(s.stats, `${path}.stats`);
    if (st.length !== 5 || !st.every(isNum)) fail(`${path}.stats`, "not [min, max, mean, nanCount, infCount]");
  }
}

/** Undefined when `value` is a GraphSnapshot we can show; else what is wrong with it, with its path. */
export function checkSnapshot(value: unknown): string | undefined {
  try {
    check(value);
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    return `snapshot: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The value (a wire snapshot) decoded into a GraphSnapshot, or an Error saying why it is not one. */
export function asSnapshot(value: unknown): GraphSnapshot | Error {
  const problem = checkSnapshot(value);
  if (problem !== undefined) return new Error(problem);
  try {
    return decodeSnapshot(value as SnapshotWire);
  } catch (e) {
    return new Error(`snapshot.values: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function check(v: unknown): void {
  const s = obj(v, "snapshot");
  if (s.version !== SNAPSHOT_VERSION) fail("snapshot.version", `is ${JSON.stringify(s.version)}, this version of Autograd Lens reads ${SNAPSHOT_VERSION}`);
  str(s, "file", "snapshot");
  if (!LANGUAGES.includes(s.language as string)) fail("snapshot.language", `not one of ${LANGUAGES.join(", ")}`);
  str(s, "producer", "snapshot", true);
  str(s, "tracedAt", "snapshot");
  if (!isNum(s.durationMs)) fail("snapshot.durationMs", "not a number");
  const limits = obj(s.limits, "snapshot.limits");
  for (const k of ["timeoutMs", "nodeCap", "valueCap", "stepCap", "memoryMb"]) if (!isNum(limits[k])) fail(`snapshot.limits.${k}`, "not a number");
  if (!isBool(s.nodesTruncated)) fail("snapshot.nodesTruncated", "not a boolean");

  arr(s.console, "snapshot.console").forEach((c, i) => {
    const e = obj(c, `snapshot.console[${i}]`);
    if (!LEVELS.includes(e.level as string)) fail(`snapshot.console[${i}].level`, "unknown level");
    str(e, "text", `snapshot.console[${i}]`);
    range(e.range, `snapshot.console[${i}].range`);
  });
  arr(s.warnings, "snapshot.warnings").forEach((w, i) => {
    const e = obj(w, `snapshot.warnings[${i}]`);
    str(e, "message", `snapshot.warnings[${i}]`);
    range(e.range, `snapshot.warnings[${i}].range`);
  });

  const table = arr(s.values, "snapshot.values");
  table.forEach((e, i) => entry(e, `snapshot.values[${i}]`));
  const summary = (v: unknown, path: string): void => {
    if (!isInt(v) || v < 0 || v >= table.length) fail(path, `not an index into snapshot.values (${JSON.stringify(v)})`);
  };
  const tensorIds = new Set<string>();
  const nodeIds = new Set<string>();
  const tensors = arr(s.tensors, "snapshot.tensors").map((t, i) => obj(t, `snapshot.tensors[${i}]`));
  const nodes = arr(s.nodes, "snapshot.nodes").map((n, i) => obj(n, `snapshot.nodes[${i}]`));
  tensors.forEach((t, i) => {
    const p = `snapshot.tensors[${i}]`;
    str(t, "id", p);
    if (tensorIds.has(t.id as string)) fail(`${p}.id`, `${String(t.id)} is not unique`);
    tensorIds.add(t.id as string);
  });
  nodes.forEach((n, i) => {
    const p = `snapshot.nodes[${i}]`;
    str(n, "id", p);
    if (nodeIds.has(n.id as string)) fail(`${p}.id`, `${String(n.id)} is not unique`);
    nodeIds.add(n.id as string);
  });
  const tensorRef = (v: unknown, path: string, nullable = true) => {
    if (nullable && (v === null || v === undefined)) return;
    if (!isStr(v) || !tensorIds.has(v)) fail(path, `refers to a tensor that is not in the snapshot (${JSON.stringify(v)})`);
  };
  const nodeRef = (v: unknown, path: string, nullable = true) => {
    if (nullable && (v === null || v === undefined)) return;
    if (!isStr(v) || !nodeIds.has(v)) fail(path, `refers to a node that is not in the snapshot (${JSON.stringify(v)})`);
  };

  tensors.forEach((t, i) => {
    const p = `snapshot.tensors[${i}]`;
    str(t, "name", p, true);
    str(t, "label", p);
    str(t, "gradNote", p, true);
    str(t, "valueNote", p, true);
    if (t.version !== undefined && (!isInt(t.version) || t.version < 0)) fail(`${p}.version`, "not a count");
    if (!KINDS.includes(t.kind as string)) fail(`${p}.kind`, `not one of ${KINDS.join(", ")}`);
    const dims = shape(t.shape, `${p}.shape`);
    if (!DTYPES.includes(t.dtype as string)) fail(`${p}.dtype`, "unknown dtype");
    summary(t.value, `${p}.value`);
    const valueShape = (table[t.value as number] as { shape: number[] }).shape;
    if (valueShape.reduce((a, d) => a * d, 1) !== dims.reduce((a, d) => a * d, 1)) fail(`${p}.shape`, "does not match its value's shape");
    if (t.grad !== null) summary(t.grad, `${p}.grad`);
    for (const k of ["requiresGrad", "isLeaf", "retainsGrad"]) if (!isBool(t[k])) fail(`${p}.${k}`, "not a boolean");
    nodeRef(t.gradFn, `${p}.gradFn`);
    range(t.range, `${p}.range`);
    range(t.boundAt, `${p}.boundAt`);
  });
  nodes.forEach((n, i) => {
    const p = `snapshot.nodes[${i}]`;
    str(n, "name", p);
    if (n.kind !== "function" && n.kind !== "accumulate") fail(`${p}.kind`, "not function or accumulate");
    if (n.sequenceNr !== null && !isNum(n.sequenceNr)) fail(`${p}.sequenceNr`, "not a number or null");
    tensorRef(n.tensor, `${p}.tensor`);
    if (!arr(n.inputs, `${p}.inputs`).every(isStr)) fail(`${p}.inputs`, "not strings");
    if (!arr(n.formulas, `${p}.formulas`).every(isStr)) fail(`${p}.formulas`, "not strings");
    arr(n.saved, `${p}.saved`).forEach((sv, j) => {
      const q = `${p}.saved[${j}]`;
      const e = obj(sv, q);
      str(e, "name", q);
      if (e.tensor !== undefined) tensorRef(e.tensor, `${q}.tensor`, false);
      if (e.value !== undefined) summary(e.value, `${q}.value`);
      if (e.scalar !== undefined && e.scalar !== null && !["number", "string", "boolean"].includes(typeof e.scalar)) fail(`${q}.scalar`, "not a scalar");
    });
    if (!isBool(n.released)) fail(`${p}.released`, "not a boolean");
    range(n.range, `${p}.range`);
  });
  arr(s.edges, "snapshot.edges").forEach((e, i) => {
    const p = `snapshot.edges[${i}]`;
    const x = obj(e, p);
    nodeRef(x.from, `${p}.from`, false);
    nodeRef(x.to, `${p}.to`, false);
    if (!isInt(x.index) || x.index < 0 || !isInt(x.inputNr) || x.inputNr < 0) fail(p, "index and inputNr must be integers ≥ 0");
  });
  arr(s.backward, "snapshot.backward").forEach((c, i) => {
    const p = `snapshot.backward[${i}]`;
    const call = obj(c, p);
    if (!isInt(call.index)) fail(`${p}.index`, "not an integer");
    if (call.kind !== "backward" && call.kind !== "grad") fail(`${p}.kind`, "not backward or grad");
    arr(call.roots, `${p}.roots`).forEach((r, j) => tensorRef(r, `${p}.roots[${j}]`, false));
    if (call.loss !== undefined && !isNum(call.loss)) fail(`${p}.loss`, "not a number");
    range(call.range, `${p}.range`);
    if (!isBool(call.stepsTruncated)) fail(`${p}.stepsTruncated`, "not a boolean");
    str(call, "error", p, true);
    arr(call.steps, `${p}.steps`).forEach((st, j) => {
      const q = `${p}.steps[${j}]`;
      const step = obj(st, q);
      if (!isInt(step.index)) fail(`${q}.index`, "not an integer");
      nodeRef(step.node, `${q}.node`, false);
      summary(step.gradIn, `${q}.gradIn`);
      arr(step.gradsOut, `${q}.gradsOut`).forEach((o, k) => {
        const g = obj(o, `${q}.gradsOut[${k}]`);
        if (!isInt(g.index)) fail(`${q}.gradsOut[${k}].index`, "not an integer");
        nodeRef(g.to, `${q}.gradsOut[${k}].to`);
        if (g.grad !== null) summary(g.grad, `${q}.gradsOut[${k}].grad`);
      });
      tensorRef(step.leaf, `${q}.leaf`);
      tensorRef(step.retained, `${q}.retained`);
      if (step.gradAfter !== undefined) summary(step.gradAfter, `${q}.gradAfter`);
    });
  });
  if (s.backwardCallsDropped !== undefined && !isInt(s.backwardCallsDropped)) fail("snapshot.backwardCallsDropped", "not an integer");
  tensorRef(s.output, "snapshot.output");
  if (s.error !== undefined) {
    const e = obj(s.error, "snapshot.error");
    if (!ERROR_KINDS.includes(e.kind as string)) fail("snapshot.error.kind", `not one of ${ERROR_KINDS.join(", ")}`);
    str(e, "message", "snapshot.error");
    str(e, "stack", "snapshot.error", true);
    range(e.range, "snapshot.error.range");
  }
  if (s.program !== undefined) {
    const pr = obj(s.program, "snapshot.program");
    str(pr, "unavailable", "snapshot.program", true);
    obj(pr.leaves, "snapshot.program.leaves");
    obj(pr.constants, "snapshot.program.constants");
    arr(pr.ops, "snapshot.program.ops");
  }
}

// The one validator for everything that crosses a trust boundary: the sandbox child's messages and
// checkpoints (in the parent, runner/channel.ts), the Python tracer's output (runner/python-runner.ts),
// the child's own snapshot before it is sent (repair mode, runner/child-result.ts), and snapshots
// arriving in the webview (from the host, from a saved JSON file). Kind, protocol version, types,
// enums, id references and bounds are checked here and nowhere else. A
// snapshot is treated as hostile: it is rebuilt field by field into a fresh plain object, every
// type, enum, number range and id reference is checked, every string is capped (truncated with a
// marker, never dropped), and shapes are bounded and must agree with their element counts, so that
// nothing downstream (hovers, the inspector, layout) loops over a number the snippet chose.
//
// Two modes: strict (the parent and the page: anything wrong is an error naming the field) and
// repair (the child, before sending its own snapshot: a wrong-typed text becomes a description of the
// value, a shape that disagrees with its values becomes flat), so that a snippet's odd values (a
// function as a tensor's name) are described instead of failing the run.
//
// Split by concern: the checking primitives (validate-checker.ts), the value table and shapes
// (validate-values.ts), the entries of the large lists, each on its own (validate-items.ts: the parent
// checks them as they arrive), the re-evaluation program (validate-program.ts); here the snapshot as
// a whole and what ties its entries together (ids, value indices, shapes against their values).
// Pure TypeScript: no Node, no DOM, no vscode.
import {
  SNAPSHOT_VERSION,
  type GraphSnapshot,
  type NodeWire,
  type SnapshotWire,
  type TensorWire,
} from "./protocol";
import { decodeOwnedSnapshot } from "./snapshot-codec";
import { CAPS, Checker, kindOf, ValidationError, type ValidateOptions } from "./validate-checker";
import { checkedNumel, isPrecheckedList, ITEM_CHECKS } from "./validate-items";
import { program } from "./validate-program";
import { inTable, shape } from "./validate-values";

export { CAPS, TRUNCATION_MARK, ValidationError, describe, capString, type ValidateOptions } from "./validate-checker";

function runError(c: Checker, v: unknown, path: string): GraphSnapshot["error"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["error"]> = {
    kind: c.oneOf(c.get(o, "kind", path), c.at(path, ".kind"), ["syntax", "import", "runtime", "timeout", "memory", "unsupported", "internal"] as const),
    message: c.str(c.get(o, "message", path), c.at(path, ".message"), CAPS.message),
  };
  const range = c.range(c.get(o, "range", path), c.at(path, ".range"));
  if (range) out.range = range;
  const stack = c.optStr(c.get(o, "stack", path), c.at(path, ".stack"), CAPS.stack);
  if (stack !== undefined) out.stack = stack;
  return out;
}

/**
 * Check a wire snapshot and return a fresh, plain copy of it (strings capped), still encoded.
 * Throws ValidationError naming the first wrong field. Unknown fields are dropped.
 */
export function validateWire(input: unknown, options: ValidateOptions = {}): SnapshotWire {
  const c = new Checker(options.repair ?? false, options.consume ?? false);
  const o = c.obj(input, "snapshot");
  const version = c.get(o, "version", "snapshot");
  if (version !== SNAPSHOT_VERSION) {
    const old = version === 1 ? " (version 1 carried values as JSON number lists; version 2 carries them compactly as base64)" : "";
    c.fail("snapshot.version", `version ${typeof version === "number" ? version : kindOf(version)} is not one this Autograd Lens reads (it reads version ${SNAPSHOT_VERSION})${old}; trace the file again with this version`);
  }
  const f = (key: string) => c.get(o, key, "snapshot");
  const limitsIn = c.obj(f("limits"), "snapshot.limits");
  const limit = (k: string) => c.num(c.finite(c.get(limitsIn, k, "snapshot.limits"), `snapshot.limits.${k}`), `snapshot.limits.${k}`, 0);
  // Each entry on its own (or taken as it is, when the parent checked it as it arrived) ...
  const list = <K extends keyof typeof ITEM_CHECKS>(key: K): Array<ReturnType<(typeof ITEM_CHECKS)[K]>> => {
    const check = ITEM_CHECKS[key] as (c: Checker, x: unknown, p: string) => ReturnType<(typeof ITEM_CHECKS)[K]>;
    const a = c.arr(f(key), `snapshot.${key}`);
    if (isPrecheckedList(a)) return c.each(a, (x) => x as ReturnType<(typeof ITEM_CHECKS)[K]>);
    return c.each(a, (x, i) => check(c, x, c.atIndex("snapshot.", key, i)));
  };
  const table = list("values");
  const tensorItems = list("tensors");
  const nodes = list("nodes");
  const edges = list("edges");
  const backward = list("backward");
  const consoleLines = list("console");

  // ... then what needs the others: unique ids, ids and value indices that exist, agreeing shapes.
  // Without paths first, as the entries were (Checker.paths); again with them only if something is
  // wrong (each step below gives the same result when run twice).
  const nodeIds = new Set<string>();
  const tensorIds = new Set<string>();
  // Every id a field refers to exists (an optional one that does not is dropped in repair mode).
  const refTo = (ids: Set<string>, what: string) => <T extends string | null | undefined>(id: T, path: string): T | undefined => {
    if (id === null || id === undefined || ids.has(id)) return id;
    if (c.repair) return undefined;
    return c.fail(path, `refers to a ${what} that is not in the snapshot (${JSON.stringify(id)})`);
  };
  const tensorRef = refTo(tensorIds, "tensor");
  const nodeRef = refTo(nodeIds, "node");
  let tensors: TensorWire[] = [];
  c.quietly(() => {
    nodeIds.clear();
    tensorIds.clear();
    nodes.forEach((n, i) => {
      if (nodeIds.has(n.id)) c.fail(c.atIndex("snapshot.nodes", "", i, ".id"), `"${n.id}" is used twice`);
      nodeIds.add(n.id);
    });
    tensors = tensorItems.map((t, i): TensorWire => {
      const p = c.atIndex("snapshot.tensors", "", i);
      inTable(c, t.value, c.at(p, ".value"), table);
      if (t.grad !== null) inTable(c, t.grad, c.at(p, ".grad"), table);
      const numel = table[t.value]!.numel;
      // The checked entry itself (fresh from tensorItem), not a copy: a graph's tensors are many.
      const has = checkedNumel(t);
      if (has !== numel) {
        if (!c.repair) c.fail(c.at(p, ".shape"), `[${t.shape.join(", ")}] has ${has} elements, but numel is ${numel}`);
        t.shape = [numel];
      }
      return t;
    });
    tensors.forEach((t, i) => {
      if (tensorIds.has(t.id)) c.fail(c.atIndex("snapshot.tensors", "", i, ".id"), `"${t.id}" is used twice`);
      tensorIds.add(t.id);
    });
    tensors.forEach((t, i) => (t.gradFn = nodeRef(t.gradFn, c.atIndex("snapshot.tensors", "", i, ".gradFn")) ?? null));
    nodes.forEach((n, i) => {
      n.tensor = tensorRef(n.tensor, c.atIndex("snapshot.nodes", "", i, ".tensor")) ?? null;
      n.saved.forEach((sv, j) => {
        const q = c.paths ? `snapshot.nodes[${i}].saved[${j}]` : "snapshot.nodes";
        const t = tensorRef(sv.tensor, c.at(q, ".tensor"));
        if (t === undefined) delete sv.tensor;
        if (sv.value !== undefined) inTable(c, sv.value, c.at(q, ".value"), table);
      });
    });
    edges.forEach((e, i) => {
      const p = c.atIndex("snapshot.edges", "", i);
      if (!nodeIds.has(e.from)) c.fail(c.at(p, ".from"), `refers to a node that is not in the snapshot (${JSON.stringify(e.from)})`);
      if (!nodeIds.has(e.to)) c.fail(c.at(p, ".to"), `refers to a node that is not in the snapshot (${JSON.stringify(e.to)})`);
    });
    backward.forEach((b, i) => {
      const p = c.atIndex("snapshot.backward", "", i);
      // A root past the node cap was not recorded: repair mode drops it (the call keeps its loss).
      b.roots = b.roots.map((r, j) => tensorRef(r, c.atIndex(p, ".roots", j))).filter((id): id is string => id !== undefined);
      b.steps.forEach((step, j) => {
        const q = c.atIndex(p, ".steps", j);
        inTable(c, step.gradIn, c.at(q, ".gradIn"), table);
        step.gradsOut.forEach((go, k) => {
          const r = c.atIndex(q, ".gradsOut", k);
          go.to = nodeRef(go.to, c.at(r, ".to")) ?? null;
          if (go.grad !== null) inTable(c, go.grad, c.at(r, ".grad"), table);
        });
        if (tensorRef(step.leaf, c.at(q, ".leaf")) === undefined) delete step.leaf;
        if (tensorRef(step.retained, c.at(q, ".retained")) === undefined) delete step.retained;
        if (step.gradAfter !== undefined) inTable(c, step.gradAfter, c.at(q, ".gradAfter"), table);
        if (!nodeIds.has(step.node)) c.fail(c.at(q, ".node"), `refers to a node that is not in the snapshot (${JSON.stringify(step.node)})`);
      });
    });
  });

  const snapshot: SnapshotWire = {
    version: SNAPSHOT_VERSION,
    values: table.map(({ numel: _numel, ...e }) => e),
    file: c.str(f("file"), "snapshot.file", CAPS.name * 4),
    language: c.oneOf(f("language"), "snapshot.language", ["typescript", "javascript", "python"] as const),
    tracedAt: c.str(f("tracedAt"), "snapshot.tracedAt", 100),
    durationMs: c.num(c.finite(f("durationMs"), "snapshot.durationMs"), "snapshot.durationMs", 0),
    limits: { timeoutMs: limit("timeoutMs"), nodeCap: limit("nodeCap"), valueCap: limit("valueCap"), stepCap: limit("stepCap"), memoryMb: limit("memoryMb") },
    console: consoleLines,
    warnings: c.arr(f("warnings"), "snapshot.warnings").map((x, i) => {
      const p = c.atIndex("snapshot.warnings", "", i);
      const e = c.obj(x, p);
      const out: GraphSnapshot["warnings"][number] = { message: c.str(c.get(e, "message", p), c.at(p, ".message"), CAPS.message) };
      const range = c.range(c.get(e, "range", p), c.at(p, ".range"));
      if (range) out.range = range;
      return out;
    }),
    tensors,
    nodes,
    edges,
    backward,
    nodesTruncated: c.bool(f("nodesTruncated"), "snapshot.nodesTruncated"),
  };
  const producer = c.optStr(f("producer"), "snapshot.producer", CAPS.name);
  if (producer !== undefined) snapshot.producer = producer;
  const evicted = f("nodesEvicted");
  if (evicted !== undefined) snapshot.nodesEvicted = c.int(evicted, "snapshot.nodesEvicted");
  const dropped = f("backwardCallsDropped");
  if (dropped !== undefined) snapshot.backwardCallsDropped = c.int(dropped, "snapshot.backwardCallsDropped");
  const output = tensorRef(c.optStr(f("output"), "snapshot.output", CAPS.name), "snapshot.output");
  if (output !== undefined) snapshot.output = output;
  const error = runError(c, f("error"), "snapshot.error");
  if (error) snapshot.error = error;
  const prog = program(c, f("program"), "snapshot.program");
  if (prog) snapshot.program = prog;
  const scopes = f("scopes");
  if (scopes !== undefined) snapshot.scopes = scopeList(c, scopes, snapshot.nodes);
  const mods = modules(c, f("modules"), tensorIds);
  if (mods) snapshot.modules = mods;
  return snapshot;
}

/** snapshot.modules (optional): names bound to modules, with their parameters (bounded lists). */
function modules(c: Checker, v: unknown, tensorIds: ReadonlySet<string>): GraphSnapshot["modules"] {
  if (v === undefined) return undefined;
  return c.arr(v, "snapshot.modules", 64).map((x, i) => {
    const p = c.atIndex("snapshot.modules", "", i);
    const o = c.obj(x, p);
    const g = (k: string) => c.get(o, k, p);
    const boundAt = c.range(g("boundAt"), c.at(p, ".boundAt"));
    if (!boundAt) c.fail(c.at(p, ".boundAt"), "missing");
    return {
      name: c.str(g("name"), c.at(p, ".name"), CAPS.name),
      type: c.str(g("type"), c.at(p, ".type"), CAPS.name),
      boundAt,
      paramCount: c.int(g("paramCount"), c.at(p, ".paramCount")),
      valueCount: c.int(g("valueCount"), c.at(p, ".valueCount")),
      params: c.arr(g("params"), c.at(p, ".params"), 50).map((y, j) => {
        const q = c.atIndex(p, ".params", j);
        const e = c.obj(y, q);
        const norm = c.get(e, "gradNorm", q);
        const param: NonNullable<GraphSnapshot["modules"]>[number]["params"][number] = {
          name: c.str(c.get(e, "name", q), c.at(q, ".name"), CAPS.name),
          shape: shape(c, c.get(e, "shape", q), c.at(q, ".shape")).shape,
          gradNorm: norm === null || norm === undefined ? null : c.num(norm, c.at(q, ".gradNorm"), 0),
        };
        const tensor = c.optStr(c.get(e, "tensor", q), c.at(q, ".tensor"), CAPS.name);
        if (tensor !== undefined) {
          if (!tensorIds.has(tensor)) c.fail(c.at(q, ".tensor"), `"${tensor}" is not a tensor of this snapshot`);
          param.tensor = tensor;
        }
        return param;
      }),
    };
  });
}

/**
 * Check a wire snapshot and decode it into the GraphSnapshot consumers read. Throws ValidationError
 * naming the first wrong field.
 */
export function validateSnapshot(input: unknown, options: ValidateOptions = {}): GraphSnapshot {
  const wire = validateWire(input, options);
  try {
    return decodeOwnedSnapshot(wire);
  } catch (e) {
    // validateWire checked every entry's length and alphabet: this is a bug, not bad input.
    throw new ValidationError("snapshot.values", `could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** validateSnapshot as a result instead of an exception (for callers that must never throw). */
export function checkSnapshot(input: unknown, options: ValidateOptions = {}): { ok: true; snapshot: GraphSnapshot } | { ok: false; error: string } {
  const r = checkWire(input, options);
  return r.ok ? { ok: true, snapshot: decodeOwnedSnapshot(r.wire) } : r;
}

/** validateWire as a result instead of an exception. */
export function checkWire(input: unknown, options: ValidateOptions = {}): { ok: true; wire: SnapshotWire } | { ok: false; error: string } {
  try {
    return { ok: true, wire: validateWire(input, options) };
  } catch (e) {
    if (e instanceof ValidationError) return { ok: false, error: e.message };
    // A stack overflow on absurd nesting, or a getter that threw in an unexpected place.
    return { ok: false, error: `snapshot: could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** snapshot.scopes: module and function calls, each parent earlier; every node's scope names one of them. */
function scopeList(c: Checker, v: unknown, nodes: readonly NodeWire[]): NonNullable<GraphSnapshot["scopes"]> {
  const out = c.arr(v, "snapshot.scopes").map((x, i) => {
    const p = c.atIndex("snapshot.scopes", "", i);
    const o = c.obj(x, p);
    const r: NonNullable<GraphSnapshot["scopes"]>[number] = {
      kind: c.oneOf(c.get(o, "kind", p), c.at(p, ".kind"), ["module", "function"] as const),
      name: c.str(c.get(o, "name", p), c.at(p, ".name"), CAPS.name),
      type: c.str(c.get(o, "type", p), c.at(p, ".type"), CAPS.name),
    };
    const parent = c.get(o, "parent", p);
    if (parent !== undefined) {
      r.parent = c.int(parent, c.at(p, ".parent"));
      if (r.parent < 0 || r.parent >= i) c.fail(c.at(p, ".parent"), "must name an earlier scope");
    }
    const line = c.get(o, "line", p);
    if (line !== undefined) r.line = c.int(line, c.at(p, ".line"));
    const column = c.get(o, "column", p);
    if (column !== undefined) r.column = c.int(column, c.at(p, ".column"));
    const params = c.get(o, "params", p);
    if (params !== undefined) r.params = c.arr(params, c.at(p, ".params")).map((t, j) => c.str(t, c.atIndex(p, ".params", j), CAPS.name));
    return r;
  });
  nodes.forEach((n, i) => {
    if (n.scope !== undefined && (n.scope < 0 || n.scope >= out.length)) c.fail(c.atIndex("snapshot.nodes", "", i, ".scope"), `${n.scope} is not an index into snapshot.scopes`);
  });
  return out;
}

/** Undefined when `input` is a wire snapshot the view can show; else what is wrong, with its path. */
export function snapshotProblem(input: unknown): string | undefined {
  const r = checkWire(input);
  return r.ok ? undefined : r.error;
}

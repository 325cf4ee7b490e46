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
// Pure TypeScript: no Node, no DOM, no vscode.
import {
  SNAPSHOT_VERSION,
  type BackwardCallWire,
  type EncodedValue,
  type GraphSnapshot,
  type NodeWire,
  type SnapshotWire,
  type TensorWire,
  type ValueRef,
} from "./protocol";
import { decodeOwnedSnapshot } from "./snapshot-codec";
import { bytesPerValue, encodedLength } from "./value-codec";
import { CAPS, Checker, kindOf, ValidationError, type Obj, type ValidateOptions } from "./validate-checker";

export { CAPS, TRUNCATION_MARK, ValidationError, describe, capString, type ValidateOptions } from "./validate-checker";

const DTYPES = ["float32", "float64", "int64", "int32", "bool"] as const;
const SPECIAL_NUMBERS = ["NaN", "Infinity", "-Infinity"];

/** A shape: at most CAPS.ndim whole dimensions in [0, CAPS.dim]; returns it and its element count. */
function shape(c: Checker, v: unknown, path: string): { shape: number[]; numel: number } {
  const a = c.arr(v, path, CAPS.ndim);
  const out: number[] = [];
  let numel = 1;
  a.forEach((d, i) => {
    const n = c.int(d, `${path}[${i}]`, 0, CAPS.dim);
    out.push(n);
    numel *= n;
  });
  if (numel > CAPS.numel) c.fail(path, `has ${numel} elements, more than ${CAPS.numel}`);
  return { shape: out, numel };
}

/** Values as the snapshot carries them: numbers, or NaN/±Inf as strings. */
function values(c: Checker, v: unknown, path: string, max: number): Array<number | "NaN" | "Infinity" | "-Infinity"> {
  const a = c.arr(v, path, max);
  const out = new Array<number | "NaN" | "Infinity" | "-Infinity">(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x === "number" && Number.isFinite(x)) out[i] = x;
    else if (typeof x === "string" && SPECIAL_NUMBERS.includes(x)) out[i] = x as "NaN";
    else c.fail(`${path}[${i}]`, `must be a finite number or "NaN"/"Infinity"/"-Infinity", not ${kindOf(x)}`);
  }
  return out;
}

/** Shape and element count agree; in repair mode a disagreeing shape becomes flat. */
function agreeingShape(c: Checker, raw: unknown, numel: number, path: string): number[] {
  let s: { shape: number[]; numel: number };
  try {
    s = shape(c, raw, path);
  } catch (e) {
    if (c.repair) return [numel];
    throw e;
  }
  if (s.numel !== numel) {
    if (c.repair) return [numel];
    c.fail(path, `[${s.shape.join(", ")}] has ${s.numel} elements, but numel is ${numel}`);
  }
  return s.shape;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * One value table entry: a shape, a dtype, stats, and `count` values as base64 whose length must be
 * exactly what `count` values of that dtype take (a wrong character or length names the entry).
 */
function encodedValue(c: Checker, v: unknown, path: string): EncodedValue & { numel: number } {
  const o = c.obj(v, path);
  const s = shape(c, c.get(o, "shape", path), `${path}.shape`);
  const dtype = c.oneOf(c.get(o, "dtype", path), `${path}.dtype`, DTYPES);
  const count = c.int(c.get(o, "count", path), `${path}.count`, 0, s.numel);
  const data = c.get(o, "data", path);
  if (typeof data !== "string") c.fail(`${path}.data`, `must be base64 text, not ${kindOf(data)}`);
  const want = encodedLength(count, dtype);
  if (data.length !== want) {
    c.fail(`${path}.data`, `has ${data.length} base64 characters, but ${count} ${dtype} value${count === 1 ? "" : "s"} take ${want}`);
  }
  if (!BASE64.test(data)) c.fail(`${path}.data`, "is not base64 (only A-Z, a-z, 0-9, +, / and = padding)");
  // The padding matches the byte count, so decoding (done lazily, when a value is read) cannot fail.
  const pad = (3 - ((count * bytesPerValue(dtype)) % 3)) % 3;
  const has = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (has !== pad) c.fail(`${path}.data`, `ends in ${has} "=" instead of ${pad} for ${count} ${dtype} value${count === 1 ? "" : "s"}`);
  const out: EncodedValue & { numel: number } = { shape: s.shape, dtype, count, data, numel: s.numel };
  const stats = c.get(o, "stats", path);
  if (stats !== undefined) {
    const a = c.arr(stats, `${path}.stats`, 5);
    if (a.length !== 5) c.fail(`${path}.stats`, `must be [min, max, mean, nanCount, infCount], not ${a.length} numbers`);
    out.stats = [
      c.finite(a[0], `${path}.stats[0]`),
      c.finite(a[1], `${path}.stats[1]`),
      c.finite(a[2], `${path}.stats[2]`),
      c.int(a[3], `${path}.stats[3]`),
      c.int(a[4], `${path}.stats[4]`),
    ];
  }
  return out;
}

/** An index into the value table. */
function ref(c: Checker, v: unknown, path: string, table: readonly unknown[]): ValueRef {
  if (typeof v !== "number") c.fail(path, `must be an index into snapshot.values, not ${kindOf(v)}`);
  return c.int(v, path, 0, table.length - 1);
}

function optionalRef(c: Checker, v: unknown, path: string, table: readonly unknown[]): ValueRef | undefined {
  return v === undefined ? undefined : ref(c, v, path, table);
}

/** A JSON value (program op attributes): bounded depth, capped strings, finite numbers. */
function jsonValue(c: Checker, v: unknown, path: string, depth: number): unknown {
  if (depth > CAPS.attrDepth) c.fail(path, `is nested deeper than ${CAPS.attrDepth}`);
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : c.fail(path, "must be a finite number");
  if (typeof v === "string") return c.str(v, path, CAPS.message);
  if (Array.isArray(v)) return v.map((x, i) => jsonValue(c, x, `${path}[${i}]`, depth + 1));
  const o = c.obj(v, path);
  const out: Obj = {};
  for (const k of Object.keys(o)) out[c.str(k, path, CAPS.name)] = jsonValue(c, c.get(o, k, path), `${path}.${k}`, depth + 1);
  return out;
}

function fullTensor(c: Checker, v: unknown, path: string): NonNullable<GraphSnapshot["program"]>["leaves"][string] {
  const o = c.obj(v, path);
  const s = shape(c, c.get(o, "shape", path), `${path}.shape`);
  const vals = values(c, c.get(o, "values", path), `${path}.values`, s.numel);
  if (vals.length !== s.numel) c.fail(`${path}.values`, `has ${vals.length} values for a shape of ${s.numel} elements`);
  const out: NonNullable<GraphSnapshot["program"]>["leaves"][string] = {
    shape: s.shape,
    dtype: c.oneOf(c.get(o, "dtype", path), `${path}.dtype`, DTYPES),
    values: vals,
  };
  const label = c.optStr(c.get(o, "label", path), `${path}.label`, CAPS.name);
  if (label !== undefined) out.label = label;
  return out;
}

function tensorMap(c: Checker, v: unknown, path: string): Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> {
  const o = c.obj(v, path);
  const out: Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> = {};
  for (const k of Object.keys(o)) out[c.str(k, path, CAPS.name)] = fullTensor(c, c.get(o, k, path), `${path}.${k}`);
  return out;
}

function program(c: Checker, v: unknown, path: string): GraphSnapshot["program"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["program"]> = {
    leaves: tensorMap(c, c.get(o, "leaves", path), `${path}.leaves`),
    constants: tensorMap(c, c.get(o, "constants", path), `${path}.constants`),
    ops: c.arr(c.get(o, "ops", path), `${path}.ops`).map((x, i) => {
      const p = `${path}.ops[${i}]`;
      const op = c.obj(x, p);
      const r: NonNullable<GraphSnapshot["program"]>["ops"][number] = {
        node: c.str(c.get(op, "node", p), `${p}.node`, CAPS.name),
        op: c.str(c.get(op, "op", p), `${p}.op`, CAPS.name),
        inputs: c.arr(c.get(op, "inputs", p), `${p}.inputs`).map((id, j) => (id === null ? null : c.str(id, `${p}.inputs[${j}]`, CAPS.name))),
        attrs: jsonValue(c, c.get(op, "attrs", p) ?? {}, `${p}.attrs`, 0) as Obj,
        out: c.str(c.get(op, "out", p), `${p}.out`, CAPS.name),
      };
      const line = c.get(op, "line", p);
      if (line !== undefined) r.line = c.int(line, `${p}.line`, 0);
      return r;
    }),
  };
  const unavailable = c.optStr(c.get(o, "unavailable", path), `${path}.unavailable`, CAPS.message);
  if (unavailable !== undefined) out.unavailable = unavailable;
  if (out.ops.some((op) => typeof op.attrs !== "object" || op.attrs === null || Array.isArray(op.attrs))) c.fail(`${path}.ops`, "attrs must be objects");
  return out;
}

function runError(c: Checker, v: unknown, path: string): GraphSnapshot["error"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["error"]> = {
    kind: c.oneOf(c.get(o, "kind", path), `${path}.kind`, ["syntax", "import", "runtime", "timeout", "memory", "unsupported", "internal"] as const),
    message: c.str(c.get(o, "message", path), `${path}.message`, CAPS.message),
  };
  const range = c.range(c.get(o, "range", path), `${path}.range`);
  if (range) out.range = range;
  const stack = c.optStr(c.get(o, "stack", path), `${path}.stack`, CAPS.stack);
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
  const table = c.each(c.arr(f("values"), "snapshot.values"), (x, i) => encodedValue(c, x, `snapshot.values[${i}]`));
  const tensorsIn = c.arr(f("tensors"), "snapshot.tensors");
  const nodesIn = c.arr(f("nodes"), "snapshot.nodes");

  const nodes = c.each(nodesIn, (x, i) => {
    const p = `snapshot.nodes[${i}]`;
    const n = c.obj(x, p);
    const g = (k: string) => c.get(n, k, p);
    const seq = g("sequenceNr");
    const tensor = g("tensor");
    const out: NodeWire = {
      id: c.str(g("id"), `${p}.id`, CAPS.name),
      name: c.str(g("name"), `${p}.name`, CAPS.name),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["function", "accumulate"] as const),
      sequenceNr: seq === null ? null : c.finite(seq, `${p}.sequenceNr`),
      tensor: tensor === null ? null : c.str(tensor, `${p}.tensor`, CAPS.name),
      inputs: c.arr(g("inputs"), `${p}.inputs`).map((s, j) => c.str(s, `${p}.inputs[${j}]`, CAPS.name)),
      formulas: c.arr(g("formulas"), `${p}.formulas`).map((s, j) => c.str(s, `${p}.formulas[${j}]`, CAPS.message)),
      saved: c.arr(g("saved"), `${p}.saved`).map((sv, j) => {
        const q = `${p}.saved[${j}]`;
        const so = c.obj(sv, q);
        const r: NodeWire["saved"][number] = { name: c.str(c.get(so, "name", q), `${q}.name`, CAPS.name) };
        const t = c.get(so, "tensor", q);
        if (t !== undefined) r.tensor = c.str(t, `${q}.tensor`, CAPS.name);
        const value = optionalRef(c, c.get(so, "value", q), `${q}.value`, table);
        if (value !== undefined) r.value = value;
        const scalar = c.get(so, "scalar", q);
        if (scalar !== undefined) {
          if (scalar === null || typeof scalar === "boolean" || (typeof scalar === "number" && Number.isFinite(scalar))) r.scalar = scalar;
          else r.scalar = c.str(scalar, `${q}.scalar`, CAPS.message);
        }
        return r;
      }),
      released: c.bool(g("released"), `${p}.released`),
    };
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const user = g("userDefined");
    if (user !== undefined) {
      const q = `${p}.userDefined`;
      const u = c.obj(user, q);
      out.userDefined = { className: c.str(c.get(u, "className", q), `${q}.className`, CAPS.name) };
      const fwd = c.range(c.get(u, "forward", q), `${q}.forward`);
      if (fwd) out.userDefined.forward = fwd;
      const bwd = c.range(c.get(u, "backward", q), `${q}.backward`);
      if (bwd) out.userDefined.backward = bwd;
    }
    const scope = g("scope");
    if (scope !== undefined) out.scope = c.int(scope, `${p}.scope`);
    return out;
  });
  const nodeIds = new Set<string>();
  nodes.forEach((n, i) => {
    if (nodeIds.has(n.id)) c.fail(`snapshot.nodes[${i}].id`, `"${n.id}" is used twice`);
    nodeIds.add(n.id);
  });

  const tensors = c.each(tensorsIn, (x, i) => {
    const p = `snapshot.tensors[${i}]`;
    const t = c.obj(x, p);
    const g = (k: string) => c.get(t, k, p);
    const value = ref(c, g("value"), `${p}.value`, table);
    const grad = g("grad");
    const gradFn = g("gradFn");
    const out: TensorWire = {
      id: c.str(g("id"), `${p}.id`, CAPS.name),
      label: c.str(g("label"), `${p}.label`, CAPS.name),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["leaf", "intermediate", "output", "constant"] as const),
      shape: agreeingShape(c, g("shape"), table[value]!.numel, `${p}.shape`),
      dtype: c.oneOf(g("dtype"), `${p}.dtype`, DTYPES),
      value,
      grad: grad === null || grad === undefined ? null : ref(c, grad, `${p}.grad`, table),
      requiresGrad: c.bool(g("requiresGrad"), `${p}.requiresGrad`),
      isLeaf: c.bool(g("isLeaf"), `${p}.isLeaf`),
      retainsGrad: c.bool(g("retainsGrad"), `${p}.retainsGrad`),
      gradFn: gradFn === null || gradFn === undefined ? null : c.str(gradFn, `${p}.gradFn`, CAPS.name),
    };
    const name = c.optStr(g("name"), `${p}.name`, CAPS.name);
    if (name !== undefined) out.name = name;
    const note = c.optStr(g("gradNote"), `${p}.gradNote`, CAPS.message);
    if (note !== undefined) out.gradNote = note;
    const version = g("version");
    if (version !== undefined) out.version = c.int(version, `${p}.version`);
    const valueNote = c.optStr(g("valueNote"), `${p}.valueNote`, CAPS.message);
    if (valueNote !== undefined) out.valueNote = valueNote;
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const boundAt = c.range(g("boundAt"), `${p}.boundAt`);
    if (boundAt) out.boundAt = boundAt;
    return out;
  });
  const tensorIds = new Set<string>();
  tensors.forEach((t, i) => {
    if (tensorIds.has(t.id)) c.fail(`snapshot.tensors[${i}].id`, `"${t.id}" is used twice`);
    tensorIds.add(t.id);
  });
  // Every id a field refers to exists (an optional one that does not is dropped in repair mode).
  const refTo = (ids: Set<string>, what: string) => <T extends string | null | undefined>(id: T, path: string): T | undefined => {
    if (id === null || id === undefined || ids.has(id)) return id;
    if (c.repair) return undefined;
    return c.fail(path, `refers to a ${what} that is not in the snapshot (${JSON.stringify(id)})`);
  };
  const tensorRef = refTo(tensorIds, "tensor");
  const nodeRef = refTo(nodeIds, "node");
  tensors.forEach((t, i) => (t.gradFn = nodeRef(t.gradFn, `snapshot.tensors[${i}].gradFn`) ?? null));
  nodes.forEach((n, i) => {
    n.tensor = tensorRef(n.tensor, `snapshot.nodes[${i}].tensor`) ?? null;
    n.saved.forEach((sv, j) => {
      const t = tensorRef(sv.tensor, `snapshot.nodes[${i}].saved[${j}].tensor`);
      if (t === undefined) delete sv.tensor;
    });
  });

  const edges = c.each(c.arr(f("edges"), "snapshot.edges"), (x, i) => {
    const p = `snapshot.edges[${i}]`;
    const e = c.obj(x, p);
    const out: GraphSnapshot["edges"][number] = {
      from: c.str(c.get(e, "from", p), `${p}.from`, CAPS.name),
      to: c.str(c.get(e, "to", p), `${p}.to`, CAPS.name),
      index: c.int(c.get(e, "index", p), `${p}.index`),
      inputNr: c.int(c.get(e, "inputNr", p), `${p}.inputNr`),
    };
    if (!nodeIds.has(out.from)) c.fail(`${p}.from`, `refers to a node that is not in the snapshot (${JSON.stringify(out.from)})`);
    if (!nodeIds.has(out.to)) c.fail(`${p}.to`, `refers to a node that is not in the snapshot (${JSON.stringify(out.to)})`);
    return out;
  });

  const backward = c.each(c.arr(f("backward"), "snapshot.backward"), (x, i) => {
    const p = `snapshot.backward[${i}]`;
    const b = c.obj(x, p);
    const g = (k: string) => c.get(b, k, p);
    const out: BackwardCallWire = {
      index: c.int(g("index"), `${p}.index`),
      kind: c.oneOf(g("kind"), `${p}.kind`, ["backward", "grad"] as const),
      // A root past the node cap was not recorded: repair mode drops it (the call keeps its loss).
      roots: c
        .arr(g("roots"), `${p}.roots`)
        .map((r, j) => tensorRef(c.str(r, `${p}.roots[${j}]`, CAPS.name), `${p}.roots[${j}]`))
        .filter((id): id is string => id !== undefined),
      steps: c.arr(g("steps"), `${p}.steps`).map((y, j) => {
        const q = `${p}.steps[${j}]`;
        const s = c.obj(y, q);
        const h = (k: string) => c.get(s, k, q);
        const step: BackwardCallWire["steps"][number] = {
          index: c.int(h("index"), `${q}.index`),
          node: c.str(h("node"), `${q}.node`, CAPS.name),
          gradIn: ref(c, h("gradIn"), `${q}.gradIn`, table),
          gradsOut: c.arr(h("gradsOut"), `${q}.gradsOut`).map((z, k) => {
            const r = `${q}.gradsOut[${k}]`;
            const go = c.obj(z, r);
            const to = c.get(go, "to", r);
            const grad = c.get(go, "grad", r);
            return {
              index: c.int(c.get(go, "index", r), `${r}.index`),
              to: to === null || to === undefined ? null : (nodeRef(c.str(to, `${r}.to`, CAPS.name), `${r}.to`) ?? null),
              grad: grad === null || grad === undefined ? null : ref(c, grad, `${r}.grad`, table),
            };
          }),
        };
        const leaf = tensorRef(c.optStr(h("leaf"), `${q}.leaf`, CAPS.name), `${q}.leaf`);
        if (leaf !== undefined) step.leaf = leaf;
        const retained = tensorRef(c.optStr(h("retained"), `${q}.retained`, CAPS.name), `${q}.retained`);
        if (retained !== undefined) step.retained = retained;
        const after = optionalRef(c, h("gradAfter"), `${q}.gradAfter`, table);
        if (after !== undefined) step.gradAfter = after;
        if (!nodeIds.has(step.node)) c.fail(`${q}.node`, `refers to a node that is not in the snapshot (${JSON.stringify(step.node)})`);
        return step;
      }),
      stepsTruncated: c.bool(g("stepsTruncated"), `${p}.stepsTruncated`),
    };
    const loss = g("loss");
    if (loss !== undefined) out.loss = c.finite(loss, `${p}.loss`);
    const range = c.range(g("range"), `${p}.range`);
    if (range) out.range = range;
    const error = c.optStr(g("error"), `${p}.error`, CAPS.message);
    if (error !== undefined) out.error = error;
    return out;
  });

  const snapshot: SnapshotWire = {
    version: SNAPSHOT_VERSION,
    values: table.map(({ numel: _numel, ...e }) => e),
    file: c.str(f("file"), "snapshot.file", CAPS.name * 4),
    language: c.oneOf(f("language"), "snapshot.language", ["typescript", "javascript", "python"] as const),
    tracedAt: c.str(f("tracedAt"), "snapshot.tracedAt", 100),
    durationMs: c.num(c.finite(f("durationMs"), "snapshot.durationMs"), "snapshot.durationMs", 0),
    limits: { timeoutMs: limit("timeoutMs"), nodeCap: limit("nodeCap"), valueCap: limit("valueCap"), stepCap: limit("stepCap"), memoryMb: limit("memoryMb") },
    console: c.each(c.arr(f("console"), "snapshot.console"), (x, i) => {
      const p = `snapshot.console[${i}]`;
      const e = c.obj(x, p);
      const out: GraphSnapshot["console"][number] = {
        level: c.oneOf(c.get(e, "level", p), `${p}.level`, ["log", "info", "warn", "error", "debug"] as const),
        text: c.str(c.get(e, "text", p), `${p}.text`, CAPS.consoleLine),
      };
      const range = c.range(c.get(e, "range", p), `${p}.range`);
      if (range) out.range = range;
      return out;
    }),
    warnings: c.arr(f("warnings"), "snapshot.warnings").map((x, i) => {
      const p = `snapshot.warnings[${i}]`;
      const e = c.obj(x, p);
      const out: GraphSnapshot["warnings"][number] = { message: c.str(c.get(e, "message", p), `${p}.message`, CAPS.message) };
      const range = c.range(c.get(e, "range", p), `${p}.range`);
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
    const p = `snapshot.modules[${i}]`;
    const o = c.obj(x, p);
    const g = (k: string) => c.get(o, k, p);
    const boundAt = c.range(g("boundAt"), `${p}.boundAt`);
    if (!boundAt) c.fail(`${p}.boundAt`, "missing");
    return {
      name: c.str(g("name"), `${p}.name`, CAPS.name),
      type: c.str(g("type"), `${p}.type`, CAPS.name),
      boundAt,
      paramCount: c.int(g("paramCount"), `${p}.paramCount`),
      valueCount: c.int(g("valueCount"), `${p}.valueCount`),
      params: c.arr(g("params"), `${p}.params`, 50).map((y, j) => {
        const q = `${p}.params[${j}]`;
        const e = c.obj(y, q);
        const norm = c.get(e, "gradNorm", q);
        const param: NonNullable<GraphSnapshot["modules"]>[number]["params"][number] = {
          name: c.str(c.get(e, "name", q), `${q}.name`, CAPS.name),
          shape: shape(c, c.get(e, "shape", q), `${q}.shape`).shape,
          gradNorm: norm === null || norm === undefined ? null : c.num(norm, `${q}.gradNorm`, 0),
        };
        const tensor = c.optStr(c.get(e, "tensor", q), `${q}.tensor`, CAPS.name);
        if (tensor !== undefined) {
          if (!tensorIds.has(tensor)) c.fail(`${q}.tensor`, `"${tensor}" is not a tensor of this snapshot`);
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

/** snapshot.scopes: module calls, each parent earlier; every node's scope names one of them. */
function scopeList(c: Checker, v: unknown, nodes: readonly NodeWire[]): NonNullable<GraphSnapshot["scopes"]> {
  const out = c.arr(v, "snapshot.scopes").map((x, i) => {
    const p = `snapshot.scopes[${i}]`;
    const o = c.obj(x, p);
    const r: NonNullable<GraphSnapshot["scopes"]>[number] = {
      kind: c.oneOf(c.get(o, "kind", p), `${p}.kind`, ["module"] as const),
      name: c.str(c.get(o, "name", p), `${p}.name`, CAPS.name),
      type: c.str(c.get(o, "type", p), `${p}.type`, CAPS.name),
    };
    const parent = c.get(o, "parent", p);
    if (parent !== undefined) {
      r.parent = c.int(parent, `${p}.parent`);
      if (r.parent < 0 || r.parent >= i) c.fail(`${p}.parent`, "must name an earlier scope");
    }
    const params = c.get(o, "params", p);
    if (params !== undefined) r.params = c.arr(params, `${p}.params`).map((t, j) => c.str(t, `${p}.params[${j}]`, CAPS.name));
    return r;
  });
  nodes.forEach((n, i) => {
    if (n.scope !== undefined && (n.scope < 0 || n.scope >= out.length)) c.fail(`snapshot.nodes[${i}].scope`, `${n.scope} is not an index into snapshot.scopes`);
  });
  return out;
}

/** Undefined when `input` is a wire snapshot the view can show; else what is wrong, with its path. */
export function snapshotProblem(input: unknown): string | undefined {
  const r = checkWire(input);
  return r.ok ? undefined : r.error;
}

// The re-evaluation program's side of shared/validate.ts (snapshot.program: leaves and constants as
// full tensors, ops with JSON attributes of bounded depth). Pure TypeScript.
import type { GraphSnapshot } from "./protocol";
import { CAPS, Checker, type Obj } from "./validate-checker";
import { DTYPES, shape, values } from "./validate-values";

/** out[key] = value as an own property, also for "__proto__" (which assignment would take as the prototype). */
function ownKey(out: object, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A JSON value (program op attributes): bounded depth, capped strings, finite numbers. */
function jsonValue(c: Checker, v: unknown, path: string, depth: number): unknown {
  if (depth > CAPS.attrDepth) c.fail(path, `is nested deeper than ${CAPS.attrDepth}`);
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : c.fail(path, "must be a finite number");
  if (typeof v === "string") return c.str(v, path, CAPS.message);
  if (Array.isArray(v)) return v.map((x, i) => jsonValue(c, x, c.atIndex(path, "", i), depth + 1));
  const o = c.obj(v, path);
  const out: Obj = {};
  for (const k of Object.keys(o)) ownKey(out, c.str(k, path, CAPS.name), jsonValue(c, c.get(o, k, path), c.at(path, c.paths ? `.${k}` : ""), depth + 1));
  return out;
}

function fullTensor(c: Checker, v: unknown, path: string): NonNullable<GraphSnapshot["program"]>["leaves"][string] {
  const o = c.obj(v, path);
  const s = shape(c, c.get(o, "shape", path), c.at(path, ".shape"));
  const vals = values(c, c.get(o, "values", path), c.at(path, ".values"), s.numel);
  if (vals.length !== s.numel) c.fail(c.at(path, ".values"), `has ${vals.length} values for a shape of ${s.numel} elements`);
  const out: NonNullable<GraphSnapshot["program"]>["leaves"][string] = {
    shape: s.shape,
    dtype: c.oneOf(c.get(o, "dtype", path), c.at(path, ".dtype"), DTYPES),
    values: vals,
  };
  const label = c.optStr(c.get(o, "label", path), c.at(path, ".label"), CAPS.name);
  if (label !== undefined) out.label = label;
  return out;
}

function tensorMap(c: Checker, v: unknown, path: string): Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> {
  const o = c.obj(v, path);
  const out: Record<string, NonNullable<GraphSnapshot["program"]>["leaves"][string]> = {};
  for (const k of Object.keys(o)) ownKey(out, c.str(k, path, CAPS.name), fullTensor(c, c.get(o, k, path), c.at(path, c.paths ? `.${k}` : "")));
  return out;
}

export function program(c: Checker, v: unknown, path: string): GraphSnapshot["program"] {
  if (v === undefined) return undefined;
  const o = c.obj(v, path);
  const out: NonNullable<GraphSnapshot["program"]> = {
    leaves: tensorMap(c, c.get(o, "leaves", path), c.at(path, ".leaves")),
    constants: tensorMap(c, c.get(o, "constants", path), c.at(path, ".constants")),
    ops: c.each(c.arr(c.get(o, "ops", path), c.at(path, ".ops")), (x, i) => {
      const p = c.atIndex(path, ".ops", i);
      const op = c.obj(x, p);
      const r: NonNullable<GraphSnapshot["program"]>["ops"][number] = {
        node: c.str(c.get(op, "node", p), c.at(p, ".node"), CAPS.name),
        op: c.str(c.get(op, "op", p), c.at(p, ".op"), CAPS.name),
        inputs: c.arr(c.get(op, "inputs", p), c.at(p, ".inputs")).map((id, j) => (id === null ? null : c.str(id, c.atIndex(p, ".inputs", j), CAPS.name))),
        attrs: jsonValue(c, c.get(op, "attrs", p) ?? {}, c.at(p, ".attrs"), 0) as Obj,
        out: c.str(c.get(op, "out", p), c.at(p, ".out"), CAPS.name),
      };
      const line = c.get(op, "line", p);
      if (line !== undefined) r.line = c.int(line, c.at(p, ".line"), 0);
      return r;
    }),
  };
  const unavailable = c.optStr(c.get(o, "unavailable", path), c.at(path, ".unavailable"), CAPS.message);
  if (unavailable !== undefined) out.unavailable = unavailable;
  if (out.ops.some((op) => typeof op.attrs !== "object" || op.attrs === null || Array.isArray(op.attrs))) c.fail(c.at(path, ".ops"), "attrs must be objects");
  return out;
}


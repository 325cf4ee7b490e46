// What one run of a program produced, in a form both sides emit (harness.py writes the same JSON for
// PyTorch): per named tensor its shape, dtype, values, autograd flags, the whole graph under its
// grad_fn, and a leaf's grad; the first error (with the step that threw) and the warnings.
import { AccumulateGrad, setWarningHandler, Tensor, torch, type Node } from "../../engine/index";
import { emitTs, namesOf, type Program } from "./program";

export type Value = number | string; // "nan", "inf", "-inf" for non-finite numbers (JSON has none)

export interface GraphNode {
  name: string;
  /** [index of the next node in the list, or null for a None edge; the edge's input number] */
  next: Array<[number | null, number]>;
  /** For AccumulateGrad: the program variable holding the leaf it accumulates into ("?" if none). */
  leaf?: string;
}

export interface TensorInfo {
  kind: "tensor";
  shape: number[];
  dtype: string;
  values: Value[];
  requiresGrad: boolean;
  isLeaf: boolean;
  /** The earlier variable this one is the very same tensor object as (e.g. `v.flatten()` of 1-D v). */
  aliasOf: string | null;
  /** grad_fn and everything under it, depth-first pre-order, shared nodes once. */
  graph: GraphNode[] | null;
  /** A leaf that requires grad: its .grad after the program (null when none). */
  grad?: Value[] | null;
  layout?: { stride: unknown; storageOffset: unknown; contiguous: unknown };
  version?: unknown;
}

export type Captured = TensorInfo | { kind: "none" } | { kind: "other"; repr: string };

export interface RunResult {
  error: { step: number; message: string } | null;
  tensors: Record<string, Captured>;
  warnings: string[];
}

export function encode(v: number): Value {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

function flat(t: Tensor): Value[] {
  const out: Value[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) walk(e);
    else out.push(encode(Number(v)));
  };
  walk(t.tolist());
  return out;
}

function graphOf(fn: Node | null, tensors: ReadonlyArray<readonly [string, Tensor]>): GraphNode[] | null {
  if (fn === null) return null;
  const nodes: GraphNode[] = [];
  const index = new Map<Node, number>();
  const visit = (f: Node): number => {
    const seen = index.get(f);
    if (seen !== undefined) return seen;
    const i = nodes.length;
    index.set(f, i);
    const node: GraphNode = { name: f.name, next: [] };
    nodes.push(node);
    if (f instanceof AccumulateGrad) node.leaf = tensors.find(([, t]) => t === f.variable)?.[0] ?? "?";
    for (const [g, nr] of f.nextFunctions) node.next.push([g === null ? null : visit(g), nr]);
    return i;
  };
  visit(fn);
  return nodes;
}

/** Read a method or property the engine may not have yet; "<missing>" then (compared as a difference). */
function probe(t: Tensor, key: string, call: boolean): unknown {
  const v = (t as unknown as Record<string, unknown>)[key];
  if (v === undefined) return "<missing>";
  if (!call) return v;
  return typeof v === "function" ? (v as () => unknown).call(t) : "<missing>";
}

function describe(env: Record<string, unknown>, names: readonly string[], name: string, p: Program): Captured {
  const v = env[name];
  if (v === undefined || v === null) return { kind: "none" };
  if (!(v instanceof Tensor)) return { kind: "other", repr: v?.constructor?.name ?? typeof v };
  const tensors = names.filter((n) => env[n] instanceof Tensor).map((n) => [n, env[n] as Tensor] as const);
  const alias = tensors.find(([n, t]) => t === v && n !== name && names.indexOf(n) < names.indexOf(name))?.[0] ?? null;
  const info: TensorInfo = {
    kind: "tensor",
    shape: [...v.shape],
    dtype: v.dtype,
    values: flat(v),
    requiresGrad: v.requiresGrad,
    isLeaf: v.isLeaf,
    aliasOf: alias,
    graph: graphOf(v.gradFn, tensors),
  };
  if (v.isLeaf && v.requiresGrad) info.grad = v.grad === undefined ? null : flat(v.grad);
  if (p.layout) {
    info.layout = { stride: probe(v, "stride", true), storageOffset: probe(v, "storageOffset", true), contiguous: probe(v, "isContiguous", true) };
  }
  if (p.versions) info.version = probe(v, "version", false);
  return info;
}

/** The TypeScript of the program as run: the emitted statements plus bookkeeping of step and names. */
export function runnableTs(p: Program): string {
  const { statements, leafCount } = emitTs(p);
  const lines: string[] = [];
  statements.forEach((s, i) => {
    lines.push(`__at.step = ${i - leafCount};`, s);
    const m = /^const (\w+) =/.exec(s);
    if (m) lines.push(`__env.${m[1]} = ${m[1]};`);
  });
  return lines.join("\n");
}

/** Run a program through our engine, in this process. */
export function runEngine(p: Program): RunResult {
  const warnings: string[] = [];
  const prev = setWarningHandler((w) => warnings.push(w.message));
  const env: Record<string, unknown> = {};
  const at = { step: 0 };
  let error: RunResult["error"] = null;
  try {
    // The emitted TypeScript is also plain JavaScript (no annotations), so it runs as it is shown.
    const fn = new Function("torch", "__env", "__at", runnableTs(p)) as (t: typeof torch, e: object, a: object) => void;
    fn(torch, env, at);
  } catch (e) {
    error = { step: at.step, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  } finally {
    setWarningHandler(prev);
  }
  const names = namesOf(p).filter((n) => n in env);
  const tensors: Record<string, Captured> = {};
  for (const n of names) tensors[n] = describe(env, names, n, p);
  return { error, tensors, warnings };
}

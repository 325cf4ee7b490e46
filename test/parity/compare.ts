// Compare what our engine produced with what PyTorch produced for the same program: errors (both or
// neither, at the same step), then per named tensor shape, dtype, values, requires_grad/is_leaf,
// identity with an earlier variable, the whole graph under grad_fn (names, edge input numbers, the
// leaf each AccumulateGrad holds, None edges), a leaf's grad, and (when asked) layout and version.
import type { Captured, GraphNode, RunResult, TensorInfo, Value } from "./capture";
import { normaliseGraph, type TorchNode } from "./names";

export interface Expectations {
  /**
   * Both sides must fail with a message containing this phrase (checked on PyTorch's message too).
   * Where 2.x's words differ from 1.13's, give both: ours must have 2.x's, PyTorch 1.13 its own.
   */
  errorPhrase?: string | { ours: string; torch113: string };
  /** Both sides must warn with a message containing this phrase. */
  warningPhrase?: string;
}

const TOL = { float32: { rtol: 1e-4, atol: 1e-5 }, float64: { rtol: 1e-9, atol: 1e-12 } } as const;

/**
 * float64 results are held to float64's tolerance only when the program computed nothing in float32:
 * `x32.pow(3).double()` carries float32's rounding (PyTorch computes x·x·x in float32, we round
 * Math.pow's double to float32 — one ulp apart, both right).
 */
function closeValues(a: readonly Value[], b: readonly Value[], dtype: string, float32Involved: boolean): string | null {
  if (a.length !== b.length) return `${a.length} values vs ${b.length}`;
  const tol = dtype === "float32" || (dtype === "float64" && float32Involved) ? TOL.float32 : dtype === "float64" ? TOL.float64 : { rtol: 0, atol: 0 };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (typeof x === "string" || typeof y === "string") {
      if (x !== y) return `element ${i}: ${x} vs ${y}`;
      continue;
    }
    if (Math.abs(x - y) > tol.atol + tol.rtol * Math.abs(y)) return `element ${i}: ${x} vs ${y}`;
  }
  return null;
}

/** One line per node: `#i Name -> [#j:nr, None:0]` (AccumulateGrad shows its leaf). */
export function graphText(g: readonly GraphNode[] | null): string {
  if (g === null) return "(no grad_fn)";
  return g
    .map((n, i) => {
      const label = n.leaf !== undefined ? `${n.name}(${n.leaf})` : n.name;
      const edges = n.next.map(([j, nr]) => (j === null ? `None:${nr}` : `#${j}:${nr}`));
      return `#${i} ${label}${edges.length ? ` -> [${edges.join(", ")}]` : ""}`;
    })
    .join("; ");
}

function sameGraph(a: readonly GraphNode[] | null, b: readonly GraphNode[] | null): boolean {
  return graphText(a) === graphText(b);
}

function compareTensor(name: string, ours: Captured | undefined, theirs: Captured | undefined, out: string[], f32: boolean, torch1x: boolean): void {
  if (ours === undefined || theirs === undefined) {
    if (ours !== theirs) out.push(`${name}: defined in ${ours ? "ours only" : "PyTorch only"}`);
    return;
  }
  if (ours.kind !== "tensor" || theirs.kind !== "tensor") {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) out.push(`${name}: ours ${JSON.stringify(ours)}, PyTorch ${JSON.stringify(theirs)}`);
    return;
  }
  const o: TensorInfo = ours, t: TensorInfo = theirs;
  // 1.13 names rewritten to 2.x (names.ts); a 2.x reference is compared as it is.
  const tGraph = torch1x ? normaliseGraph(t.graph as TorchNode[] | null) : (t.graph as TorchNode[] | null);
  if (o.shape.join() !== t.shape.join()) out.push(`${name}: shape [${o.shape}] vs PyTorch [${t.shape}]`);
  if (o.dtype !== t.dtype) out.push(`${name}: dtype ${o.dtype} vs PyTorch ${t.dtype}`);
  if (o.aliasOf !== t.aliasOf) out.push(`${name}: ${t.aliasOf ? `PyTorch returns ${t.aliasOf} itself` : `PyTorch returns a new tensor, ours is ${o.aliasOf} itself`}`);
  if (o.requiresGrad !== t.requiresGrad) out.push(`${name}: requires_grad ${o.requiresGrad} vs PyTorch ${t.requiresGrad}`);
  if (o.isLeaf !== t.isLeaf) out.push(`${name}: is_leaf ${o.isLeaf} vs PyTorch ${t.isLeaf}`);
  if (!sameGraph(o.graph, tGraph)) out.push(`${name}: graph\n      ours:    ${graphText(o.graph)}\n      PyTorch: ${graphText(tGraph)}`);
  if (o.shape.join() === t.shape.join()) {
    const d = closeValues(o.values, t.values, t.dtype, f32);
    if (d) out.push(`${name}: values differ (${d})`);
  }
  if ("grad" in t || "grad" in o) {
    const og = o.grad ?? null, tg = t.grad ?? null;
    if ((og === null) !== (tg === null)) out.push(`${name}.grad: ${og === null ? "none in ours" : "none in PyTorch"}`);
    else if (og !== null && tg !== null) {
      const d = closeValues(og, tg, t.dtype, f32);
      if (d) out.push(`${name}.grad differs (${d})`);
    }
  }
  if (t.layout && JSON.stringify(o.layout) !== JSON.stringify(t.layout)) {
    out.push(`${name}: layout ${JSON.stringify(o.layout)} vs PyTorch ${JSON.stringify(t.layout)}`);
  }
  if ("version" in t && o.version !== t.version) out.push(`${name}: version ${String(o.version)} vs PyTorch ${String(t.version)}`);
}

/**
 * Differences, one entry each; empty when the engine matches PyTorch. `torch1x`: the reference is
 * PyTorch 1.x (its own error words are expected, see Expectations.errorPhrase).
 */
export function compareRuns(ours: RunResult, theirs: RunResult, expect: Expectations = {}, torch1x = true): string[] {
  const out: string[] = [];
  if (theirs.error?.message.startsWith("harness:")) return [`PyTorch side failed to run: ${theirs.error.message}`];
  if ((ours.error === null) !== (theirs.error === null)) {
    out.push(
      ours.error
        ? `ours throws at step ${ours.error.step} (${ours.error.message}); PyTorch does not`
        : `PyTorch throws at step ${theirs.error!.step} (${theirs.error!.message}); ours does not`,
    );
    return out;
  }
  if (ours.error && theirs.error) {
    if (/is not a function|Cannot read properties of undefined|does not have yet/.test(ours.error.message)) {
      out.push(`both throw, but ours only because the engine lacks something (${ours.error.message}); PyTorch: ${theirs.error.message}`);
    }
    if (ours.error.step !== theirs.error.step) {
      out.push(`both throw, ours at step ${ours.error.step} (${ours.error.message}), PyTorch at step ${theirs.error.step} (${theirs.error.message})`);
    }
    if (expect.errorPhrase !== undefined) {
      const p = typeof expect.errorPhrase === "string" ? { ours: expect.errorPhrase, torch113: expect.errorPhrase } : expect.errorPhrase;
      const theirPhrase = torch1x ? p.torch113 : p.ours;
      if (!theirs.error.message.includes(theirPhrase)) out.push(`PyTorch's error lacks "${theirPhrase}": ${theirs.error.message}`);
      if (!ours.error.message.includes(p.ours)) out.push(`our error lacks "${p.ours}": ${ours.error.message}`);
    }
    return out; // what was defined before the error is not compared
  }
  if (expect.errorPhrase !== undefined) out.push(`expected an error (${JSON.stringify(expect.errorPhrase)}); neither side threw`);
  if (expect.warningPhrase !== undefined) {
    if (!theirs.warnings.some((w) => w.includes(expect.warningPhrase!))) out.push(`PyTorch did not warn "${expect.warningPhrase}" (${JSON.stringify(theirs.warnings)})`);
    if (!ours.warnings.some((w) => w.includes(expect.warningPhrase!))) out.push(`ours did not warn "${expect.warningPhrase}" (${JSON.stringify(ours.warnings)})`);
  }
  const f32 = Object.values(theirs.tensors).some((t) => t.kind === "tensor" && t.dtype === "float32");
  const names = [...new Set([...Object.keys(theirs.tensors), ...Object.keys(ours.tensors)])];
  for (const n of names) compareTensor(n, ours.tensors[n], theirs.tensors[n], out, f32, torch1x);
  return out;
}

/** A one-line gist of a program's differences, for the expected-failure list of random programs. */
export function gist(diffs: readonly string[]): string {
  const d = diffs[0] ?? "";
  const g = /^(\w+): graph\n\s+ours:\s+(.*)\n\s+PyTorch: (.*)$/.exec(d);
  if (g) {
    const a = g[2]!.split("; ").map((x) => x.replace(/^#\d+ /, "").replace(/ -> .*/, ""));
    const b = g[3]!.split("; ").map((x) => x.replace(/^#\d+ /, "").replace(/ -> .*/, ""));
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (i === a.length && i === b.length) return "graph: same nodes, different edges";
    return `graph: ours ${a[i] ?? "(end)"} where PyTorch has ${b[i] ?? "(end)"}`;
  }
  return d.replace(/\s+/g, " ").replace(/^\w+: /, "").slice(0, 140);
}

// A parity program, written once as data and emitted twice: as TypeScript against our engine and as
// Python against real PyTorch. A program declares leaf tensors (with literal values, so both sides
// start from identical numbers) and a list of steps; each step applies one op from ops.ts to named
// tensors and may name its result. Everything a step names is compared afterwards (see capture.ts).
import { OPS, type Arg } from "./ops";

export type LeafDType = "float32" | "float64" | "int64";

export interface Leaf {
  name: string;
  shape: number[];
  dtype: LeafDType;
  requiresGrad: boolean;
  /** Flat row-major values (integers for int64). */
  values: number[];
}

export interface Step {
  /** Variable the result is bound to (omit for statements such as backward). */
  out?: string;
  op: string;
  /** Tensor operands, by variable name. */
  x: string[];
  /** Non-tensor arguments (dims, scalars, shapes, index components), interpreted by the op. */
  a?: Arg[];
  /** For `noGrad`: the step run inside torch.noGrad / torch.no_grad(). */
  inner?: Step;
}

export interface Program {
  name: string;
  leaves: Leaf[];
  steps: Step[];
  /** Also compare stride(), storageOffset(), isContiguous() of every named tensor. */
  layout?: boolean;
  /** Also compare each named tensor's version counter (Python `_version`, ours `version`). */
  versions?: boolean;
}

export interface Emitted {
  /** One source string per statement (leaves first, then steps), in order. */
  statements: string[];
  /** Number of leaf statements before the first step (an error's step index counts from there). */
  leafCount: number;
}

function nested(values: readonly number[], shape: readonly number[], fmt: (v: number) => string): string {
  if (shape.length === 0) return fmt(values[0]!);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  const parts: string[] = [];
  for (let i = 0; i < shape[0]!; i++) parts.push(nested(values.slice(i * inner, (i + 1) * inner), shape.slice(1), fmt));
  return `[${parts.join(", ")}]`;
}

export function pyNumber(v: number): string {
  if (Number.isNaN(v)) return "float('nan')";
  if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "float('-inf')";
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function leafTs(l: Leaf): string {
  const data = nested(l.values, l.shape, (v) => String(v));
  const opts = [`dtype: "${l.dtype}"`];
  if (l.requiresGrad) opts.push("requiresGrad: true");
  // torch.tensor([]) of shape [0] has no nesting to carry its shape; reshape handles zero-size dims.
  const base = `torch.tensor(${data}, { ${opts.join(", ")} })`;
  return `const ${l.name} = ${base};`;
}

function leafPy(l: Leaf): string {
  const fmt = l.dtype === "int64" ? (v: number) => String(v) : pyNumber;
  const data = nested(l.values, l.shape, fmt);
  const rg = l.requiresGrad ? ", requires_grad=True" : "";
  return `${l.name} = torch.tensor(${data}, dtype=torch.${l.dtype}${rg})`;
}

export function stepTs(s: Step): string {
  if (s.op === "noGrad") {
    const inner = s.inner!;
    const expr = OPS[inner.op]!.ts(inner.x, inner.a ?? []);
    const target = inner.out ?? s.out;
    return target === undefined ? `torch.noGrad(() => ${expr});` : `const ${target} = torch.noGrad(() => ${expr});`;
  }
  const op = OPS[s.op];
  if (!op) throw new Error(`parity: unknown op ${s.op}`);
  const expr = op.ts(s.x, s.a ?? []);
  return s.out === undefined ? `${expr};` : `const ${s.out} = ${expr};`;
}

export function stepPy(s: Step): string {
  if (s.op === "noGrad") {
    const inner = s.inner!;
    const expr = OPS[inner.op]!.py(inner.x, inner.a ?? []);
    const target = inner.out ?? s.out;
    return `with torch.no_grad():\n    ${target === undefined ? expr : `${target} = ${expr}`}`;
  }
  const op = OPS[s.op];
  if (!op) throw new Error(`parity: unknown op ${s.op}`);
  const expr = op.py(s.x, s.a ?? []);
  return s.out === undefined ? expr : `${s.out} = ${expr}`;
}

export function emitTs(p: Program): Emitted {
  return { statements: [...p.leaves.map(leafTs), ...p.steps.map(stepTs)], leafCount: p.leaves.length };
}

export function emitPy(p: Program): Emitted {
  return { statements: [...p.leaves.map(leafPy), ...p.steps.map(stepPy)], leafCount: p.leaves.length };
}

/** Every variable a program names, leaves first, in order of definition (no duplicates). */
export function namesOf(p: Program): string[] {
  const out: string[] = [];
  const add = (n: string | undefined) => {
    if (n !== undefined && !out.includes(n)) out.push(n);
  };
  for (const l of p.leaves) add(l.name);
  for (const s of p.steps) {
    add(s.out);
    add(s.inner?.out);
  }
  return out;
}

/** The program cut down to step `k` and the steps and leaves it depends on (for a short repro). */
export function sliceTo(p: Program, k: number): Program {
  const need = new Set<string>();
  const keep: Step[] = [];
  const uses = (s: Step): string[] => [...s.x, ...(s.inner ? uses(s.inner) : [])];
  const outs = (s: Step): string[] => [s.out, s.inner?.out].filter((v): v is string => v !== undefined);
  for (let i = k; i >= 0; i--) {
    const s = p.steps[i]!;
    // In-place steps (no new name, or rebinding an operand) matter whenever their operand is needed.
    const mutates = s.out === undefined || outs(s).some((o) => uses(s).includes(o)) || s.op.endsWith("_") || s.op === "noGrad";
    if (i === k || outs(s).some((o) => need.has(o)) || (mutates && uses(s).some((u) => need.has(u)))) {
      keep.unshift(s);
      for (const u of uses(s)) need.add(u);
    }
  }
  return { ...p, leaves: p.leaves.filter((l) => need.has(l.name) || keep.some((s) => outs(s).includes(l.name))), steps: keep };
}

/** Both sources, for a failure message a person can paste into a file and run. */
export function reproText(p: Program): string {
  const ts = emitTs(p).statements.join("\n");
  const py = ["import torch", ...emitPy(p).statements].join("\n");
  return `--- TypeScript (our engine) ---\n${ts}\n--- Python (PyTorch) ---\n${py}\n`;
}

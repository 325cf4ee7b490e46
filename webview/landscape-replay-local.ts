// TEMPORARY: a thin local stand-in for engine/replay (issue 6 contract, section 2) until helper R's
// slice lands; same signatures, per-point only, textbook ops only. Deleted when engine/replay exists.
import { torch, type Tensor } from "../engine/index";

export interface FullTensor {
  shape: number[];
  dtype: "float32" | "float64" | "int64";
  values: Array<number | "NaN" | "Infinity" | "-Infinity">;
}
export interface ProgramOp {
  node: string;
  op: string;
  inputs: Array<string | null>;
  attrs: Record<string, unknown>;
  out: string;
}
export interface ProgramInfo {
  unavailable?: string;
  leaves: Record<string, FullTensor>;
  constants: Record<string, FullTensor>;
  ops: ProgramOp[];
}
export interface Varied {
  leaf: string;
  index: number;
}
export type DescentMethod = "sgd" | "momentum" | "adam";
export interface DescentStep {
  point: number[];
  value: number;
  grad: number[];
}
export class ReplayCancelled extends Error {}

const num = (v: number | string): number => (typeof v === "number" ? v : Number(v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity));

function run(program: ProgramInfo, output: string, vary: Varied[], point: ArrayLike<number>, grad: boolean): { out: Tensor; leaves: Map<string, Tensor> } {
  const env = new Map<string, Tensor>();
  const leaves = new Map<string, Tensor>();
  for (const [id, t] of Object.entries(program.leaves)) {
    const values = t.values.map(num);
    vary.forEach((v, k) => {
      if (v.leaf === id) values[v.index] = point[k]!;
    });
    const x = torch.tensor(values, { dtype: t.dtype }).reshape(t.shape);
    const leaf = grad ? x.detach().requiresGrad_(true) : x;
    leaves.set(id, leaf);
    env.set(id, leaf);
  }
  for (const [id, t] of Object.entries(program.constants)) env.set(id, torch.tensor(t.values.map(num), { dtype: t.dtype }).reshape(t.shape));
  const input = (op: ProgramOp, k: number): Tensor => {
    const id = op.inputs[k];
    const t = id ? env.get(id) : undefined;
    if (!t) throw new Error(`${op.op}: input ${k} is missing`);
    return t;
  };
  const other = (op: ProgramOp): number => Number(op.attrs.other);
  const body = () => {
    for (const op of program.ops) {
      let r: Tensor;
      switch (op.op) {
        case "PowBackward0": r = input(op, 0).pow(Number(op.attrs.exponent)); break;
        case "MulBackward0": r = input(op, 0).mul(input(op, 1)); break;
        case "MulBackward1": r = input(op, 0).mul(other(op)); break;
        case "AddBackward0": r = input(op, 0).add(input(op, 1)); break;
        case "AddBackward1": r = input(op, 0).add(other(op)); break;
        case "SubBackward0": r = input(op, 0).sub(input(op, 1)); break;
        case "SubBackward1": r = input(op, 0).sub(other(op)); break;
        case "SumBackward0": r = input(op, 0).sum(); break;
        case "MeanBackward0": r = input(op, 0).mean(); break;
        default: throw new Error(`no replay rule for ${op.op}`);
      }
      env.set(op.out, r);
    }
  };
  if (grad) body();
  else torch.noGrad(body);
  const out = env.get(output);
  if (!out) throw new Error(`the output ${output} is not made by the program`);
  return { out, leaves };
}

export function landscapeProblem(program: ProgramInfo, output: string, vary: Varied[]): string | null {
  if (program.unavailable) return program.unavailable;
  if (!program.ops.some((o) => o.out === output)) return "the output is not made by a recorded op";
  if (vary.some((v) => !program.leaves[v.leaf])) return "an input is not a leaf of the program";
  return null;
}

export function candidateInputs(program: ProgramInfo, output: string): Array<Varied & { label?: string; value: number; leafShape: number[] }> {
  const used = new Set<string>([output]);
  for (let k = program.ops.length - 1; k >= 0; k--) {
    const op = program.ops[k]!;
    if (used.has(op.out)) for (const i of op.inputs) if (i) used.add(i);
  }
  const out: Array<Varied & { label?: string; value: number; leafShape: number[] }> = [];
  for (const [leaf, t] of Object.entries(program.leaves)) {
    if (!used.has(leaf)) continue;
    t.values.forEach((v, index) => out.push({ leaf, index, value: num(v), leafShape: t.shape }));
  }
  return out;
}

export function evaluateBatch(program: ProgramInfo, output: string, vary: Varied[], points: Float64Array, count: number, shouldStop?: () => boolean): Float64Array {
  const n = vary.length;
  const res = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    if ((p & 63) === 0 && shouldStop?.()) throw new ReplayCancelled("cancelled");
    const v = run(program, output, vary, points.subarray(p * n, p * n + n), false).out.item();
    res[p] = Number.isFinite(v) ? v : NaN;
  }
  return res;
}

export function evaluateWithGrad(program: ProgramInfo, output: string, vary: Varied[], point: number[]): { value: number; grad: number[] } {
  const { out, leaves } = run(program, output, vary, point, true);
  out.backward();
  return { value: out.item(), grad: vary.map((v) => (leaves.get(v.leaf)!.grad?.data[v.index] as number | undefined) ?? 0) };
}

export function descend(program: ProgramInfo, output: string, vary: Varied[], start: number[], opts: { method: DescentMethod; lr: number; steps: number }): { steps: DescentStep[]; diverged: boolean } {
  const steps: DescentStep[] = [];
  let x = start.slice();
  const m = x.map(() => 0), v = x.map(() => 0);
  for (let k = 0; k <= opts.steps; k++) {
    const { value, grad } = evaluateWithGrad(program, output, vary, x);
    steps.push({ point: x.slice(), value, grad });
    if (!Number.isFinite(value) || x.some((c) => !Number.isFinite(c))) return { steps, diverged: true };
    if (k === opts.steps) break;
    x = x.map((c, i) => {
      const g = grad[i]!;
      if (opts.method === "sgd") return c - opts.lr * g;
      if (opts.method === "momentum") {
        m[i] = k === 0 ? g : 0.9 * m[i]! + g;
        return c - opts.lr * m[i]!;
      }
      m[i] = 0.9 * m[i]! + 0.1 * g;
      v[i] = 0.999 * v[i]! + 0.001 * g * g;
      return c - (opts.lr * (m[i]! / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(v[i]! / (1 - 0.999 ** (k + 1))) + 1e-8);
    });
  }
  return { steps, diverged: false };
}

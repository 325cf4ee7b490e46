// Re-evaluation of a traced computation (issue 6, the loss landscape): the runner records every op
// as data (GraphSnapshot.program, see runner/program.ts); this module re-runs the ops the output
// depends on with the engine's own ops, at other values of one or more leaf elements — for many
// points at once (a batch dimension), with gradients (the engine's backward) and with the engine's
// optimizers (gradient descent on the replayed function). Pure TypeScript: runs in a Web Worker.
import { Tensor } from "../tensor";
import { allocate } from "../dtype";
import { withGradMode } from "../grad_mode";
import { backward } from "../autograd/engine";
import { Adam, SGD, type Optimizer } from "../optim/optimizers";
import * as join from "../ops/join";
import { ruleFor, tensorFromFull, type ReplayRule } from "./rules";
import { ReplayCancelled, ReplayError } from "./errors";
import { cacheOf, fail, has, referenceOf, sliceOf, source, where, type Plan, type Reference, type Slice } from "./slice";
import type { Candidate, DescentMethod, DescentResult, DescentStep, ProgramInfo, Varied } from "./types";

export type { Candidate, DescentMethod, DescentResult, DescentStep, FullTensor, ProgramInfo, Varied } from "./types";
export { RULES, ruleFor, type ReplayRule } from "./rules";

export { ReplayCancelled, ReplayError };

/** Candidates offered per leaf at most (a big weight matrix would otherwise list every element). */
export const MAX_CANDIDATES_PER_LEAF = 1000;
/** Elements per batched intermediate tensor at most; the points are split into chunks below it. */
const CHUNK_ELEMENTS = 1 << 22;
/** Descent counts as diverged after this many consecutive rises of the value above its start. */
export const DIVERGENCE_RISES = 5;

// ---- the API ------------------------------------------------------------------------------------

/** Why `program` cannot give `output` as a function of `vary` (null when it can). */
export function landscapeProblem(program: ProgramInfo, output: string, vary: readonly Varied[]): string | null {
  if (program.unavailable) return program.unavailable;
  const slice = sliceOf(program, output);
  if (typeof slice === "string") return slice;
  if (vary.length === 0) return "choose at least one input to vary";
  const seen = new Set<string>();
  for (const v of vary) {
    const leaf = program.leaves[v.leaf];
    if (!has(program.leaves, v.leaf) || leaf === undefined) return `${v.leaf} is not a leaf that requires grad in this program`;
    const n = leaf.values.length;
    if (!Number.isInteger(v.index) || v.index < 0 || v.index >= n) {
      return `element ${v.index} is out of range for ${leaf.label ?? v.leaf}, which has ${n} element${n === 1 ? "" : "s"}`;
    }
    const key = `${v.leaf}:${v.index}`;
    if (seen.has(key)) return `${elementLabel(v.leaf, leaf.label, leaf.shape, v.index)} is listed twice`;
    seen.add(key);
    if (!slice.leaves.includes(v.leaf)) return `the output does not depend on ${leaf.label ?? v.leaf}`;
  }
  const ref = referenceOf(program, output, slice);
  if (typeof ref === "string") return ref;
  const n = ref.output._values.length;
  if (n !== 1) {
    return `the output has shape [${ref.output.shape.join(", ")}] (${n} elements); a landscape needs a single number (reduce it, e.g. with .sum() or .mean())`;
  }
  return null;
}

function elementLabel(id: string, label: string | undefined, shape: readonly number[], index: number): string {
  const name = label ?? id;
  if (shape.length === 0) return name;
  const idx: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `${name}[${idx.join(", ")}]`;
}

/**
 * The leaf elements `output` depends on, in order of first use (each leaf's elements row-major, at
 * most MAX_CANDIDATES_PER_LEAF per leaf), with their recorded values. Empty when the program cannot
 * produce the output.
 */
export function candidateInputs(program: ProgramInfo, output: string): Candidate[] {
  if (program.unavailable) return [];
  const slice = sliceOf(program, output);
  if (typeof slice === "string") return [];
  const out: Candidate[] = [];
  for (const id of slice.leaves) {
    const leaf = program.leaves[id]!;
    const t = tensorFromFull(leaf);
    const n = Math.min(t._values.length, MAX_CANDIDATES_PER_LEAF);
    for (let i = 0; i < n; i++) {
      out.push({ leaf: id, index: i, label: elementLabel(id, leaf.label, leaf.shape, i), value: t._values[i]!, leafShape: leaf.shape.slice() });
    }
  }
  return out;
}

function planOf(program: ProgramInfo, output: string, vary: readonly Varied[]): Plan {
  const problem = landscapeProblem(program, output, vary);
  if (problem !== null) throw new ReplayError(problem);
  const cache = cacheOf(program);
  const leafSet = [...new Set(vary.map((v) => v.leaf))].sort();
  const key = `${output}|${leafSet.join(",")}`;
  const hit = cache.plans.get(key);
  if (hit) return hit;
  const slice = sliceOf(program, output) as Slice;
  const ref = referenceOf(program, output, slice) as Reference;
  const varying = new Set<string>(leafSet);
  const dep: number[] = [];
  let maxNumel = 1;
  for (const v of leafSet) maxNumel = Math.max(maxNumel, program.leaves[v]!.values.length);
  for (const i of slice.ops) {
    const op = program.ops[i]!;
    if (op.inputs.some((id) => id !== null && varying.has(id))) {
      dep.push(i);
      varying.add(op.out);
      maxNumel = Math.max(maxNumel, ref.values.get(op.out)!._values.length);
    }
  }
  // Free each dependent value after its last use (the output is kept).
  const lastUse = new Map<string, number>();
  dep.forEach((i, k) => {
    for (const id of program.ops[i]!.inputs) if (id !== null && varying.has(id)) lastUse.set(id, k);
  });
  const frees: string[][] = dep.map(() => []);
  for (const [id, k] of lastUse) if (id !== output && !has(program.leaves, id)) frees[k]!.push(id);
  const plan: Plan = { slice, ref, dep, frees, maxNumel };
  cache.plans.set(key, plan);
  return plan;
}

/** The varied leaves of one chunk of points: each a [C, ...shape] tensor of its recorded values with the varied elements set. */
function batchedLeaves(program: ProgramInfo, vary: readonly Varied[], points: Float64Array, start: number, C: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const k = vary.length;
  for (const id of new Set(vary.map((v) => v.leaf))) {
    const base = tensorFromFull(program.leaves[id]!);
    const n = base._values.length;
    const data = allocate(base.dtype, C * n);
    for (let p = 0; p < C; p++) data.set(base._values, p * n);
    vary.forEach((v, j) => {
      if (v.leaf !== id) return;
      for (let p = 0; p < C; p++) data[p * n + v.index] = points[(start + p) * k + j]!;
    });
    out.set(id, new Tensor(data, [C, ...base.shape], base.dtype));
  }
  return out;
}

/** One point's leaf values (unbatched) with the varied elements set from `point`. */
function pointLeaves(program: ProgramInfo, vary: readonly Varied[], point: ArrayLike<number>, offset = 0): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  vary.forEach((v, j) => {
    let t = out.get(v.leaf);
    if (t === undefined) {
      const base = tensorFromFull(program.leaves[v.leaf]!);
      t = new Tensor(base._values.slice(), base.shape, base.dtype);
      out.set(v.leaf, t);
    }
    t._values[v.index] = point[offset + j]!;
  });
  return out;
}

/** Row p of a batched value, as a view. */
function row(x: Tensor, p: number): Tensor {
  const n = x._values.length / x.shape[0]!;
  return new Tensor(x._values.subarray(p * n, (p + 1) * n), x.shape.slice(1), x.dtype);
}

/** An op without a batch rule: run its forward for each point and stack the results. */
function pointByPoint(rule: ReplayRule, x: ReadonlyArray<Tensor | null>, batched: readonly boolean[], attrs: Record<string, unknown>, B: number): Tensor {
  const parts: Tensor[] = new Array(B);
  for (let p = 0; p < B; p++) parts[p] = rule.forward(x.map((t, i) => (t !== null && batched[i] ? row(t, p) : t)), attrs);
  return join.stack(parts, 0);
}

const finiteOrNaN = (v: number): number => (Number.isFinite(v) ? v : NaN);

export interface EvaluateOptions {
  /** Run every op point by point (the reference the batched evaluation is tested against). */
  pointwise?: boolean;
  /** Points per chunk at most (default: as many as keep each batched tensor under 4M elements). */
  chunk?: number;
}

/**
 * One point: the ops `output` depends on, in order, each with the rule's forward; `env` starts with
 * the point's leaves and gets every result (everything else is read at its recorded value).
 */
function runPoint(program: ProgramInfo, plan: Plan, output: string, env: Map<string, Tensor>): Tensor {
  const fixed = plan.ref.values;
  for (const i of plan.dep) {
    const op = program.ops[i]!;
    const inputs = op.inputs.map((id) => (id === null ? null : (env.get(id) ?? fixed.get(id) ?? source(program, id)!)));
    try {
      env.set(op.out, ruleFor(op.op)!.forward(inputs, op.attrs));
    } catch (e) {
      throw fail(op, e);
    }
  }
  return env.get(output)!;
}

/**
 * f at `count` points: `points` holds count × vary.length numbers (point-major). Everything else is
 * held at its recorded value. Non-finite results come back as NaN. Batched (one pass of the program
 * over a batch dimension) where every op has a batch rule; per-point for the rest. `shouldStop` is
 * polled between ops; when it returns true the call throws ReplayCancelled.
 */
export function evaluateBatch(
  program: ProgramInfo,
  output: string,
  vary: readonly Varied[],
  points: Float64Array,
  count: number,
  shouldStop?: () => boolean,
  options: EvaluateOptions = {},
): Float64Array {
  const plan = planOf(program, output, vary);
  const k = vary.length;
  if (!Number.isInteger(count) || count < 0 || points.length < count * k) {
    throw new ReplayError(`evaluateBatch: expected ${count} points × ${k} values, got ${points.length} numbers`);
  }
  const result = new Float64Array(count);
  const ops = program.ops;
  const fixed = plan.ref.values;
  return withGradMode(false, () => {
    if (options.pointwise) {
      for (let p = 0; p < count; p++) {
        if (shouldStop?.()) throw new ReplayCancelled();
        result[p] = finiteOrNaN(runPoint(program, plan, output, pointLeaves(program, vary, points, p * k))._values[0]!);
      }
      return result;
    }
    const maxChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / plan.maxNumel));
    const chunk = Math.max(1, Math.min(options.chunk ?? maxChunk, maxChunk));
    for (let start = 0; start < count; start += chunk) {
      const C = Math.min(chunk, count - start);
      const env = batchedLeaves(program, vary, points, start, C);
      for (let kk = 0; kk < plan.dep.length; kk++) {
        if (shouldStop?.()) throw new ReplayCancelled();
        const op = ops[plan.dep[kk]!]!;
        const rule = ruleFor(op.op)!;
        const inputs: Array<Tensor | null> = new Array(op.inputs.length);
        const batched: boolean[] = new Array(op.inputs.length);
        for (let j = 0; j < op.inputs.length; j++) {
          const id = op.inputs[j]!;
          if (id === null) {
            inputs[j] = null;
            batched[j] = false;
            continue;
          }
          const b = env.get(id);
          batched[j] = b !== undefined;
          inputs[j] = b ?? fixed.get(id) ?? source(program, id)!;
        }
        let y: Tensor;
        try {
          y = rule.batch ? rule.batch(inputs, batched, op.attrs, C) : pointByPoint(rule, inputs, batched, op.attrs, C);
        } catch (e) {
          throw fail(op, e);
        }
        if (y.shape[0] !== C || y._values.length !== C * fixed.get(op.out)!._values.length) {
          throw new ReplayError(
            `re-running ${where(op)} for ${C} points gave shape [${y.shape.join(", ")}], expected [${C}, ${fixed.get(op.out)!.shape.join(", ")}] (a replay rule bug)`,
          );
        }
        env.set(op.out, y);
        for (const id of plan.frees[kk]!) env.delete(id);
      }
      const y = env.get(output)!;
      for (let p = 0; p < C; p++) result[start + p] = finiteOrNaN(y._values[p]!);
    }
    return result;
  });
}

/** f and ∂f/∂(each varied input) at one point, by the engine's backward. */
export function evaluateWithGrad(program: ProgramInfo, output: string, vary: readonly Varied[], point: readonly number[]): { value: number; grad: number[] } {
  const plan = planOf(program, output, vary);
  if (point.length !== vary.length) throw new ReplayError(`evaluateWithGrad: expected ${vary.length} values, got ${point.length}`);
  return withGradMode(true, () => {
    const leaves = pointLeaves(program, vary, point);
    for (const t of leaves.values()) t.requiresGrad_(true);
    const out = runPoint(program, plan, output, new Map<string, Tensor>(leaves));
    const value = out._values[0]!;
    const ones = new Tensor(allocate(out.dtype, 1).fill(1), out.shape, out.dtype);
    backward([out], [ones]);
    const grad = vary.map((v) => leaves.get(v.leaf)!._grad?._values[v.index] ?? 0);
    return { value: finiteOrNaN(value), grad: grad.map(finiteOrNaN) };
  });
}

/**
 * Steps from `start` with the engine's optimizers (optim.SGD, SGD with momentum 0.9, Adam) on the
 * replayed function; entry 0 is the start point. The varied inputs are one parameter vector; each
 * step evaluates f and its gradient there (evaluateWithGrad), hands the gradient to the optimizer
 * and calls step(). Diverged (and stopped): the value, gradient or point became non-finite, or the
 * value rose DIVERGENCE_RISES steps in a row and is above its start value.
 */
export function descend(
  program: ProgramInfo,
  output: string,
  vary: readonly Varied[],
  start: readonly number[],
  opts: { method: DescentMethod; lr: number; steps: number },
): DescentResult {
  if (start.length !== vary.length) throw new ReplayError(`descend: expected ${vary.length} start values, got ${start.length}`);
  if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) throw new ReplayError(`descend: invalid learning rate ${opts.lr}`);
  const p = new Tensor(Float64Array.from(start), [start.length], "float64");
  p.requiresGrad_(true);
  let optimizer: Optimizer;
  if (opts.method === "sgd") optimizer = new SGD([p], { lr: opts.lr });
  else if (opts.method === "momentum") optimizer = new SGD([p], { lr: opts.lr, momentum: 0.9 });
  else if (opts.method === "adam") optimizer = new Adam([p], { lr: opts.lr });
  else throw new ReplayError(`descend: unknown method ${String(opts.method)}`);
  const steps: DescentStep[] = [];
  const at = (): DescentStep => {
    const point = Array.from(p._values);
    const { value, grad } = evaluateWithGrad(program, output, vary, point);
    return { point, value, grad };
  };
  const bad = (s: DescentStep) => !Number.isFinite(s.value) || s.point.some((x) => !Number.isFinite(x)) || s.grad.some((g) => !Number.isFinite(g));
  let s = at();
  steps.push(s);
  if (bad(s)) return { steps, diverged: true, reason: "the function or its gradient is not finite at the start point" };
  let rises = 0;
  for (let i = 1; i <= opts.steps; i++) {
    optimizer.zeroGrad();
    p.grad = new Tensor(Float64Array.from(s.grad), [s.grad.length], "float64");
    optimizer.step();
    const prev = s;
    s = at();
    steps.push(s);
    if (bad(s)) return { steps, diverged: true, reason: `the value or the point became non-finite at step ${i}` };
    rises = s.value > prev.value && s.value > steps[0]!.value ? rises + 1 : 0;
    if (rises >= DIVERGENCE_RISES) {
      return { steps, diverged: true, reason: `the value rose ${DIVERGENCE_RISES} steps in a row, above its start value (learning rate too large?)` };
    }
  }
  return { steps, diverged: false };
}

/**
 * Every op of the slice `output` depends on, re-run at the recorded values: output id → values
 * (for checks: replaying at the recorded point must reproduce what the snippet computed).
 */
export function replayRecorded(program: ProgramInfo, output: string): Map<string, { shape: number[]; values: Float64Array }> {
  if (program.unavailable) throw new ReplayError(program.unavailable);
  const slice = sliceOf(program, output);
  if (typeof slice === "string") throw new ReplayError(slice);
  const ref = referenceOf(program, output, slice);
  if (typeof ref === "string") throw new ReplayError(ref);
  const out = new Map<string, { shape: number[]; values: Float64Array }>();
  for (const [id, t] of ref.values) out.set(id, { shape: t.shape.slice(), values: Float64Array.from(t._values) });
  return out;
}

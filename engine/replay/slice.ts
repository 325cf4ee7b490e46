// The slice of a recorded program that one output depends on, run once at the recorded values (the
// reference: shapes, the values that do not vary, the check that replay agrees with the recording),
// cached per program so that every evaluation of the same output reuses it.
import { Tensor } from "../tensor";
import { withGradMode } from "../grad_mode";
import { ruleFor, tensorFromFull } from "./rules";
import { ReplayCancelled, ReplayError } from "./errors";
import type { ProgramInfo, ProgramOp } from "./types";

export interface Slice {
  /** Indices into program.ops, in run order. */
  ops: number[];
  /** Leaves read by those ops, in order of first use. */
  leaves: string[];
}

export interface Reference {
  /** Every op output of the slice at the recorded values (no grad). */
  values: Map<string, Tensor>;
  output: Tensor;
}

export interface Plan {
  slice: Slice;
  ref: Reference;
  /** Ops (indices into program.ops) whose value depends on a varied leaf, in run order. */
  dep: number[];
  /** After dep[k] ran, these values are no longer needed. */
  frees: string[][];
  /** The largest per-point element count among the dependent values. */
  maxNumel: number;
}

export interface Cache {
  producer: Map<string, number>;
  slices: Map<string, Slice | string>;
  refs: Map<string, Reference | string>;
  plans: Map<string, Plan>;
}

const caches = new WeakMap<ProgramInfo, Cache>();

export function cacheOf(program: ProgramInfo): Cache {
  let c = caches.get(program);
  if (c === undefined) {
    const producer = new Map<string, number>();
    program.ops.forEach((op, i) => producer.set(op.out, i));
    c = { producer, slices: new Map(), refs: new Map(), plans: new Map() };
    caches.set(program, c);
  }
  return c;
}

export const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** "PowBackward0 (node n3, line 8)". */
export function where(op: ProgramOp): string {
  return `${op.op} (node ${op.node}${op.line !== undefined ? `, line ${op.line}` : ""})`;
}

export function sliceOf(program: ProgramInfo, output: string): Slice | string {
  const cache = cacheOf(program);
  const hit = cache.slices.get(output);
  if (hit !== undefined) return hit;
  let result: Slice | string;
  if (!cache.producer.has(output)) {
    result = has(program.leaves, output)
      ? `the output ${output} is a leaf, not computed by an op`
      : `the output ${output} was not made by a recorded op`;
  } else {
    const need = new Set<number>();
    const stack = [output];
    let problem: string | null = null;
    while (stack.length > 0 && problem === null) {
      const id = stack.pop()!;
      const i = cache.producer.get(id);
      if (i === undefined) continue;
      if (need.has(i)) continue;
      need.add(i);
      const op = program.ops[i]!;
      if (!ruleFor(op.op)) {
        problem = `${where(op)} has no replay rule, so the computation cannot be re-evaluated`;
        break;
      }
      for (const inp of op.inputs) {
        if (inp === null) continue;
        if (cache.producer.has(inp)) stack.push(inp);
        else if (inp.endsWith("@old")) {
          const id = inp.slice(0, -4);
          const what = has(program.leaves, id) ? `leaf ${program.leaves[id]!.label ?? id}` : `tensor ${id}`;
          problem =
            `${where(op)} read ${what} before its values were changed in place ` +
            `(e.g. by optimizer.step()); only a forward pass after the last change can be re-evaluated`;
          break;
        } else if (!has(program.leaves, inp) && !has(program.constants, inp)) {
          problem = `${where(op)} reads tensor ${inp}, whose values were not recorded`;
          break;
        }
      }
    }
    if (problem !== null) result = problem;
    else {
      const ops = [...need].sort((a, b) => a - b);
      const leaves: string[] = [];
      const seen = new Set<string>();
      for (const i of ops) {
        for (const inp of program.ops[i]!.inputs) {
          if (inp !== null && has(program.leaves, inp) && !seen.has(inp)) {
            seen.add(inp);
            leaves.push(inp);
          }
        }
      }
      result = { ops, leaves };
    }
  }
  cache.slices.set(output, result);
  return result;
}

/** A recorded leaf or constant as a tensor (decoded once). */
export function source(program: ProgramInfo, id: string): Tensor | undefined {
  if (has(program.leaves, id)) return tensorFromFull(program.leaves[id]!);
  if (has(program.constants, id)) return tensorFromFull(program.constants[id]!);
  return undefined;
}

export function fail(op: ProgramOp, e: unknown): Error {
  if (e instanceof ReplayCancelled) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ReplayError(`re-running ${where(op)} failed: ${msg}`);
}

/** The slice run once at the recorded values: shapes, the values that do not vary, the check. */
export function referenceOf(program: ProgramInfo, output: string, slice: Slice): Reference | string {
  const cache = cacheOf(program);
  const hit = cache.refs.get(output);
  if (hit !== undefined) return hit;
  let result: Reference | string;
  try {
    const values = new Map<string, Tensor>();
    withGradMode(false, () => {
      for (const i of slice.ops) {
        const op = program.ops[i]!;
        const inputs = op.inputs.map((id) => (id === null ? null : (values.get(id) ?? source(program, id)!)));
        let y: Tensor;
        try {
          y = ruleFor(op.op)!.forward(inputs, op.attrs);
        } catch (e) {
          throw fail(op, e);
        }
        values.set(op.out, y);
      }
    });
    result = { values, output: values.get(output)! };
  } catch (e) {
    result = e instanceof Error ? e.message : String(e);
  }
  cache.refs.set(output, result);
  return result;
}

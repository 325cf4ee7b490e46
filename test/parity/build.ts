// Small builders so hand-written cases read like the programs they stand for.
import type { Arg } from "./ops";
import type { Leaf, LeafDType, Program, Step } from "./program";
import type { Expectations } from "./compare";

export interface Case {
  program: Program;
  expect?: Expectations;
}

/** Deterministic, distinct, small values (no ties, no zeros): 0.53, -0.71, 1.09, … */
export function sampleValues(n: number, seed = 1, positive = false): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = ((i + 1) * 7919 + seed * 104729) % 1999;
    const v = Math.round(((k / 1999) * 3 - 1.5) * 1000) / 1000 || 0.125;
    out.push(positive ? Math.abs(v) + 0.25 : v);
  }
  return out;
}

export interface LeafOptions {
  dtype?: LeafDType;
  grad?: boolean;
  values?: number[];
  positive?: boolean;
  seed?: number;
}

export function leaf(name: string, shape: number[], o: LeafOptions = {}): Leaf {
  const n = shape.reduce((a, b) => a * b, 1);
  const dtype = o.dtype ?? "float32";
  return {
    name,
    shape,
    dtype,
    requiresGrad: o.grad ?? dtype !== "int64",
    values: o.values ?? sampleValues(n, o.seed ?? name.charCodeAt(0), o.positive),
  };
}

/** A step `out = op(x…, a…)`. */
export function s(out: string | undefined, op: string, x: string[], ...a: Arg[]): Step {
  const step: Step = { op, x };
  if (out !== undefined) step.out = out;
  if (a.length) step.a = a;
  return step;
}

/** `out = torch.noGrad(() => inner)` */
export function noGrad(inner: Step): Step {
  return { op: "noGrad", x: [], inner };
}

export function prog(name: string, leaves: Leaf[], steps: Step[], extra: Partial<Program> = {}): Program {
  return { name, leaves, steps, ...extra };
}

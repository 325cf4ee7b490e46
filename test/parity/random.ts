// Seeded random programs over the op grammar our engine has. Each program starts from a few leaves
// (0-D to 3-D, float32 with some float64) and applies 2–7 ops, each to tensors already there or to new
// leaves shaped to fit (broadcastable operands, matmul partners, cat/stack partners, index lists);
// shapes are inferred here, independently of the engine, so a wrong shape in the engine shows as a
// difference rather than steering the generator. Ends with sum().backward() when anything needs grad.
import type { Arg } from "./ops";
import type { Leaf, LeafDType, Program, Step } from "./program";
import { rng } from "../helpers/gradcheck";

/** The programs of `npm test`; PARITY_SEED / PARITY_COUNT explore others (then nothing is expected to differ). */
export const DEFAULT_RANDOM_SEED = 20261204;
export const DEFAULT_RANDOM_COUNT = 300;
export const RANDOM_SEED = Number(process.env.PARITY_SEED ?? DEFAULT_RANDOM_SEED);
export const RANDOM_COUNT = Number(process.env.PARITY_COUNT ?? DEFAULT_RANDOM_COUNT);


interface Var {
  name: string;
  shape: number[];
  dtype: LeafDType;
  grad: boolean;
  /** May hold equal values (max/min would then pick an arbitrary one: not comparable). */
  ties: boolean;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

class Gen {
  private r: () => number;
  leaves: Leaf[] = [];
  steps: Step[] = [];
  pool: Var[] = [];
  private n = 0;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  values(n: number, positive = false): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let v = Math.round((this.r() * 4 - 2) * 10000) / 10000;
      if (v === 0) v = 0.5;
      out.push(positive ? Math.abs(v) + 0.1 : v);
    }
    return out;
  }
  leaf(shape: number[], dtype?: LeafDType, grad?: boolean): Var {
    const d = dtype ?? (this.chance(0.15) ? "float64" : "float32");
    const g = grad ?? this.chance(0.85);
    const name = this.fresh("l");
    this.leaves.push({ name, shape, dtype: d, requiresGrad: g, values: this.values(numel(shape)) });
    const v: Var = { name, shape, dtype: d, grad: g, ties: false };
    this.pool.push(v);
    return v;
  }
  shape(maxRank = 3): number[] {
    const rank = this.pick([0, 1, 1, 2, 2, 2, 3, 3].filter((r) => r <= maxRank));
    return Array.from({ length: rank }, () => this.int(1, 4));
  }
  /** Bind a new variable for step `op(x…, a…)`. */
  emit(op: string, x: Var[], a: Arg[], shape: number[], dtype: LeafDType, ties: boolean, grad = x.some((v) => v.grad)): Var {
    const name = this.fresh("t");
    const step: Step = { out: name, op, x: x.map((v) => v.name) };
    if (a.length) step.a = a;
    this.steps.push(step);
    const v: Var = { name, shape, dtype, grad, ties };
    this.pool.push(v);
    return v;
  }
  /** A shape broadcastable with s (some dims 1, maybe fewer leading dims). */
  broadcastPartner(s: readonly number[]): number[] {
    const drop = s.length > 0 && this.chance(0.3) ? this.int(1, s.length) : 0;
    return s.slice(drop).map((d) => (this.chance(0.25) ? 1 : d));
  }
}

function promote(a: Var, b: Var): LeafDType {
  // PyTorch: a 0-dim tensor does not raise the dtype of a dimensioned one of the same category.
  if (a.shape.length === 0 && b.shape.length > 0) return b.dtype;
  if (b.shape.length === 0 && a.shape.length > 0) return a.dtype;
  return a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function factor(n: number, g: Gen): number[] {
  const parts: number[] = [];
  let rest = n;
  const k = g.int(1, 3);
  for (let i = 0; i < k - 1; i++) {
    const divs = [1, 2, 3, 4].filter((d) => rest % d === 0);
    const d = g.pick(divs);
    parts.push(d);
    rest /= d;
  }
  parts.push(rest);
  if (g.chance(0.3)) parts[g.int(0, parts.length - 1)] = -1;
  return parts;
}

type OpGen = (g: Gen, a: Var) => Var | null;

const UNARY = ["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sign", "square"];
const TIES = new Set(["abs", "relu", "sign", "square"]);

const GENERATORS: Record<string, OpGen> = {
  binary: (g, a) => {
    const b = g.chance(0.3) && a.shape.length > 0 ? g.leaf([]) : g.chance(0.5) ? g.pick(g.pool) : g.leaf(g.broadcastPartner(a.shape));
    const out = broadcast(a.shape, b.shape);
    if (numel(out) > 64) return null;
    const op = g.pick(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]);
    const [x, y] = g.chance(0.5) ? [a, b] : [b, a];
    return g.emit(op, [x, y], [], broadcast(x.shape, y.shape), promote(x, y), a.ties || b.ties || op === "maximum" || op === "minimum");
  },
  scalar: (g, a) => {
    const op = g.pick(["addS", "subS", "mulS", "divS", "powS"]);
    const v = op === "powS" ? g.pick([2, 3, 0.5, -1]) : g.pick([2, 0.5, -1.5, 3]);
    return g.emit(op, [a], [v], a.shape, a.dtype, a.ties || (op === "powS" && v === 2));
  },
  unary: (g, a) => {
    const op = g.pick(UNARY);
    return g.emit(op, [a], [], a.shape, a.dtype, a.ties || TIES.has(op), op === "sign" ? a.grad : undefined);
  },
  reduce: (g, a) => {
    const op = g.pick(["sum", "mean"]);
    const r = a.shape.length;
    if (r === 0 || g.chance(0.3)) return g.emit(op, [a], [], [], a.dtype, false);
    const keep = g.chance(0.4);
    if (r >= 2 && g.chance(0.3)) {
      const dims = [0, r - 1];
      const shape = keep ? a.shape.map((d, i) => (dims.includes(i) ? 1 : d)) : a.shape.filter((_, i) => !dims.includes(i));
      return g.emit(op, [a], [[0, -1], keep], shape, a.dtype, false);
    }
    const d = g.int(-r, r - 1);
    const dd = d < 0 ? d + r : d;
    const shape = keep ? a.shape.map((s, i) => (i === dd ? 1 : s)) : a.shape.filter((_, i) => i !== dd);
    return g.emit(op, [a], g.chance(0.5) ? [d, keep] : [d], g.chance(0.5) || !keep ? shape : shape, a.dtype, false);
  },
  extreme: (g, a) => {
    if (a.ties || numel(a.shape) === 0) return null;
    const r = a.shape.length;
    if (r === 0 || g.chance(0.3)) return g.emit(g.pick(["maxAll", "minAll"]), [a], [], [], a.dtype, false);
    const d = g.int(0, r - 1);
    const keep = g.chance(0.4);
    const which = g.chance(0.8) ? "values" : "indices";
    const shape = keep ? a.shape.map((s, i) => (i === d ? 1 : s)) : a.shape.filter((_, i) => i !== d);
    return g.emit(g.pick(["maxDim", "minDim"]), [a], [d, keep, which], shape, which === "indices" ? "int64" : a.dtype, false, which === "values" && a.grad);
  },
  softmax: (g, a) => {
    if (a.shape.length === 0) return null;
    const d = g.int(-a.shape.length, a.shape.length - 1);
    return g.emit(g.pick(["softmax", "logSoftmax"]), [a], [d], a.shape, a.dtype, false);
  },
  matmul: (g, a) => {
    const r = a.shape.length;
    if (r === 0 || a.dtype === "int64") return null;
    const dt = a.dtype; // mixed-dtype matmul is an error in PyTorch; hand-written cases cover it
    const n = a.shape[r - 1]!;
    if (r === 2 && g.chance(0.25)) {
      const b = g.leaf([n, g.int(1, 4)], dt);
      return g.emit("mm", [a, b], [], [a.shape[0]!, b.shape[1]!], dt, false);
    }
    if (r === 1 && g.chance(0.25)) return g.emit("dot", [a, g.leaf([n], dt)], [], [], dt, false);
    const p = g.int(1, 4);
    // 2.x folds a ≥3-D operand into mm only when the other operand requires grad (or the ≥3-D one
    // is contiguous); 1.13 always folds. Keep to programs where both agree (see names.ts).
    const choices = r === 3 ? [[n], [n, p], [a.shape[0]!, n, p]] : a.grad ? [[n], [n, p], [2, n, p]] : [[n], [n, p]];
    const bShape = g.pick(choices);
    const b = g.leaf(bShape, dt, true);
    // matmul's output: a's rows × b's columns, batch dims broadcast, 1-D operands' dims dropped.
    const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const shape = [...batch, ...(r >= 2 ? [a.shape[r - 2]!] : []), ...(bShape.length >= 2 ? [p] : [])];
    return g.emit("matmul", [a, b], [], shape, dt, false);
  },
  shape: (g, a) => {
    const r = a.shape.length;
    const op = g.pick(["t", "transpose", "permute", "reshape", "view", "flatten", "unsqueeze", "squeeze", "expand"]);
    switch (op) {
      case "t":
        if (r > 2) return null;
        return g.emit("t", [a], [], a.shape.slice().reverse(), a.dtype, a.ties);
      case "transpose": {
        if (r < 2) return null;
        const d0 = g.int(-r, r - 1), d1 = g.int(0, r - 1);
        const s = a.shape.slice();
        const i = d0 < 0 ? d0 + r : d0;
        [s[i], s[d1]] = [s[d1]!, s[i]!];
        return g.emit("transpose", [a], [d0, d1], s, a.dtype, a.ties);
      }
      case "permute": {
        if (r < 2) return null;
        const perm = a.shape.map((_, i) => i).sort(() => g.int(0, 1) - 0.5);
        return g.emit("permute", [a], perm, perm.map((i) => a.shape[i]!), a.dtype, a.ties);
      }
      case "reshape":
      case "view": {
        const f = factor(numel(a.shape), g);
        const known = f.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
        return g.emit(op, [a], f, f.map((d) => (d === -1 ? numel(a.shape) / known : d)), a.dtype, a.ties);
      }
      case "flatten": {
        if (r === 0) return g.emit("flatten", [a], [], [1], a.dtype, a.ties);
        const s0 = g.int(0, r - 1), e0 = g.int(s0, r - 1);
        const shape = [...a.shape.slice(0, s0), numel(a.shape.slice(s0, e0 + 1)), ...a.shape.slice(e0 + 1)];
        const args: Arg[] = g.chance(0.3) ? [] : g.chance(0.5) ? [s0] : [s0, e0 - r];
        const realShape = args.length === 0 ? [numel(a.shape)] : args.length === 1 ? [...a.shape.slice(0, s0), numel(a.shape.slice(s0))] : shape;
        return g.emit("flatten", [a], args, realShape, a.dtype, a.ties);
      }
      case "unsqueeze": {
        if (r >= 4) return null;
        const d = g.int(-r - 1, r);
        const s = a.shape.slice();
        s.splice(d < 0 ? d + r + 1 : d, 0, 1);
        return g.emit("unsqueeze", [a], [d], s, a.dtype, a.ties);
      }
      case "squeeze": {
        if (r === 0 || g.chance(0.3)) return g.emit("squeeze", [a], [], a.shape.filter((d) => d !== 1), a.dtype, a.ties);
        const d = g.int(0, r - 1);
        return g.emit("squeeze", [a], [d], a.shape[d] === 1 ? a.shape.filter((_, i) => i !== d) : a.shape, a.dtype, a.ties);
      }
      default: {
        const sizes: number[] = a.shape.map((d) => (d === 1 ? g.int(1, 3) : g.chance(0.5) ? -1 : d));
        if (g.chance(0.3)) sizes.unshift(g.int(1, 3));
        const shape = sizes.map((d, i) => (d === -1 ? a.shape[i - (sizes.length - r)]! : d));
        if (numel(shape) > 64) return null;
        return g.emit("expand", [a], sizes, shape, a.dtype, true);
      }
    }
  },
  index: (g, a) => {
    const r = a.shape.length;
    if (r === 0) return null;
    const specs: Arg[] = [];
    const shape: number[] = [];
    let dim = 0;
    let usedList = false, usedEllipsis = false;
    const k = g.int(1, r);
    for (let c = 0; c < k && dim < r; c++) {
      const size = a.shape[dim]!;
      const kind = g.pick(["int", "slice", "slice", "none", "list", "ellipsis"]);
      if (kind === "int") {
        specs.push(g.int(-size, size - 1));
        dim++;
      } else if (kind === "slice") {
        const sl = g.pick([":", "1:", ":2", "::2", "-2:", "0:1"]);
        specs.push(sl);
        const [st, en, stp] = sl.split(":").map((v) => (v === "" ? undefined : Number(v)));
        const norm = (v: number | undefined, dflt: number) => (v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + size : v, 0), size));
        const s0 = norm(st, 0), e0 = norm(en, size);
        shape.push(Math.max(0, Math.ceil((e0 - s0) / (stp ?? 1))));
        dim++;
      } else if (kind === "none") {
        specs.push(null);
        shape.push(1);
      } else if (kind === "list" && !usedList) {
        usedList = true;
        const len = g.int(1, 3);
        specs.push(Array.from({ length: len }, () => g.int(0, size - 1)));
        shape.push(len);
        dim++;
      } else if (kind === "ellipsis" && !usedEllipsis && c === k - 1) {
        usedEllipsis = true;
        specs.push("...");
        shape.push(...a.shape.slice(dim));
        dim = r;
      }
    }
    if (specs.length === 0) return null;
    shape.push(...a.shape.slice(dim));
    return g.emit("index", [a], specs, shape, a.dtype, a.ties || usedList);
  },
  selectNarrow: (g, a) => {
    const r = a.shape.length;
    if (r === 0) return null;
    const d = g.int(0, r - 1);
    const size = a.shape[d]!;
    if (g.chance(0.5)) return g.emit("select", [a], [d, g.int(-size, size - 1)], a.shape.filter((_, i) => i !== d), a.dtype, a.ties);
    const start = g.int(0, size - 1), len = g.int(1, size - start);
    return g.emit("narrow", [a], [d, start, len], a.shape.map((s, i) => (i === d ? len : s)), a.dtype, a.ties);
  },
  join: (g, a) => {
    const r = a.shape.length;
    if (r === 0) return null;
    // Mixed float dtypes are allowed (PyTorch promotes); hand-written cases check the graph for it.
    const dt: LeafDType = g.chance(0.2) ? (a.dtype === "float32" ? "float64" : "float32") : a.dtype;
    const outDt = a.dtype === "float64" || dt === "float64" ? "float64" : "float32";
    if (g.chance(0.5)) {
      const d = g.int(0, r - 1);
      const bs = a.shape.slice();
      bs[d] = g.int(1, 3);
      const b = g.leaf(bs, dt);
      return g.emit("cat", [a, b], [d], a.shape.map((s, i) => (i === d ? s + bs[d]! : s)), outDt, true);
    }
    const b = g.leaf(a.shape.slice(), dt);
    const d = g.int(0, r);
    const shape = a.shape.slice();
    shape.splice(d, 0, 2);
    return g.emit("stack", [a, b], [d], shape, outDt, true);
  },
  clampWhere: (g, a) => {
    if (g.chance(0.5)) return g.emit("clamp", [a], g.pick([[-0.5, 0.5], [0], [null, 0.3]] as Arg[][]), a.shape, a.dtype, true);
    if (g.chance(0.5)) return g.emit("where", [a, a], [0], a.shape, a.dtype, true);
    const b = g.leaf(a.shape.slice(), a.dtype);
    return g.emit("where", [a, a, b], [], a.shape, a.dtype, true);
  },
  functional: (g, a) => {
    const r = a.shape.length;
    const which = g.pick(["linear", "mseLoss", "crossEntropy"]);
    if (which === "linear" && r >= 1) {
      const n = a.shape[r - 1]!, p = g.int(1, 4);
      const w = g.leaf([p, n], a.dtype);
      const b = g.chance(0.6) ? [g.leaf([p], a.dtype)] : [];
      return g.emit("linear", [a, w, ...b], [], [...a.shape.slice(0, -1), p], a.dtype, false);
    }
    if (which === "mseLoss") return g.emit("mseLoss", [a, g.leaf(a.shape.slice(), a.dtype, false)], [], [], a.dtype, false);
    if (which === "crossEntropy" && r === 2) {
      const [nRows, c] = a.shape as [number, number];
      const name = g.fresh("y");
      g.leaves.push({ name, shape: [nRows], dtype: "int64", requiresGrad: false, values: Array.from({ length: nRows }, () => g.int(0, c - 1)) });
      const target: Var = { name, shape: [nRows], dtype: "int64", grad: false, ties: true };
      return g.emit("crossEntropy", [a, target], [], [], a.dtype, false);
    }
    return null;
  },
  /** An in-place op on a (a view, a non-leaf, or a leaf — under noGrad when it requires grad, mostly). */
  inplace: (g, a) => {
    const isGradLeaf = g.leaves.some((l) => l.name === a.name && l.requiresGrad);
    let step: Step;
    if (g.chance(0.3)) {
      const op = g.pick(["add_", "sub_", "mul_", "copy_"]);
      const b = g.leaf(g.broadcastPartner(a.shape), a.dtype, g.chance(0.5));
      step = { op, x: [a.name, b.name] };
    } else {
      const [op, args] = g.pick<[string, Arg[]]>([
        ["addS_", [2]], ["subS_", [1]], ["mulS_", [0.5]], ["divS_", [2]], ["powS_", [2]], ["neg_", []], ["exp_", []],
        ["tanh_", []], ["sigmoid_", []], ["relu_", []], ["sin_", []], ["abs_", []], ["zero_", []], ["fill_", [0.5]],
        ["clamp_", [-0.5, 0.5]],
      ]);
      step = { op, x: [a.name] };
      if (args.length) step.a = args;
    }
    g.steps.push(isGradLeaf && g.chance(0.8) ? { op: "noGrad", x: [], inner: step } : step);
    a.ties = true;
    return a;
  },
  convert: (g, a) => {
    const op = g.pick(["float", "double", "contiguous", "clone", "detach"]);
    const dt = op === "float" ? "float32" : op === "double" ? "float64" : a.dtype;
    return g.emit(op, [a], [], a.shape, dt, a.ties, op === "detach" ? false : undefined);
  },
};

const WEIGHTS: Array<[string, number]> = [
  ["binary", 5], ["scalar", 3], ["unary", 4], ["reduce", 2], ["extreme", 1], ["softmax", 1], ["matmul", 3],
  ["shape", 6], ["index", 4], ["selectNarrow", 2], ["join", 2], ["clampWhere", 2], ["functional", 1], ["convert", 1],
  ["inplace", 2],
];
const TOTAL = WEIGHTS.reduce((s, [, w]) => s + w, 0);

function pickGenerator(g: Gen): OpGen {
  let x = g.int(0, TOTAL - 1);
  for (const [name, w] of WEIGHTS) {
    if (x < w) return GENERATORS[name]!;
    x -= w;
  }
  return GENERATORS.unary!;
}

export function randomProgram(seed: number, index: number): Program {
  const g = new Gen(seed * 1000003 + index);
  const nLeaves = g.int(1, 2);
  for (let i = 0; i < nLeaves; i++) g.leaf(g.shape());
  const nSteps = g.int(2, 7);
  let tries = 0;
  while (g.steps.length < nSteps && tries++ < 50) {
    // Mostly continue from the newest float tensor, sometimes from any.
    const floats = g.pool.filter((v) => v.dtype !== "int64");
    const a = g.chance(0.7) ? floats[floats.length - 1]! : g.pick(floats);
    pickGenerator(g)(g, a);
  }
  const last = g.pool.filter((v) => v.dtype !== "int64").pop()!;
  if (last.grad) {
    const l = last.shape.length === 0 ? last.name : g.fresh("s");
    if (l !== last.name) g.steps.push({ out: l, op: "sum", x: [last.name] });
    g.steps.push({ op: "backward", x: [l] });
  }
  return { name: `random #${index} (seed ${seed})`, leaves: g.leaves, steps: g.steps };
}

export function randomPrograms(seed: number, count: number): Program[] {
  return Array.from({ length: count }, (_, i) => randomProgram(seed, i));
}

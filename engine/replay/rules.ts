// Replay rules as data, one per grad_fn name (like gradients/*.ts for backward): how to re-run the
// forward op that made a node from its inputs and recorded attrs, with the engine's own ops.
//
// `forward` computes one point (in grad mode it records, so evaluateWithGrad can backward through
// it). `batch` computes many points at once, without grad: an input flagged in `batched` carries a
// leading batch dimension B (the others are shared by every point). Elementwise ops align ranks by
// inserting size-1 dims after B, reductions and shape ops shift their dims by one, matmul
// broadcasts over B. An op without `batch` is run point by point (evaluateBatch does that).
import { Tensor } from "../tensor";
import { allocate, type DType } from "../dtype";
import * as ew from "../ops/elementwise";
import * as red from "../ops/reduce";
import * as sh from "../ops/shape_ops";
import * as ix from "../ops/indexing";
import * as la from "../ops/linalg";
import * as join from "../ops/join";
import * as sm from "../ops/softmax";
import * as F from "../nn/functional";
import { EXTRA_RULES } from "./rules_extra";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type UnaryName } from "../ops/table";
import { statsRules } from "./rules-stats";
import { AttrError, batchedMm, bool, ints, lift, liftAll, num, numOrNull, range, rank, repeat, req, shift, str, tensorAttr, type Attrs, type ReplayRule } from "./attrs";

export { AttrError, tensorFromFull, type Attrs, type Inputs, type ReplayRule } from "./attrs";

// ---- rule factories -------------------------------------------------------------------------------

type BinaryKind = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/** The scalar function of each binary op, exactly as the engine's kernels compute it. */
const SCALAR: Record<BinaryKind, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => Math.pow(x, y),
  maximum: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  minimum: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
};

/**
 * The common batched case, one operand batched and the other shared by every point and no larger
 * than one point's value (a bias, a data constant): one pass over the batched values against the
 * shared ones broadcast to a point's shape once, instead of broadcasting both to [B, ...] first.
 * Null when it does not apply (the engine's general broadcasting then runs).
 */
function sharedOperand(kind: BinaryKind, a: Tensor, aBatched: boolean, b: Tensor, bBatched: boolean): Tensor | null {
  if (aBatched === bBatched || a.dtype !== b.dtype || (a.dtype !== "float32" && a.dtype !== "float64")) return null;
  const bat = aBatched ? a : b;
  const shared = aBatched ? b : a;
  const per = bat.shape.slice(1);
  if (shared.shape.length > per.length) return null;
  for (let i = 1; i <= shared.shape.length; i++) {
    const s = shared.shape[shared.shape.length - i]!;
    if (s !== 1 && s !== per[per.length - i]) return null;
  }
  const ys = ew.expandData(shared, per);
  const xs = bat._values;
  const n = ys.length;
  const out = allocate(bat.dtype, xs.length);
  const f = SCALAR[kind];
  if (aBatched) {
    for (let o = 0; o < xs.length; o += n) for (let i = 0; i < n; i++) out[o + i] = f(xs[o + i]!, ys[i]!);
  } else {
    for (let o = 0; o < xs.length; o += n) for (let i = 0; i < n; i++) out[o + i] = f(ys[i]!, xs[o + i]!);
  }
  return new Tensor(out, bat.shape.slice(), bat.dtype);
}

function binary(f: (a: Tensor, b: Tensor) => Tensor, kind: BinaryKind): ReplayRule {
  return {
    forward: ([a, b]) => f(req(a, 0), req(b, 1)),
    batch: (x, bt) => {
      const fast = sharedOperand(kind, req(x[0], 0), bt[0]!, req(x[1], 1), bt[1]!);
      if (fast) return fast;
      const [a, b] = liftAll(x, bt);
      return f(a!, b!);
    },
  };
}

function withScalar(f: (a: Tensor, s: number) => Tensor, key = "other"): ReplayRule {
  return {
    forward: ([x], a) => f(req(x), num(a, key)),
    batch: ([x], _b, a) => f(req(x), num(a, key)),
  };
}

function unary(f: (x: Tensor) => Tensor): ReplayRule {
  return { forward: ([x]) => f(req(x)), batch: ([x]) => f(req(x)) };
}

/** sum/mean over all dims (whole: dims undefined) or over recorded dims. */
function reduction(kind: "sum" | "mean", whole: boolean): ReplayRule {
  const f = kind === "sum" ? red.sum : red.mean;
  return {
    forward: ([x], a) => (whole ? f(req(x)) : f(req(x), ints(a, "dims"), bool(a, "keepdim"))),
    batch: ([x], _b, a) => {
      const t = req(x);
      const pr = t.shape.length - 1;
      if (pr === 0) return t; // a 0-dim value reduced (over "dim 0") is itself
      return whole ? f(t, range(1, pr + 1), false) : f(t, shift(ints(a, "dims")), bool(a, "keepdim"));
    },
  };
}

function extremeAll(kind: "max" | "min"): ReplayRule {
  return {
    forward: ([x]) => red.maxAll(req(x), kind),
    batch: ([x]) => {
      const t = req(x);
      if (t.shape.length === 1) return t;
      return red.maxDim(sh.reshape(t, [t.shape[0]!, -1], "replay"), 1, false, kind).values;
    },
  };
}

function extremeDim(kind: "max" | "min"): ReplayRule {
  return {
    forward: ([x], a) => red.maxDim(req(x), num(a, "dim"), bool(a, "keepdim"), kind).values,
    batch: ([x], _b, a) => {
      const t = req(x);
      if (t.shape.length === 1) return t;
      return red.maxDim(t, num(a, "dim") + 1, bool(a, "keepdim"), kind).values;
    },
  };
}

/** Ops whose result is the input's values laid out in the recorded output shape. */
const toShape: ReplayRule = {
  forward: ([x], a) => sh.reshape(req(x), ints(a, "shape"), "replay"),
  batch: ([x], _b, a, B) => sh.reshape(req(x), [B, ...ints(a, "shape")], "replay"),
};

/** out[i] = x.flatten()[map[i]], shaped like the recorded output (index(), double-backward gathers). */
const gatherByMap: ReplayRule = {
  forward: ([x], a) => {
    const t = req(x);
    return sh.reshape(ix.indexSelect(sh.reshape(t, [-1], "replay"), 0, ints(a, "map")), ints(a, "shape"), "replay");
  },
  batch: ([x], _b, a, B) => {
    const t = req(x);
    return sh.reshape(ix.indexSelect(sh.reshape(t, [B, -1], "replay"), 1, ints(a, "map")), [B, ...ints(a, "shape")], "replay");
  },
};

/** zeros(shape) with out.flatten()[map[i]] += x.flatten()[i] (the scatter of a double backward). */
const scatterByMap = (name: string): ReplayRule => ({
  forward: ([x], a) => ix.scatterAddFlat(req(x), Int32Array.from(ints(a, "map")), ints(a, "shape"), name.replace(/Backward0$/, "")),
  batch: ([x], _b, a, B) => {
    const t = req(x);
    const map = ints(a, "map");
    const shape = ints(a, "shape");
    let nOut = 1;
    for (const s of shape) nOut *= s;
    const nIn = t._values.length / B;
    const out = allocate(t.dtype, B * nOut);
    const src = t._values;
    for (let p = 0; p < B; p++) {
      for (let i = 0; i < map.length; i++) out[p * nOut + map[i]!]! += src[p * nIn + i]!;
    }
    return new Tensor(out, [B, ...shape], t.dtype);
  },
});

/** The loss reduction over one point's dims (batched: all dims after B). */
function reduceLoss(v: Tensor, reduction: "mean" | "sum" | "none", batched: boolean): Tensor {
  if (reduction === "none") return v;
  const from = batched ? 1 : 0;
  if (v.shape.length === from) return v;
  const dims = range(from, v.shape.length);
  return reduction === "mean" ? red.mean(v, dims) : red.sum(v, dims);
}

const REDUCTIONS = ["mean", "sum", "none"] as const;

/** −(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)), NaN outside [0, 1] (torch throws there). */
function bceValues(x: Tensor, y: Tensor): Tensor {
  const logx = ew.maximum(ew.unary(x, "log"), -100);
  const log1mx = ew.maximum(ew.unary(ew.add(ew.neg(x), 1), "log"), -100);
  return ew.neg(ew.add(ew.mul(y, logx), ew.mul(ew.add(ew.neg(y), 1), log1mx)));
}

/** Flat positions of the class targets in an [N, C] (or [C]) input. */
/** The recorded op had a weight tensor, which the program does not record: refuse rather than re-run it unweighted. */
function unweighted(a: Attrs, op: string): void {
  if (a["weighted"] === true) throw new AttrError(`${op} with a weight is not re-run yet`);
}

/** NllLoss's recorded class weights, or null (all 1). */
function nllWeight(a: Attrs): number[] | null {
  return a["weight"] === null || a["weight"] === undefined ? null : ints(a, "weight");
}

function nllPositions(target: readonly number[], classes: number): number[] {
  return target.map((t, i) => i * classes + t);
}

// ---- the rules ------------------------------------------------------------------------------------

const DTYPES = ["float32", "float64", "int64", "int32", "bool"] as const;

/** A rule per op of the table (ops/table.ts), keyed by its grad_fn name. */
function tableRules(): Record<string, ReplayRule> {
  const rules: Record<string, ReplayRule> = {};
  for (const kind of Object.keys(UNARY_OPS) as UnaryName[]) rules[UNARY_OPS[kind].gradFn] = unary((x) => ew.unary(x, kind));
  for (const kind of Object.keys(BINARY_OPS) as BinaryName[]) {
    rules[BINARY_OPS[kind].gradFn] = {
      forward: ([a, b]) => ew.binary(req(a, 0), req(b, 1), kind),
      batch: (x, bt) => {
        const [a, b] = liftAll(x, bt);
        return ew.binary(a!, b!, kind);
      },
    };
  }
  return rules;
}

export const RULES: Readonly<Record<string, ReplayRule>> = {
  ...EXTRA_RULES,
  ...tableRules(),
  ...statsRules(),
  AddBackward0: binary(ew.add, "add"),
  AddBackward1: withScalar(ew.add),
  SubBackward0: binary(ew.sub, "sub"),
  SubBackward1: withScalar(ew.sub),
  MulBackward0: binary(ew.mul, "mul"),
  MulBackward1: withScalar(ew.mul),
  DivBackward0: binary(ew.div, "div"),
  DivBackward1: withScalar(ew.div),
  PowBackward0: withScalar(ew.pow, "exponent"),
  PowBackward1: binary(ew.pow, "pow"),
  MaximumBackward0: binary(ew.maximum, "maximum"),
  MinimumBackward0: binary(ew.minimum, "minimum"),
  ClampBackward1: {
    forward: ([x], a) => ew.clamp(req(x), numOrNull(a, "min") ?? undefined, numOrNull(a, "max") ?? undefined),
    batch: ([x], _b, a) => ew.clamp(req(x), numOrNull(a, "min") ?? undefined, numOrNull(a, "max") ?? undefined),
  },
  WhereBackward0: {
    // The condition is a recorded constant: a mask computed from graph values (x.gt(0)) is not
    // recomputed at other points (comparisons are not recorded ops).
    forward: ([x, y], a) => ew.where(tensorAttr(a, "condition"), req(x, 0), req(y, 1)),
    batch: (x, bt, a) => {
      const c = tensorAttr(a, "condition");
      const xs = x.map((t, i) => req(t, i));
      const r = Math.max(c.shape.length, ...xs.map((t, i) => rank(t, bt[i]!)));
      return ew.where(c, lift(xs[0]!, bt[0]!, r), lift(xs[1]!, bt[1]!, r));
    },
  },
  ToCopyBackward0: {
    forward: ([x], a) => ew.toDType(req(x), str(a, "dtype", DTYPES) as DType),
    batch: ([x], _b, a) => ew.toDType(req(x), str(a, "dtype", DTYPES) as DType),
  },
  CloneBackward0: unary((x) => ew.clone(x)),

  SumBackward0: reduction("sum", true),
  SumBackward1: reduction("sum", false),
  MeanBackward0: reduction("mean", true),
  MeanBackward1: reduction("mean", false),
  MaxBackward1: extremeAll("max"),
  MinBackward1: extremeAll("min"),
  MaxBackward0: extremeDim("max"),
  MinBackward0: extremeDim("min"),

  ViewBackward0: toShape,
  UnsafeViewBackward0: toShape,
  ReshapeAliasBackward0: toShape,
  AliasBackward0: { forward: ([x]) => req(x), batch: ([x]) => req(x) },
  SqueezeBackward0: toShape,
  SqueezeBackward2: toShape,
  SqueezeBackward1: toShape,
  SqueezeBackward4: toShape,
  UnsqueezeBackward0: {
    forward: ([x], a) => sh.unsqueeze(req(x), num(a, "dim")),
    batch: ([x], _b, a) => sh.unsqueeze(req(x), num(a, "dim") + 1),
  },
  PermuteBackward0: {
    forward: ([x], a) => sh.permute(req(x), ints(a, "dims")),
    batch: ([x], _b, a) => sh.permute(req(x), [0, ...shift(ints(a, "dims"))]),
  },
  TransposeBackward0: {
    forward: ([x], a) => sh.transpose(req(x), num(a, "dim0"), num(a, "dim1")),
    batch: ([x], _b, a) => {
      const t = req(x);
      return t.shape.length === 1 ? t : sh.transpose(t, num(a, "dim0") + 1, num(a, "dim1") + 1);
    },
  },
  TBackward0: {
    forward: ([x]) => sh.t(req(x)),
    batch: ([x]) => {
      const t = req(x);
      return t.shape.length === 3 ? sh.transpose(t, 1, 2) : t;
    },
  },
  ExpandBackward0: {
    forward: ([x], a) => sh.expand(req(x), ints(a, "shape")),
    batch: ([x], _b, a, B) => {
      const shape = ints(a, "shape");
      return sh.expand(lift(req(x), true, shape.length), [B, ...shape]);
    },
  },

  MmBackward0: {
    forward: ([x, y]) => la.mm(req(x, 0), req(y, 1)),
    batch: ([x, y], bt) => batchedMm(req(x, 0), bt[0]!, req(y, 1), bt[1]!),
  },
  AddmmBackward0: {
    forward: ([bias, x, y]) => la.addmm(req(bias, 0), req(x, 1), req(y, 2)),
    batch: ([bias, x, y], bt) => {
      const b = req(bias, 0);
      const prod = bt[1] || bt[2] ? batchedMm(req(x, 1), bt[1]!, req(y, 2), bt[2]!) : la.mm(req(x, 1), req(y, 2));
      if (!bt[0] && b.dtype === prod.dtype && prod.shape.length === 3) {
        // A shared bias is added in place to the fresh product, as addmm does (no broadcast copies).
        const block = prod.shape[1]! * prod.shape[2]!;
        const bs = ew.expandData(b, prod.shape.slice(1));
        const o = prod._values;
        for (let i = 0; i < o.length; i += block) for (let j = 0; j < block; j++) o[i + j]! += bs[j]!;
        return prod;
      }
      return ew.add(prod, lift(b, bt[0]!, 2));
    },
  },
  DotBackward0: {
    forward: ([x, y]) => la.dot(req(x, 0), req(y, 1)),
    batch: (x, bt) => {
      const [a, b] = liftAll(x, bt);
      return red.sum(ew.mul(a!, b!), [-1]);
    },
  },
  MvBackward0: {
    forward: ([m, v]) => la.matmul(req(m, 0), req(v, 1)),
    batch: ([m, v], bt) => {
      const A = req(m, 0), x = req(v, 1);
      if (bt[0] && !bt[1]) return la.matmul(A, x); // [B, n, m] @ [m] → [B, n]
      if (!bt[0]) return la.matmul(x, sh.t(A)); // [B, m] @ [m, n] → [B, n]
      return sh.squeeze(la.matmul(A, sh.unsqueeze(x, -1)), -1);
    },
  },
  BmmBackward0: {
    forward: ([x, y]) => la.matmul(req(x, 0), req(y, 1)),
    batch: (x, bt) => {
      const [a, b] = liftAll(x, bt);
      return la.matmul(a!, b!);
    },
  },

  SelectBackward0: {
    forward: ([x], a) => ix.select(req(x), num(a, "dim"), num(a, "index")),
    batch: ([x], _b, a) => ix.select(req(x), num(a, "dim") + 1, num(a, "index")),
  },
  SliceBackward0: {
    forward: ([x], a) => ix.slice(req(x), num(a, "dim"), num(a, "start"), num(a, "end"), num(a, "step")),
    batch: ([x], _b, a) => ix.slice(req(x), num(a, "dim") + 1, num(a, "start"), num(a, "end"), num(a, "step")),
  },
  IndexBackward0: gatherByMap,
  DiagonalBackward0: gatherByMap,
  UnfoldBackward0: gatherByMap,
  AsStridedBackward0: gatherByMap,

  CatBackward0: {
    forward: (x, a) => join.cat(x.map((t, i) => req(t, i)), num(a, "dim")),
    batch: (x, bt, a, B) => join.cat(x.map((t, i) => (bt[i] ? req(t, i) : repeat(req(t, i), B))), num(a, "dim") + 1),
  },
  StackBackward0: {
    forward: (x, a) => join.stack(x.map((t, i) => req(t, i)), num(a, "dim")),
    batch: (x, bt, a, B) => join.stack(x.map((t, i) => (bt[i] ? req(t, i) : repeat(req(t, i), B))), num(a, "dim") + 1),
  },

  SoftmaxBackward0: softmaxRule(false),
  LogSoftmaxBackward0: softmaxRule(true),

  MseLossBackward0: {
    forward: ([x, y], a) => F.mseLoss(req(x, 0), req(y, 1), { reduction: str(a, "reduction", REDUCTIONS) }),
    batch: (x, bt, a) => {
      const [p, q] = liftAll(x, bt);
      const d = ew.sub(p!, q!);
      return reduceLoss(ew.mul(d, d), str(a, "reduction", REDUCTIONS), true);
    },
  },
  BinaryCrossEntropyBackward0: {
    forward: ([x, y], a) => {
      unweighted(a, "binaryCrossEntropy");
      return reduceLoss(bceValues(req(x, 0), req(y, 1)), str(a, "reduction", REDUCTIONS), false);
    },
    batch: (x, bt, a) => {
      unweighted(a, "binaryCrossEntropy");
      const [p, q] = liftAll(x, bt);
      return reduceLoss(bceValues(p!, q!), str(a, "reduction", REDUCTIONS), true);
    },
  },
  NllLossBackward0: {
    forward: ([x], a) => {
      const target = ints(a, "target");
      const t = req(x);
      const batchedInput = t.shape.length === 2;
      const tt = new Tensor(Float64Array.from(target), batchedInput ? [target.length] : [], "int64");
      const w = nllWeight(a);
      return F.nllLoss(t, tt, {
        reduction: str(a, "reduction", REDUCTIONS),
        ignoreIndex: numOrNull(a, "ignoreIndex") ?? -100,
        ...(w === null ? {} : { weight: new Tensor(Float64Array.from(w), [w.length], t.dtype) }),
      });
    },
    batch: ([x], _b, a, B) => {
      const t = req(x);
      const target = ints(a, "target");
      const classes = t.shape[t.shape.length - 1]!;
      const ignore = numOrNull(a, "ignoreIndex") ?? -100;
      const w = nllWeight(a);
      // Ignored targets read class 0 with coefficient 0; weights scale the rest.
      const kept = target.map((c) => (c === ignore ? 0 : c));
      let picked = ew.neg(ix.indexSelect(sh.reshape(t, [B, -1], "replay"), 1, nllPositions(kept, classes)));
      if (w !== null || kept.some((c, i) => c !== target[i])) {
        const coef = target.map((c) => (c === ignore ? 0 : w === null ? 1 : w[c]!));
        picked = ew.mul(picked, new Tensor(Float64Array.from(coef), [coef.length], "float64").to(t.dtype));
      }
      const reduction = str(a, "reduction", REDUCTIONS);
      // Per point: [N] for an [N, C] input with reduction none, [] otherwise.
      if (reduction === "none") return t.shape.length === 3 ? picked : sh.reshape(picked, [B], "replay");
      const total = numOrNull(a, "totalWeight") ?? target.length;
      return reduction === "mean" ? ew.div(red.sum(picked, [1]), total) : red.sum(picked, [1]);
    },
  },
};

function softmaxRule(log: boolean): ReplayRule {
  const f = log ? sm.logSoftmax : sm.softmax;
  return {
    forward: ([x], a) => f(req(x), num(a, "dim")),
    batch: ([x], _b, a, B) => {
      const t = req(x);
      if (t.shape.length === 1) return sh.reshape(f(sh.reshape(t, [B, 1], "replay"), 1), [B], "replay");
      return f(t, num(a, "dim") + 1);
    },
  };
}

/**
 * The rule for a grad_fn name, or undefined. Besides the names above: the scatter-adds a double
 * backward (createGraph) records ("SelectBackwardBackward0", ...) and the gathers of their own
 * backward ("SelectBackwardBackward0Backward0", ...).
 */
export function ruleFor(name: string): ReplayRule | undefined {
  const r = Object.prototype.hasOwnProperty.call(RULES, name) ? RULES[name] : undefined;
  if (r) return r;
  if (/BackwardBackward0Backward0$/.test(name)) return gatherByMap;
  if (/^[A-Z][A-Za-z]*BackwardBackward0$/.test(name)) return scatterByMap(name);
  return undefined;
}

// Replay rules of the reductions and scans (ops/stats.ts) and of ops/arith.ts, as in rules.ts: one
// point (`forward`) and B points along a leading dim (`batch`), reading attributes through attrs.ts.
import type { Tensor } from "../tensor";
import * as st from "../ops/stats";
import * as ar from "../ops/arith";
import * as sh from "../ops/shape_ops";
import * as join from "../ops/join";
import { select } from "../ops/indexing";
import { bool, ints, liftAll, num, req, shift, type Attrs, type ReplayRule } from "./attrs";

export function statsRules(): Record<string, ReplayRule> {

  /** A reduction over the recorded dims: batched, the dims move one right; a 0-dim point is its own value. */
  const overDims = (f: (x: Tensor, dims: number[], a: Attrs) => Tensor): ReplayRule => ({
    forward: ([x], a) => f(req(x), ints(a, "dims"), a),
    batch: ([x], _b, a) => {
      const t = req(x);
      const dims = ints(a, "dims");
      if (t.shape.length === 1) return f(sh.unsqueeze(t, 1), [1], a); // 0-dim points: reduce a size-1 dim
      return f(t, shift(dims), a);
    },
  });

  /** Run the forward rule point by point and stack (ops whose batched form is not worth its own code). */
  const pointwise = (forward: ReplayRule["forward"]): ReplayRule => ({
    forward,
    batch: (x, bt, a, B) =>
      join.stack(Array.from({ length: B }, (_, p) => forward(x.map((t, i) => (t !== null && bt[i] ? select(t, 0, p) : t)), a)), 0),
  });

  const scan = (f: (x: Tensor, dim: number) => Tensor): ReplayRule => ({
    forward: ([x], a) => f(req(x), num(a, "dim")),
    batch: ([x], _b, a) => {
      const t = req(x);
      return t.shape.length === 1 ? f(sh.unsqueeze(t, 1), 1).reshape([t.shape[0]!]) : f(t, num(a, "dim") + 1);
    },
  });

  return {
    AmaxBackward0: overDims((x, d, a) => st.amax(x, d, bool(a, "keepdim"))),
    AminBackward0: overDims((x, d, a) => st.amin(x, d, bool(a, "keepdim"))),
    LogsumexpBackward0: overDims((x, d, a) => st.logsumexp(x, d, bool(a, "keepdim"))),
    VarBackward0: overDims((x, d, a) => st.variance(x, d, { correction: num(a, "correction"), keepdim: bool(a, "keepdim") })),
    StdBackward0: overDims((x, d, a) => st.std(x, d, { correction: num(a, "correction"), keepdim: bool(a, "keepdim") })),
    LinalgVectorNormBackward0: overDims((x, d, a) => st.vectorNorm(x, num(a, "p"), d, bool(a, "keepdim"))),
    ProdBackward1: overDims((x, d, a) => st.prod(x, d[0]!, bool(a, "keepdim"))),
    ProdBackward0: pointwise(([x]) => st.prod(req(x))),
    DistBackward0: pointwise(([x, y], a) => st.dist(req(x, 0), req(y, 1), num(a, "p"))),
    CumsumBackward0: scan(st.cumsum),
    CumprodBackward0: scan(st.cumprod),
    RsubBackward0: {
      forward: ([x, y], a) => ar.rsub(req(x, 0), req(y, 1), num(a, "alpha")),
      batch: (x, bt, a) => {
        const [p, q] = liftAll(x, bt);
        return ar.rsub(p!, q!, num(a, "alpha"));
      },
    },
    RsubBackward1: {
      forward: ([x], a) => ar.rsub(req(x), num(a, "other"), num(a, "alpha")),
      batch: ([x], _b, a) => ar.rsub(req(x), num(a, "other"), num(a, "alpha")),
    },
    PowBackward2: {
      forward: ([x], a) => ar.powScalarBase(num(a, "self"), req(x)),
      batch: ([x], _b, a) => ar.powScalarBase(num(a, "self"), req(x)),
    },
    LerpBackward0: {
      forward: ([x, y], a) => ar.lerp(req(x, 0), req(y, 1), num(a, "weight")),
      batch: (x, bt, a) => {
        const [p, q] = liftAll(x, bt);
        return ar.lerp(p!, q!, num(a, "weight"));
      },
    },
    LerpBackward1: {
      forward: ([x, y, w]) => ar.lerp(req(x, 0), req(y, 1), req(w, 2)),
      batch: (x, bt) => {
        const [p, q, w] = liftAll(x, bt);
        return ar.lerp(p!, q!, w!);
      },
    },
  };
}

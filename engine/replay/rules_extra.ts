// Replay rules of the indexing, structural, sorting and linear-algebra ops of issue 12 (see
// rules.ts for what a rule is). The gathers with a fixed table of positions (gather, indexSelect,
// take, maskedSelect, repeat, flip, roll, split, unbind) re-read through the recorded table; sort,
// topk and tril/triu re-run the op (the order depends on the values); scatter re-writes through
// the table. Random sampling (BernoulliBackward0) has no rule: it cannot be re-evaluated.
import { Tensor } from "../tensor";
import { allocate } from "../dtype";
import * as sh from "../ops/shape_ops";
import * as ew from "../ops/elementwise";
import { scatterAddFlat } from "../ops/indexing";
import * as so from "../ops/sorting";
import * as st from "../ops/structural";
import * as lx from "../ops/linalg_extra";
import { AttrError, fullAttr, ints, jsonNum, num, req, type ReplayRule } from "./attrs";
import { stack } from "../ops/join";
import { select } from "../ops/indexing";

/** A rule whose batch runs the forward point by point (B is small; the ops here are cheap gathers). */
function pointwise(forward: ReplayRule["forward"]): ReplayRule {
  return {
    forward,
    batch: (x, batched, a, B) =>
      stack(Array.from({ length: B }, (_, p) => forward(x.map((t, i) => (t !== null && batched[i] ? select(t, 0, p) : t)), a))),
  };
}

/** A recorded tensor attribute in the dtype of `like` (a scatter's src takes its target's dtype). */
function tensorAttr(a: Parameters<typeof fullAttr>[0], key: string, like: Tensor): Tensor {
  const v = fullAttr(a, key);
  const data = allocate(like.dtype, v.values.length);
  for (let i = 0; i < data.length; i++) data[i] = jsonNum(v.values[i]) ?? NaN;
  return new Tensor(data, v.shape.slice(), like.dtype);
}

/** Re-read through the recorded flat positions (the op's table does not depend on the values). */
const byMap: ReplayRule = pointwise(([x], a) => {
  const flat = sh.reshape(req(x), [-1], "replay");
  const idx = new Tensor(Float64Array.from(ints(a, "map")), [ints(a, "map").length], "int64");
  return sh.reshape(flatGather(flat, idx), ints(a, "shape"), "replay");
});

function flatGather(flat: Tensor, idx: Tensor): Tensor {
  // index() with an array of positions: IndexBackward0, differentiable for evaluateWithGrad.
  return flat.index(idx);
}

/** x with `values` (flat, one per table entry) written (or added) at the table's positions. */
function scatterRule(mode: "src" | "value" | "add"): ReplayRule {
  return pointwise((x, a) => {
      const self = req(x[0], 0);
      const map = Int32Array.from(ints(a, "map"));
      const indexShape = ints(a, "indexShape");
      let placed: Tensor;
      if (mode === "value") {
        placed = new Tensor(allocate(self.dtype, self.numel()), self.shape, self.dtype);
        for (let i = 0; i < map.length; i++) placed._values[map[i]!] = num(a, "value");
      } else {
        const src = req(x[1], 1);
        if (src.shape.length !== indexShape.length || src.shape.some((s, i) => s !== indexShape[i])) {
          throw new AttrError("a scatter whose src is larger than its index is not re-evaluated");
        }
        const flatSrc = sh.reshape(src, [-1], "replay");
        if (mode === "add") placed = scatterAddFlat(flatSrc, map, self.shape, "ScatterBackward0");
        else {
          // A repeated position keeps the last write, as the forward did: only those entries are placed.
          const last = new Map<number, number>();
          for (let i = 0; i < map.length; i++) last.set(map[i]!, i);
          const keepAt = [...last.values()].sort((p, q) => p - q);
          const picked = flatGather(flatSrc, new Tensor(Float64Array.from(keepAt), [keepAt.length], "int64"));
          placed = scatterAddFlat(picked, Int32Array.from(keepAt, (i) => map[i]!), self.shape, "ScatterBackward0");
        }
      }
      if (mode === "add") return ew.add(self, placed);
      const keep = new Tensor(allocate(self.dtype, self.numel()).fill(1), self.shape, self.dtype);
      for (let i = 0; i < map.length; i++) keep._values[map[i]!] = 0;
      return ew.add(ew.mul(self, keep), placed);
  });
}

export const EXTRA_RULES: Readonly<Record<string, ReplayRule>> = {
  GatherBackward0: byMap,
  IndexSelectBackward0: byMap,
  TakeBackward0: byMap,
  MaskedSelectBackward0: byMap,
  RepeatBackward0: byMap,
  FlipBackward0: byMap,
  RollBackward0: byMap,
  SplitBackward0: byMap,
  SplitWithSizesBackward0: byMap,
  UnbindBackward0: byMap,
  SortBackward0: pointwise(([x], a) => so.sort(req(x), num(a, "dim"), a["descending"] === true).values),
  TopkBackward0: pointwise(([x], a) => so.topk(req(x), num(a, "k"), num(a, "dim"), a["largest"] !== false).values),
  TrilBackward0: { forward: ([x], a) => st.tril(req(x), num(a, "diagonal")), batch: ([x], _b, a) => st.tril(req(x), num(a, "diagonal")) },
  TriuBackward0: { forward: ([x], a) => st.triu(req(x), num(a, "diagonal")), batch: ([x], _b, a) => st.triu(req(x), num(a, "diagonal")) },
  ScatterBackward0: scatterRule("src"),
  ScatterBackward1: scatterRule("value"),
  ScatterAddBackward0: scatterRule("add"),
  MaskedFillBackward0: pointwise(([x], a) => {
    const self = req(x);
    const keep = tensorAttr(a, "keep", self);
    return ew.add(ew.mul(self, keep), ew.mul(ew.sub(ew.neg(keep), -1), num(a, "value")));
  }),
  MaskedFillBackward1: pointwise(([x, v], a) => {
    const self = req(x, 0);
    const keep = tensorAttr(a, "keep", self);
    return ew.add(ew.mul(self, keep), ew.mul(ew.sub(ew.neg(keep), -1), req(v, 1)));
  }),
  BaddbmmBackward0: pointwise(([i, b1, b2]) => lx.baddbmm(req(i, 0), req(b1, 1), req(b2, 2))),
};

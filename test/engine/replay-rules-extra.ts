// Replay-rule table lines of the indexing, structural, sorting and linear-algebra ops of issue 12
// (spread into ROWS of replay-rules.test.ts; same Row format).
import { Tensor, torch } from "../../engine/index";

type Shape = number[];
export interface ExtraRow {
  op: string;
  shapes: Array<Shape | null>;
  attrs?: Record<string, unknown>;
  values?: "pos" | "prob" | "any";
  engine?: (...x: Tensor[]) => Tensor;
}

const condT = new Tensor(Float32Array.from([1, 0, 1, 0, 0, 1]), [2, 3], "float32");
const keep = { shape: [2, 3], dtype: "float32", values: [0, 1, 0, 1, 1, 0] };

export const EXTRA_ROWS: ExtraRow[] = [
  { op: "GatherBackward0", shapes: [[2, 3]], attrs: { map: [0, 2, 4, 3], shape: [2, 2] }, engine: (a) => a.gather(1, [[0, 2], [1, 0]]) },
  { op: "IndexSelectBackward0", shapes: [[2, 3]], attrs: { map: [2, 0, 5, 3], shape: [2, 2] }, engine: (a) => a.indexSelect(1, [2, 0]) },
  { op: "TakeBackward0", shapes: [[2, 3]], attrs: { map: [5, 0], shape: [2] }, engine: (a) => a.take([-1, 0]) },
  { op: "MaskedSelectBackward0", shapes: [[2, 3]], attrs: { map: [0, 2, 5], shape: [3] }, engine: (a) => a.maskedSelect(condT) },
  { op: "RepeatBackward0", shapes: [[3]], attrs: { map: [0, 1, 2, 0, 1, 2], shape: [2, 3] }, engine: (a) => a.repeat(2, 1) },
  { op: "FlipBackward0", shapes: [[3]], attrs: { map: [2, 1, 0], shape: [3] }, engine: (a) => a.flip(0) },
  { op: "RollBackward0", shapes: [[3]], attrs: { map: [2, 0, 1], shape: [3] }, engine: (a) => a.roll(1) },
  { op: "SplitBackward0", shapes: [[2, 3]], attrs: { map: [0, 1, 3, 4], shape: [2, 2] }, engine: (a) => a.split(2, 1)[0]! },
  { op: "SplitWithSizesBackward0", shapes: [[2, 3]], attrs: { map: [1, 2, 4, 5], shape: [2, 2] }, engine: (a) => a.split([1, 2], 1)[1]! },
  { op: "UnbindBackward0", shapes: [[2, 3]], attrs: { map: [3, 4, 5], shape: [3] }, engine: (a) => a.unbind(0)[1]! },
  { op: "SortBackward0", shapes: [[2, 3]], values: "any", attrs: { dim: 1, descending: true }, engine: (a) => a.sort(1, true).values },
  { op: "SortBackward0", shapes: [[3]], values: "any", attrs: { dim: 0, descending: false }, engine: (a) => a.sort().values },
  { op: "TopkBackward0", shapes: [[2, 3]], values: "any", attrs: { dim: 1, k: 2, largest: true }, engine: (a) => a.topk(2).values },
  { op: "TopkBackward0", shapes: [[2, 3]], values: "any", attrs: { dim: 0, k: 1, largest: false }, engine: (a) => a.topk(1, 0, false).values },
  { op: "TrilBackward0", shapes: [[3, 3]], attrs: { diagonal: 0 }, engine: (a) => a.tril() },
  { op: "TriuBackward0", shapes: [[2, 3]], attrs: { diagonal: 1 }, engine: (a) => a.triu(1) },
  { op: "ScatterBackward0", shapes: [[2, 3], [2, 1]], attrs: { map: [2, 3], shape: [2, 3], indexShape: [2, 1] }, engine: (a, b) => a.scatter(1, [[2], [0]], b!) },
  { op: "ScatterBackward0", shapes: [[2, 3], [2, 2]], attrs: { map: [1, 1, 3, 4], shape: [2, 3], indexShape: [2, 2] }, engine: (a, b) => a.scatter(1, [[1, 1], [0, 1]], b!) },
  { op: "ScatterBackward1", shapes: [[2, 3]], attrs: { map: [2, 3], shape: [2, 3], indexShape: [2, 1], value: 5 }, engine: (a) => a.scatter(1, [[2], [0]], 5) },
  { op: "ScatterAddBackward0", shapes: [[2, 3], [2, 2]], attrs: { map: [2, 2, 3, 4], shape: [2, 3], indexShape: [2, 2] }, engine: (a, b) => a.scatterAdd(1, [[2, 2], [0, 1]], b!) },
  { op: "MaskedFillBackward0", shapes: [[2, 3]], attrs: { keep, value: -1 }, engine: (a) => a.maskedFill(condT, -1) },
  { op: "MaskedFillBackward1", shapes: [[2, 3], []], attrs: { keep }, engine: (a, v) => a.maskedFill(condT, v!) },
  { op: "BaddbmmBackward0", shapes: [[2, 2, 4], [2, 2, 3], [2, 3, 4]], engine: (i, a, b) => torch.baddbmm(i!, a!, b!) },
  { op: "BaddbmmBackward0", shapes: [[4], [2, 2, 3], [2, 3, 4]], engine: (i, a, b) => torch.baddbmm(i!, a!, b!) },
];

// The (values, indices) result of max/min along a dim, sort and topk: an object with `values` and
// `indices`, also destructurable as a pair like PyTorch's named tuple (`const [v, i] = x.max(1)`).
import type { Tensor } from "../tensor";

export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

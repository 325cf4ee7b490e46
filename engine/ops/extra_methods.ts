// The Tensor methods of the indexing, structural, sorting and linear-algebra ops added with issue
// 12 (gather, scatter, repeat, split, sort, …). They are declared here (merged into Tensor's type in
// tensor.ts, so the bundled .d.ts has them) and installed on Tensor.prototype by index.ts, so
// tensor.ts stays the short API reference of the core ops.
import type { Tensor, TensorOrScalar } from "../tensor";
import * as gt from "./gather";
import * as st from "./structural";
import * as so from "./sorting";
import * as lx from "./linalg_extra";
import * as la from "./linalg";
import { inplace } from "./inplace";

export interface ExtraTensorMethods {
  /** out[i][j] = this[i][index[i][j]] for dim 1, and so on (index: int64, same rank as this). */
  gather(dim: number, index: gt.IndexTensor): Tensor;
  /** A copy with `src`'s values (or the number `src`) written at `index` along `dim`. */
  scatter(dim: number, index: gt.IndexTensor, src: Tensor | number): Tensor;
  /** In place: write `src` (or a number) at `index` along `dim` (ScatterBackward0/1). */
  scatter_(dim: number, index: gt.IndexTensor, src: Tensor | number): this;
  /** A copy with `src`'s values added at `index` along `dim` (repeated indices add up). */
  scatterAdd(dim: number, index: gt.IndexTensor, src: Tensor): Tensor;
  /** In place: add `src` at `index` along `dim` (ScatterAddBackward0). */
  scatterAdd_(dim: number, index: gt.IndexTensor, src: Tensor): this;
  /** The entries at the listed positions of `dim` (a 1-D index). */
  indexSelect(dim: number, index: gt.IndexTensor): Tensor;
  /** The elements where `mask` is true (non-zero), as a 1-D tensor. */
  maskedSelect(mask: Tensor): Tensor;
  /** A copy with `value` where `mask` is true (non-zero). */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor;
  /** The elements at flat positions `index` (negative counts from the end), in index's shape. */
  take(index: gt.IndexTensor): Tensor;
  /** Copies along each dim: x.repeat(2, 1) stacks two copies of the rows. */
  repeat(...sizes: number[] | [readonly number[]]): Tensor;
  /** repeat, with ones prepended when fewer dims are given than the tensor has. */
  tile(...dims: number[] | [readonly number[]]): Tensor;
  /** Each element repeated `repeats` times (a number, or a count per element) along dim (flattened when dim is undefined). */
  repeatInterleave(repeats: number | Tensor | readonly number[], dim?: number): Tensor;
  /** Reversed along the given dims. */
  flip(...dims: number[] | [readonly number[]]): Tensor;
  /** Shifted by `shifts` along `dims` with wrap-around (over the flattened tensor without dims). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
  /** Views of pieces along dim: of `splitSize` each, or of the listed sizes. */
  split(splitSize: number | readonly number[], dim?: number): Tensor[];
  /** `chunks` views along dim, of ceil(size / chunks) each. */
  chunk(chunks: number, dim?: number): Tensor[];
  /** The slices along dim, each without that dim. */
  unbind(dim?: number): Tensor[];
  /** Lower triangle of the last two dims (j ≤ i + diagonal), zeros elsewhere. */
  tril(diagonal?: number): Tensor;
  /** Upper triangle of the last two dims (j ≥ i + diagonal), zeros elsewhere. */
  triu(diagonal?: number): Tensor;
  /** In place tril. */
  tril_(diagonal?: number): this;
  /** In place triu. */
  triu_(diagonal?: number): this;
  /** Sorted values along dim (default the last) and where they came from; destructurable: `const [v, i] = x.sort()`. */
  sort(dim?: number, descending?: boolean): so.ValuesIndices;
  /** The positions that sort this tensor along dim (int64). */
  argsort(dim?: number, descending?: boolean): Tensor;
  /** The k largest (or smallest) values along dim with their positions. */
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): so.ValuesIndices;
  /** Matrix @ vector (MvBackward0). */
  mv(vec: Tensor): Tensor;
  /** Batched matrix product of two 3-D tensors (BmmBackward0). */
  bmm(mat2: Tensor): Tensor;
  /** Outer product of two vectors. */
  outer(vec2: Tensor): Tensor;
  /** The number of elements (PyTorch's nelement, the same as numel). */
  nelement(): number;
}

type Methods = { [K in keyof ExtraTensorMethods]: (this: Tensor, ...args: never[]) => unknown };

const METHODS: Methods & ThisType<Tensor> = {
  gather(dim: number, index: gt.IndexTensor) { return gt.gather(this, dim, index); },
  scatter(dim: number, index: gt.IndexTensor, src: Tensor | number) { return gt.scatter(this, dim, index, src); },
  scatter_(dim: number, index: gt.IndexTensor, src: Tensor | number) { return inplace(this, "scatter_", () => gt.scatter(this, dim, index, src)); },
  scatterAdd(dim: number, index: gt.IndexTensor, src: Tensor) { return gt.scatterAdd(this, dim, index, src); },
  scatterAdd_(dim: number, index: gt.IndexTensor, src: Tensor) { return inplace(this, "scatterAdd_", () => gt.scatterAdd(this, dim, index, src)); },
  indexSelect(dim: number, index: gt.IndexTensor) { return gt.indexSelect(this, dim, index); },
  maskedSelect(mask: Tensor) { return gt.maskedSelect(this, mask); },
  maskedFill(mask: Tensor, value: TensorOrScalar) { return gt.maskedFill(this, mask, value); },
  take(index: gt.IndexTensor) { return gt.take(this, index); },
  repeat(...sizes: Array<number | readonly number[]>) { return st.repeat(this, ...sizes); },
  tile(...dims: Array<number | readonly number[]>) { return st.tile(this, ...dims); },
  repeatInterleave(repeats: number | Tensor | readonly number[], dim?: number) { return st.repeatInterleave(this, repeats, dim); },
  flip(...dims: Array<number | readonly number[]>) { return st.flip(this, ...dims); },
  roll(shifts: number | readonly number[], dims?: number | readonly number[]) { return st.roll(this, shifts, dims); },
  split(splitSize: number | readonly number[], dim?: number) { return st.split(this, splitSize, dim); },
  chunk(chunks: number, dim?: number) { return st.chunk(this, chunks, dim); },
  unbind(dim?: number) { return st.unbind(this, dim); },
  tril(diagonal?: number) { return st.tril(this, diagonal); },
  triu(diagonal?: number) { return st.triu(this, diagonal); },
  tril_(diagonal?: number) { return inplace(this, "tril_", () => st.tril(this, diagonal)); },
  triu_(diagonal?: number) { return inplace(this, "triu_", () => st.triu(this, diagonal)); },
  sort(dim?: number, descending?: boolean) { return so.sort(this, dim, descending); },
  argsort(dim?: number, descending?: boolean) { return so.argsort(this, dim, descending); },
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean) { return so.topk(this, k, dim, largest, sorted); },
  mv(vec: Tensor) { return la.mv(this, vec); },
  bmm(mat2: Tensor) { return la.bmm(this, mat2); },
  outer(vec2: Tensor) { return lx.outer(this, vec2); },
  nelement() { return this.numel(); },
};

/** Put the methods on Tensor.prototype (index.ts does, before the missing-name fallbacks). */
export function installExtraMethods(proto: object): void {
  for (const [name, fn] of Object.entries(METHODS)) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

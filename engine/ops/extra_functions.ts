// The torch.* functions of the indexing, structural, sorting, linear-algebra, creation and random
// ops added with issue 12; index.ts spreads them into `torch`.
import type { Tensor, TensorOrScalar } from "../tensor";
import * as gt from "./gather";
import * as st from "./structural";
import * as so from "./sorting";
import * as lx from "./linalg_extra";
import * as la from "./linalg";
import * as rnd from "./random_ops";
import { fullLike } from "./creation";
import { einsum } from "./einsum";
import { Generator } from "../random";

/** torch.Generator: `new torch.Generator().manualSeed(42)` (or without `new`, as Python writes it). */
export interface GeneratorConstructor {
  new (seed?: number): Generator;
  (seed?: number): Generator;
  readonly prototype: Generator;
}

const GeneratorFactory = new Proxy(Generator, {
  apply: (_t, _self, args: [number?]) => new Generator(...args),
}) as unknown as GeneratorConstructor;

function max(x: Tensor): Tensor;
function max(x: Tensor, dim: number, keepdim?: boolean): so.ValuesIndices;
function max(x: Tensor, other: Tensor): Tensor;
function max(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | so.ValuesIndices {
  return so.extreme("max", x, dimOrOther, keepdim);
}
function min(x: Tensor): Tensor;
function min(x: Tensor, dim: number, keepdim?: boolean): so.ValuesIndices;
function min(x: Tensor, other: Tensor): Tensor;
function min(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | so.ValuesIndices {
  return so.extreme("min", x, dimOrOther, keepdim);
}

export const extraFunctions = {
  gather: (x: Tensor, dim: number, index: gt.IndexTensor) => gt.gather(x, dim, index),
  scatter: (x: Tensor, dim: number, index: gt.IndexTensor, src: Tensor | number) => gt.scatter(x, dim, index, src),
  scatterAdd: (x: Tensor, dim: number, index: gt.IndexTensor, src: Tensor) => gt.scatterAdd(x, dim, index, src),
  indexSelect: (x: Tensor, dim: number, index: gt.IndexTensor) => gt.indexSelect(x, dim, index),
  maskedSelect: (x: Tensor, mask: Tensor) => gt.maskedSelect(x, mask),
  maskedFill: (x: Tensor, mask: Tensor, value: TensorOrScalar) => gt.maskedFill(x, mask, value),
  take: (x: Tensor, index: gt.IndexTensor) => gt.take(x, index),
  tile: (x: Tensor, dims: readonly number[]) => st.tile(x, dims),
  repeatInterleave: (x: Tensor, repeats: number | Tensor | readonly number[], dim?: number) => st.repeatInterleave(x, repeats, dim),
  flip: (x: Tensor, dims: readonly number[]) => st.flip(x, dims),
  roll: (x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]) => st.roll(x, shifts, dims),
  split: (x: Tensor, splitSize: number | readonly number[], dim = 0) => st.split(x, splitSize, dim),
  chunk: (x: Tensor, chunks: number, dim = 0) => st.chunk(x, chunks, dim),
  unbind: (x: Tensor, dim = 0) => st.unbind(x, dim),
  tril: (x: Tensor, diagonal = 0) => st.tril(x, diagonal),
  triu: (x: Tensor, diagonal = 0) => st.triu(x, diagonal),
  sort: (x: Tensor, dim = -1, descending = false) => so.sort(x, dim, descending),
  argsort: (x: Tensor, dim = -1, descending = false) => so.argsort(x, dim, descending),
  topk: (x: Tensor, k: number, dim = -1, largest = true, sorted = true) => so.topk(x, k, dim, largest, sorted),
  /** max of everything; along a dim: values and indices (`const [v, i] = torch.max(x, 1)`); with a tensor: torch.maximum. */
  max,
  /** min of everything; along a dim: values and indices; with a tensor: torch.minimum. */
  min,
  outer: (a: Tensor, b: Tensor) => lx.outer(a, b),
  /** input + mat1 @ mat2 in one AddmmBackward0 node. */
  addmm: (input: Tensor, mat1: Tensor, mat2: Tensor) => la.addmm(input, mat1, mat2),
  /** input + batch1 @ batch2 per batch in one BaddbmmBackward0 node. */
  baddbmm: (input: Tensor, batch1: Tensor, batch2: Tensor) => lx.baddbmm(input, batch1, batch2),
  einsum,
  fullLike,
  randint: rnd.randint,
  randperm: rnd.randperm,
  multinomial: rnd.multinomial,
  bernoulli: rnd.bernoulli,
  Generator: GeneratorFactory,
  numel: (x: Tensor) => x.numel(),
};

// linear, bilinear and embedding.
import type { Tensor } from "../../tensor";
import { formatShape } from "../../shape";
import { addmm, matmul } from "../../ops/linalg";
import { t, view } from "../../ops/shape_ops";
import { checkTensor } from "../util";
import { gatherOrZero, gatherZeroSpec } from "./gather";

/**
 * y = x · weightᵀ + bias, with ATen's nodes (2.x, Linear.cpp): one AddmmBackward0 for 2-D input; with
 * a bias, a contiguous input of 3 dims (or of any other number of dims, for a 1-D bias) is viewed as
 * 2-D around it (ViewBackward0 → AddmmBackward0 → ViewBackward0), a 1-D input as [1, in]; otherwise
 * matmul, then add the bias.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input, "linear");
  checkTensor(weight, "linear", "weight");
  if (bias === null) bias = undefined;
  const dims = input.shape.length;
  if (dims === 2 && bias !== undefined) return addmm(bias, input, t(weight));
  if (bias !== undefined && dims > 0 && input.isContiguous() && (dims === 3 || bias.shape.length === 1)) {
    // As ATen's _flatten_nd_linear: the leading dims' product, not -1 (which fails for a 0-size dim).
    const lead = input.shape.slice(0, -1);
    const rows = lead.reduce((a, b) => a * b, 1);
    const y = addmm(bias, view(input, [rows, input.shape[dims - 1]!]), t(weight));
    return view(y, [...lead, y.shape[1]!]);
  }
  const y = matmul(input, t(weight));
  return bias === undefined ? y : y.add(bias);
}

/** y[…, k] = x1ᵀ · weight[k] · x2 + bias[k], weight of shape [out, in1, in2]. */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input1, "bilinear", "input1");
  checkTensor(input2, "bilinear", "input2");
  checkTensor(weight, "bilinear", "weight");
  if (weight.shape.length !== 3) throw new RangeError(`bilinear: weight must have shape [out, in1, in2], got ${formatShape(weight.shape)}.`);
  const [out, in1, in2] = weight.shape as [number, number, number];
  const lead = input1.shape.slice(0, -1);
  if (input1.shape[input1.shape.length - 1] !== in1 || input2.shape[input2.shape.length - 1] !== in2 || input2.shape.length !== input1.shape.length || lead.some((s, i) => s !== input2.shape[i])) {
    throw new RangeError(`bilinear: input1 ${formatShape(input1.shape)} and input2 ${formatShape(input2.shape)} must have the same leading dims and last dims ${in1} and ${in2} (weight ${formatShape(weight.shape)}).`);
  }
  // (x1 · W reshaped [in1, out·in2]) viewed [… , out, in2], times x2, summed over in2.
  const w2 = weight.permute([1, 0, 2]).reshape([in1, out * in2]);
  const y = matmul(input1, w2).reshape([...lead, out, in2]).mul(input2.unsqueeze(-2)).sum(-1);
  return bias === undefined || bias === null ? y : y.add(bias);
}

export interface EmbeddingOptions {
  /** The row of this index gets no gradient (and nn.Embedding initialises it to zeros). */
  paddingIdx?: number;
}

/** Rows of weight at the integer indices of input: shape [...input.shape, embeddingDim] (EmbeddingBackward0). */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkTensor(input, "embedding");
  checkTensor(weight, "embedding", "weight");
  if (weight.shape.length !== 2) throw new RangeError(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got ${formatShape(weight.shape)}.`);
  const [rows, dim] = weight.shape as [number, number];
  let pad = options.paddingIdx;
  if (pad !== undefined) {
    if (!Number.isInteger(pad) || pad < -rows || pad >= rows) throw new RangeError(`embedding: paddingIdx must be within num_embeddings (${rows}), got ${String(pad)}.`);
    if (pad < 0) pad += rows;
  }
  const idx = input._values;
  const map = new Int32Array(idx.length * dim);
  const back = pad === undefined ? undefined : new Int32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new RangeError(`embedding: index out of range in self: index ${r} at flat position ${i}, but there are ${rows} embeddings (0 … ${rows - 1}).`);
    for (let d = 0; d < dim; d++) {
      map[i * dim + d] = r * dim + d;
      if (back !== undefined) back[i * dim + d] = r === pad ? -1 : r * dim + d;
    }
  }
  return gatherOrZero(weight, map, [...input.shape, dim], EmbeddingBackward0, back === undefined ? {} : { backMap: back, padding_idx: pad });
}

const EmbeddingBackward0 = gatherZeroSpec("EmbeddingBackward0", "grad rows added into the rows of weight that were read (0 elsewhere)");

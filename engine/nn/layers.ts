// Layers with parameters or shape logic: Identity, Linear, Bilinear, Flatten, Unflatten, Dropout, Embedding.
import { Tensor } from "../tensor";
import type { DType } from "../dtype";
import { zeros } from "../ops/creation";
import { flatten as flattenOp, unflatten as unflattenOp } from "../ops/shape_ops";
import { withGradMode } from "../grad_mode";
import { formatShape } from "../shape";
import { Module, autoName } from "./module";
import { Parameter } from "./parameter";
import * as F from "./functional";
import { normal_, uniform_ } from "./init";
import { defaultInit } from "./default-init";
import { checkPositiveInt, checkTensor } from "./util";

export interface FactoryOptions {
  dtype?: DType;
}
export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

/** A fresh (zero) parameter named `name`. */
export function newParameter(shape: number[], name: string, dtype: DType = "float32"): Parameter {
  return autoName(new Parameter(zeros(shape, { dtype })), name);
}

/** Returns its input. */
export class Identity extends Module {
  static readonly torchName = "Identity";
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/** y = x · Wᵀ + b, W of shape [out, in]; PyTorch's initialisation (U(±1/√in) for both). */
export class Linear extends Module {
  static readonly torchName = "Linear";
  weight: Parameter;
  bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkPositiveInt(inFeatures, "nn.Linear", "inFeatures", true);
    this.outFeatures = checkPositiveInt(outFeatures, "nn.Linear", "outFeatures", true);
    this.weight = newParameter([outFeatures, inFeatures], "weight", options.dtype);
    this.bias = options.bias ?? true ? newParameter([outFeatures], "bias", options.dtype) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    defaultInit(this.weight, this.bias);
  }
  override forward(x: Tensor): Tensor {
    checkTensor(x, "Linear.forward");
    const last = x.shape[x.shape.length - 1];
    if (last !== this.inFeatures) {
      throw new RangeError(
        `Linear.forward: mat1 and mat2 shapes cannot be multiplied: input has ${last ?? 0} features in its last dim (shape [${x.shape.join(", ")}]) but the layer expects ${this.inFeatures}.`,
      );
    }
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}

/** y = x1ᵀ · W[k] · x2 + b[k], W of shape [out, in1, in2]. */
export class Bilinear extends Module {
  static readonly torchName = "Bilinear";
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [v, w] of [[in1Features, "in1Features"], [in2Features, "in2Features"], [outFeatures, "outFeatures"]] as const) checkPositiveInt(v, "nn.Bilinear", w);
    this.weight = newParameter([outFeatures, in1Features, in2Features], "weight", options.dtype);
    this.bias = options.bias ?? true ? newParameter([outFeatures], "bias", options.dtype) : null;
    const bound = 1 / Math.sqrt(in1Features);
    uniform_(this.weight, -bound, bound);
    if (this.bias !== null) uniform_(this.bias, -bound, bound);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return F.bilinear(x1, x2, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}

/** Flattens dims startDim … endDim into one (default 1 … −1: everything but the batch dim). */
export class Flatten extends Module {
  static readonly torchName = "Flatten";
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return flattenOp(checkTensor(x, "Flatten.forward"), this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim into the given sizes. */
export class Unflatten extends Module {
  static readonly torchName = "Unflatten";
  readonly unflattenedSize: readonly number[];
  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize)) throw new TypeError("nn.Unflatten: unflattenedSize must be an array of sizes, e.g. [2, 3].");
    this.unflattenedSize = unflattenedSize.slice();
  }
  override forward(x: Tensor): Tensor {
    return unflattenOp(checkTensor(x, "Unflatten.forward"), this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(", ")}${this.unflattenedSize.length === 1 ? "," : ""})`;
  }
}

/** Zeroes elements with probability p while training (scaling the rest by 1/(1 − p)); identity in eval(). */
export class Dropout extends Module {
  static readonly torchName = "Dropout";
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`nn.Dropout: dropout probability has to be between 0 and 1, but got ${String(p)}.`);
  }
  override forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

export interface EmbeddingModuleOptions extends FactoryOptions {
  paddingIdx?: number;
}

/** A lookup table: row i of weight ([numEmbeddings, embeddingDim], N(0, 1)) for index i. */
export class Embedding extends Module {
  static readonly torchName = "Embedding";
  weight: Parameter;
  readonly paddingIdx: number | undefined;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingModuleOptions = {}) {
    super();
    checkPositiveInt(numEmbeddings, "nn.Embedding", "numEmbeddings");
    checkPositiveInt(embeddingDim, "nn.Embedding", "embeddingDim");
    let pad = options.paddingIdx;
    if (pad !== undefined) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) throw new RangeError(`nn.Embedding: Padding_idx must be within num_embeddings, got ${String(pad)}.`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = newParameter([numEmbeddings, embeddingDim], "weight", options.dtype);
    normal_(this.weight);
    if (pad !== undefined) withGradMode(false, () => this.weight.select(0, pad).zero_());
  }
  /** An Embedding holding the given rows (PyTorch's Embedding.from_pretrained; frozen by default). */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number } = {}): Embedding {
    const t = checkTensor(embeddings, "nn.Embedding.fromPretrained", "embeddings");
    if (t.shape.length !== 2) throw new RangeError(`nn.Embedding.fromPretrained: Embeddings parameter is expected to be 2-dimensional, got ${formatShape(t.shape)}.`);
    const e = new Embedding(t.shape[0]!, t.shape[1]!, { dtype: t.dtype, ...(options.paddingIdx !== undefined ? { paddingIdx: options.paddingIdx } : {}) });
    withGradMode(false, () => e.weight.copy_(t));
    e.weight.requiresGrad_(!(options.freeze ?? true));
    return e;
  }
  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx === undefined ? {} : { paddingIdx: this.paddingIdx });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== undefined ? `, padding_idx=${this.paddingIdx}` : ""}`;
  }
}

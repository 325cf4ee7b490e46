// LayerNorm, BatchNorm1d, BatchNorm2d.
import type { Tensor } from "../tensor";
import { formatShape } from "../shape";
import { zeros } from "../ops/creation";
import { withGradMode } from "../grad_mode";
import { Module } from "./module";
import type { Parameter } from "./parameter";
import * as F from "./functional";
import { newParameter, type FactoryOptions } from "./layers";
import { ones_ } from "./init";
import { pyBool, pyFloat } from "./activations";
import { checkPositiveInt, checkTensor } from "./util";

export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  bias?: boolean;
}

/** Normalises over the last dims (normalizedShape), then weight · x̂ + bias (ones and zeros at first). */
export class LayerNorm extends Module {
  static readonly torchName = "LayerNorm";
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const ns = typeof normalizedShape === "number" ? [normalizedShape] : Array.isArray(normalizedShape) ? normalizedShape.slice() : null;
    if (ns === null) throw new TypeError("nn.LayerNorm: normalizedShape must be a number or an array of numbers.");
    ns.forEach((s) => checkPositiveInt(s, "nn.LayerNorm", "normalizedShape"));
    this.normalizedShape = ns;
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? ones_(newParameter(ns, "weight", options.dtype)) as Parameter : null;
    this.bias = affine && (options.bias ?? true) ? newParameter(ns, "bias", options.dtype) : null;
  }
  override forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(", ")}${this.normalizedShape.length === 1 ? "," : ""}), eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.weight !== null)}`;
  }
}

export interface BatchNormModuleOptions extends FactoryOptions {
  eps?: number;
  /** Running-average factor; null for a cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  constructor(readonly numFeatures: number, options: BatchNormModuleOptions, private readonly dims: number[]) {
    super();
    checkPositiveInt(numFeatures, `nn.${this._getName()}`, "numFeatures");
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    const affine = options.affine ?? true;
    this.weight = affine ? ones_(newParameter([numFeatures], "weight", options.dtype)) as Parameter : null;
    this.bias = affine ? newParameter([numFeatures], "bias", options.dtype) : null;
    const track = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? "float32";
    this.registerBuffer("runningMean", track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("runningVar", track ? ones_(zeros([numFeatures], { dtype })) : null);
    this.registerBuffer("numBatchesTracked", track ? zeros([], { dtype: "int64" }) : null);
  }
  override forward(x: Tensor): Tensor {
    checkTensor(x, `${this._getName()}.forward`);
    if (!this.dims.includes(x.shape.length)) {
      throw new RangeError(`${this._getName()}: expected ${this.dims.map((d) => `${d}D`).join(" or ")} input (got ${x.shape.length}D input ${formatShape(x.shape)}).`);
    }
    let factor = this.momentum ?? 0;
    const useBatch = this.training || this.runningMean === null;
    if (this.training && this.numBatchesTracked !== null) {
      withGradMode(false, () => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${pyBool(this.weight !== null)}, track_running_stats=${pyBool(this.runningMean !== null)}`;
  }
}

/** Batch normalisation of [N, C] or [N, C, L] per channel. */
export class BatchNorm1d extends BatchNorm {
  static readonly torchName = "BatchNorm1d";
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}
/** Batch normalisation of [N, C, H, W] per channel. */
export class BatchNorm2d extends BatchNorm {
  static readonly torchName = "BatchNorm2d";
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

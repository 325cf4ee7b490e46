// Conv1d, Conv2d, MaxPool2d, AvgPool2d.
import type { Tensor } from "../tensor";
import { Module } from "./module";
import type { Parameter } from "./parameter";
import * as F from "./functional";
import { newParameter, type FactoryOptions } from "./layers";
import { defaultInit } from "./default-init";
import { pyBool } from "./activations";
import { checkPositiveInt, fmtTuple, tuple } from "./util";

export interface ConvModuleOptions extends FactoryOptions {
  stride?: number | number[];
  padding?: number | number[] | "valid" | "same";
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "valid" | "same";
  readonly dilation: number[];
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number | number[], options: ConvModuleOptions, dims: 1 | 2) {
    super();
    const op = `nn.${this._getName()}`;
    checkPositiveInt(inChannels, op, "inChannels");
    checkPositiveInt(outChannels, op, "outChannels");
    if ((options.groups ?? 1) !== 1) throw new RangeError(`${op}: groups other than 1 are not supported yet.`);
    this.kernelSize = tuple(kernelSize, dims, op, "kernelSize");
    this.stride = tuple(options.stride ?? 1, dims, op, "stride");
    const p = options.padding ?? 0;
    this.padding = p === "valid" || p === "same" ? p : tuple(p, dims, op, "padding", true);
    this.dilation = tuple(options.dilation ?? 1, dims, op, "dilation");
    this.weight = newParameter([outChannels, inChannels, ...this.kernelSize], "weight", options.dtype);
    this.bias = options.bias ?? true ? newParameter([outChannels], "bias", options.dtype) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    defaultInit(this.weight, this.bias);
  }
  /** @internal */
  get _options(): F.ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation };
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${fmtTuple(this.kernelSize)}, stride=${fmtTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((v) => v !== 0)) s += `, padding=${fmtTuple(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${fmtTuple(this.dilation)}`;
    if (this.bias === null) s += `, bias=${pyBool(false)}`;
    return s;
  }
}

/** 1-D convolution over [N, C, L]: weight [out, in, k], PyTorch's initialisation. */
export class Conv1d extends ConvNd {
  static readonly torchName = "Conv1d";
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvModuleOptions = {}) {
    super(inChannels, outChannels, kernelSize, options, 1);
  }
  override forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, this._options);
  }
}

/** 2-D convolution over [N, C, H, W]: weight [out, in, kH, kW], PyTorch's initialisation. */
export class Conv2d extends ConvNd {
  static readonly torchName = "Conv2d";
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvModuleOptions = {}) {
    super(inChannels, outChannels, kernelSize, options, 2);
  }
  override forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this._options);
  }
}

const reprSize = (v: number | number[]) => (typeof v === "number" ? String(v) : fmtTuple(v));

/** The maximum of each window (stride defaults to the kernel size). */
export class MaxPool2d extends Module {
  static readonly torchName = "MaxPool2d";
  constructor(readonly kernelSize: number | number[], readonly options: F.PoolOptions = {}) {
    super();
    tuple(kernelSize, 2, "nn.MaxPool2d", "kernelSize");
  }
  override forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${reprSize(this.kernelSize)}, stride=${reprSize(o.stride ?? this.kernelSize)}, padding=${reprSize(o.padding ?? 0)}, dilation=${reprSize(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

/** The mean of each window (stride defaults to the kernel size). */
export class AvgPool2d extends Module {
  static readonly torchName = "AvgPool2d";
  constructor(readonly kernelSize: number | number[], readonly options: F.PoolOptions = {}) {
    super();
    tuple(kernelSize, 2, "nn.AvgPool2d", "kernelSize");
  }
  override forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.options);
  }
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${reprSize(this.kernelSize)}, stride=${reprSize(o.stride ?? this.kernelSize)}, padding=${reprSize(o.padding ?? 0)}`;
  }
}

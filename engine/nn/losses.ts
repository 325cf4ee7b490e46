// Loss modules: `const criterion = new nn.MSELoss(); const loss = criterion(pred, target)`.
import type { Tensor } from "../tensor";
import { Module } from "./module";
import * as F from "./functional";
import { checkReduction, type Reduction } from "./fn/reduction";

export interface LossModuleOptions {
  reduction?: Reduction;
}

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(options: LossModuleOptions, extra: readonly string[] = []) {
    super();
    if (options === null || typeof options !== "object") throw new TypeError(`nn.${this._getName()}: options must be an object like { reduction: "sum" }.`);
    this.reduction = checkReduction(options.reduction, `nn.${this._getName()}`, extra);
  }
}

export class MSELoss extends Loss {
  static readonly torchName = "MSELoss";
  constructor(options: LossModuleOptions = {}) {
    super(options);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}
export class L1Loss extends Loss {
  static readonly torchName = "L1Loss";
  constructor(options: LossModuleOptions = {}) {
    super(options);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}
export class SmoothL1Loss extends Loss {
  static readonly torchName = "SmoothL1Loss";
  readonly beta: number;
  constructor(options: LossModuleOptions & { beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}
export class HuberLoss extends Loss {
  static readonly torchName = "HuberLoss";
  readonly delta: number;
  constructor(options: LossModuleOptions & { delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export class CrossEntropyLoss extends Loss {
  static readonly torchName = "CrossEntropyLoss";
  readonly options: F.CrossEntropyOptions;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options);
    this.options = { ...options, reduction: this.reduction };
    if (options.weight !== undefined && options.weight !== null) this.registerBuffer("weight", options.weight);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, this.options);
  }
}
export class NLLLoss extends Loss {
  static readonly torchName = "NLLLoss";
  readonly options: F.NLLLossOptions;
  constructor(options: F.NLLLossOptions = {}) {
    super(options);
    this.options = { ...options, reduction: this.reduction };
    if (options.weight !== undefined && options.weight !== null) this.registerBuffer("weight", options.weight);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this.options);
  }
}
export class BCELoss extends Loss {
  static readonly torchName = "BCELoss";
  readonly options: F.BCEOptions;
  constructor(options: F.BCEOptions = {}) {
    super(options);
    this.options = { ...options, reduction: this.reduction };
    if (options.weight !== undefined && options.weight !== null) this.registerBuffer("weight", options.weight);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, this.options);
  }
}
export class BCEWithLogitsLoss extends Loss {
  static readonly torchName = "BCEWithLogitsLoss";
  readonly options: F.BCEWithLogitsOptions;
  constructor(options: F.BCEWithLogitsOptions = {}) {
    super(options);
    this.options = { ...options, reduction: this.reduction };
    if (options.weight !== undefined && options.weight !== null) this.registerBuffer("weight", options.weight);
    if (options.posWeight !== undefined && options.posWeight !== null) this.registerBuffer("posWeight", options.posWeight);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, this.options);
  }
}
export class KLDivLoss extends Module {
  static readonly torchName = "KLDivLoss";
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;
  constructor(options: F.KLDivOptions = {}) {
    super();
    this.reduction = checkReduction(options.reduction, "nn.KLDivLoss", ["batchmean"]) as Reduction | "batchmean";
    this.logTarget = options.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}


// torch.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR and
// ReduceLROnPlateau, with PyTorch 2.x's "chainable" step rules (each step derives the new lr from the
// group's current lr), so the numbers match torch's step by step.
import { Tensor } from "../tensor";
import { Optimizer } from "./optimizer";
import { warn } from "../warnings";

/** The group fields a scheduler reads and writes. */
type LrGroup = { lr: number; initialLr?: number };

/** Python's `%` (the result has the sign of the divisor). */
function pyMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

function checkOptimizer(optimizer: unknown, where: string): Optimizer<object> {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${where}: ${describe(optimizer)} is not an Optimizer (pass e.g. new optim.SGD(params, { lr: 0.1 })).`);
  return optimizer as Optimizer<object>;
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

function groupsOf(o: Optimizer<object>): LrGroup[] {
  return o.paramGroups as unknown as LrGroup[];
}

function checkPositive(v: unknown, where: string, name: string, integer = false): number {
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new TypeError(`${where}: ${name} must be a${integer ? "n integer" : " finite number"}, got ${String(v)}.`);
  }
  return v;
}

/** Base class of the epoch-based schedulers (PyTorch's LRScheduler). */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<object>;
  /** The number of step() calls so far (-1 before the first, implicit one). */
  lastEpoch: number;
  /** Each group's lr when the scheduler was made (its `initialLr`). */
  readonly baseLrs: number[];
  /** @internal */
  protected _lastLr: number[] = [];
  /** @internal how many times step() ran (the constructor's implicit step counts) */
  protected _stepCount = 0;
  /** @internal */
  protected readonly _name: string;

  protected constructor(optimizer: Optimizer<object>, lastEpoch: number, name: string) {
    this._name = name;
    this.optimizer = checkOptimizer(optimizer, name);
    checkPositive(lastEpoch, name, "lastEpoch", true);
    const groups = groupsOf(this.optimizer);
    if (lastEpoch === -1) {
      for (const g of groups) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (typeof g.initialLr !== "number") throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The implicit first step PyTorch takes in the constructor (subclasses call it once their fields are set). */
  protected initialStep(): void {
    this.step();
  }

  /** The new lr of each group at lastEpoch, from the current ones. */
  protected abstract getLr(): number[];

  /** Advance one epoch and set each group's lr. */
  step(): void {
    if (this._stepCount === 1 && this.optimizer._stepCount < 1) {
      warn(
        "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: " +
          "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule.",
      );
    }
    this._stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    groupsOf(this.optimizer).forEach((g, i) => {
      const lr = lrs[i]!;
      if (typeof lr !== "number" || Number.isNaN(lr)) throw new TypeError(`${this._name}: the new learning rate of group ${i} is ${String(lr)}, not a number.`);
      g.lr = lr;
    });
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  /** The lr of each group as the last step() set it. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** The current lr of each group. */
  protected currentLrs(): number[] {
    return groupsOf(this.optimizer).map((g) => g.lr);
  }

  /** The scheduler's counters (not the optimizer's), as PyTorch's state_dict(). */
  stateDict(): { lastEpoch: number; baseLrs: number[]; lastLr: number[]; stepCount: number } {
    return { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice(), lastLr: this._lastLr.slice(), stepCount: this._stepCount };
  }

  loadStateDict(state: { lastEpoch: number; lastLr?: number[]; stepCount?: number }): void {
    checkPositive(state?.lastEpoch, `${this._name}.loadStateDict`, "lastEpoch", true);
    this.lastEpoch = state.lastEpoch;
    if (Array.isArray(state.lastLr)) this._lastLr = state.lastLr.slice();
    if (typeof state.stepCount === "number") this._stepCount = state.stepCount;
  }
}

/** Multiply the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer<object>, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options?.lastEpoch ?? -1, "lrScheduler.StepLR");
    this.stepSize = checkPositive(options?.stepSize, this._name, "stepSize", true);
    if (this.stepSize < 1) throw new RangeError(`${this._name}: stepSize must be at least 1, got ${this.stepSize}.`);
    this.gamma = checkPositive(options.gamma ?? 0.1, this._name, "gamma");
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** Multiply the lr by gamma at each milestone epoch (a milestone listed twice multiplies twice). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(optimizer: Optimizer<object>, options: { milestones: readonly number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options?.lastEpoch ?? -1, "lrScheduler.MultiStepLR");
    if (!Array.isArray(options.milestones)) throw new TypeError(`${this._name}: milestones must be an array of epochs, like [30, 80].`);
    this.milestones = options.milestones.map((m) => checkPositive(m, this._name, "each milestone", true)).sort((a, b) => a - b);
    this.gamma = checkPositive(options.gamma ?? 0.1, this._name, "gamma");
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.currentLrs();
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return lrs;
    return lrs.map((lr) => lr * this.gamma ** count);
  }
}

/** Multiply the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer<object>, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options?.lastEpoch ?? -1, "lrScheduler.ExponentialLR");
    this.gamma = checkPositive(options?.gamma, this._name, "gamma");
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** Anneal the lr from its initial value to etaMin along a cosine over tMax epochs (and back, periodically). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer<object>, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, options?.lastEpoch ?? -1, "lrScheduler.CosineAnnealingLR");
    this.tMax = checkPositive(options?.tMax, this._name, "tMax");
    if (this.tMax <= 0) throw new RangeError(`${this._name}: tMax must be positive, got ${this.tMax}.`);
    this.etaMin = checkPositive(options.etaMin ?? 0, this._name, "etaMin");
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const groups = this.currentLrs();
    if (e === 0) return groups;
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((lr, i) => lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin);
  }
}

/** lr = initial lr × lrLambda(epoch); one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: Array<(epoch: number) => number>;
  constructor(optimizer: Optimizer<object>, options: { lrLambda: ((epoch: number) => number) | ReadonlyArray<(epoch: number) => number>; lastEpoch?: number }) {
    super(optimizer, options?.lastEpoch ?? -1, "lrScheduler.LambdaLR");
    const given = options.lrLambda;
    const n = this.optimizer.paramGroups.length;
    if (Array.isArray(given)) {
      if (given.length !== n) throw new RangeError(`${this._name}: Expected ${n} lr_lambdas, but got ${given.length}`);
      this.lambdas = given.slice();
    } else {
      this.lambdas = Array.from({ length: n }, () => given as (epoch: number) => number);
    }
    this.lambdas.forEach((f, i) => {
      if (typeof f !== "function") throw new TypeError(`${this._name}: lrLambda${Array.isArray(given) ? `[${i}]` : ""} must be a function of the epoch, like (epoch) => 0.95 ** epoch.`);
    });
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const f = this.lambdas[i]!(this.lastEpoch);
      if (typeof f !== "number") throw new TypeError(`${this._name}: lrLambda returned ${describe(f)} for epoch ${this.lastEpoch}; it must return a number.`);
      return base * f;
    });
  }
}

export interface ReduceLROnPlateauOptions {
  /** "min": reduce when the metric stops decreasing (a loss); "max": when it stops increasing (an accuracy). */
  mode?: "min" | "max";
  /** lr ← lr × factor (must be < 1; default 0.1). */
  factor?: number;
  /** Epochs without improvement to wait before reducing (default 10). */
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again. */
  cooldown?: number;
  /** A lower bound on the lr, for all groups or per group. */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/** Reduce the lr when a metric has stopped improving: call step(metric) once per epoch. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<object>;
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private _lastLr: number[];

  constructor(optimizer: Optimizer<object>, options: ReduceLROnPlateauOptions = {}) {
    const where = "lrScheduler.ReduceLROnPlateau";
    this.optimizer = checkOptimizer(optimizer, where);
    const o = options ?? {};
    this.factor = checkPositive(o.factor ?? 0.1, where, "factor");
    if (this.factor >= 1) throw new RangeError(`${where}: Factor should be < 1.0.`);
    this.mode = o.mode ?? "min";
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`${where}: mode ${String(this.mode)} is unknown!`);
    this.thresholdMode = o.thresholdMode ?? "rel";
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new RangeError(`${where}: threshold mode ${String(this.thresholdMode)} is unknown!`);
    this.patience = checkPositive(o.patience ?? 10, where, "patience", true);
    this.threshold = checkPositive(o.threshold ?? 1e-4, where, "threshold");
    this.cooldown = checkPositive(o.cooldown ?? 0, where, "cooldown", true);
    this.eps = checkPositive(o.eps ?? 1e-8, where, "eps");
    const n = this.optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new RangeError(`${where}: expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = minLr.map((v) => checkPositive(v, where, "minLr"));
    } else {
      this.minLrs = Array.from({ length: n }, () => checkPositive(minLr, where, "minLr"));
    }
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  /** Report this epoch's metric (a number or a one-element tensor, e.g. the validation loss). */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== "number") throw new TypeError(`lrScheduler.ReduceLROnPlateau.step: expected the metric as a number or a one-element tensor, got ${describe(metric)}.`);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      groupsOf(this.optimizer).forEach((g, i) => {
        const old = g.lr;
        const lr = Math.max(old * this.factor, this.minLrs[i] ?? 0);
        if (old - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === "rel" ? a > best * (threshold + 1) : a > best + threshold;
  }

  getLastLr(): number[] {
    return this._lastLr.slice();
  }
}

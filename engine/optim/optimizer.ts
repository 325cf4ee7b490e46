// torch.optim.Optimizer: parameter groups, per-parameter state, zeroGrad, stateDict/loadStateDict.
// The algorithms (sgd.ts, adam.ts, rmsprop.ts, adagrad.ts) implement step() on plain typed arrays,
// computing each element the way PyTorch's single-tensor implementation does, op by op (float32
// rounding after every op for float32 parameters), and write each parameter in place once per step
// (its version counter moves on, as PyTorch's `param.add_(…)` under no_grad does).
import { Tensor } from "../tensor";
import { allocate, type DType, type Storage } from "../dtype";
import { bumpVersion, writeValues, zero_ } from "../ops/inplace";
import { withGradMode } from "../grad_mode";
// The hint says why a module's parameters() is empty (nn owns it; see engine/nn/module.ts).
import { emptyParameterListHint } from "../nn/module";

/** A parameter group as given to a constructor: its params plus options overriding the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Tensor> | Tensor } & Partial<O>;
/** What an optimizer takes: a tensor, an iterable of tensors, or an iterable of parameter groups. */
export type Params<O> = Tensor | Iterable<Tensor> | Iterable<ParamGroupInput<O>>;
/** A parameter group as the optimizer keeps it: `optimizer.paramGroups[0].lr = 0.01` changes the lr. */
export type ParamGroup<O> = O & { params: Tensor[]; /** Set by an lr scheduler: the lr it started from. */ initialLr?: number };

/** One parameter's state: buffers of the parameter's size (momentumBuffer, expAvg, …) and counters (step). */
export type ParamState = Record<string, Storage | number>;

/** The form of stateDict(): state by parameter index (over all groups, in order) and the groups' options with indices. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

export interface ZeroGradOptions {
  /** Set `.grad` to undefined (the default, as PyTorch 2.x) instead of filling it with zeros. */
  setToNone?: boolean;
}

/** Rounding after each op: float32 parameters compute in float32 as PyTorch does. */
export type Round = (x: number) => number;
const identity: Round = (x) => x;
export function rounding(dtype: DType): Round {
  return dtype === "float32" ? Math.fround : identity;
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

function toList(v: unknown, where: string): unknown[] {
  if (v instanceof Tensor) return [v];
  if (typeof v === "string" || !isIterable(v)) {
    throw new TypeError(`${where}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${describe(v)}.${emptyParameterListHint(v)}`);
  }
  return Array.from(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? (v.constructor?.name ?? "an object") : typeof v;
}

export abstract class Optimizer<O extends object = object> {
  /** The parameter groups; each holds its params and its options (lr, momentum, …), which may be changed between steps. */
  readonly paramGroups: Array<ParamGroup<O>> = [];
  /** The options given to the constructor, used for groups that do not set their own. */
  readonly defaults: Readonly<O>;
  /** @internal per-parameter state */
  protected readonly _state = new Map<Tensor, ParamState>();
  /** @internal how many times step() ran (an lr scheduler warns when it steps first) */
  _stepCount = 0;
  /** @internal "optim.SGD", for messages */
  protected readonly _name: string;

  protected constructor(params: Params<O>, defaults: O, name: string) {
    this._name = name;
    this.defaults = defaults;
    const list = toList(params, name);
    if (list.length === 0) throw new RangeError(`${name}: optimizer got an empty parameter list.${emptyParameterListHint(params)}`);
    const groups: Array<ParamGroupInput<O>> =
      list.every((g) => g instanceof Tensor) ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : (list as Array<ParamGroupInput<O>>);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Every parameter, over all groups, in order. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** Per-parameter state (momentum buffers, moment estimates, step counts) as tensors, keyed by parameter. */
  get state(): Map<Tensor, Record<string, Tensor | number>> {
    const out = new Map<Tensor, Record<string, Tensor | number>>();
    for (const [p, s] of this._state) out.set(p, this.exportState(p, s));
    return out;
  }

  /** Add a group of parameters with its own options (e.g. a new layer to fine-tune with another lr). */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = this._name;
    if (typeof group !== "object" || group === null || group instanceof Tensor || !("params" in group)) {
      throw new TypeError(`${where}: a parameter group must be an object like { params: [w, b], lr: 0.1 }, got ${describe(group)}.`);
    }
    const params = toList(group.params, where);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${where}: optimizer can only optimize Tensors, but parameter ${i} of group ${this.paramGroups.length} is ${describe(p)}.`);
      if (!p.isLeaf) throw new Error(`${where}: can't optimize a non-leaf Tensor (parameter ${i}); pass leaves created with requiresGrad: true.`);
      if (p.dtype === "int64") throw new TypeError(`${where}: parameter ${i} is an int64 tensor; only floating point tensors can be optimized.`);
    });
    if (new Set(params).size !== params.length) {
      throw new Error(`${where}: a parameter group contains the same parameter more than once; pass each parameter once.`);
    }
    const seen = new Set(this.params);
    if (params.some((p) => seen.has(p as Tensor))) throw new Error(`${where}: some parameters appear in more than one parameter group.`);
    const merged = { ...this.defaults } as Record<string, unknown>;
    for (const [k, v] of Object.entries(group)) if (k !== "params" && v !== undefined) merged[k] = v;
    merged["params"] = params as Tensor[];
    this.checkOptions(merged as ParamGroup<O>);
    this.paramGroups.push(merged as ParamGroup<O>);
  }

  /** Check a group's options (called for every group when added and at every step: they may be changed). */
  protected abstract checkOptions(group: ParamGroup<O>): void;

  /** Clear every parameter's gradient: to undefined (default, PyTorch 2.x) or, with setToNone: false, to zeros. */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options?.setToNone ?? true;
    for (const p of this.params) {
      const g = p._grad;
      if (g === undefined) continue;
      if (setToNone) {
        p._grad = undefined;
      } else {
        const plain = g.gradFn !== null || g.requiresGrad ? g.detach() : g;
        p._grad = plain;
        withGradMode(false, () => zero_(plain));
      }
    }
  }

  /** One update of every parameter that has a gradient. With a closure (which re-evaluates the loss), returns its loss. */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    this._stepCount++;
    if (closure !== undefined) {
      if (typeof closure !== "function") throw new TypeError(`${this._name}.step: the closure must be a function that re-evaluates the model and returns the loss.`);
      loss = withGradMode(true, closure);
    }
    withGradMode(false, () => {
      this.paramGroups.forEach((group, gi) => {
        this.checkOptions(group);
        const params: unknown = group.params;
        if (!Array.isArray(params) || !params.every((p) => p instanceof Tensor)) {
          throw new TypeError(`${this._name}.step: paramGroups[${gi}].params must be an array of Tensors (it was changed to ${describe(params)}).`);
        }
        for (const p of group.params) {
          const g = p._grad;
          if (g === undefined) continue;
          if (g.dtype === "int64") throw new TypeError(`${this._name}.step: the gradient of a parameter is int64.`);
          let s = this._state.get(p);
          if (s === undefined) {
            s = {};
            this._state.set(p, s);
          }
          const x = p._flat !== null ? p._flat : p._values.slice();
          this.update(group, x, g._values, s, p.dtype);
          if (x === p._flat) bumpVersion(p);
          else writeValues(p, x);
        }
      });
    });
    return loss;
  }

  /** Update one parameter's values `x` (written back by step) from its gradient `g` and state `s`. */
  protected abstract update(group: ParamGroup<O>, x: Storage, g: ArrayLike<number>, s: ParamState, dtype: DType): void;

  /** A zero buffer of the parameter's size and dtype, made on first use. */
  protected buffer(s: ParamState, key: string, n: number, dtype: DType, init = 0): Storage {
    let b = s[key];
    if (typeof b !== "object") {
      b = allocate(dtype, n);
      if (init !== 0) b.fill(init);
      s[key] = b;
    }
    return b;
  }

  private exportState(p: Tensor, s: ParamState): Record<string, Tensor | number> {
    const out: Record<string, Tensor | number> = {};
    for (const [k, v] of Object.entries(s)) out[k] = typeof v === "number" ? v : new Tensor(v.slice(), p.shape.slice(), p.dtype);
    return out;
  }

  /** The optimizer's state and options, as PyTorch's state_dict(): parameters are referred to by index. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g as ParamGroup<O> & Record<string, unknown>;
      const ids = params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...structuredCopy(options), params: ids };
    });
    const state: OptimizerStateDict["state"] = {};
    for (const [p, s] of this._state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = this.exportState(p, s);
    }
    return { state, paramGroups };
  }

  /** Restore what stateDict() returned (same groups, same parameter counts); tensors are copied. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this._name}.loadStateDict`;
    if (typeof stateDict !== "object" || stateDict === null || !Array.isArray(stateDict.paramGroups) || typeof stateDict.state !== "object" || stateDict.state === null) {
      throw new TypeError(`${where}: expected an object { state, paramGroups } as returned by stateDict().`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) throw new RangeError(`${where}: loaded state dict has a different number of parameter groups.`);
    saved.forEach((g, i) => {
      if (!Array.isArray(g?.params) || g.params.length !== this.paramGroups[i]!.params.length) {
        throw new RangeError(`${where}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group.`);
      }
    });
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(id, this.paramGroups[i]!.params[j]!)));
    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined || typeof entry !== "object" || entry === null) continue;
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === "number") s[k] = v;
        else if (v instanceof Tensor) {
          if (v.numel() !== p.numel()) throw new RangeError(`${where}: state "${k}" of parameter ${key} has ${v.numel()} elements, the parameter has ${p.numel()}.`);
          const b = allocate(p.dtype, p.numel());
          b.set(v._values);
          s[k] = b;
        } else throw new TypeError(`${where}: state "${k}" of parameter ${key} must be a Tensor or a number.`);
      }
      newState.set(p, s);
    }
    // Check every group's options before changing anything.
    const groups = saved.map((g, i) => {
      const merged = { ...this.paramGroups[i]!, ...structuredCopy(g), params: this.paramGroups[i]!.params } as ParamGroup<O>;
      this.checkOptions(merged);
      return merged;
    });
    groups.forEach((g, i) => (this.paramGroups[i] = g));
    this._state.clear();
    for (const [p, s] of newState) this._state.set(p, s);
  }

  toString(): string {
    const lines = [`${this._name.replace(/^optim\./, "")} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const [k, v] of Object.entries(g).sort(([a], [b]) => a.localeCompare(b))) {
        if (k !== "params") lines.push(`    ${k}: ${Array.isArray(v) ? `(${v.join(", ")})` : String(v)}`);
      }
    });
    lines.push(")");
    return lines.join("\n");
  }
}

/** Plain options copied (numbers, booleans, arrays of numbers); tensors and functions are kept as they are. */
function structuredCopy(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}

// ---- option checks shared by the algorithms -------------------------------------------------------

export function checkNumber(group: object, key: string, where: string, min = 0, what = key): number {
  const v = (group as Record<string, unknown>)[key];
  if (typeof v !== "number" || !(v >= min)) throw new RangeError(`${where}: Invalid ${what}${what === "learning rate" ? "" : " value"}: ${String(v)}`);
  return v;
}

export function checkBetas(group: object, where: string): void {
  const b: unknown = (group as Record<string, unknown>)["betas"];
  if (!Array.isArray(b) || b.length !== 2) throw new RangeError(`${where}: betas must be a pair [beta1, beta2], got ${String(b)}.`);
  b.forEach((v, i) => {
    if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new RangeError(`${where}: Invalid beta parameter at index ${i}: ${String(v)}`);
  });
}

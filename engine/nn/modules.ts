// torch.nn modules: enough for a small multi-layer perceptron. Call a module with module.forward(x)
// (JavaScript objects cannot be called like Python's model(x)).
import { Tensor } from "../tensor";
import { rand } from "../ops/creation";
import type { DType } from "../dtype";
import { withGradMode } from "../grad_mode";
import * as F from "./functional";

export abstract class Module {
  /** Child modules by name, in registration order. */
  protected readonly children = new Map<string, Module>();
  /** Own parameters by name. */
  protected readonly params = new Map<string, Tensor>();
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Parameters with dotted names ("0.weight"), own first then children's, as torch's named_parameters. */
  namedParameters(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Clear every parameter's gradient (set to undefined, torch's default set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = undefined;
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  toString(): string {
    return this.constructor.name + "()";
  }
}

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/** y = x · Wᵀ + b, with W of shape [out, in] initialised U(−1/√in, 1/√in) like torch. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [v, what] of [[inFeatures, "inFeatures"], [outFeatures, "outFeatures"]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`nn.Linear: ${what} must be a positive integer, got ${v}.`);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    const init = (shape: number[]) =>
      withGradMode(false, () => rand(shape, { dtype: options.dtype ?? "float32" }).mul(2 * bound).sub(bound)).requiresGrad_();
    this.weight = init([outFeatures, inFeatures]);
    this.weight.name = "weight";
    this.params.set("weight", this.weight);
    if (options.bias ?? true) {
      this.bias = init([outFeatures]);
      this.bias.name = "bias";
      this.params.set("bias", this.bias);
    }
  }
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError("Linear.forward: input must be a Tensor.");
    const last = x.shape[x.shape.length - 1];
    if (last !== this.inFeatures) {
      throw new RangeError(
        `Linear.forward: mat1 and mat2 shapes cannot be multiplied: input has ${last ?? 0} features in its last dim (shape [${x.shape.join(", ")}]) but the layer expects ${this.inFeatures}.`,
      );
    }
    return F.linear(x, this.weight, this.bias);
  }
  override toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== undefined})`;
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** Runs its modules in order; parameters are named "0.weight", "2.bias", ... */
export class Sequential extends Module {
  readonly layers: readonly Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`nn.Sequential: argument ${i} is not a Module.`);
      this.children.set(String(i), m);
      for (const [name, p] of m.namedParameters(`${i}.`)) p.name = name;
    });
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
  override toString(): string {
    return `Sequential(\n${this.layers.map((m, i) => `  (${i}): ${m.toString()}`).join("\n")}\n)`;
  }
}

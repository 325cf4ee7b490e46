// torch.nn.Parameter: a Tensor that a Module registers as one of its parameters when it is assigned
// to a field (`this.w = new nn.Parameter(torch.randn(3))`). Shares the given tensor's storage, is a
// leaf, and requires grad unless told otherwise — as PyTorch's Parameter(data, requires_grad=True).
import { Tensor } from "../tensor";

export class Parameter extends Tensor {
  constructor(data?: Tensor, requiresGrad = true) {
    if (data !== undefined && !(data instanceof Tensor)) {
      throw new TypeError(`nn.Parameter: data must be a Tensor (e.g. new nn.Parameter(torch.randn(3))), got ${describe(data)}.`);
    }
    if (typeof requiresGrad !== "boolean") throw new TypeError("nn.Parameter: requiresGrad must be a boolean.");
    const src = data ?? new Tensor(new Float32Array(0), [0], "float32");
    super(src._storage, src._shape, src._dtype);
    this._offset = src._offset;
    this._strides = src._strides;
    this._flat = src._flat;
    this._version = src._version;
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** PyTorch prints "Parameter containing:" above the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array (wrap it: torch.tensor([...]))";
  return typeof v;
}

// The in-place Tensor methods (PyTorch's op_): add_ sub_ mul_ div_ … zero_ fill_ copy_ uniform_
// normal_. Declared here (merged into Tensor's type in tensor.ts, so the bundled .d.ts has them) and
// installed on Tensor.prototype by index.ts. The rules they follow (leaf and overlap errors,
// versions, writes through views, the unrecorded fast path of optimizer steps) are in inplace.ts.
import type { IndexSpec, Tensor, TensorOrScalar } from "../tensor";
import type { Generator } from "../random";
import * as ew from "./elementwise";
import * as ar from "./arith";
import * as st from "./stats";
import * as ip from "./inplace";

export interface InPlaceTensorMethods {
  add_(other: TensorOrScalar): this;
  sub_(other: TensorOrScalar): this;
  mul_(other: TensorOrScalar): this;
  div_(other: TensorOrScalar): this;
  pow_(exponent: TensorOrScalar): this;
  square_(): this;
  lerp_(end: Tensor, weight: TensorOrScalar): this;
  cumsum_(dim: number): this;
  cumprod_(dim: number): this;
  clamp_(min?: number, max?: number): this;
  maximum_(other: TensorOrScalar): this;
  minimum_(other: TensorOrScalar): this;
  /** Set every element to 0 (ZeroBackward0 when this tensor has history). */
  zero_(): this;
  /** Set every element to `value` (a number, or a 0-dim tensor: FillBackward0 / FillBackward1). */
  fill_(value: TensorOrScalar): this;
  /** Copy `src`'s values (broadcast to this shape, cast to this dtype) into this tensor (CopyBackwards). */
  copy_(src: TensorOrScalar): this;
  /** Set the elements where `mask` is non-zero to `value` (MaskedFillBackward0). */
  maskedFill_(mask: Tensor, value: TensorOrScalar): this;
  /** Write `values` at `indices` (Python's `x[indices] = values`; see index() for the forms). */
  indexPut_(indices: readonly IndexSpec[], values: TensorOrScalar): this;
  /** Fill with samples of U(from, to) (torch.Tensor.uniform_); `{ generator }` draws from a torch.Generator. */
  uniform_(from?: number, to?: number, opts?: { generator?: Generator }): this;
  /** Fill with samples of N(mean, std²) (torch.Tensor.normal_); `{ generator }` draws from a torch.Generator. */
  normal_(mean?: number, std?: number, opts?: { generator?: Generator }): this;
}

type Methods = { [K in keyof InPlaceTensorMethods]: (this: Tensor, ...args: never[]) => unknown };

const METHODS: Methods & ThisType<Tensor> = {
  add_(other: TensorOrScalar) { return ip.binaryInPlace(this, "add", other) ?? ip.inplace(this, "add_", () => ew.add(this, other)); },
  sub_(other: TensorOrScalar) { return ip.binaryInPlace(this, "sub", other) ?? ip.inplace(this, "sub_", () => ew.sub(this, other)); },
  mul_(other: TensorOrScalar) { return ip.binaryInPlace(this, "mul", other) ?? ip.inplace(this, "mul_", () => ew.mul(this, other)); },
  div_(other: TensorOrScalar) { return ip.binaryInPlace(this, "div", other) ?? ip.inplace(this, "div_", () => ew.div(this, other)); },
  pow_(exponent: TensorOrScalar) { return ip.inplace(this, "pow_", () => ew.pow(this, exponent)); },
  square_() { return ip.inplace(this, "square_", () => ew.pow(this, 2)); },
  lerp_(end: Tensor, weight: TensorOrScalar) { return ip.inplace(this, "lerp_", () => ar.lerp(this, end, weight)); },
  cumsum_(dim: number) { return ip.inplace(this, "cumsum_", () => st.cumsum(this, dim)); },
  cumprod_(dim: number) { return ip.inplace(this, "cumprod_", () => st.cumprod(this, dim)); },
  clamp_(min?: number, max?: number) { return ip.inplace(this, "clamp_", () => ew.clamp(this, min, max)); },
  maximum_(other: TensorOrScalar) { return ip.inplace(this, "maximum_", () => ew.maximum(this, other)); },
  minimum_(other: TensorOrScalar) { return ip.inplace(this, "minimum_", () => ew.minimum(this, other)); },
  zero_() { return ip.zero_(this); },
  fill_(value: TensorOrScalar) { return ip.fill_(this, value); },
  copy_(src: TensorOrScalar) { return ip.copy_(this, src); },
  maskedFill_(mask: Tensor, value: TensorOrScalar) { return ip.maskedFill_(this, mask, value); },
  indexPut_(indices: readonly IndexSpec[], values: TensorOrScalar) { return ip.indexPut_(this, indices, values); },
  uniform_(from = 0, to = 1, opts?: { generator?: Generator }) { return ip.random_(this, "uniform_", from, to, opts); },
  normal_(mean = 0, std = 1, opts?: { generator?: Generator }) { return ip.random_(this, "normal_", mean, std, opts); },
};

/** Put the methods on Tensor.prototype (index.ts does, with the other method groups). */
export function installInPlaceMethods(proto: object): void {
  for (const [name, fn] of Object.entries(METHODS)) {
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

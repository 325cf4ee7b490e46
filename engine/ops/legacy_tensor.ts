// torch.Tensor(…) and new torch.Tensor(…), PyTorch's legacy constructor: float32 from data
// (`torch.Tensor([2.0])`), zeros of the given sizes (`torch.Tensor(2, 3)`; PyTorch leaves them
// uninitialised), an empty tensor (`torch.Tensor()`), or a view of a float32 tensor. The Tensor class
// itself stays the engine's: torch.Tensor is a callable stand-in for it, so `x instanceof torch.Tensor`
// still holds.
import { Tensor, type NestedArray } from "../tensor";
import { full, tensor } from "./creation";
import { toDType } from "./elementwise";
import { withGradMode } from "../grad_mode";

/** torch.Tensor: call it or `new` it with data or sizes. */
export interface TensorConstructor {
  /** float32 from data: torch.Tensor([1, 2]) */
  (data: NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Tensor): Tensor;
  /** zeros of these sizes: torch.Tensor(2, 3) */
  (...sizes: number[]): Tensor;
  new (data: NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | Tensor): Tensor;
  new (...sizes: number[]): Tensor;
  readonly prototype: Tensor;
}

const USAGE =
  "torch.Tensor takes data (torch.Tensor([1, 2])) or sizes (torch.Tensor(2, 3)) and always makes float32 without requiresGrad; " +
  "for options use torch.tensor(data, { dtype, requiresGrad }).";

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string ${JSON.stringify(v)}` : typeof v;
}

export function legacyTensor(args: readonly unknown[]): Tensor {
  if (args.length === 0) return full([0], 0);
  if (args.every((a) => typeof a === "number")) {
    args.forEach((a, i) => {
      if (!Number.isInteger(a) || (a as number) < 0) throw new RangeError(`torch.Tensor: size ${i} must be a non-negative integer, got ${String(a)}. ${USAGE}`);
    });
    return full(args as number[], 0);
  }
  if (args.length !== 1) {
    throw new TypeError(`torch.Tensor: got ${args.length} arguments (${args.map(describe).join(", ")}). ${USAGE}`);
  }
  const data = args[0];
  if (data instanceof Tensor) {
    // PyTorch returns an alias of a float32 tensor; we give a view without history (as .data).
    if (data.dtype === "float32") return data.data;
    return withGradMode(false, () => toDType(data, "float32"));
  }
  if (Array.isArray(data) || ArrayBuffer.isView(data)) {
    return tensor(data as NestedArray, { dtype: "float32" });
  }
  throw new TypeError(`torch.Tensor: new(): invalid data type ${describe(data)}. ${USAGE}`);
}

/** torch.Tensor: the Tensor class, callable with or without `new` (PyTorch's legacy constructor). */
export const TensorFactory = new Proxy(Tensor, {
  apply: (_target, _self, args: unknown[]) => legacyTensor(args),
  construct: (_target, args: unknown[]) => legacyTensor(args),
}) as unknown as TensorConstructor;

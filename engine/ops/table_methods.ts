// The Tensor methods of every op in the table (ops/table.ts): `x.log1p()`, in place `x.log1p_()`,
// `x.atan2(y)`. Their types are TableMethods (merged into Tensor in tensor.ts); tensor.ts installs
// them when it loads, so every import of Tensor has them.
import type { Tensor } from "../tensor";
import * as ew from "./elementwise";
import * as ip from "./inplace";
import { BINARY_OPS, UNARY_OPS, type BinaryName, type UnaryName } from "./table";

/** Tensor methods for every op of the table (ops/table.ts): `x.log1p()`, in place `x.log1p_()`, `x.atan2(y)`. */
export function installTableMethods(prototype: Tensor): void {
  const proto = prototype as unknown as Record<string, unknown>;
  for (const kind of Object.keys(UNARY_OPS) as UnaryName[]) {
    proto[kind] = function (this: Tensor): Tensor {
      return ew.unary(this, kind);
    };
    proto[`${kind}_`] = function (this: Tensor): Tensor {
      return ip.inplace(this, `${kind}_`, () => ew.unary(this, kind));
    };
  }
  for (const kind of Object.keys(BINARY_OPS) as BinaryName[]) {
    proto[kind] = function (this: Tensor, other: Tensor): Tensor {
      return ew.binary(this, other, kind);
    };
    proto[`${kind}_`] = function (this: Tensor, other: Tensor): Tensor {
      return ip.inplace(this, `${kind}_`, () => ew.binary(this, other, kind));
    };
  }
}

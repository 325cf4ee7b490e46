// Derivatives of ops/arith.ts: rsub, a number raised to a tensor, lerp.
import type { Tensor } from "../tensor";
import type { GradientSpec } from "../autograd/node";

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : String(+v.toPrecision(6)));

export const RsubBackward0: GradientSpec<{ alpha: number }> = {
  name: "RsubBackward0",
  inputs: ["self", "other"],
  formulas: (s) => [s.alpha === 1 ? "−grad" : `−grad · ${fmt(s.alpha)}`, "grad"],
  gradFunc: (g, s, needs) => [needs[0] ? (s.alpha === 1 ? g.neg() : g.mul(-s.alpha)) : null, needs[1] ? g : null],
};

export const RsubBackward1: GradientSpec<{ other: number; alpha: number }> = {
  name: "RsubBackward1",
  inputs: ["self"],
  formulas: (s) => [s.alpha === 1 ? "−grad" : `−grad · ${fmt(s.alpha)}`],
  gradFunc: (g, s) => [s.alpha === 1 ? g.neg() : g.mul(-s.alpha)],
};

export const PowBackward2: GradientSpec<{ self: number; result: Tensor }> = {
  name: "PowBackward2",
  inputs: ["exponent"],
  formulas: (s) => [`grad · result · ln(${fmt(s.self)})`],
  // PyTorch: where self = 0 and exponent ≥ 0 the gradient is 0 (not NaN).
  gradFunc: (g, s) => [s.self === 0 ? g.mul(0) : g.mul(s.result).mul(Math.log(s.self))],
};

export const LerpBackward0: GradientSpec<{ weight: number }> = {
  name: "LerpBackward0",
  inputs: ["self", "end"],
  formulas: (s) => [`grad · (1 − ${fmt(s.weight)})`, `grad · ${fmt(s.weight)}`],
  gradFunc: (g, s, needs) => [needs[0] ? g.mul(1 - s.weight) : null, needs[1] ? g.mul(s.weight) : null],
};

export const LerpBackward1: GradientSpec<{ self: Tensor; end: Tensor; weight: Tensor }> = {
  name: "LerpBackward1",
  inputs: ["self", "end", "weight"],
  formulas: ["grad · (1 − weight)", "grad · weight", "grad · (end − self)"],
  gradFunc: (g, s, needs) => [
    needs[0] ? g.mul(s.weight.neg().add(1)) : null,
    needs[1] ? g.mul(s.weight) : null,
    needs[2] ? g.mul(s.end.sub(s.self)) : null,
  ],
};

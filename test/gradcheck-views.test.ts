// Numeric gradient checks (first and second order) of the views and the in-place ops, one line per
// op and shape: views over scalar, vector, matrix and 3-D inputs, transposed (strided) operands, and
// in-place ops applied to a clone (a leaf that requires grad cannot be changed in place).
import { describe, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { checkGrads, checkSecondOrder, generator, type Nested } from "./helpers/gradcheck";

type Fn = (...xs: Tensor[]) => Tensor;
const gen = generator(20261204);
const U = (s: number[]) => gen(s);
const P = (s: number[]) => gen(s, { lo: 0.5, hi: 2 });
const W = (s: number[]) => gen(s, { lo: -1, hi: 1 });
/** A constant factor (float64, no grad), made once so every evaluation sees the same one. */
const C = (s: number[]) => torch.tensor(W(s), { dtype: "float64" });

// Constant factors, made once (a factor made inside fn would change between evaluations).
const c12 = C([12]);
const c232 = C([2, 3, 2]);
const c23 = C([2, 3]);
const c34 = C([3, 4]);
const c3 = C([3]);

const CASES: Array<[string, Fn, Nested[]]> = [
  // views (read through strides; gradients scatter back through the positions they read)
  ["t() then mul", (x) => x!.t().mul(x!.t()), [U([3, 4])]],
  ["transpose(0, 2)", (x) => x!.transpose(0, 2).mul(c232), [U([2, 3, 2])]],
  ["permute of a 3-D", (x) => x!.permute(2, 0, 1).sin(), [U([2, 3, 2])]],
  ["mT", (x) => x!.mT.mul(x!.mT), [U([2, 3, 4])]],
  ["view then reshape", (x) => x!.view(6, 2).reshape(3, 4).tanh(), [U([2, 3, 2])]],
  ["reshape of a transpose (a copy: UnsafeView of Clone)", (x) => x!.t().reshape(12).mul(c12), [U([3, 4])]],
  ["flatten(1)", (x) => x!.flatten(1).exp(), [U([2, 3, 2])]],
  ["unflatten", (x) => x!.unflatten(1, [2, 2]).pow(2), [U([3, 4])]],
  ["expand of a column", (x) => x!.expand(3, 4).mul(c34), [U([3, 1])]],
  ["expand of a scalar", (x) => x!.expand(2, 3).mul(c23), [U([])]],
  ["squeeze / unsqueeze", (x) => x!.unsqueeze(0).squeeze(0).unsqueeze(-1).mul(x!.unsqueeze(-1)), [U([5])]],
  ["select of a column", (x) => x!.select(1, 2).pow(3), [U([3, 4])]],
  ["slice with a step", (x) => x!.index(":", "::2").mul(x!.index(":", "1::2")), [U([3, 4])]],
  ["narrow", (x) => x!.narrow(0, 1, 2).exp(), [U([5])]],
  ["diagonal", (x) => x!.diagonal().pow(2), [U([3, 4])]],
  ["diagonal(offset, dims) of a 3-D", (x) => x!.diagonal(-1, 0, 2).sin(), [U([3, 2, 3])]],
  ["unfold (overlapping windows)", (x) => x!.unfold(0, 3, 1).pow(2), [U([6])]],
  ["index with an array after a select", (x) => x!.index([2, 0, 2], 1).mul(c3), [U([3, 4])]],
  ["matmul 3-D @ 2-D (folded)", (a, b) => a!.matmul(b!), [U([2, 3, 4]), U([4, 2])]],
  ["matmul 2-D @ 3-D (transposed fold)", (a, b) => a!.matmul(b!), [U([3, 4]), U([2, 4, 5])]],
  ["matmul 3-D @ 1-D", (a, b) => a!.matmul(b!), [U([2, 3, 4]), U([4])]],
  ["matmul broadcast batch", (a, b) => a!.matmul(b!), [U([2, 1, 3, 4]), U([3, 4, 2])]],
  ["mm of transposed operands", (a, b) => a!.t().mm(b!.t()), [U([4, 3]), U([2, 4])]],
  // in place, on a clone
  ["add_(tensor)", (x, y) => x!.clone().add_(y!).mul(x!), [U([3, 4]), U([4])]],
  ["mul_(tensor): the old self is kept for y's gradient", (x, y) => x!.clone().mul_(y!), [U([3, 4]), U([3, 4])]],
  ["div_ / pow_ / exp_ chain", (x) => x!.clone().div_(2).pow_(3).exp_(), [W([5])]],
  // sqrt_ then log_ would fail as in PyTorch: sqrt_ saved its result, which log_ then changes.
  ["sqrt_", (x) => x!.clone().sqrt_(), [P([3, 4])]],
  ["log_", (x) => x!.clone().log_(), [P([3, 4])]],
  ["tanh_", (x) => x!.clone().tanh_(), [U([2, 3])]],
  ["sigmoid_", (x) => x!.clone().sigmoid_(), [U([2, 3])]],
  ["sin_ then cos_ (each keeps its own copy of the old self)", (x) => x!.clone().sin_().cos_(), [U([2, 3])]],
  ["neg_ / square_", (x) => x!.clone().neg_().square_(), [U([4])]],
  ["clamp_", (x) => x!.clone().clamp_(-0.5, 0.5).mul(x!), [gen([6], { avoid: [-0.5, 0.5], margin: 0.1 })]],
  ["copy_ into a slice (CopySlices)", (x, y) => { const c = x!.clone(); c.index("1:3").copy_(y!); return c.mul(c); }, [U([4]), U([2])]],
  ["mul_ through a column view (CopySlices)", (x, y) => { const c = x!.clone(); c.select(1, 0).mul_(y!); return c.pow(2); }, [U([3, 2]), U([3])]],
  ["maskedFill_", (x) => { const c = x!.clone(); c.maskedFill_(x!.detach().gt(0), 2); return c.mul(x!); }, [gen([5], { avoid: [0], margin: 0.2 })]],
  ["indexPut_ with an array", (x, v) => { const c = x!.clone(); c.indexPut_([[0, 2]], v!); return c.sin(); }, [U([4, 2]), U([2])]],
  ["a view made before the write sees it (AsStridedBackward0)", (x) => { const c = x!.clone(); const h = c.index("0:2"); c.mul_(3); return h.mul(c.index("1:3")); }, [U([3])]],
];

describe("gradcheck: views and in-place ops", () => {
  it.each(CASES)("%s", (name, fn, inputs) => {
    checkGrads(fn, inputs, { name });
  });
});

describe("gradgradcheck: views and in-place ops", () => {
  it.each(CASES)("%s", (name, fn, inputs) => {
    checkSecondOrder(fn, inputs, { name });
  });
});

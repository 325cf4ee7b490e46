// PyTorch's grad_fn names, one line per op (split from gradcheck.test.ts, whose table checks the
// gradients themselves).
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { type Nested } from "./helpers/gradcheck";

const F = torch.nn.functional;
const f64 = (v: Nested) => torch.tensor(v, { dtype: "float64" });
const i64 = (v: Nested) => torch.tensor(v, { dtype: "int64" });

// ---- grad_fn names ------------------------------------------------------------------------------------------
// libtorch's names (what torch's C++ API and R torch print; the engine's textbook reference is R torch).
// Tensor–scalar overloads (add.Scalar, mul.Scalar, ...) are ...Backward1 there; Python's `x * 2`
// wraps the number in a tensor and shows MulBackward0 instead.
const v = (data: Nested = [1, 2, 3]) => torch.tensor(data, { dtype: "float64", requiresGrad: true });
const m = (data: Nested = [[1, -2, 3], [4, 5, -6]]) => torch.tensor(data, { dtype: "float64", requiresGrad: true });
const NAMES: Array<[string, () => Tensor, string, string?]> = [
  ["x.add(y)", () => v().add(v()), "AddBackward0"],
  ["x.add(2)", () => v().add(2), "AddBackward1"],
  ["x.sub(y)", () => v().sub(v()), "SubBackward0"],
  ["x.sub(2)", () => v().sub(2), "SubBackward1"],
  ["x.mul(y)", () => v().mul(v()), "MulBackward0"],
  ["x.mul(2)", () => v().mul(2), "MulBackward1"],
  ["x.div(y)", () => v().div(v()), "DivBackward0"],
  ["x.div(2)", () => v().div(2), "DivBackward1"],
  ["x.pow(2)", () => v().pow(2), "PowBackward0"],
  ["x.pow(y)", () => v().pow(v()), "PowBackward1"],
  ["x.square()", () => v().square(), "PowBackward0"],
  ["x.neg()", () => v().neg(), "NegBackward0"],
  ["x.sqrt()", () => v().sqrt(), "SqrtBackward0"],
  ["x.exp()", () => v().exp(), "ExpBackward0"],
  ["x.log()", () => v().log(), "LogBackward0"],
  ["x.abs()", () => v().abs(), "AbsBackward0"],
  ["x.sin()", () => v().sin(), "SinBackward0"],
  ["x.cos()", () => v().cos(), "CosBackward0"],
  ["x.tanh()", () => v().tanh(), "TanhBackward0"],
  ["x.sigmoid()", () => v().sigmoid(), "SigmoidBackward0"],
  ["x.relu()", () => v().relu(), "ReluBackward0"],
  ["x.sum()", () => m().sum(), "SumBackward0"],
  ["x.sum(0)", () => m().sum(0), "SumBackward1"],
  ["x.sum([0, 1], true)", () => m().sum([0, 1], true), "SumBackward1"],
  ["x.mean()", () => m().mean(), "MeanBackward0"],
  ["x.mean(1)", () => m().mean(1), "MeanBackward1"],
  ["x.max()", () => m().max(), "MaxBackward1"],
  ["x.max(0).values", () => m().max(0).values, "MaxBackward0"],
  ["x.min()", () => m().min(), "MinBackward1"],
  ["x.min(1, true).values", () => m().min(1, true).values, "MinBackward0"],
  ["x.mm(y)", () => m().mm(m().t()), "MmBackward0", "AccumulateGrad"],
  ["x.matmul(y) 2-d @ 2-d", () => m().matmul(m().t()), "MmBackward0"],
  ["x.matmul(y) 1-d @ 1-d", () => v().matmul(v()), "DotBackward0"],
  ["x.matmul(y) 2-d @ 1-d", () => m().matmul(v()), "MvBackward0"],
  // ATen computes this as mm(x.unsqueeze(0), y).squeeze_(0): the in-place squeeze_.dim node.
  ["x.matmul(y) 1-d @ 2-d", () => v([1, 2]).matmul(m()), "SqueezeBackward4", "MmBackward0"],
  ["x.dot(y)", () => v().dot(v()), "DotBackward0"],
  ["x.t()", () => m().t(), "TBackward0"],
  ["x.transpose(0, 1)", () => m().transpose(0, 1), "TransposeBackward0"],
  ["x.permute(1, 0)", () => m().permute(1, 0), "PermuteBackward0"],
  ["x.reshape(3, 2)", () => m().reshape(3, 2), "ViewBackward0"],
  ["x.view(-1)", () => m().view(-1), "ViewBackward0"],
  ["x.flatten()", () => m().flatten(), "ViewBackward0"],
  ["x.unsqueeze(0)", () => v().unsqueeze(0), "UnsqueezeBackward0"],
  ["x.squeeze()", () => m([[1, 2, 3]]).squeeze(), "SqueezeBackward0"],
  ["x.squeeze(0)", () => m([[1, 2, 3]]).squeeze(0), "SqueezeBackward1"],
  ["x.expand(4, 3)", () => v().expand(4, 3), "ExpandBackward0"],
  ["x.index(0)", () => m().index(0), "SelectBackward0"],
  ["x.index('1:')", () => m().index("1:"), "SliceBackward0"],
  ["x.index(':', '::2')", () => m().index(":", "::2"), "SliceBackward0"],
  ["x.index(null)", () => m().index(null), "UnsqueezeBackward0"],
  ["x.index([1, 0])", () => m().index([1, 0]), "IndexBackward0"],
  ["x.select(1, 0)", () => m().select(1, 0), "SelectBackward0"],
  ["x.narrow(1, 0, 2)", () => m().narrow(1, 0, 2), "SliceBackward0"],
  ["torch.cat", () => torch.cat([m(), m()], 0), "CatBackward0"],
  ["torch.stack", () => torch.stack([v(), v()], 0), "StackBackward0"],
  ["x.softmax(1)", () => m().softmax(1), "SoftmaxBackward0"],
  ["x.logSoftmax(1)", () => m().logSoftmax(1), "LogSoftmaxBackward0"],
  ["x.clamp(0, 1)", () => v().clamp(0, 1), "ClampBackward1"],
  ["x.clamp(0)", () => v().clamp(0), "ClampBackward1"],
  ["x.clamp(undefined, 1)", () => v().clamp(undefined, 1), "ClampBackward1"],
  ["torch.where", () => torch.where(f64([1, 0, 1]), v(), v()), "WhereBackward0"],
  ["x.maximum(y)", () => v().maximum(v([3, 2, 1])), "MaximumBackward0"],
  ["x.minimum(y)", () => v().minimum(v([3, 2, 1])), "MinimumBackward0"],
  ["x.clone()", () => v().clone(), "CloneBackward0"],
  ["x.to('float32')", () => v().to("float32"), "ToCopyBackward0"],
  ["mseLoss", () => F.mseLoss(v(), f64([0, 0, 0])), "MseLossBackward0"],
  ["binaryCrossEntropy", () => F.binaryCrossEntropy(v([0.2, 0.5, 0.7]), f64([0, 1, 1])), "BinaryCrossEntropyBackward0"],
  ["nllLoss", () => F.nllLoss(m(), i64([0, 2])), "NllLossBackward0"],
  ["crossEntropy", () => F.crossEntropy(m(), i64([0, 2])), "NllLossBackward0", "LogSoftmaxBackward0"],
  ["linear 2-d with bias", () => F.linear(m(), m([[1, 2, 3]]), v([1])), "AddmmBackward0"],
  ["linear 2-d without bias", () => F.linear(m(), m([[1, 2, 3]])), "MmBackward0", "AccumulateGrad"],
  ["x.log1p()", () => v().log1p(), "Log1PBackward0"],
  ["x.expm1()", () => v().expm1(), "Expm1Backward0"],
  ["x.log2()", () => v().log2(), "Log2Backward0"],
  ["x.log10()", () => v().log10(), "Log10Backward0"],
  ["x.rsqrt()", () => v().rsqrt(), "RsqrtBackward0"],
  ["x.reciprocal()", () => v().reciprocal(), "ReciprocalBackward0"],
  ["x.tan()", () => v().tan(), "TanBackward0"],
  ["x.asin()", () => v([0.1, 0.2, 0.3]).asin(), "AsinBackward0"],
  ["x.acos()", () => v([0.1, 0.2, 0.3]).acos(), "AcosBackward0"],
  ["x.atan()", () => v().atan(), "AtanBackward0"],
  ["x.sinh()", () => v().sinh(), "SinhBackward0"],
  ["x.cosh()", () => v().cosh(), "CoshBackward0"],
  ["x.erf()", () => v().erf(), "ErfBackward0"],
  ["x.floor()", () => v().floor(), "FloorBackward0"],
  ["x.ceil()", () => v().ceil(), "CeilBackward0"],
  ["x.round()", () => v().round(), "RoundBackward0"],
  ["x.trunc()", () => v().trunc(), "TruncBackward0"],
  ["x.frac()", () => v().frac(), "FracBackward0"],
  ["torch.atan2(x, y)", () => torch.atan2(v(), v([3, 2, 1])), "Atan2Backward0"],
  ["torch.hypot(x, y)", () => torch.hypot(v(), v([3, 2, 1])), "HypotBackward0"],
];

describe("grad_fn names match libtorch", () => {
  it.each(NAMES)("%s → %s", (_label, make, name, next) => {
    const out = make();
    expect(out.gradFn?.name).toBe(name);
    if (next !== undefined) expect(out.gradFn!.nextFunctions[0]![0]?.name).toBe(next);
  });
  it("the weight of linear without bias goes through TBackward0 (x @ weight.t())", () => {
    const out = F.linear(m(), m([[1, 2, 3]]));
    expect(out.gradFn!.nextFunctions[1]![0]?.name).toBe("TBackward0");
  });
  it("double backward through select records SelectBackwardBackward0", () => {
    const x = m();
    const W = torch.tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    const [g] = torch.autograd.grad(x.index(0), [x], { gradOutputs: [W], createGraph: true });
    expect(g!.gradFn?.name).toBe("SelectBackwardBackward0");
  });
});

// Gradient checks (first and second order) of every differentiable nn.functional op, against central
// differences (test/helpers/gradcheck.ts), plus PyTorch's grad_fn names. Values are checked against
// real PyTorch in test/parity/nn-parity.test.ts.
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../engine/index";
import { checkGrads, checkSecondOrder, generator, type GradCheckOptions, type Nested } from "./helpers/gradcheck";

const F = torch.nn.functional;
type Fn = (...xs: Tensor[]) => Tensor;
interface Case {
  name: string;
  fn: Fn;
  inputs: Nested[];
  opts?: GradCheckOptions;
  /** Skip the second-order check (ops PyTorch does not differentiate twice either). */
  firstOnly?: boolean;
}

const gen = generator(1212);
const U = (s: number[]) => gen(s);
const A = (s: number[]) => gen(s, { avoid: [0], margin: 0.2 });
const D = (s: number[]) => gen(s, { distinct: true, margin: 0.05 });
const Pr = (s: number[]) => gen(s, { lo: 0.1, hi: 0.9 });
const i64 = (v: Nested) => torch.tensor(v, { dtype: "int64" });
const f64 = (v: Nested) => torch.tensor(v, { dtype: "float64" });
const cases: Case[] = [];
const add = (name: string, fn: Fn, inputs: Nested[], extra: Partial<Case> = {}) => cases.push({ name, fn, inputs, ...extra });

// ---- activations ---------------------------------------------------------------------------------
add("leakyRelu", (x) => F.leakyRelu(x!, 0.2), [A([3, 4])]);
add("elu", (x) => F.elu(x!, 1.5), [A([3, 4])]);
add("gelu", (x) => F.gelu(x!), [U([3, 4])]);
add("gelu tanh", (x) => F.gelu(x!, { approximate: "tanh" }), [U([3, 4])]);
add("silu", (x) => F.silu(x!), [U([3, 4])]);
add("softplus", (x) => F.softplus(x!, 2, 3), [gen([3, 4], { avoid: [1.5], margin: 0.05 })]);
add("dropout (seeded)", (x) => {
  torch.manualSeed(5);
  return F.dropout(x!, 0.3);
}, [U([3, 4])]);

// ---- losses ---------------------------------------------------------------------------------------
const [p34, q34] = [U([3, 4]), U([3, 4])];
add("mseLoss", (a, b) => F.mseLoss(a!, b!), [p34, q34]);
add("l1Loss", (a, b) => F.l1Loss(a!, b!), [[[0.5, -1.2, 2], [0.1, 0.9, -0.4]], [[0.1, 0.3, -1], [1.1, -0.5, 0.6]]]);
add("l1Loss sum", (a, b) => F.l1Loss(a!, b!, { reduction: "sum" }), [[0.5, -1.2, 2], [0.1, 0.3, -1]]);
add("smoothL1Loss beta 0.5", (a, b) => F.smoothL1Loss(a!, b!, { beta: 0.5 }), [[[0.5, -1.2, 2], [0.1, 0.9, -0.4]], [[0.1, 0.3, -1], [0.2, -0.5, 0.6]]]);
add("huberLoss delta 0.7 none", (a, b) => F.huberLoss(a!, b!, { delta: 0.7, reduction: "none" }), [[[0.5, -1.2, 2], [0.1, 0.9, -0.4]], [[0.1, 0.3, -1], [0.2, -0.5, 0.6]]]);
add("binaryCrossEntropy weight", (x) => F.binaryCrossEntropy(x!, f64([[1, 0, 1], [0, 0.3, 1]]), { weight: f64([0.5, 2, 1]) }), [Pr([2, 3])]);
add("binaryCrossEntropyWithLogits", (x, y) => F.binaryCrossEntropyWithLogits(x!, y!), [U([2, 3]), Pr([2, 3])]);
add("binaryCrossEntropyWithLogits weight posWeight sum", (x, y) => F.binaryCrossEntropyWithLogits(x!, y!, { weight: f64([[1], [0.5]]), posWeight: f64([2, 1, 0.5]), reduction: "sum" }), [U([2, 3]), Pr([2, 3])]);
add("klDiv batchmean", (x, t) => F.klDiv(x!, t!, { reduction: "batchmean" }), [U([2, 3]), Pr([2, 3])]);
add("klDiv logTarget sum", (x, t) => F.klDiv(x!, t!, { reduction: "sum", logTarget: true }), [U([2, 3]), U([2, 3])]);
const tgt = i64([2, 0, 3]);
add("crossEntropy", (x) => F.crossEntropy(x!, tgt), [U([3, 4])]);
add("crossEntropy weight", (x) => F.crossEntropy(x!, tgt, { weight: f64([0.2, 1, 3, 0.5]) }), [U([3, 4])]);
add("crossEntropy ignoreIndex none", (x) => F.crossEntropy(x!, i64([2, -100, 3]), { reduction: "none" }), [U([3, 4])]);
add("crossEntropy labelSmoothing weight ignoreIndex", (x) => F.crossEntropy(x!, i64([2, 1, 3]), { labelSmoothing: 0.2, weight: f64([0.2, 1, 3, 0.5]), ignoreIndex: 1 }), [U([3, 4])]);
add("crossEntropy probability targets", (x, t) => F.crossEntropy(x!, t!, { labelSmoothing: 0.1 }), [U([3, 4]), Pr([3, 4])]);
add("crossEntropy 1-d input", (x) => F.crossEntropy(x!, i64(1)), [U([4])]);
add("nllLoss weight sum", (x) => F.nllLoss(x!, tgt, { weight: f64([0.2, 1, 3, 0.5]), reduction: "sum" }), [U([3, 4])]);

// ---- layers -----------------------------------------------------------------------------------------
add("linear", (x, w, b) => F.linear(x!, w!, b!), [U([3, 4]), U([2, 4]), U([2])]);
add("linear 3-d", (x, w, b) => F.linear(x!, w!, b!), [U([2, 3, 4]), U([2, 4]), U([2])]);
add("bilinear", (a, b, w, c) => F.bilinear(a!, b!, w!, c!), [U([3, 2]), U([3, 4]), U([5, 2, 4]), U([5])]);
add("embedding", (w) => F.embedding(i64([[1, 3], [3, 0]]), w!), [U([4, 3])]);
add("layerNorm", (x, w, b) => F.layerNorm(x!, [4], w!, b!), [U([3, 4]), U([4]), U([4])]);
add("layerNorm 2 dims no affine", (x) => F.layerNorm(x!, [2, 3], null, null, 1e-3), [U([2, 2, 3])]);
add("batchNorm training", (x, w, b) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }), [U([4, 3]), U([3]), U([3])]);
add("batchNorm training 4-d", (x) => F.batchNorm(x!, null, null, { training: true, eps: 1e-3 }), [U([2, 2, 2, 2])]);
add("batchNorm eval", (x, w, b) => F.batchNorm(x!, f64([0.1, -0.2, 0.3]), f64([1.5, 0.5, 2]), { weight: w!, bias: b!, training: false }), [U([4, 3]), U([3]), U([3])]);
add("normalize", (x) => F.normalize(x!), [A([3, 4])]);
add("normalize p 3 dim 0", (x) => F.normalize(x!, { p: 3, dim: 0 }), [A([3, 4])]);
add("cosineSimilarity", (a, b) => F.cosineSimilarity(a!, b!), [U([3, 4]), U([3, 4])]);
add("cosineSimilarity broadcast dim 0", (a, b) => F.cosineSimilarity(a!, b!, { dim: 0 }), [U([3, 4]), U([3, 1])]);
add("conv2d", (x, w, b) => F.conv2d(x!, w!, b!), [U([2, 2, 4, 4]), U([3, 2, 3, 3]), U([3])]);
add("conv2d stride padding dilation", (x, w) => F.conv2d(x!, w!, null, { stride: [2, 1], padding: 1, dilation: [1, 2] }), [U([1, 2, 5, 5]), U([2, 2, 2, 3])]);
add("conv2d unbatched same", (x, w) => F.conv2d(x!, w!, null, { padding: "same" }), [U([1, 4, 4]), U([2, 1, 3, 3])]);
add("conv1d", (x, w, b) => F.conv1d(x!, w!, b!, { padding: 1, stride: 2 }), [U([2, 3, 6]), U([2, 3, 3]), U([2])]);
add("maxPool2d", (x) => F.maxPool2d(x!, 2), [D([1, 2, 4, 4])]);
add("maxPool2d stride 1 padding 1", (x) => F.maxPool2d(x!, 3, { stride: 1, padding: 1 }), [D([1, 3, 3])]);
add("avgPool2d", (x) => F.avgPool2d(x!, 2), [U([1, 2, 4, 4])]);
add("avgPool2d padding, countIncludePad false", (x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }), [U([1, 1, 5, 5])]);
add("pad constant", (x) => F.pad(x!, [1, 2, 0, 1], "constant", 0.5), [U([2, 3])]);
add("pad crop", (x) => F.pad(x!, [-1, 1]), [U([2, 3])]);
add("pad constant last dim of 3", (x) => F.pad(x!, [2, 1]), [U([1, 2, 4])]);
add("pad reflect 2-d", (x) => F.pad(x!, [1, 1, 2, 1], "reflect"), [U([1, 3, 4])]);
add("pad replicate", (x) => F.pad(x!, [2, 1], "replicate"), [U([1, 2, 3])]);

describe("nn.functional gradients (float64, central differences)", () => {
  for (const c of cases) {
    it(`${c.name}: first order`, () => checkGrads(c.fn, c.inputs, { name: c.name, ...c.opts }));
    if (!c.firstOnly) it(`${c.name}: second order`, () => checkSecondOrder(c.fn, c.inputs, { name: c.name, ...c.opts }));
  }
});

it("embedding's paddingIdx row gets no gradient (as PyTorch), the others do", () => {
  const w = torch.randn([4, 3], { requiresGrad: true });
  F.embedding(i64([[1, 3], [3, 0]]), w, { paddingIdx: 3 }).sum().backward();
  expect(w.grad!.tolist()).toEqual([[1, 1, 1], [1, 1, 1], [0, 0, 0], [0, 0, 0]]);
});

describe("grad_fn names as PyTorch 2.x records them", () => {
  const x = () => torch.tensor([[0.5, -1, 2, 0.1], [1, 0.2, -0.3, 0.4], [0.7, -0.8, 0.9, -1.1]], { requiresGrad: true });
  const chain = (t: Tensor, n: number): string[] => {
    const out: string[] = [];
    let node = t.gradFn;
    while (node !== null && out.length < n) {
      out.push(node.name);
      node = node.nextFunctions.map(([m]) => m).find((m) => m !== null && m.name !== "AccumulateGrad") ?? null;
    }
    return out;
  };
  const rows: Array<[string, () => Tensor, string[]]> = [
    ["leakyRelu", () => F.leakyRelu(x()), ["LeakyReluBackward0"]],
    ["elu", () => F.elu(x()), ["EluBackward0"]],
    ["gelu", () => F.gelu(x()), ["GeluBackward0"]],
    ["silu", () => F.silu(x()), ["SiluBackward0"]],
    ["softplus", () => F.softplus(x()), ["SoftplusBackward0"]],
    ["dropout", () => F.dropout(x(), 0.5), ["MulBackward0"]],
    ["l1Loss", () => F.l1Loss(x(), torch.zeros(3, 4)), ["MeanBackward0", "AbsBackward0", "SubBackward0"]],
    ["smoothL1Loss", () => F.smoothL1Loss(x(), torch.zeros(3, 4)), ["SmoothL1LossBackward0"]],
    ["huberLoss", () => F.huberLoss(x(), torch.zeros(3, 4)), ["HuberLossBackward0"]],
    ["bceWithLogits", () => F.binaryCrossEntropyWithLogits(x(), torch.rand(3, 4)), ["BinaryCrossEntropyWithLogitsBackward0"]],
    ["klDiv batchmean", () => F.klDiv(x(), torch.rand(3, 4), { reduction: "batchmean" }), ["DivBackward0", "SumBackward0", "SubBackward0", "MulBackward0"]],
    ["crossEntropy labelSmoothing", () => F.crossEntropy(x(), i64([0, 2, 1]), { labelSmoothing: 0.1 }), ["AddBackward0", "MulBackward1", "NllLossBackward0", "LogSoftmaxBackward0"]],
    ["crossEntropy probabilities", () => F.crossEntropy(x(), torch.rand(3, 4)), ["DivBackward1", "NegBackward0", "SumBackward0", "MulBackward0", "LogSoftmaxBackward0"]],
    ["crossEntropy weight", () => F.crossEntropy(x(), i64([0, 2, 1]), { weight: torch.rand(4) }), ["NllLossBackward0", "LogSoftmaxBackward0"]],
    ["pad", () => F.pad(x(), [1, 1]), ["ConstantPadNdBackward0"]],
    ["pad reflect", () => F.pad(x().view(1, 3, 4), [1, 1], "reflect"), ["ReflectionPad1DBackward0", "ViewBackward0"]],
    ["layerNorm", () => F.layerNorm(x(), [4]), ["NativeLayerNormBackward0"]],
    ["batchNorm", () => F.batchNorm(x(), null, null, { training: true }), ["NativeBatchNormBackward0"]],
    ["embedding", () => F.embedding(i64([0, 2, 1]), x()), ["EmbeddingBackward0"]],
    ["maxPool2d", () => F.maxPool2d(x().view(1, 1, 3, 4), 2), ["MaxPool2DWithIndicesBackward0", "ViewBackward0"]],
    ["avgPool2d", () => F.avgPool2d(x().view(1, 1, 3, 4), 2), ["AvgPool2DBackward0", "ViewBackward0"]],
    ["conv1d", () => F.conv1d(x().view(1, 3, 4), torch.randn(2, 3, 2)), ["ConvolutionBackward0", "ViewBackward0"]],
    ["conv2d", () => F.conv2d(x().view(1, 1, 3, 4), torch.randn(2, 1, 2, 2)), ["ConvolutionBackward0", "ViewBackward0"]],
  ];
  for (const [name, make, want] of rows) it(name, () => expect(chain(make(), want.length)).toEqual(want));
});

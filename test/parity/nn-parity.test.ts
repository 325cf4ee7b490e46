// nn.functional and nn modules against real PyTorch (/usr/bin/python3 with python3-torch): each case
// is one PyTorch expression (run by nn_twin.py) and the same computation in our engine, on the same
// float64 inputs; values, gradients of sum(out · W) and the grad_fn name must agree. Module reprs
// are compared with str(module). Skipped, visibly, when Python with torch is not installed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { torch, type Tensor } from "../../engine/index";
import { generator, type Nested } from "../helpers/gradcheck";
import { PYTHON, torchIs1x, torchUnavailable } from "./python";

const F = torch.nn.functional;
const nn = torch.nn;
const TWIN = fileURLToPath(new URL("./nn_twin.py", import.meta.url));
const gen = generator(777);
const U = (s: number[]) => gen(s);
const Pr = (s: number[]) => gen(s, { lo: 0.1, hi: 0.9 });
const D = (s: number[]) => gen(s, { distinct: true, margin: 0.05 });
const i64 = (v: Nested) => torch.tensor(v, { dtype: "int64" });
const f64 = (v: Nested) => torch.tensor(v, { dtype: "float64" });

interface Case {
  name: string;
  py: string;
  inputs: Nested[];
  requiresGrad?: boolean[];
  ts: (...x: Tensor[]) => Tensor;
  /** null: our grad_fn is not PyTorch's (bilinear is a composite of matmul/mul/sum here, TrilinearBackward0 there). */
  gradFn?: null;
}
const cases: Case[] = [
  { name: "leakyRelu", py: "F.leaky_relu(x[0], 0.2)", inputs: [U([3, 4])], ts: (x) => F.leakyRelu(x!, 0.2) },
  { name: "elu", py: "F.elu(x[0], 1.5)", inputs: [U([3, 4])], ts: (x) => F.elu(x!, 1.5) },
  { name: "gelu", py: "F.gelu(x[0])", inputs: [U([3, 4])], ts: (x) => F.gelu(x!) },
  { name: "gelu tanh", py: "F.gelu(x[0], approximate='tanh')", inputs: [U([3, 4])], ts: (x) => F.gelu(x!, { approximate: "tanh" }) },
  { name: "silu", py: "F.silu(x[0])", inputs: [U([3, 4])], ts: (x) => F.silu(x!) },
  { name: "softplus", py: "F.softplus(x[0], 2, 1)", inputs: [U([3, 4])], ts: (x) => F.softplus(x!, 2, 1) },
  { name: "mseLoss", py: "F.mse_loss(x[0], x[1])", inputs: [U([3, 4]), U([3, 4])], ts: (a, b) => F.mseLoss(a!, b!) },
  { name: "l1Loss", py: "F.l1_loss(x[0], x[1], reduction='sum')", inputs: [U([3, 4]), U([3, 4])], ts: (a, b) => F.l1Loss(a!, b!, { reduction: "sum" }) },
  { name: "smoothL1Loss", py: "F.smooth_l1_loss(x[0], x[1], beta=0.5)", inputs: [U([3, 4]), U([3, 4])], ts: (a, b) => F.smoothL1Loss(a!, b!, { beta: 0.5 }) },
  { name: "huberLoss", py: "F.huber_loss(x[0], x[1], delta=0.7, reduction='none')", inputs: [U([3, 4]), U([3, 4])], ts: (a, b) => F.huberLoss(a!, b!, { delta: 0.7, reduction: "none" }) },
  { name: "bce weight", py: "F.binary_cross_entropy(x[0], torch.tensor([[1., 0, 1], [0, 0.3, 1]]), weight=torch.tensor([0.5, 2, 1]))", inputs: [Pr([2, 3])], ts: (x) => F.binaryCrossEntropy(x!, f64([[1, 0, 1], [0, 0.3, 1]]), { weight: f64([0.5, 2, 1]) }) },
  { name: "bceWithLogits posWeight", py: "F.binary_cross_entropy_with_logits(x[0], x[1], weight=torch.tensor([[1.], [0.5]]), pos_weight=torch.tensor([2., 1, 0.5]))", inputs: [U([2, 3]), Pr([2, 3])], ts: (a, b) => F.binaryCrossEntropyWithLogits(a!, b!, { weight: f64([[1], [0.5]]), posWeight: f64([2, 1, 0.5]) }) },
  { name: "klDiv batchmean", py: "F.kl_div(x[0], x[1], reduction='batchmean')", inputs: [U([2, 3]), Pr([2, 3])], ts: (a, b) => F.klDiv(a!, b!, { reduction: "batchmean" }) },
  { name: "klDiv logTarget", py: "F.kl_div(x[0], x[1], reduction='sum', log_target=True)", inputs: [U([2, 3]), U([2, 3])], ts: (a, b) => F.klDiv(a!, b!, { reduction: "sum", logTarget: true }) },
  { name: "crossEntropy", py: "F.cross_entropy(x[0], torch.tensor([2, 0, 3]))", inputs: [U([3, 4])], ts: (x) => F.crossEntropy(x!, i64([2, 0, 3])) },
  { name: "crossEntropy weight", py: "F.cross_entropy(x[0], torch.tensor([2, 0, 3]), weight=torch.tensor([0.2, 1, 3, 0.5]))", inputs: [U([3, 4])], ts: (x) => F.crossEntropy(x!, i64([2, 0, 3]), { weight: f64([0.2, 1, 3, 0.5]) }) },
  { name: "crossEntropy ignoreIndex", py: "F.cross_entropy(x[0], torch.tensor([2, 1, 3]), ignore_index=1)", inputs: [U([3, 4])], ts: (x) => F.crossEntropy(x!, i64([2, 1, 3]), { ignoreIndex: 1 }) },
  { name: "crossEntropy labelSmoothing", py: "F.cross_entropy(x[0], torch.tensor([2, 0, 3]), label_smoothing=0.2)", inputs: [U([3, 4])], ts: (x) => F.crossEntropy(x!, i64([2, 0, 3]), { labelSmoothing: 0.2 }) },
  { name: "crossEntropy labelSmoothing weight", py: "F.cross_entropy(x[0], torch.tensor([2, 0, 3]), label_smoothing=0.2, weight=torch.tensor([0.2, 1, 3, 0.5]))", inputs: [U([3, 4])], ts: (x) => F.crossEntropy(x!, i64([2, 0, 3]), { labelSmoothing: 0.2, weight: f64([0.2, 1, 3, 0.5]) }) },
  { name: "crossEntropy probabilities", py: "F.cross_entropy(x[0], x[1], label_smoothing=0.1)", inputs: [U([3, 4]), Pr([3, 4])], ts: (a, b) => F.crossEntropy(a!, b!, { labelSmoothing: 0.1 }) },
  { name: "crossEntropy probabilities none", py: "F.cross_entropy(x[0], x[1], reduction='none')", inputs: [U([3, 4]), Pr([3, 4])], ts: (a, b) => F.crossEntropy(a!, b!, { reduction: "none" }) },
  { name: "nllLoss weight", py: "F.nll_loss(x[0], torch.tensor([2, 0, 3]), weight=torch.tensor([0.2, 1, 3, 0.5]), reduction='sum')", inputs: [U([3, 4])], ts: (x) => F.nllLoss(x!, i64([2, 0, 3]), { weight: f64([0.2, 1, 3, 0.5]), reduction: "sum" }) },
  { name: "bilinear", py: "F.bilinear(x[0], x[1], x[2], x[3])", inputs: [U([3, 2]), U([3, 4]), U([5, 2, 4]), U([5])], ts: (a, b, w, c) => F.bilinear(a!, b!, w!, c!), gradFn: null },
  { name: "embedding paddingIdx", py: "F.embedding(torch.tensor([[1, 3], [3, 0]]), x[0], padding_idx=3)", inputs: [U([4, 3])], ts: (w) => F.embedding(i64([[1, 3], [3, 0]]), w!, { paddingIdx: 3 }) },
  { name: "layerNorm", py: "F.layer_norm(x[0], (4,), x[1], x[2])", inputs: [U([3, 4]), U([4]), U([4])], ts: (x, w, b) => F.layerNorm(x!, [4], w!, b!) },
  { name: "batchNorm training", py: "F.batch_norm(x[0], None, None, x[1], x[2], training=True)", inputs: [U([2, 3, 2, 2]), U([3]), U([3])], ts: (x, w, b) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }) },
  { name: "batchNorm eval", py: "F.batch_norm(x[0], torch.tensor([0.1, -0.2, 0.3]), torch.tensor([1.5, 0.5, 2.]), x[1], x[2], training=False)", inputs: [U([4, 3]), U([3]), U([3])], ts: (x, w, b) => F.batchNorm(x!, f64([0.1, -0.2, 0.3]), f64([1.5, 0.5, 2]), { weight: w!, bias: b! }) },
  { name: "normalize", py: "F.normalize(x[0], p=3, dim=0)", inputs: [U([3, 4])], ts: (x) => F.normalize(x!, { p: 3, dim: 0 }) },
  { name: "cosineSimilarity", py: "F.cosine_similarity(x[0], x[1])", inputs: [U([3, 4]), U([3, 4])], ts: (a, b) => F.cosineSimilarity(a!, b!) },
  { name: "conv2d", py: "F.conv2d(x[0], x[1], x[2], stride=(2, 1), padding=1, dilation=(1, 2))", inputs: [U([2, 2, 5, 5]), U([3, 2, 2, 3]), U([3])], ts: (x, w, b) => F.conv2d(x!, w!, b!, { stride: [2, 1], padding: 1, dilation: [1, 2] }) },
  { name: "conv1d", py: "F.conv1d(x[0], x[1], x[2], padding=1, stride=2)", inputs: [U([2, 3, 6]), U([2, 3, 3]), U([2])], ts: (x, w, b) => F.conv1d(x!, w!, b!, { padding: 1, stride: 2 }) },
  { name: "maxPool2d", py: "F.max_pool2d(x[0], 3, stride=2, padding=1)", inputs: [D([1, 2, 5, 5])], ts: (x) => F.maxPool2d(x!, 3, { stride: 2, padding: 1 }) },
  { name: "avgPool2d", py: "F.avg_pool2d(x[0], 3, stride=2, padding=1, count_include_pad=False)", inputs: [U([1, 2, 5, 5])], ts: (x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }) },
  { name: "pad constant", py: "F.pad(x[0], (1, 2, 0, 1), value=0.5)", inputs: [U([2, 3])], ts: (x) => F.pad(x!, [1, 2, 0, 1], "constant", 0.5) },
  { name: "pad reflect", py: "F.pad(x[0], (1, 1, 2, 1), mode='reflect')", inputs: [U([1, 3, 4])], ts: (x) => F.pad(x!, [1, 1, 2, 1], "reflect") },
  { name: "pad replicate", py: "F.pad(x[0], (2, 1), mode='replicate')", inputs: [U([1, 2, 3])], ts: (x) => F.pad(x!, [2, 1], "replicate") },
];

const reprs: Array<[string, () => unknown]> = [
  ["nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1, bias=False))", () => new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1, { bias: false }))],
  ["nn.Sequential(nn.Conv2d(1, 8, 3), nn.MaxPool2d(2), nn.BatchNorm2d(8), nn.Flatten(), nn.LayerNorm(8), nn.Dropout(0.1), nn.Embedding(10, 3, padding_idx=0), nn.GELU(), nn.CrossEntropyLoss())",
    () => new nn.Sequential(new nn.Conv2d(1, 8, 3), new nn.MaxPool2d(2), new nn.BatchNorm2d(8), new nn.Flatten(), new nn.LayerNorm(8), new nn.Dropout(0.1), new nn.Embedding(10, 3, { paddingIdx: 0 }), new nn.GELU(), new nn.CrossEntropyLoss())],
  ["nn.Sequential(nn.Conv1d(2, 3, 3, padding=1, bias=False), nn.AvgPool2d(2), nn.Unflatten(1, (2, 3)), nn.LeakyReLU(), nn.ELU(), nn.Softplus(), nn.Softmax(1), nn.LogSoftmax(1), nn.Bilinear(2, 3, 4), nn.Identity(), nn.SiLU(), nn.Tanh(), nn.Sigmoid())",
    () => new nn.Sequential(new nn.Conv1d(2, 3, 3, { padding: 1, bias: false }), new nn.AvgPool2d(2), new nn.Unflatten(1, [2, 3]), new nn.LeakyReLU(), new nn.ELU(), new nn.Softplus(), new nn.Softmax(1), new nn.LogSoftmax(1), new nn.Bilinear(2, 3, 4), new nn.Identity(), new nn.SiLU(), new nn.Tanh(), new nn.Sigmoid())],
  ["nn.Sequential(nn.BatchNorm1d(3, momentum=None), nn.ModuleList([nn.ReLU(), nn.Sequential(nn.Tanh())]), nn.ModuleDict({'a': nn.Tanh(), 'b': nn.Linear(1, 1)}), nn.Conv2d(1, 2, 3, padding='same'), nn.Conv2d(1, 2, (3, 2), stride=2, padding=(1, 0)), nn.MSELoss(), nn.HuberLoss(), nn.KLDivLoss(), nn.BCEWithLogitsLoss())",
    () => new nn.Sequential(new nn.BatchNorm1d(3, { momentum: null }), new nn.ModuleList([new nn.ReLU(), new nn.Sequential(new nn.Tanh())]), new nn.ModuleDict({ a: new nn.Tanh(), b: new nn.Linear(1, 1) }), new nn.Conv2d(1, 2, 3, { padding: "same" }), new nn.Conv2d(1, 2, [3, 2], { stride: 2, padding: [1, 0] }), new nn.MSELoss(), new nn.HuberLoss(), new nn.KLDivLoss(), new nn.BCEWithLogitsLoss())],
];

interface TwinResult {
  shape?: number[];
  value?: number[];
  grads?: Array<number[] | null>;
  gradFn?: string | null;
  repr?: string;
  error?: string;
}

const unavailable = torchUnavailable();
if (unavailable !== null) {
  console.warn(`[nn parity] SKIPPED: ${unavailable}`);
  describe("nn parity with PyTorch", () => it.skip(`SKIPPED: ${unavailable}`, () => {}));
} else {
  let results: TwinResult[] = [];
  beforeAll(() => {
    const input = [
      ...cases.map((c) => ({ py: c.py, inputs: c.inputs, requiresGrad: c.requiresGrad ?? c.inputs.map(() => true) })),
      ...reprs.map(([py]) => ({ py, repr: true })),
    ];
    const r = spawnSync(PYTHON, [TWIN], { input: JSON.stringify(input), encoding: "utf8", timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });
    if (r.status !== 0) throw new Error(`nn_twin.py failed: ${r.stderr}`);
    results = (JSON.parse(r.stdout) as { results: TwinResult[] }).results;
  }, 180_000);

  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 + 1e-7 * Math.max(Math.abs(a), Math.abs(b));
  describe("nn.functional values, gradients and grad_fn against PyTorch (float64)", () => {
    cases.forEach((c, i) => {
      it(c.name, () => {
        const want = results[i]!;
        expect(want.error).toBeUndefined();
        const rg = c.requiresGrad ?? c.inputs.map(() => true);
        const xs = c.inputs.map((v, k) => torch.tensor(v, { dtype: "float64", requiresGrad: rg[k]! }));
        const y = c.ts(...xs);
        expect(y.shape).toEqual(want.shape);
        const got = Array.from(y._values);
        got.forEach((v, k) => expect(close(v, want.value![k]!), `value ${k}: ${v} vs ${want.value![k]}`).toBe(true));
        if (c.gradFn !== null) expect(y.gradFn?.name ?? null).toBe(want.gradFn);
        const n = y.numel();
        const W = n > 1 ? torch.linspace(0.5, 1.5, n, { dtype: "float64" }).reshape(y.shape as number[]) : f64(0.75).reshape(y.shape as number[]);
        y.backward(W);
        xs.forEach((x, k) => {
          const g = want.grads![k];
          if (g === null || g === undefined) return expect(x.grad).toBeUndefined();
          const mine = Array.from(x.grad!._values);
          mine.forEach((v, j) => expect(close(v, g[j]!), `grad of input ${k} element ${j}: ${v} vs ${g[j]}`).toBe(true));
        });
      });
    });
  });

  describe("module reprs equal str(module)", () => {
    // The engine prints as 2.x does; 1.13 printed Softplus's float defaults as ints (beta=1, threshold=20).
    const as1x = (repr: string) => (torchIs1x() ? repr.replace(/Softplus\(beta=(\d+)\.0, threshold=(\d+)\.0\)/g, "Softplus(beta=$1, threshold=$2)") : repr);
    reprs.forEach(([py, make], i) => it(py.slice(0, 60), () => expect(as1x(String(make()))).toBe(results[cases.length + i]!.repr)));
  });
}

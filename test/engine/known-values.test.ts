// Known values for composite expressions; each comment says where the number comes from.
import { describe, expect, it } from "vitest";
import { torch } from "../../engine/index";

const f64 = (v: number | number[] | number[][], requiresGrad = true) => torch.tensor(v, { dtype: "float64", requiresGrad });

describe("known values", () => {
  it("micrograd's README expression: g = 24.7041, a.grad = 138.8338, b.grad = 645.5773", () => {
    // Source: github.com/karpathy/micrograd README, "Example usage" (values printed with 4 decimals).
    const a = f64(-4);
    const b = f64(2);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1).add(a.neg()));
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(d.mul(3).add(b.sub(a).relu()));
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(torch.tensor(10, { dtype: "float64" }).div(f));
    expect(g.item()).toBeCloseTo(24.7041, 4);
    g.backward();
    expect(a.grad!.item()).toBeCloseTo(138.8338, 4);
    expect(b.grad!.item()).toBeCloseTo(645.5773, 4);
  });

  it("cross entropy of equal logits is ln(C), gradient softmax − onehot", () => {
    // Analytic: softmax of equal logits is 1/C, so loss = −ln(1/3) = ln 3; ∂/∂z = p − y.
    const z = f64([[0, 0, 0]]);
    const loss = torch.nn.functional.crossEntropy(z, torch.tensor([0], { dtype: "int64" }));
    expect(loss.item()).toBeCloseTo(Math.log(3), 12);
    expect(loss.gradFn!.name).toBe("NllLossBackward0");
    expect(loss.gradFn!.nextFunctions[0]![0]!.name).toBe("LogSoftmaxBackward0");
    loss.backward();
    const g = z.grad!.tolist() as number[][];
    expect(g[0]![0]).toBeCloseTo(1 / 3 - 1, 12);
    expect(g[0]![1]).toBeCloseTo(1 / 3, 12);
  });

  it("sigmoid(0) = 0.5 with derivative 0.25; tanh'(0) = 1", () => {
    // Analytic: σ'(x) = σ(x)(1 − σ(x)); tanh'(x) = 1 − tanh²(x).
    const x = f64(0);
    const s = x.sigmoid();
    expect(s.item()).toBe(0.5);
    s.backward();
    expect(x.grad!.item()).toBe(0.25);
    const y = f64(0);
    y.tanh().backward();
    expect(y.grad!.item()).toBe(1);
  });

  it("least squares: ∇_w ½‖Xw − y‖² = Xᵀ(Xw − y)", () => {
    // Worked by hand: X = [[1,2],[3,4]], w = [1,1], y = [1,1] → r = [2,6], Xᵀr = [20, 28].
    const X = f64([[1, 2], [3, 4]], false);
    const w = f64([1, 1]);
    const y = f64([1, 1], false);
    const loss = X.matmul(w).sub(y).square().sum().mul(0.5);
    expect(loss.item()).toBe(20); // ½(4 + 36)
    loss.backward();
    expect(w.grad!.tolist()).toEqual([20, 28]);
  });

  it("mean of squares and a broadcast bias", () => {
    // d/dx mean(x²) = 2x/n; for b broadcast over 3 rows, ∂ sum(A + b)/∂b = 3 per element.
    const x = f64([1, 2, 3, 4]);
    x.square().mean().backward();
    expect(x.grad!.tolist()).toEqual([0.5, 1, 1.5, 2]);
    const b = f64([1, 2]);
    torch.ones([3, 2], { dtype: "float64" }).add(b).sum().backward();
    expect(b.grad!.tolist()).toEqual([3, 3]);
  });
});

describe("training", () => {
  it("a small MLP learns a toy regression; the loss goes down", () => {
    // Toy set: y = sin(x1) + x2² on 64 seeded points in [−1, 1]².
    torch.manualSeed(1);
    const X = torch.rand([64, 2]).mul(2).sub(1);
    const rows = X.tolist() as number[][];
    const Y = torch.tensor(rows.map(([a, b]) => [Math.sin(a!) + b! * b!]));
    const model = new torch.nn.Sequential(new torch.nn.Linear(2, 16), new torch.nn.Tanh(), new torch.nn.Linear(16, 1));
    expect(model.parameters()).toHaveLength(4);
    expect(model.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const opt = new torch.optim.Adam(model.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      opt.zeroGrad();
      const loss = torch.nn.functional.mseLoss(model.forward(X), Y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.1);
    expect(model.forward(X).gradFn!.name).toBe("AddmmBackward0");
  });

  it("SGD on the textbook function walks to the minimum at (0, 0)", () => {
    // x ← x − lr·0.4x, so after n steps x = 2·(1 − 0.4·lr)^n.
    const x = torch.tensor([2, 2], { dtype: "float64", requiresGrad: true });
    const opt = new torch.optim.SGD([x], { lr: 0.5 });
    for (let i = 0; i < 10; i++) {
      opt.zeroGrad();
      x.square().mul(0.2).sum().sub(5).backward();
      opt.step();
    }
    expect(x.tolist()).toEqual([2 * 0.8 ** 10, 2 * 0.8 ** 10].map((v) => expect.closeTo(v, 12)));
  });

  it("a classifier with crossEntropy and SGD with momentum improves accuracy", () => {
    torch.manualSeed(3);
    const X = torch.randn([80, 2]);
    const labels = (X.tolist() as number[][]).map(([a, b]) => (a! + b! > 0 ? 1 : 0));
    const y = torch.tensor(labels, { dtype: "int64" });
    const model = new torch.nn.Sequential(new torch.nn.Linear(2, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 2));
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const acc = () => {
      const pred = model.forward(X).argmax(1).tolist() as number[];
      return pred.filter((p, i) => p === labels[i]).length / labels.length;
    };
    let first = 0, last = 0;
    for (let i = 0; i < 100; i++) {
      opt.zeroGrad();
      const loss = torch.nn.functional.crossEntropy(model.forward(X), y);
      if (i === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(first * 0.5);
    expect(acc()).toBeGreaterThan(0.9);
  });
});

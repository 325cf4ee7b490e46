// The optimizer API around the algorithms (no PyTorch needed): parameter groups, zeroGrad,
// stateDict/loadStateDict, in-place updates with version counters, closures and bad input.
import { describe, expect, it } from "vitest";
import { torch, setWarningHandler, type Tensor } from "../../engine/index";
import type { Optimizer } from "../../engine/optim/optimizer";

const { SGD, Adam, AdamW, RMSprop, Adagrad, lrScheduler } = torch.optim;

function problem(): { w: Tensor; b: Tensor; loss: () => Tensor } {
  const w = torch.tensor([[0.5, -0.3], [0.2, 0.8]], { requiresGrad: true });
  const b = torch.tensor([0.1, -0.1], { requiresGrad: true });
  const x = torch.tensor([[1, 2], [3, -1], [0.5, 0.5]]);
  return { w, b, loss: () => x.mm(w).add(b).tanh().pow(2).sum() };
}

function train(opt: Optimizer, loss: () => Tensor, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  }
}

describe("optimizer API", () => {
  it("zeroGrad sets grads to undefined by default and to zeros with setToNone: false", () => {
    const { w, b, loss } = problem();
    const opt = new SGD([w, b], { lr: 0.1 });
    loss().backward();
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(w.grad!._values)).toEqual([0, 0, 0, 0]);
    expect(w.grad!.requiresGrad).toBe(false);
    opt.zeroGrad();
    expect(w.grad).toBeUndefined();
    expect(b.grad).toBeUndefined();
  });

  it("updates parameters in place, once per step (version counter), and skips params without grad", () => {
    const { w, b, loss } = problem();
    const opt = new Adam([w, b], { lr: 0.1 });
    const storage = w._storage;
    const v0 = w.version;
    loss().backward();
    b.grad = undefined;
    const bBefore = Array.from(b._values);
    opt.step();
    expect(w._storage).toBe(storage);
    expect(w.version).toBe(v0 + 1);
    expect(Array.from(b._values)).toEqual(bBefore);
    expect(w.requiresGrad && w.isLeaf && w.gradFn === null).toBe(true);
  });

  it("param groups: per-group options, defaults for the rest, lr changed between steps", () => {
    const { w, b, loss } = problem();
    const opt = new SGD([{ params: [w], lr: 0.5 }, { params: b }], { lr: 0.01, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.5, 0.9], [0.01, 0.9]]);
    opt.paramGroups[0]!.lr = 0;
    const w0 = Array.from(w._values);
    train(opt, loss, 2);
    expect(Array.from(w._values)).toEqual(w0);
    expect(Array.from(b._values)).not.toEqual([Math.fround(0.1), Math.fround(-0.1)]);
  });

  it("takes any iterable of parameters (a generator, a Set)", () => {
    const { w, b } = problem();
    function* gen(): Generator<Tensor> {
      yield w;
      yield b;
    }
    expect(new SGD(gen(), { lr: 0.1 }).params).toEqual([w, b]);
    expect(new Adagrad(new Set([w]), {}).params).toEqual([w]);
  });

  it("stateDict / loadStateDict: resuming gives the same numbers as not stopping", () => {
    for (const make of [
      (p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }),
      (p: Tensor[]) => new Adam(p, { lr: 0.05, amsgrad: true }),
      (p: Tensor[]) => new AdamW(p, { lr: 0.05 }),
      (p: Tensor[]) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }),
      (p: Tensor[]) => new Adagrad(p, { lr: 0.1, lrDecay: 0.1 }),
    ]) {
      const a = problem();
      const optA = make([a.w, a.b]);
      train(optA, a.loss, 6);

      const c = problem();
      const optC = make([c.w, c.b]);
      train(optC, c.loss, 3);
      const saved = JSON.parse(JSON.stringify(Object.keys(optC.stateDict().state))) as string[];
      expect(saved).toEqual(["0", "1"]);
      const sd = optC.stateDict();
      const d = problem();
      torch.noGrad(() => {
        d.w.copy_(c.w);
        d.b.copy_(c.b);
      });
      const optD = make([d.w, d.b]);
      optD.loadStateDict(sd);
      train(optD, d.loss, 3);
      expect(Array.from(d.w._values)).toEqual(Array.from(a.w._values));
      expect(Array.from(d.b._values)).toEqual(Array.from(a.b._values));
    }
  });

  it("stateDict names parameters by index and copies state", () => {
    const { w, b, loss } = problem();
    const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.2 }], { lr: 0.1, momentum: 0.9 });
    train(opt, loss, 1);
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(sd.paramGroups[1]!["lr"]).toBe(0.2);
    const buf = sd.state[0]!["momentumBuffer"] as Tensor;
    expect(buf.shape).toEqual([2, 2]);
    buf._flat![0] = 123;
    expect((opt.stateDict().state[0]!["momentumBuffer"] as Tensor)._values[0]).not.toBe(123);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0]!] })).toThrow(/different number of parameter groups/);
    expect(() => opt.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0]!, { ...sd.paramGroups[1]!, params: [1, 2] }] })).toThrow(/doesn't match the size/);
  });

  it("step(closure) re-evaluates the loss with grad mode on and returns it", () => {
    const { w, b, loss } = problem();
    const opt = new SGD([w, b], { lr: 0.1 });
    const l = torch.noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const v = loss();
        v.backward();
        return v;
      }),
    );
    expect(typeof (l as Tensor).item()).toBe("number");
    expect(w.grad).toBeDefined();
  });

  it("bad input gets PyTorch's errors", () => {
    const { w, b } = problem();
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new SGD([w, w], { lr: 0.1 })).toThrow(/same parameter more than once/);
    expect(() => new SGD([{ params: [w] }, { params: [w, b] }], { lr: 0.1 })).toThrow(/more than one parameter group/);
    expect(() => new SGD([w], { lr: -1 })).toThrow(/Invalid learning rate: -1/);
    expect(() => new SGD([w], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new Adam([w], { betas: [0.9, 1.5] })).toThrow(/Invalid beta parameter at index 1/);
    expect(() => new SGD(w.mul(2) as unknown as Tensor[], { lr: 0.1 })).toThrow(/non-leaf/);
    expect(() => new SGD("w" as unknown as Tensor[], { lr: 0.1 })).toThrow(/iterable of Tensors or dicts/);
    expect(() => new SGD([1, 2] as unknown as Tensor[], { lr: 0.1 })).toThrow(/parameter group must be an object/);
    const opt = new SGD([w], { lr: 0.1 });
    (opt.paramGroups[0] as { lr: unknown }).lr = "fast";
    w.grad = torch.onesLike(w);
    expect(() => opt.step()).toThrow(/Invalid learning rate: fast/);
    opt.paramGroups[0]!.lr = 0.1;
    (opt.paramGroups[0] as { params: unknown }).params = "w";
    expect(() => opt.step()).toThrow("optim.SGD.step: paramGroups[0].params must be an array of Tensors (it was changed to string).");
  });

  it("prints like PyTorch", () => {
    const { w } = problem();
    expect(String(new SGD([w], { lr: 0.1 }))).toContain("Parameter Group 0\n    dampening: 0\n    lr: 0.1");
  });
});

describe("lr schedulers", () => {
  const opt = () => new SGD([torch.zeros(1, { requiresGrad: true })], { lr: 1 });
  it("StepLR, ExponentialLR, MultiStepLR, CosineAnnealingLR, LambdaLR known values", () => {
    const run = (s: { step(): void; getLastLr(): number[] }, n: number) =>
      Array.from({ length: n }, () => {
        const lr = s.getLastLr()[0]!;
        s.step();
        return +lr.toPrecision(12);
      });
    const o1 = opt();
    expect(run(new lrScheduler.StepLR(o1, { stepSize: 2, gamma: 0.5 }), 6)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(o1.paramGroups[0]!.initialLr).toBe(1);
    expect(run(new lrScheduler.ExponentialLR(opt(), { gamma: 0.5 }), 4)).toEqual([1, 0.5, 0.25, 0.125]);
    expect(run(new lrScheduler.MultiStepLR(opt(), { milestones: [1, 3, 3], gamma: 0.1 }), 5)).toEqual([1, 0.1, 0.1, 0.001, 0.001]);
    const cos = run(new lrScheduler.CosineAnnealingLR(opt(), { tMax: 4 }), 9);
    const closed = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((e) => +((1 + Math.cos((Math.PI * e) / 4)) / 2).toPrecision(12));
    cos.forEach((v, i) => expect(v).toBeCloseTo(closed[i]!, 10));
    expect(run(new lrScheduler.LambdaLR(opt(), { lrLambda: (e) => 1 / (e + 1) }), 3)).toEqual([1, 0.5, +(1 / 3).toPrecision(12)]);
  });
  it("ReduceLROnPlateau reduces after patience bad epochs", () => {
    const o = opt();
    const s = new lrScheduler.ReduceLROnPlateau(o, { patience: 1 });
    for (const m of [1, 1, 1]) s.step(m);
    expect(s.getLastLr()).toEqual([0.1]);
    s.step(torch.tensor(0.5));
    expect(s.best).toBe(0.5);
  });
  it("warns, as PyTorch, when the scheduler steps before the optimizer; Python spellings are pointed at ours", () => {
    const warnings: string[] = [];
    const prev = setWarningHandler((w) => warnings.push(w.message));
    try {
      const o = opt();
      const s = new lrScheduler.StepLR(o, { stepSize: 1 });
      s.step();
      s.step();
      expect(warnings).toEqual([expect.stringContaining("Detected call of `lr_scheduler.step()` before `optimizer.step()`")]);
      const o2 = opt();
      const s2 = new lrScheduler.ExponentialLR(o2, { gamma: 0.5 });
      o2.step();
      s2.step();
      expect(warnings).toHaveLength(1);
    } finally {
      setWarningHandler(prev);
    }
    expect(() => (torch.optim as unknown as Record<string, unknown>)["lr_scheduler"]).toThrow("torch.optim.lr_scheduler is PyTorch's Python spelling; in Autograd Lens it is torch.optim.lrScheduler.");
    expect(() => (lrScheduler as unknown as Record<string, unknown>)["OneCycleLR"]).toThrow("torch.optim.lrScheduler.OneCycleLR is a PyTorch scheduler that Autograd Lens does not have yet.");
  });
  it("bad input", () => {
    expect(() => new lrScheduler.StepLR({} as never, { stepSize: 1 })).toThrow(/is not an Optimizer/);
    expect(() => new lrScheduler.StepLR(opt(), { stepSize: 1.5 })).toThrow(/stepSize must be an integer/);
    expect(() => new lrScheduler.ReduceLROnPlateau(opt(), { factor: 1 })).toThrow(/Factor should be < 1.0/);
    expect(() => new lrScheduler.LambdaLR(opt(), { lrLambda: [] })).toThrow(/Expected 1 lr_lambdas, but got 0/);
    expect(() => new lrScheduler.LambdaLR(opt(), { lrLambda: () => "x" as unknown as number })).toThrow(/must return a number/);
    expect(() => new lrScheduler.StepLR(opt(), { stepSize: 1, lastEpoch: 3 })).toThrow(/initialLr/);
  });
});

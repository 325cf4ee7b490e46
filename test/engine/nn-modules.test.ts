// torch.nn modules: calling, registration of fields (found when asked), containers, state dicts,
// modes, init, and the errors a learner meets.
import { describe, expect, it } from "vitest";
import { torch, Tensor } from "../../engine/index";

const nn = torch.nn;

class Net extends nn.Module {
  fc1 = new nn.Linear(2, 4);
  act = new nn.ReLU();
  fc2 = new nn.Linear(4, 1);
  scale = new nn.Parameter(torch.ones(1));
  notAParam = torch.zeros(3);
  layers = [1, 2];
  override forward(x: Tensor): Tensor {
    return this.fc2(this.act(this.fc1(x))).mul(this.scale);
  }
}

describe("calling a module", () => {
  it("model(x) runs forward, is typed like forward, and keeps instanceof", () => {
    const model = new Net();
    const x = torch.randn(3, 2);
    const y: Tensor = model(x);
    expect(y.shape).toEqual([3, 1]);
    expect(model.forward(x).tolist()).toEqual(y.tolist());
    expect(model).toBeInstanceOf(nn.Module);
    expect(model).toBeInstanceOf(Net);
    expect(typeof model).toBe("function");
    const crit = new nn.MSELoss();
    const loss: Tensor = crit(y, torch.zeros(3, 1));
    expect(loss.shape).toEqual([]);
  });
  it("the types follow forward: wrong arguments do not type-check (checked by npm run check)", () => {
    const typeOnly = () => {
      const crit = new nn.CrossEntropyLoss();
      const lin = new nn.Linear(2, 2);
      // @ts-expect-error a loss module takes (input, target)
      crit(torch.ones(2));
      // @ts-expect-error Linear takes a Tensor
      lin("x");
      const out: Tensor = lin(torch.ones(2));
      // @ts-expect-error the result is a Tensor, not a number
      const n: number = crit(out, torch.ones(2));
      return n;
    };
    expect(typeof typeOnly).toBe("function");
  });
  it("a Module without forward says so as PyTorch does", () => {
    class Empty extends nn.Module {}
    expect(() => (new Empty() as unknown as (x: Tensor) => Tensor)(torch.ones(1))).toThrow('Module [Empty] is missing the required "forward" function.');
  });
  it("fields named like function properties (name, length) are ordinary fields", () => {
    class Named extends nn.Module {
      override name = "mine";
      override length = 3;
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Named();
    expect(m.name).toBe("mine");
    expect(m.length).toBe(3);
    m.name = "other";
    expect(m.name).toBe("other");
  });
});

describe("registration", () => {
  it("finds Parameters and Modules among the fields, in order, own first, with dotted names", () => {
    const m = new Net();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(m.parameters().length).toBe(5);
    expect(m.namedChildren().map(([n]) => n)).toEqual(["fc1", "act", "fc2"]);
    expect(m.namedModules().map(([n]) => n)).toEqual(["", "fc1", "act", "fc2"]);
    expect(m.modules()[0]).toBe(m);
    expect(m.fc1.weight.name).toBe("fc1.weight");
  });
  it("re-assigning a field replaces the module; a shared parameter counts once", () => {
    const m = new Net();
    const old = m.fc1.weight;
    m.fc1 = new nn.Linear(2, 4, { bias: false });
    expect(m.parameters()).not.toContain(old);
    expect(m.namedParameters().map(([n]) => n)).toEqual(["scale", "fc1.weight", "fc2.weight", "fc2.bias"]);
    m.fc2.weight = m.fc1.weight as never;
    expect(m.parameters().filter((p) => p === m.fc1.weight).length).toBe(1);
  });
  it("a user's name for a parameter wins over the dotted one", () => {
    const m = new Net();
    m.fc1.weight.name = "W1";
    m.parameters();
    m(torch.randn(1, 2));
    expect(m.fc1.weight.name).toBe("W1");
  });
  it("a module that contains itself is walked and printed once", () => {
    const m = new nn.Sequential(new nn.ReLU());
    m.addModule("again", m);
    expect(m.modules().length).toBe(2);
    expect(String(m)).toBe("Sequential(\n  (0): ReLU()\n  (again): Sequential(...)\n)");
  });
  it("registerParameter, registerBuffer, addModule, buffers and their checks", () => {
    const m = new nn.Module();
    m.registerParameter("w", new nn.Parameter(torch.ones(2)));
    m.registerBuffer("running", torch.zeros(2));
    m.registerBuffer("scratch", torch.zeros(1), false);
    m.addModule("lin", new nn.Linear(1, 1));
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["running", "scratch"]);
    expect(Object.keys(m.stateDict())).toEqual(["w", "running", "lin.weight", "lin.bias"]);
    expect(() => m.registerParameter("x", torch.ones(1) as never)).toThrow(/nn.Parameter or null expected/);
    expect(() => m.registerBuffer("a.b", torch.ones(1))).toThrow(/can't contain "."/);
    expect(() => m.addModule("train", new nn.ReLU())).toThrow(/already exists/);
    expect(() => m.addModule("m", {} as never)).toThrow(/not a Module subclass/);
  });
  it("Parameter shares storage, requires grad, prints as PyTorch's", () => {
    const t = torch.tensor([1, 2]);
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p).toBeInstanceOf(Tensor);
    torch.noGrad(() => p.mul_(2));
    expect(t.tolist()).toEqual([2, 4]);
    expect(new nn.Parameter(t, false).requiresGrad).toBe(false);
    expect(String(p)).toMatch(/^Parameter containing:\n/);
    expect(() => new nn.Parameter([1, 2] as never)).toThrow(/must be a Tensor/);
  });
});

describe("containers", () => {
  it("Sequential is indexable, iterable, has length, append/insert/pop/slice, names parameters 0.weight", () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 1));
    expect(s[0]).toBeInstanceOf(nn.Linear);
    expect(s.at(-1)).toBe(s[2]);
    expect([...s].length).toBe(3);
    expect(s.length).toBe(3);
    expect((s[0] as InstanceType<typeof nn.Linear>).weight.name).toBe("0.weight");
    expect(s(torch.randn(4, 2)).shape).toEqual([4, 1]);
    s.append(new nn.Sigmoid());
    expect(s.length).toBe(4);
    s.insert(1, new nn.ReLU());
    expect(s.children().map((m) => m._getName())).toEqual(["Linear", "ReLU", "Tanh", "Linear", "Sigmoid"]);
    expect(s.pop()._getName()).toBe("Sigmoid");
    expect(s.slice(0, 2).length).toBe(2);
    expect(() => s.at(9)).toThrow(/out of range/);
    expect(() => new nn.Sequential(new nn.ReLU(), 3 as never)).toThrow("nn.Sequential: argument 1 is not a Module subclass.");
  });
  it("ModuleList and ModuleDict register their modules; a plain array does not, and the optimizer says so", () => {
    class WithList extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      heads = new nn.ModuleDict({ a: new nn.Linear(2, 1), b: new nn.Linear(2, 1) });
    }
    const m = new WithList();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]);
    expect(m.heads.get("a")).toBeInstanceOf(nn.Linear);
    expect(m.heads.keys()).toEqual(["a", "b"]);
    class WithArray extends nn.Module {
      blocks = [new nn.Linear(2, 2)];
    }
    expect(() => new torch.optim.SGD(new WithArray().parameters(), { lr: 1 })).toThrow(/WithArray\.blocks is an array of modules: use nn.ModuleList/);
    expect(() => new torch.optim.SGD(new WithArray() as never, { lr: 1 })).toThrow(/Pass model.parameters\(\), not the module itself/);
    expect(() => new torch.optim.SGD(new WithArray().parameters as never, { lr: 1 })).toThrow(/without calling it/);
  });
});

describe("state, modes and gradients", () => {
  it("stateDict / loadStateDict round-trip, with PyTorch's errors", () => {
    torch.manualSeed(1);
    const a = new Net();
    const b = new Net();
    expect(Object.keys(a.stateDict())).toEqual(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(a.stateDict()["fc1.weight"]!.requiresGrad).toBe(false);
    b.loadStateDict(a.stateDict());
    expect(b.fc1.weight.tolist()).toEqual(a.fc1.weight.tolist());
    const bad = { ...a.stateDict(), extra: torch.ones(1) };
    delete (bad as Record<string, Tensor>)["scale"];
    expect(() => b.loadStateDict(bad)).toThrow('Error(s) in loading state_dict for Net:\n\tUnexpected key(s) in state_dict: "extra".\n\tMissing key(s) in state_dict: "scale".');
    expect(b.loadStateDict(bad, false)).toEqual({ missingKeys: ["scale"], unexpectedKeys: ["extra"] });
    expect(() => b.loadStateDict({ ...a.stateDict(), "fc1.bias": torch.ones(5) })).toThrow("size mismatch for fc1.bias: copying a param with shape [5] from checkpoint, the shape in current model is [4].");
  });
  it("train/eval reach every sub-module; Dropout is the identity in eval", () => {
    const s = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
    expect(s.training).toBe(true);
    s.eval();
    expect(s.modules().every((m) => !m.training)).toBe(true);
    const x = torch.ones(2, 4);
    expect(s[1]!(x)).toBe(x);
    s.train();
    torch.manualSeed(3);
    const y = s[1]!(torch.ones(100)) as Tensor;
    expect(new Set(y.tolist() as number[])).toEqual(new Set([0, 2]));
  });
  it("zeroGrad sets grads to undefined (or zeros), requiresGrad_ freezes, apply visits children first", () => {
    const m = new Net();
    m(torch.randn(2, 2)).sum().backward();
    expect(m.fc1.weight.grad).toBeDefined();
    m.zeroGrad(false);
    expect(m.fc1.weight.grad!.tolist()).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    m.zeroGrad();
    expect(m.fc1.weight.grad).toBeUndefined();
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    const seen: string[] = [];
    m.apply((x) => seen.push(x._getName()));
    expect(seen).toEqual(["Linear", "ReLU", "Linear", "Net"]);
  });
  it("BatchNorm1d updates its running statistics in training and uses them in eval", () => {
    const bn = new nn.BatchNorm1d(2);
    const x = torch.tensor([[1, 2], [3, 6]]);
    bn(x);
    expect(bn.runningMean!.tolist()).toEqual([0.2, 0.4].map((v) => Math.fround(v)));
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // unbiased variance: [2, 8] → 0.9 · 1 + 0.1 · v
    expect((bn.runningVar!.tolist() as number[]).map((v) => +v.toFixed(5))).toEqual([1.1, 1.7]);
    bn.eval();
    const y = bn(x);
    expect(y.gradFn?.name).toBe("NativeBatchNormBackward0");
    expect(Object.keys(bn.stateDict())).toEqual(["weight", "bias", "runningMean", "runningVar", "numBatchesTracked"]);
  });
});

describe("nn.init and default initialisation", () => {
  it("Linear and Conv2d draw U(±1/√fan_in) for weight and bias; the same seed gives the same model", () => {
    torch.manualSeed(42);
    const a = new nn.Linear(16, 8);
    torch.manualSeed(42);
    const b = new nn.Linear(16, 8);
    expect(a.weight.tolist()).toEqual(b.weight.tolist());
    expect(a.bias!.tolist()).toEqual(b.bias!.tolist());
    const bound = 1 / Math.sqrt(16);
    expect((a.weight.flatten().tolist() as number[]).every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(a.weight.abs().max().item()).toBeGreaterThan(bound * 0.8);
    const c = new nn.Conv2d(2, 4, 3);
    const cb = 1 / Math.sqrt(2 * 9);
    expect(c.weight.abs().max().item()).toBeLessThanOrEqual(cb);
    expect(c.bias!.abs().max().item()).toBeLessThanOrEqual(cb);
  });
  it("xavier/kaiming have the variance PyTorch's formulas give; constant/zeros/ones fill", () => {
    const w = torch.zeros(200, 300);
    const std = (t: Tensor) => Math.sqrt(t.sub(t.mean()).square().mean().item());
    nn.init.xavierUniform_(w);
    expect(std(w)).toBeCloseTo(Math.sqrt(2 / 500), 3);
    nn.init.xavierNormal_(w, 2);
    expect(std(w)).toBeCloseTo(2 * Math.sqrt(2 / 500), 3);
    nn.init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" });
    expect(std(w)).toBeCloseTo(Math.sqrt(2 / 200), 3);
    nn.init.kaimingUniform_(w);
    expect(std(w)).toBeCloseTo(Math.sqrt(2 / 300), 3);
    nn.init.constant_(w, 0.5);
    expect(w.mean().item()).toBe(0.5);
    expect(nn.init.ones_(torch.zeros(2)).tolist()).toEqual([1, 1]);
    expect(() => nn.init.xavierUniform_(torch.zeros(3))).toThrow(/fewer than 2 dimensions/);
    const p = new nn.Parameter(torch.zeros(2, 2));
    nn.init.normal_(p);
    expect(p.gradFn).toBeNull();
    expect(p.isLeaf).toBe(true);
  });
});

describe("PyTorch names a module or nn.init lacks, or spells otherwise", () => {
  it("say so in PyTorch's terms; assigning such a name still makes a field", () => {
    const m = new nn.Linear(2, 2) as unknown as Record<string, () => unknown>;
    expect(() => m["named_parameters"]!()).toThrow("model.named_parameters is PyTorch's Python spelling; in Autograd Lens it is model.namedParameters().");
    expect(() => m["zero_grad"]!()).toThrow("model.zero_grad is PyTorch's Python spelling; in Autograd Lens it is model.zeroGrad().");
    expect(() => m["cuda"]!()).toThrow("model.cuda() is a PyTorch method that Autograd Lens does not have yet.");
    expect(() => (nn.init as unknown as Record<string, unknown>)["xavier_uniform_"]).toThrow("torch.nn.init.xavier_uniform_ is PyTorch's Python spelling; in Autograd Lens it is torch.nn.init.xavierUniform_().");
    class Typed extends nn.Module {
      constructor() {
        super();
        (this as unknown as Record<string, unknown>)["type"] = "mlp";
      }
    }
    expect((new Typed() as unknown as Record<string, unknown>)["type"]).toBe("mlp");
  });
});

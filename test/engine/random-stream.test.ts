// torch.manualSeed gives PyTorch's numbers: the Mersenne Twister stream and libtorch's CPU
// transformations for rand, randn (both of its paths), randint, randperm, uniform_/normal_ and the
// default initialisation of Linear. Known values were printed by PyTorch (1.13.1 and 2.x agree on
// these); where python3-torch is installed the same draws are compared over more seeds and sizes.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { torch } from "../../engine";
import { PYTHON, torchUnavailable } from "../parity/python";

const close = (ours: unknown, theirs: readonly number[], tol = 0) => {
  const a = (ours as number[]).flat(3) as number[];
  expect(a.length).toBe(theirs.length);
  a.forEach((v, i) => expect(Math.abs(v - theirs[i]!), `element ${i}: ${v} vs ${theirs[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(theirs[i]!))));
};

describe("the default generator follows libtorch's CPU generator", () => {
  it("rand (24-bit float32 uniforms)", () => {
    torch.manualSeed(0);
    close(torch.rand(3).tolist(), [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]);
  });

  it("randn of fewer than 16 values (normal_distribution<double>, second sample cached)", () => {
    torch.manualSeed(0);
    torch.rand(3);
    close(torch.randn(3).tolist(), [0.3643381893634796, 0.13439632952213287, 0.16421625018119812], 1e-7);
  });

  it("randn of 16 or more (uniforms first, Box–Muller 16 at a time, the tail redrawn)", () => {
    torch.manualSeed(5);
    close((torch.randn(37).tolist() as number[]).slice(30), [-0.5259512066841125, -1.697732925415039, -1.0364670753479004, 0.6704617738723755, -0.1777045875787735, 0.4313727617263794, 1.2417020797729492], 1e-6);
  });

  it("float64 draws use 53-bit uniforms", () => {
    torch.manualSeed(0);
    close(torch.randn(3, { dtype: "float64" }).tolist(), [1.5409961082440433, -0.2934289057609464, -2.1787893820745574], 1e-15);
    close(torch.rand(2, { dtype: "float64" }).tolist(), [0.6450241201227648, 0.7911478921803037], 1e-15);
  });

  it("randint and randperm", () => {
    torch.manualSeed(0);
    torch.rand(3);
    torch.randn(3);
    torch.randn(20);
    expect(torch.randint(0, 10, [5]).tolist()).toEqual([5, 2, 1, 0, 9]);
    expect(torch.randperm(6).tolist()).toEqual([5, 2, 0, 1, 3, 4]);
  });

  it("nn.Linear's default initialisation (kaiming-uniform, bounds cast to float32)", () => {
    torch.manualSeed(0);
    const l = new torch.nn.Linear(3, 2);
    close(l.weight.tolist(), [-0.004322517663240433, 0.3097158372402191, -0.4751853346824646, -0.4248946011066437, -0.2223689705133438, 0.15482072532176971]);
    close(l.bias!.tolist(), [-0.011439144611358643, 0.45777493715286255]);
  });

  it("a Generator has its own stream; manualSeed restarts it", () => {
    const g = new torch.Generator().manualSeed(0);
    torch.manualSeed(123);
    close(torch.rand(3, { generator: g }).tolist(), [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]);
    g.manualSeed(0);
    close(torch.rand(1, { generator: g }).tolist(), [0.49625658988952637]);
  });

  const unavailable = torchUnavailable();
  it.skipIf(unavailable !== null)(`matches python3-torch over seeds and sizes${unavailable ? ` (SKIPPED: ${unavailable})` : ""}`, () => {
    const py = spawnSync(PYTHON, ["-c", `
import torch, json
out = []
for s in [0, 1, 42, 2**32 + 7, 123456789]:
    torch.manual_seed(s)
    out.append([torch.randn(1000).tolist(), torch.randn(7).tolist(), torch.rand(33).tolist(),
                torch.zeros(40).normal_(0.5, 2).tolist(), torch.zeros(9).uniform_(-3, 0.25).tolist(),
                torch.randint(-5, 1000, (50,)).tolist(), torch.randperm(30).tolist(),
                torch.nn.Linear(17, 5).weight.flatten().tolist(), torch.randn(20, dtype=torch.float64).tolist()])
print(json.dumps(out))
`], { encoding: "utf8", timeout: 120_000 });
    expect(py.status, py.stderr).toBe(0);
    const theirs = JSON.parse(py.stdout) as number[][][];
    [0, 1, 42, 2 ** 32 + 7, 123456789].forEach((s, k) => {
      torch.manualSeed(s);
      const ours = [torch.randn(1000), torch.randn(7), torch.rand(33), torch.zeros(40).normal_(0.5, 2), torch.zeros(9).uniform_(-3, 0.25),
        torch.randint(-5, 1000, [50]), torch.randperm(30), new torch.nn.Linear(17, 5).weight.flatten(), torch.randn(20, { dtype: "float64" })];
      // randn's float32 Box–Muller runs in vectorised float math in libtorch: the last bit may differ.
      const tols = [3e-6, 1e-7, 0, 3e-6, 0, 0, 0, 0, 1e-12];
      ours.forEach((t, i) => close(t.tolist(), theirs[k]![i]!, tols[i]));
    });
  });
});

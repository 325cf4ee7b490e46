// nn modules through the runner: a training loop with a Module subclass gets PyTorch's parameter
// names (fc1.weight …), `const h = model(x)` is named h on its line, and console.log(model) prints
// PyTorch's repr (built dist/ required: `npm test` builds before vitest runs).
import { afterAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot, TensorInfo } from "../../shared/protocol";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string) => runner.run({ source, language: "typescript", fileName: "/snippets/nn.ts" });
const byName = (s: GraphSnapshot, name: string): TensorInfo => {
  const t = s.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor named ${name}; have ${s.tensors.map((x) => x.name ?? x.label).join(", ")}`);
  return t;
};

const LOOP = `import { torch, Tensor } from "autograd-lens";
const nn = torch.nn;
class Net extends nn.Module {
  fc1 = new nn.Linear(2, 8);
  act = new nn.Tanh();
  fc2 = new nn.Linear(8, 1);
  forward(x: Tensor): Tensor {
    return this.fc2(this.act(this.fc1(x)));
  }
}
torch.manualSeed(0);
const model = new Net();
console.log(model);
const criterion = new nn.MSELoss();
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
const x = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = torch.tensor([[0], [1], [1], [0]]);
let last = 0;
for (let step = 0; step < 5; step++) {
  opt.zeroGrad();
  const h = model(x);
  const loss = criterion(h, y);
  loss.backward();
  opt.step();
  last = loss.item();
}
console.log(last > 0);
`;

describe("nn modules in the runner", () => {
  it("names parameters fc1.weight …, names model(x) by its assignment, prints the module as PyTorch", async () => {
    const s = await run(LOOP);
    expect(s.error).toBeUndefined();
    // Parameters are labelled with their dotted names (they are not bound to a variable).
    for (const n of ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]) expect(s.tensors.find((t) => t.label === n)?.kind).toBe("leaf");
    const lines = LOOP.split("\n");
    const h = byName(s, "h");
    expect(h.boundAt?.line).toBe(lines.findIndex((l) => l.includes("const h = model(x)")) + 1);
    expect(byName(s, "loss").boundAt?.line).toBe(lines.findIndex((l) => l.includes("const loss = criterion(h, y)")) + 1);
    const printed = s.console.map((c) => c.text).join("\n");
    expect(printed).toContain("Net(\n  (fc1): Linear(in_features=2, out_features=8, bias=True)\n  (act): Tanh()\n  (fc2): Linear(in_features=8, out_features=1, bias=True)\n)");
    expect(printed).toContain("true");
    // The transposed weight of each step is labelled by the node it recorded (TBackward0), even
    // though the optimizer's in-place step made that view stale afterwards.
    expect(s.tensors.some((t) => t.label.startsWith("asStrided"))).toBe(false);
    expect(s.tensors.filter((t) => t.label === "t @ L8").length).toBe(10);
  });

  it("an optimizer over a module whose tensors are not Parameters says why it got no parameters, on the snippet's line", async () => {
    const src = `import { torch } from "autograd-lens";
class Net extends torch.nn.Module {
  w = torch.randn([3], { requiresGrad: true });
}
const opt = new torch.optim.SGD(new Net().parameters(), { lr: 0.1 });
`;
    const s = await run(src);
    expect(s.error?.message).toMatch(/empty parameter list\. Net\.w is a Tensor, not an nn\.Parameter/);
    expect(s.error?.range?.line).toBe(5);
  });
});

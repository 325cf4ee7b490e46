// Folding by function call in Python traces (runner/python/autograd_lens_scopes.py), with real
// PyTorch: each call of the program's own functions and methods that made nodes is one scope with
// its call line, nested in its caller; lambdas are not; deep recursion stays bounded; the view folds
// them like the TypeScript runner's. Needs a Python with torch (see python.test.ts); skipped without.
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runPython } from "../../runner/python-runner";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { validateSnapshot } from "../../shared/validate";
import { foldTree } from "../../webview/fold";
import { buildViewGraph } from "../../webview/model";

const PYTHON = process.env["AUTOGRAD_LENS_TEST_PYTHON"] ?? "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
const trace = (source: string) => runPython({ source, fileName: path.resolve("test/runner/python/inline_calls.py"), python: PYTHON });

const PROGRAM = `import torch
torch.manual_seed(0)
w1 = torch.randn(2, 4, requires_grad=True)
w2 = torch.randn(4, 1, requires_grad=True)

def layer(x, w):
    return x.matmul(w).tanh()

mse = lambda p, y: (p - y).square().mean()

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
    def forward(self, x):
        return layer(self.fc(x), w1)

net = Net()
X = torch.randn(8, 2)
Y = torch.randn(8, 1)
for step in range(3):
    loss = mse(layer(net(X), w2), Y)
    loss.backward()
    with torch.no_grad():
        for p in (w1, w2):
            p -= 0.1 * p.grad
            p.grad.zero_()
`;

describe.skipIf(!hasTorch)("Python: folding by function call", () => {
  it("functions and methods are scopes with their call lines, nested; lambdas are not", async () => {
    const s = await trace(PROGRAM);
    expect(s.error).toBeUndefined();
    const text = (s.scopes ?? []).map((x) => `${x.name}@${x.line}${x.parent !== undefined ? `<${x.parent}` : ""}`);
    expect(text).toEqual([0, 3, 6].flatMap((b) => ["Net.forward@22", `layer@16<${b}`, "layer@22"]));
    const opsIn = (i: number) => s.nodes.filter((n) => n.scope === i).map((n) => n.name);
    expect(opsIn(1)).toEqual(["MmBackward0", "TanhBackward0"]);
    // The lambda's ops belong to no call.
    expect(s.nodes.filter((n) => n.name === "MeanBackward0").every((n) => n.scope === undefined)).toBe(true);
    const shown = validateSnapshot(encodeSnapshot(s));
    const g = buildViewGraph(shown, 2);
    const tree = foldTree(g);
    const labels = [...tree.groups.values()].map((x) => x.label);
    expect(labels).toEqual(expect.arrayContaining(["Net.forward() @ L22", "layer() @ L16", "layer() @ L22"]));
  }, 120_000);

  it("two calls on one line are told apart by their columns (Python 3.11+ knows them)", async () => {
    const line = "y = layer(layer(x)) + layer(x)";
    const s = await trace(`import torch
def layer(x):
    return (x * 2).tanh()
x = torch.ones(3, requires_grad=True)
${line}
y.sum().backward()
`);
    expect(s.error).toBeUndefined();
    const cols = [line.indexOf("layer(layer"), line.indexOf("layer(x))"), line.lastIndexOf("layer(x)")].map((c) => c + 1);
    // Creation order: the inner call's ops first, then the outer one's, then the third call's.
    expect((s.scopes ?? []).map((x) => `${x.line}:${x.column}`)).toEqual([`5:${cols[1]}`, `5:${cols[0]}`, `5:${cols[2]}`]);
    const tree = foldTree(buildViewGraph(validateSnapshot(encodeSnapshot(s))));
    const labels = [...tree.groups.values()].filter((x) => x.kind === "call").map((x) => x.label);
    expect(labels.sort()).toEqual(cols.map((c) => `layer() @ L5:${c}`).sort());
  }, 120_000);

  it("deep recursion keeps at most 64 nested calls", async () => {
    const s = await trace(`import torch
def down(x, n):
    return x.tanh() if n == 0 else down(x * 1.01, n - 1)
x = torch.ones(2, requires_grad=True)
down(x, 150).sum().backward()
`);
    expect(s.error).toBeUndefined();
    expect((s.scopes ?? []).length).toBe(64);
    validateSnapshot(encodeSnapshot(s));
  }, 120_000);
});

// Folding by function call through the real runner: calls of the snippet's own functions enter
// snapshot.scopes (kind "function", the line they were called from, nested in the call or module
// call around them), module methods do not, deep recursion and a snippet calling the markers itself
// stay bounded and valid (built dist/ required: `npm test` builds before vitest runs).
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { validateSnapshot } from "../../shared/validate";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string) => runner.run({ source, language: "typescript", fileName: "/snippets/calls.ts" });

/** "name@line<parent" for every scope; the scope of each node named `op`, by scope text. */
const scopeText = (s: GraphSnapshot) =>
  (s.scopes ?? []).map((x) => `${x.kind === "function" ? `${x.name}()` : `${x.name}:${x.type}`}${x.line !== undefined ? `@${x.line}` : ""}${x.parent !== undefined ? `<${x.parent}` : ""}`);
const opsIn = (s: GraphSnapshot, scope: number) => s.nodes.filter((n) => n.scope === scope).map((n) => n.name);

const HELPERS = `import { torch } from "autograd-lens";
torch.manualSeed(0);
const w1 = torch.randn([2, 4]).requiresGrad_();
const b1 = torch.zeros([4]).requiresGrad_();
const w2 = torch.randn([4, 1]).requiresGrad_();
const b2 = torch.zeros([1]).requiresGrad_();
function layer(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) {
  return x.matmul(w).add(b).tanh();
}
const mse = (p: torch.Tensor, y: torch.Tensor) => p.sub(y).square().mean();
function net(x: torch.Tensor) {
  const h = layer(x, w1, b1);
  return layer(h, w2, b2);
}
const X = torch.randn([8, 2]);
const Y = torch.randn([8, 1]);
for (let step = 0; step < 3; step++) {
  const loss = mse(net(X), Y);
  loss.backward();
  torch.noGrad(() => {
    for (const p of [w1, b1, w2, b2]) { p.sub_(p.grad!.mul(0.1)); p.grad!.zero_(); }
  });
}
`;

describe("function calls in snapshot.scopes", () => {
  it("each call of a helper is one scope with the line it was called from, nested in its caller", async () => {
    const s = await run(HELPERS);
    expect(s.error).toBeUndefined();
    // Per iteration: net (called on line 18), its two layer calls (lines 12 and 13), then mse (line 18).
    const one = ["net()@18", "layer()@12<N", "layer()@13<N", "mse()@18"];
    const expected = [0, 4, 8].flatMap((base) => one.map((t) => t.replace("N", String(base))));
    expect(scopeText(s)).toEqual(expected);
    expect(opsIn(s, 1)).toEqual(["MmBackward0", "AddBackward0", "TanhBackward0"]);
    expect(opsIn(s, 3)).toEqual(["SubBackward0", "PowBackward0", "MeanBackward0"]);
    // net makes no op of its own; the noGrad callback and the update make no node at all.
    expect(opsIn(s, 0)).toEqual([]);
    expect(validateSnapshot(encodeSnapshot(s)).scopes).toHaveLength(12);
  });

  it("functions and module calls interleave; a module's forward() and its helper methods are not function calls", async () => {
    const s = await run(`import { torch, Tensor } from "autograd-lens";
const nn = torch.nn;
torch.manualSeed(0);
function block(x: Tensor) { return x.relu().mul(2); }
class Net extends nn.Module {
  fc = new nn.Linear(2, 3);
  forward(x: Tensor): Tensor { return this.head(block(this.fc(x))); }
  head(h: Tensor) { return h.sum(); }
}
class Scaler { k = 3; apply(t: Tensor) { return t.mul(this.k); } }
const model = new Net();
function predict(x: Tensor) { return new Scaler().apply(model(x)); }
predict(torch.randn([4, 2])).backward();
`);
    expect(s.error).toBeUndefined();
    expect(scopeText(s)).toEqual(["predict()@13", ":Net<0", "fc:Linear<1", "block()@7<1", "Scaler.apply()@12<0"]);
    expect(opsIn(s, 2)).toEqual(["TBackward0", "AddmmBackward0"]);
    expect(opsIn(s, 3)).toEqual(["ReluBackward0", "MulBackward1"]);
    // head() is a method of the module: its sum belongs to the Net call.
    expect(opsIn(s, 1)).toEqual(["SumBackward0"]);
    expect(opsIn(s, 4)).toEqual(["MulBackward1"]);
  });

  it("deep recursion keeps at most 64 nested calls; a throw inside a call ends it", async () => {
    const s = await run(`import { torch, Tensor } from "autograd-lens";
function down(x: Tensor, n: number): Tensor { return n === 0 ? x.tanh() : down(x.mul(1.01), n - 1); }
function bad(x: Tensor): Tensor { x.exp(); throw new Error("no"); }
const x = torch.ones([2], { requiresGrad: true });
try { bad(x); } catch { /* ignored */ }
const y = down(x, 300).sum();
y.backward();
`);
    expect(s.error).toBeUndefined();
    const scopes = s.scopes ?? [];
    expect(scopes.filter((x) => x.name === "down")).toHaveLength(64);
    expect(scopes[0]).toMatchObject({ kind: "function", name: "bad", line: 5 });
    // The sum after the calls ended belongs to no call.
    expect(s.nodes.find((n) => n.name === "SumBackward0")?.scope).toBeUndefined();
    // Every node of a deeper call sits in the innermost call kept.
    const deepest = scopes.length - 1;
    expect(s.nodes.filter((n) => n.scope === deepest).length).toBeGreaterThan(200);
    validateSnapshot(encodeSnapshot(s));
  });

  it("a snippet calling the markers itself changes nothing but the folding", async () => {
    const s = await run(`import { torch } from "autograd-lens";
const lens = (globalThis as any).__lens;
const x = torch.ones([2], { requiresGrad: true });
lens.enter(123456); lens.enter(-3); lens.enter("x", {}); lens.enter(Number.NaN);
const a = x.mul(2);
lens.exit(-1); lens.exit(1e9); lens.exit("0"); lens.exit(0.5); lens.exit(0);
function f(t: typeof x) { lens.exit(0); return t.add(1); }
f(a).sum().backward();
console.log("done");
`);
    expect(s.error).toBeUndefined();
    expect(s.console.map((c) => c.text)).toEqual(["done"]);
    validateSnapshot(encodeSnapshot(s));
    for (const n of s.nodes) if (n.scope !== undefined) expect(s.scopes![n.scope]!.name).toBe("f");
  });
});

// The fold tree (webview/fold.ts) and its scene (webview/scene.ts) on snapshots from the real
// runner: module calls recorded by the engine (snapshot.scopes), repeated loop bodies, chunks, and
// the validator refusing a scope that names nothing.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { validateSnapshot } from "../../shared/validate";
import { callsSharingALine, foldTree, lineTree, scopeLabel } from "../../webview/fold";
import { buildViewGraph } from "../../webview/model";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
let loop: GraphSnapshot;
let mlp: GraphSnapshot;
let helpers: GraphSnapshot;

beforeAll(async () => {
  const run = (source: string, name: string) => runner.run({ source, language: "typescript", fileName: `/ex/${name}.ts` });
  loop = await run(`import { torch } from "autograd-lens";
const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
let y = x;
for (let i = 0; i < 500; i++) y = y.mul(1.001).add(0.001);
y.sum().backward();
`, "loop");
  mlp = await run(`import { torch } from "autograd-lens";
const { nn } = torch;
const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 1));
const X = torch.randn([8, 2]);
for (let i = 0; i < 3; i++) {
  model.zeroGrad();
  model(X).square().mean().backward();
}
`, "mlp");
  helpers = await run(`import { torch } from "autograd-lens";
const w = torch.randn([2, 2]).requiresGrad_();
function layer(x: torch.Tensor) {
  return x.matmul(w).tanh();
}
function net(x: torch.Tensor) {
  return layer(layer(x));
}
const X = torch.randn([4, 2]);
for (let i = 0; i < 4; i++) {
  net(X).sum().backward();
}
`, "helpers");
}, 60_000);
afterAll(() => runner.dispose());

describe("fold tree", () => {
  it("a loop body run 500 times is one repeat group of 500 copies, opening into chunks of 50", () => {
    const g = buildViewGraph(loop);
    const tree = foldTree(g);
    const top = tree.top.map((id) => tree.groups.get(id)?.label ?? g.byId.get(id)!.label);
    expect(top).toEqual(["x", "× 500: mul, add · L4", "SumBackward0", expect.stringMatching(/^sum @ L5/)]);
    const rep = tree.groups.get(tree.top[1]!)!;
    expect(rep.open).toBe(false);
    expect(rep.size).toBe(2000);
    expect(rep.children.map((c) => tree.groups.get(c)!.label)).toEqual(
      Array.from({ length: 10 }, (_, k) => `× 50 (${50 * k + 1}–${50 * k + 50}): mul, add · L4`),
    );
    // A chunk of 50 copies (200 nodes) opens into chunks of 5 copies (20 nodes each: drawn directly).
    const chunk = tree.groups.get(rep.children[0]!)!;
    expect(chunk.children).toHaveLength(10);
    expect(tree.groups.get(chunk.children[0]!)!.children).toHaveLength(20);
    // Every view node is in exactly one place of the tree.
    const seen: string[] = [];
    const walk = (items: string[]) => items.forEach((id) => (tree.groups.has(id) ? walk(tree.groups.get(id)!.children) : seen.push(id)));
    walk(tree.top);
    expect(seen.sort()).toEqual(g.nodes.map((n) => n.id).sort());
  });

  it("module calls fold with their own parameters; the Sequential call opens, Linear calls stay folded", () => {
    expect(mlp.scopes?.map((s) => `${s.name}:${s.type}`).slice(0, 4)).toEqual([":Sequential", "0:Linear", "1:Tanh", "2:Linear"]);
    const g = buildViewGraph(mlp, 2);
    const tree = foldTree(g);
    const groups = [...tree.groups.values()];
    const seq = groups.find((x) => x.label === "Sequential")!;
    expect(seq.open).toBe(true);
    expect(seq.children.map((c) => tree.groups.get(c)?.label)).toEqual(["0: Linear", "1: Tanh", "2: Linear"]);
    const lin = groups.find((x) => x.label === "0: Linear")!;
    expect(lin.open).toBe(false);
    const inLinear = lin.children.map((c) => g.byId.get(c)!.label);
    expect(inLinear).toEqual(expect.arrayContaining(["0.weight", "0.bias"]));
    expect(inLinear.some((l) => l.startsWith("Addmm"))).toBe(true);
  });

  it("function calls fold one box per call, labelled by name and call line; repeated calls fold as a repeat", () => {
    const g = buildViewGraph(helpers, 3);
    const tree = foldTree(g);
    const label = (id: string) => tree.groups.get(id)?.label ?? g.byId.get(id)!.label;
    const net = [...tree.groups.values()].find((x) => x.label === "net() @ L11")!;
    expect(net.kind).toBe("call");
    // A container (it holds calls) opens in the first view; the calls inside stay folded.
    expect(net.open).toBe(true);
    // Two calls on one line (`layer(layer(x))`): told apart by their columns, the inner one first.
    const line7 = "  return layer(layer(x));";
    const outer = line7.indexOf("layer(") + 1, innerCol = line7.lastIndexOf("layer(") + 1;
    expect(net.children.map(label)).toEqual([`layer() @ L7:${innerCol}`, `layer() @ L7:${outer}`]);
    const inner = tree.groups.get(net.children[0]!)!;
    expect(inner.open).toBe(false);
    expect(inner.children.map(label)).toEqual(expect.arrayContaining(["MmBackward0", "TanhBackward0"]));
    // All calls: the four iterations' net() calls are one repeat group.
    const all = foldTree(buildViewGraph(helpers));
    const top = all.top.map((id) => all.groups.get(id)?.label ?? id);
    expect(top.some((l) => /^× 4: net\(\) @ L11/.test(l)), top.join(" | ")).toBe(true);
  });

  it("group by line: one open group per line that made two or more nodes", () => {
    const tree = lineTree(buildViewGraph(loop));
    expect([...tree.groups.values()].map((x) => [x.label, x.size, x.open])).toEqual([["L4", 2000, true], ["L5", 2, true]]);
  });

  it("a call's column shows only when its function is called from two places on the line", () => {
    const at = (line: number, column?: number) => ({ kind: "function" as const, name: "f", type: "function", line, ...(column !== undefined ? { column } : {}) });
    const scopes = [at(3, 5), at(3, 5), at(4, 2), at(4, 9), at(6), at(7, 1), { ...at(7, 4), name: "g" }];
    const shared = callsSharingALine(scopes);
    expect(scopes.map((s) => scopeLabel(s, shared))).toEqual(["f() @ L3", "f() @ L3", "f() @ L4:2", "f() @ L4:9", "f() @ L6", "f() @ L7", "g() @ L7"]);
    expect(scopeLabel({ kind: "module", name: "0", type: "Linear" }, shared)).toBe("0: Linear");
  });

  it("the validator refuses a node scope that names no scope, and a parent that is not earlier", () => {
    const wire = encodeSnapshot(mlp);
    expect(() => validateSnapshot({ ...wire, nodes: wire.nodes.map((n, i) => (i === 0 ? { ...n, scope: 99_999 } : n)) })).toThrow(/snapshot\.nodes\[0\]\.scope.*not an index into snapshot\.scopes/);
    expect(() => validateSnapshot({ ...wire, scopes: [{ kind: "module", name: "", type: "X", parent: 0 }] })).toThrow(/snapshot\.scopes\[0\]\.parent/);
    expect(() => validateSnapshot({ ...wire, scopes: [{ kind: "function", name: "f", type: "function", line: 2, column: "9" }] })).toThrow(/snapshot\.scopes\[0\]\.column/);
    expect(validateSnapshot(wire).scopes?.length).toBe(mlp.scopes!.length);
  });
});

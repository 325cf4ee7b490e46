// The view model derived from real snapshots (traced by the runner): what the graph draws and
// what each backward step shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";
import { broadcastDims, broadcastNote } from "../../webview/broadcast";
import { buildViewGraph, groupsByLine, losses, replay, type ViewGraph } from "../../webview/model";
import { formatValue } from "../../webview/format";

let s: GraphSnapshot;
let g: ViewGraph;
const runner = new SnippetRunner({ distDir: path.resolve("dist") });
beforeAll(async () => {
  s = await runner.run({ source: fs.readFileSync("examples/autograd-basics.ts", "utf8"), language: "typescript", fileName: "/ex/autograd-basics.ts" });
  g = buildViewGraph(s);
});
afterAll(() => runner.dispose());

const label = (id: string) => g.byId.get(id)?.label;
const byLabel = (l: string) => g.nodes.find((n) => n.label === l)!.id;

describe("view graph", () => {
  it("draws 8 tensors and 6 ops; AccumulateGrad is the leaf's box", () => {
    expect(g.nodes.filter((n) => n.kind !== "op").map((n) => n.label)).toEqual(["x1", "x2", "x3", "x5", "x4", "x6", expect.stringMatching(/^add @ L\d+$/), "x7"]);
    expect(g.nodes.filter((n) => n.kind === "op").map((n) => n.label).sort()).toEqual(
      ["AddBackward0", "MulBackward1", "MulBackward1", "PowBackward0", "PowBackward0", "SubBackward1"],
    );
    expect(g.accumulateToLeaf.size).toBe(2);
    expect([...g.accumulateToLeaf.values()].map(label).sort()).toEqual(["x1", "x2"]);
  });

  it("edges run in data-flow order: x1 → PowBackward0 → x3 → MulBackward1 → x5", () => {
    const from = (id: string) => g.edges.filter((e) => e.source === id).map((e) => e.target);
    const pow = from(byLabel("x1"));
    expect(pow.map(label)).toEqual(["PowBackward0"]);
    expect(from(pow[0]!).map(label)).toEqual(["x3"]);
    expect(from(byLabel("x3")).map(label)).toEqual(["MulBackward1"]);
    const addOp = g.producer.get(byLabel(g.nodes.find((n) => n.label.startsWith("add @"))!.label))!;
    expect(g.edges.filter((e) => e.target === addOp).map((e) => [label(e.source), e.label, e.index])).toEqual([["x5", "self", 0], ["x6", "other", 1]]);
  });
});

describe("view graph of a node whose result is not in the snapshot", () => {
  it("joins the op to the op that reads its result (PyTorch's TBackward0 inside F.linear has no tensor)", () => {
    // The textbook's `x5 + x6` made a tensor; here, as a Python trace has it for an op inside a
    // library call, the snapshot keeps only its AddBackward0 node.
    const t = structuredClone(s);
    const add = t.nodes.find((n) => n.name === "AddBackward0")!;
    const sub = t.nodes.find((n) => n.name === "SubBackward1")!;
    t.tensors = t.tensors.filter((x) => x.id !== add.tensor);
    add.tensor = null;
    const v = buildViewGraph(t);
    const into = (id: string) => v.edges.filter((e) => e.target === id);
    expect(into(sub.id).map((e) => e.source)).toEqual([add.id]);
    expect(into(sub.id)[0]).toMatchObject({ id: `e:${sub.id}:0`, op: sub.id, index: 0 });
    // Every edge joins two drawn nodes, and the add op still reads x5 and x6.
    for (const e of v.edges) expect(v.byId.has(e.source) && v.byId.has(e.target)).toBe(true);
    expect(into(add.id).map((e) => v.byId.get(e.source)!.label).sort()).toEqual(["x5", "x6"]);
  });
});

describe("replay", () => {
  it("fills gradients in the engine's order, ends with 0.8 on x1 and x2, and undoes exactly", () => {
    const seen: string[] = [];
    let prev = replay(s, g, { call: 0, step: 0 });
    expect(prev.grads.size).toBe(0);
    expect(prev.total).toBe(8);
    for (let k = 1; k <= 8; k++) {
      const r = replay(s, g, { call: 0, step: k });
      const fresh = [...r.grads.keys()].filter((id) => !prev.grads.has(id) && g.byId.get(id)!.kind !== "op").map(label);
      seen.push(...(fresh as string[]));
      prev = r;
    }
    expect(seen).toEqual(["x7", expect.stringMatching(/^add @/), "x6", "x4", "x2", "x5", "x3", "x1"]);
    expect(formatValue(prev.grads.get(byLabel("x1")))).toBe("0.8");
    expect(formatValue(prev.grads.get(byLabel("x2")))).toBe("0.8");
    expect(formatValue(prev.grads.get(byLabel("x3")))).toBe("0.2");
    const back = replay(s, g, { call: 0, step: 3 });
    expect([...back.grads.keys()].map(label).filter((l) => l?.startsWith("x"))).toEqual(["x7", "x6"]);
    expect(back.grads.has(byLabel("x1"))).toBe(false);
  });

  it("says the chain rule for each step", () => {
    const r = replay(s, g, { call: 0, step: 7 }); // PowBackward0 of x3 = x1.square()
    expect(r.current!.rule.title).toMatch(/^Step 7 · PowBackward0 \(x3, line \d+\)$/);
    expect(r.current!.rule.lines).toEqual([
      "incoming ∂x7/∂x3 = 0.2",
      "local ∂x3/∂x1: grad · 2 · self = 4",
      "chain rule: ∂x7/∂x1 = ∂x7/∂x3 · ∂x3/∂x1 = 0.2 · 4 = 0.8",
    ]);
    expect(r.current!.viewNode).toBe(g.producer.get(byLabel("x3")));
    expect(r.current!.edges).toHaveLength(1);
    const acc = replay(s, g, { call: 0, step: 8 });
    expect(acc.current!.viewNode).toBe(byLabel("x1"));
    expect(acc.current!.rule.lines[1]).toBe("x1.grad += 0.8 → x1.grad = 0.8");
  });

  it("clamps positions and lists losses; groups by line", () => {
    expect(replay(s, g, { call: 5, step: 99 }).position).toEqual({ call: 0, step: 8 });
    expect(losses(s)).toEqual([{ call: 0, loss: expect.closeTo(-3.4, 5) }]);
    const groups = groupsByLine(g);
    expect(groups.get(g.byId.get(byLabel("x3"))!.range!.line)!.map(label).sort()).toEqual(["PowBackward0", "x3"]);
  });
});

describe("broadcasting in backward, in words", () => {
  it("finds the summed dimensions, or none", () => {
    expect(broadcastDims([4, 2], [2])).toEqual([0]);
    expect(broadcastDims([4, 2], [4, 1])).toEqual([1]);
    expect(broadcastDims([3, 4, 2], [1, 2])).toEqual([0, 1]);
    expect(broadcastDims([4, 2], [4, 2])).toBeNull();
    expect(broadcastDims([4, 2], [3, 2])).toBeNull();
    expect(broadcastDims([], [4, 2])).toBeNull();
    expect(broadcastNote("b", [4, 2], [2])).toBe("b was broadcast from [2] to [4×2], so its gradient is summed over dim 0 (4 rows): [4×2] → [2]");
    expect(broadcastNote("c", [4, 3], [4, 1])).toBe("c was broadcast from [4×1] to [4×3], so its gradient is summed over dim 1 (3 columns): [4×3] → [4×1]");
  });

  it("the AddBackward0 step of x @ W + b says b's gradient is summed over the batch", async () => {
    const snap = await runner.run({
      source: `import { torch } from "autograd-lens";
const x = torch.ones([4, 3]);
const W = torch.ones([3, 2], { requiresGrad: true });
const b = torch.zeros([2], { requiresGrad: true });
const y = x.matmul(W).add(b);
y.sum().backward();
`,
      language: "typescript",
      fileName: "/ex/linear.ts",
    });
    const vg = buildViewGraph(snap);
    const call = snap.backward[0]!;
    const k = call.steps.findIndex((st) => snap.nodes.find((n) => n.id === st.node)?.name === "AddBackward0");
    const lines = replay(snap, vg, { call: 0, step: k + 1 }).current!.rule.lines;
    expect(lines).toContain("b was broadcast from [2] to [4×2], so its gradient is summed over dim 0 (4 rows): [4×2] → [2]");
    // The matmul's input had the result's shape: nothing said about it.
    expect(lines.filter((l) => l.includes("broadcast"))).toHaveLength(1);
  });
});

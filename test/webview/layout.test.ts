// The layered layout: the textbook graph looks like its figure, edges go forward, nothing overlaps,
// the output is deterministic, bad input is survived, and 10,000 nodes lay out quickly.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_NODE_SEP,
  DEFAULT_RANK_SEP,
  layeredLayout,
  type LayoutEdge,
  type LayoutNode,
  type LayoutOptions,
  type LayoutResult,
} from "../../webview/layout";
import { rng } from "../helpers/gradcheck";

const TENSOR = { width: 72, height: 40 };
const OP = { width: 112, height: 28 };
const EPS = 1e-6;


/** Builds an autograd-like graph: tensors and op pills, data-flow edges, creation order. */
class GraphBuilder {
  nodes: LayoutNode[] = [];
  edges: LayoutEdge[] = [];
  tensor(id: string): string {
    this.nodes.push({ id, ...TENSOR, order: this.nodes.length });
    return id;
  }
  /** An op node and its result tensor; inputs → op → result. */
  op(name: string, inputs: string[], result: string): string {
    const op = `${name}#${this.nodes.length}`;
    this.nodes.push({ id: op, ...OP, order: this.nodes.length });
    for (const i of inputs) this.edges.push({ source: i, target: op });
    this.tensor(result);
    this.edges.push({ source: op, target: result });
    return result;
  }
}

/** f(x1, x2) = 0.2·x1² + 0.2·x2² − 5, built in the chapter's order (constants are not drawn). */
function textbook() {
  const g = new GraphBuilder();
  const x1 = g.tensor("x1");
  const x2 = g.tensor("x2");
  const x3 = g.op("PowBackward0", [x1], "x3");
  const x5 = g.op("MulBackward1", [x3], "x5");
  const x4 = g.op("PowBackward0", [x2], "x4");
  const x6 = g.op("MulBackward1", [x4], "x6");
  const add = g.op("AddBackward0", [x5, x6], "add");
  g.op("SubBackward1", [add], "x7");
  const opOf = (result: string) => g.edges.find((e) => e.target === result)!.source;
  return { ...g, opOf };
}

/** A micrograd-style scalar MLP over a batch, summed into one loss: long chains, shared weights. */
function scalarMlp(batch: number, sizes = [3, 4, 4, 1]) {
  const g = new GraphBuilder();
  let t = 0;
  const fresh = () => `t${t++}`;
  const params: string[][][] = [];
  for (let l = 1; l < sizes.length; l++) {
    const layer: string[][] = [];
    for (let j = 0; j < sizes[l]!; j++) {
      const ws: string[] = [];
      for (let i = 0; i <= sizes[l - 1]!; i++) ws.push(g.tensor(fresh())); // weights, then the bias
      layer.push(ws);
    }
    params.push(layer);
  }
  let loss: string | null = null;
  for (let b = 0; b < batch; b++) {
    let acts = Array.from({ length: sizes[0]! }, () => g.tensor(fresh()));
    for (const layer of params) {
      acts = layer.map((ws) => {
        let sum = ws[ws.length - 1]!;
        acts.forEach((a, i) => {
          const prod = g.op("MulBackward0", [ws[i]!, a], fresh());
          sum = g.op("AddBackward0", [sum, prod], fresh());
        });
        return g.op("TanhBackward0", [sum], fresh());
      });
    }
    const target = g.tensor(fresh());
    const diff = g.op("SubBackward0", [acts[0]!, target], fresh());
    const sq = g.op("PowBackward0", [diff], fresh());
    loss = loss === null ? sq : g.op("AddBackward0", [loss, sq], fresh());
  }
  return g;
}

/** A random layered DAG: edges go 1–3 layers forward; sizes vary. */
function randomLayered(nodeCount: number, edgeCount: number, seed: number, layers = Math.max(2, Math.round(nodeCount / 50))) {
  const rand = rng(seed);
  const nodes: LayoutNode[] = [];
  const byLayer: string[][] = Array.from({ length: layers }, () => []);
  const layerOf: number[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const l = Math.floor(rand() * layers);
    layerOf.push(l);
    byLayer[l]!.push(`v${i}`);
    nodes.push({ id: `v${i}`, width: 20 + Math.floor(rand() * 100), height: 16 + Math.floor(rand() * 40), order: i });
  }
  const edges: LayoutEdge[] = [];
  for (let k = 0; k < edgeCount; k++) {
    const s = Math.floor(rand() * nodeCount);
    let l = layerOf[s]! + 1 + Math.floor(rand() * 3);
    while (l < layers && byLayer[l]!.length === 0) l++;
    if (l >= layers) continue;
    const row = byLayer[l]!;
    edges.push({ source: `v${s}`, target: row[Math.floor(rand() * row.length)]! });
  }
  return { nodes, edges };
}

/** Anything: random edges (cycles, self-loops, duplicates, unknown ids), random sizes and orders. */
function randomMess(nodeCount: number, edgeCount: number, seed: number) {
  const rand = rng(seed);
  const nodes: LayoutNode[] = Array.from({ length: nodeCount }, (_, i) => ({
    id: `n${i}`,
    width: Math.floor(rand() * 120),
    height: Math.floor(rand() * 60),
    order: Math.floor(rand() * nodeCount),
  }));
  const edges: LayoutEdge[] = Array.from({ length: edgeCount }, () => ({
    source: rand() < 0.02 ? "nowhere" : `n${Math.floor(rand() * nodeCount)}`,
    target: `n${Math.floor(rand() * nodeCount)}`,
  }));
  return { nodes, edges };
}

function expectAllPlaced(nodes: readonly LayoutNode[], r: LayoutResult) {
  const ids = new Set(nodes.map((n) => n.id));
  expect(Object.keys(r.positions).sort()).toEqual([...ids].sort());
  for (const p of Object.values(r.positions)) {
    expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  }
}

/** No two boxes overlap; within one rank (same centre along the ranks) they keep nodeSep apart. */
function expectNoOverlap(nodes: readonly LayoutNode[], r: LayoutResult, options: LayoutOptions) {
  const lr = options.direction === "LR";
  const nodeSep = options.nodeSep ?? DEFAULT_NODE_SEP;
  const boxes = nodes.map((n) => {
    const p = r.positions[n.id]!;
    const along = lr ? p.x : p.y, across = lr ? p.y : p.x;
    const alongSize = lr ? n.width : n.height, crossSize = lr ? n.height : n.width;
    return { id: n.id, along, across, alongHalf: alongSize / 2, crossHalf: crossSize / 2 };
  });
  // Group by rank (nodes of one rank share their centre along the ranks), sort across.
  const ranks = new Map<number, typeof boxes>();
  for (const b of boxes) {
    const key = Math.round(b.along * 1000) / 1000;
    ranks.set(key, [...(ranks.get(key) ?? []), b]);
  }
  const centres = [...ranks.keys()].sort((a, b) => a - b);
  let problems = 0;
  for (const c of centres) {
    const row = ranks.get(c)!.sort((a, b) => a.across - b.across);
    for (let i = 1; i < row.length; i++) {
      const gap = row[i]!.across - row[i]!.crossHalf - (row[i - 1]!.across + row[i - 1]!.crossHalf);
      if (gap < nodeSep - EPS) problems++;
    }
  }
  // Ranks do not overlap along the ranks either.
  for (let i = 1; i < centres.length; i++) {
    const prevEnd = Math.max(...ranks.get(centres[i - 1]!)!.map((b) => b.along + b.alongHalf));
    const start = Math.min(...ranks.get(centres[i]!)!.map((b) => b.along - b.alongHalf));
    if (start < prevEnd - EPS) problems++;
  }
  // And, for small graphs, plainly: no two boxes share any area.
  if (nodes.length <= 400) {
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!, b = boxes[j]!;
        const apart = Math.abs(a.along - b.along) >= a.alongHalf + b.alongHalf - EPS || Math.abs(a.across - b.across) >= a.crossHalf + b.crossHalf - EPS;
        if (!apart) problems++;
      }
    }
  }
  expect(problems).toBe(0);
  // The bounding box starts at 0 and holds every node.
  const minX = Math.min(...nodes.map((n) => r.positions[n.id]!.x - n.width / 2));
  const minY = Math.min(...nodes.map((n) => r.positions[n.id]!.y - n.height / 2));
  const maxX = Math.max(...nodes.map((n) => r.positions[n.id]!.x + n.width / 2));
  const maxY = Math.max(...nodes.map((n) => r.positions[n.id]!.y + n.height / 2));
  expect(minX).toBeCloseTo(0, 6);
  expect(minY).toBeCloseTo(0, 6);
  expect(maxX).toBeCloseTo(r.width, 6);
  expect(maxY).toBeCloseTo(r.height, 6);
}

function expectForward(edges: readonly LayoutEdge[], r: LayoutResult, direction: "LR" | "TB") {
  const backwards = edges.filter((e) => {
    const s = r.positions[e.source]!, t = r.positions[e.target]!;
    return direction === "LR" ? !(t.x > s.x) : !(t.y > s.y);
  });
  expect(backwards).toEqual([]);
}

describe("the textbook graph", () => {
  const g = textbook();
  const r = layeredLayout(g.nodes, g.edges, { direction: "LR" });
  const p = (id: string) => r.positions[id]!;
  const chain1 = ["x1", g.opOf("x3"), "x3", g.opOf("x5"), "x5"];
  const chain2 = ["x2", g.opOf("x4"), "x4", g.opOf("x6"), "x6"];
  const tail = [g.opOf("add"), "add", g.opOf("x7"), "x7"];

  it("has 14 nodes on 9 ranks, every edge forward, nothing overlapping", () => {
    expect(g.nodes).toHaveLength(14);
    expect(r.ranks).toBe(9);
    expectAllPlaced(g.nodes, r);
    expectForward(g.edges, r, "LR");
    expectNoOverlap(g.nodes, r, { direction: "LR" });
  });

  it("puts x1 and x2 on the left in two rows, x1 above", () => {
    expect(p("x1").x).toBe(p("x2").x);
    expect(Math.min(...g.nodes.map((n) => p(n.id).x))).toBe(p("x1").x);
    expect(p("x1").y).toBeLessThan(p("x2").y);
    expect(p("x2").y - p("x1").y).toBeGreaterThanOrEqual(TENSOR.height + DEFAULT_NODE_SEP);
  });

  it("draws each chain as one straight row, left to right", () => {
    for (const chain of [chain1, chain2]) {
      for (let i = 1; i < chain.length; i++) {
        expect(p(chain[i]!).y).toBeCloseTo(p(chain[0]!).y, 9);
        expect(p(chain[i]!).x).toBeGreaterThan(p(chain[i - 1]!).x);
      }
    }
    // Both rows are in step: the same stage of each chain is on the same rank.
    chain1.forEach((id, i) => expect(p(id).x).toBe(p(chain2[i]!).x));
  });

  it("ends with AddBackward0 → add → SubBackward1 → x7 on the right, between the rows", () => {
    const mid = (p("x1").y + p("x2").y) / 2;
    for (const id of tail) expect(p(id).y).toBeCloseTo(mid, 6);
    for (let i = 1; i < tail.length; i++) expect(p(tail[i]!).x).toBeGreaterThan(p(tail[i - 1]!).x);
    expect(p(tail[0]!).x).toBeGreaterThan(p("x5").x);
    expect(p("x7").x + TENSOR.width / 2).toBeCloseTo(r.width, 9);
  });

  it("spaces ranks by rankSep and the widest node of each rank", () => {
    // Rank 0 holds tensors, rank 1 ops: centres are half a tensor + rankSep + half an op apart.
    expect(p(chain1[1]!).x - p("x1").x).toBeCloseTo(TENSOR.width / 2 + DEFAULT_RANK_SEP + OP.width / 2, 9);
    const custom = layeredLayout(g.nodes, g.edges, { direction: "LR", rankSep: 10, nodeSep: 5 });
    expect(custom.positions[chain1[1]!]!.x - custom.positions["x1"]!.x).toBeCloseTo(TENSOR.width / 2 + 10 + OP.width / 2, 9);
    expect(custom.positions["x2"]!.y - custom.positions["x1"]!.y).toBeCloseTo(TENSOR.height + 5, 9);
  });

  it("TB is the same drawing with the axes swapped", () => {
    const swapped = g.nodes.map((n) => ({ ...n, width: n.height, height: n.width }));
    const tb = layeredLayout(swapped, g.edges, { direction: "TB" });
    expect(tb.width).toBeCloseTo(r.height, 9);
    expect(tb.height).toBeCloseTo(r.width, 9);
    for (const n of g.nodes) {
      expect(tb.positions[n.id]!.x).toBeCloseTo(p(n.id).y, 9);
      expect(tb.positions[n.id]!.y).toBeCloseTo(p(n.id).x, 9);
    }
    // With the real sizes: x1 left of x2 on top, the chains are columns, x7 at the bottom.
    const real = layeredLayout(g.nodes, g.edges, { direction: "TB" });
    const q = (id: string) => real.positions[id]!;
    expect(q("x1").y).toBe(q("x2").y);
    expect(q("x1").x).toBeLessThan(q("x2").x);
    for (const id of chain1) expect(q(id).x).toBeCloseTo(q("x1").x, 9);
    for (const id of chain2) expect(q(id).x).toBeCloseTo(q("x2").x, 9);
    for (const id of tail) expect(q(id).x).toBeCloseTo((q("x1").x + q("x2").x) / 2, 6);
    expectForward(g.edges, real, "TB");
    expectNoOverlap(g.nodes, real, { direction: "TB" });
  });
});

describe("ranks", () => {
  it("puts a leaf used only near the end just before its consumer, and sinks at the far end", () => {
    const g = new GraphBuilder();
    const x = g.tensor("x");
    let y = x;
    for (let i = 0; i < 5; i++) y = g.op("ExpBackward0", [y], `y${i}`);
    const bias = g.tensor("bias");
    const out = g.op("AddBackward0", [y, bias], "out");
    const side = g.op("NegBackward0", [x], "side"); // a second output, early in the data flow
    const r = layeredLayout(g.nodes, g.edges, { direction: "LR" });
    const addOp = g.edges.find((e) => e.target === out)!.source;
    const rankOf = new Map([...new Set(g.nodes.map((n) => r.positions[n.id]!.x))].sort((a, b) => a - b).map((x, i) => [x, i]));
    const rank = (id: string) => rankOf.get(r.positions[id]!.x)!;
    expect(r.ranks).toBe(13);
    expect(rank("x")).toBe(0);
    expect(rank("bias")).toBe(rank(addOp) - 1);
    expect(rank("bias")).toBe(rank("y4"));
    expect(rank(out)).toBe(12);
    expect(rank(side)).toBe(12); // every sink is on the last rank
    expectForward(g.edges, r, "LR");
    expectNoOverlap(g.nodes, r, { direction: "LR" });
  });

  it("places isolated nodes and an empty graph", () => {
    expect(layeredLayout([], [], { direction: "LR" })).toEqual({ positions: {}, width: 0, height: 0, ranks: 0 });
    const one = layeredLayout([{ id: "a", width: 10, height: 20, order: 0 }], [], { direction: "LR" });
    expect(one).toEqual({ positions: { a: { x: 5, y: 10 } }, width: 10, height: 20, ranks: 1 });
    const nodes = [
      { id: "a", width: 10, height: 10, order: 0 },
      { id: "b", width: 10, height: 10, order: 1 },
      { id: "lonely", width: 30, height: 30, order: 2 },
      { id: "also", width: 0, height: 0, order: 3 },
    ];
    const r = layeredLayout(nodes, [{ source: "a", target: "b" }], { direction: "LR" });
    expectAllPlaced(nodes, r);
    expectNoOverlap(nodes, r, { direction: "LR" });
    expect(r.ranks).toBe(2);
  });

  it("breaks cycles deterministically and ignores bad edges", () => {
    const nodes = ["a", "b", "c", "d", "__proto__", "constructor"].map((id, order) => ({ id, width: 40, height: 20, order }));
    const edges: LayoutEdge[] = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
      { source: "c", target: "a" }, // cycle
      { source: "c", target: "d" },
      { source: "d", target: "d" }, // self-loop
      { source: "d", target: "b" }, // another cycle
      { source: "a", target: "b" }, // duplicate
      { source: "a", target: "ghost" },
      { source: "ghost", target: "c" },
      { source: "d", target: "__proto__" },
      { source: "constructor", target: "a" },
    ];
    const r = layeredLayout(nodes, edges, { direction: "LR" });
    expectAllPlaced(nodes, r);
    expect(Object.getPrototypeOf(r.positions)).toBe(Object.prototype);
    expectNoOverlap(nodes, r, { direction: "LR" });
    expect(layeredLayout(nodes, edges, { direction: "LR" })).toEqual(r);
    // The acyclic part still flows forward.
    expectForward(edges.filter((e) => ["a>b", "b>c", "c>d", "d>__proto__", "constructor>a"].includes(`${e.source}>${e.target}`)), r, "LR");
    // A pure cycle lays out as a chain.
    const ring = ["p", "q", "r"].map((id, order) => ({ id, width: 10, height: 10, order }));
    const rr = layeredLayout(ring, [{ source: "p", target: "q" }, { source: "q", target: "r" }, { source: "r", target: "p" }], { direction: "TB" });
    expect(rr.ranks).toBe(3);
    expect(rr.positions["p"]!.y).toBeLessThan(rr.positions["q"]!.y);
    expect(rr.positions["q"]!.y).toBeLessThan(rr.positions["r"]!.y);
  });

  it("survives nonsense sizes and options", () => {
    const nodes = [
      { id: "a", width: NaN, height: -5, order: NaN },
      { id: "b", width: Infinity, height: 10, order: 1 },
      { id: "c", width: 10, height: 10, order: -Infinity },
    ];
    const r = layeredLayout(nodes, [{ source: "a", target: "b" }, { source: "c", target: "b" }], { direction: "LR", rankSep: -1, nodeSep: NaN });
    expectAllPlaced(nodes, r);
    expect(Number.isFinite(r.width) && Number.isFinite(r.height)).toBe(true);
  });
});

describe("random graphs", () => {
  it("never overlap, always go forward, in both directions (property test over seeds)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = rng(seed * 7919);
      const count = 5 + Math.floor(rand() * 150);
      const { nodes, edges } = randomLayered(count, Math.floor(count * (0.5 + rand() * 1.5)), seed, 2 + Math.floor(rand() * 12));
      for (const direction of ["LR", "TB"] as const) {
        const options: LayoutOptions = { direction, nodeSep: Math.floor(rand() * 30), rankSep: Math.floor(rand() * 60) };
        const r = layeredLayout(nodes, edges, options);
        expectAllPlaced(nodes, r);
        expectForward(edges, r, direction);
        expectNoOverlap(nodes, r, options);
      }
    }
  });

  it("never overlap with cycles, self-loops, duplicates and unknown ids", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const count = 2 + ((seed * 37) % 120);
      const { nodes, edges } = randomMess(count, count * 2, seed);
      const r = layeredLayout(nodes, edges, { direction: seed % 2 ? "LR" : "TB" });
      expectAllPlaced(nodes, r);
      expectNoOverlap(nodes, r, { direction: seed % 2 ? "LR" : "TB" });
    }
  });

  it("are deterministic, whatever the order of the input arrays", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { nodes, edges } = seed % 2 ? randomLayered(300, 450, seed) : randomMess(200, 300, seed);
      const a = layeredLayout(nodes, edges, { direction: "LR" });
      const b = layeredLayout(nodes, edges, { direction: "LR" });
      expect(b).toEqual(a);
      const rand = rng(seed);
      const shuffle = <T>(xs: readonly T[]) => xs.map((x) => [rand(), x] as const).sort((p, q) => p[0] - q[0]).map(([, x]) => x);
      expect(layeredLayout(shuffle(nodes), shuffle(edges), { direction: "LR" })).toEqual(a);
    }
  });

  it("keep the scalar MLP's chains straight", () => {
    const g = scalarMlp(4);
    const r = layeredLayout(g.nodes, g.edges, { direction: "LR" });
    expectAllPlaced(g.nodes, r);
    expectForward(g.edges, r, "LR");
    expectNoOverlap(g.nodes, r, { direction: "LR" });
    // Chain links win the alignment: an op sits in line with its result, and a unary op (tanh,
    // pow) with its input too.
    const sameRow = (a: string, b: string) => Math.abs(r.positions[a]!.y - r.positions[b]!.y) < EPS;
    const ops = g.nodes.filter((n) => n.id.includes("Backward"));
    const results = new Map(g.edges.filter((e) => e.source.includes("Backward")).map((e) => [e.source, e.target]));
    expect(ops.filter((op) => sameRow(op.id, results.get(op.id)!)).length / ops.length).toBeGreaterThan(0.95);
    const inputOf = new Map(g.edges.filter((e) => e.target.includes("Backward")).map((e) => [e.target, e.source]));
    const unary = ops.filter((n) => /^(Tanh|Pow)Backward0#/.test(n.id));
    const straight = unary.filter((op) => sameRow(op.id, inputOf.get(op.id)!) && sameRow(op.id, results.get(op.id)!));
    expect(straight.length / unary.length).toBeGreaterThan(0.9);
  });
});

describe("the worker entry", () => {
  it("answers a request with the layout, and a bad one with an error, under the request's id", async () => {
    const sent: unknown[] = [];
    const scope: { onmessage: ((e: { data: unknown }) => void) | null; postMessage: (m: unknown) => void } = {
      onmessage: null,
      postMessage: (m) => sent.push(m),
    };
    const global = globalThis as unknown as Record<string, unknown>;
    const before = global["self"];
    global["self"] = scope;
    try {
      const entry = "../../webview/layout-worker"; // not a literal: the worker needs DOM types this config lacks
      await import(/* @vite-ignore */ entry);
    } finally {
      global["self"] = before;
    }
    expect(scope.onmessage).toBeTypeOf("function");
    const g = textbook();
    scope.onmessage!({ data: { id: 7, nodes: g.nodes, edges: g.edges, options: { direction: "TB" } } });
    scope.onmessage!({ data: { id: 8, nodes: null, edges: [], options: { direction: "LR" } } });
    expect(sent).toEqual([
      { id: 7, ok: true, result: { ...layeredLayout(g.nodes, g.edges, { direction: "TB" }), blocks: {} }, ms: expect.any(Number) },
      { id: 8, ok: false, error: expect.any(String) },
    ]);
  });
});

describe("speed", () => {
  const time = (label: string, nodes: LayoutNode[], edges: LayoutEdge[]) => {
    const started = performance.now();
    const r = layeredLayout(nodes, edges, { direction: "LR" });
    const ms = performance.now() - started;
    console.log(`layout ${label}: ${nodes.length} nodes, ${edges.length} edges, ${r.ranks} ranks: ${ms.toFixed(0)} ms`);
    return r;
  };

  it("lays out a 10,000-node random layered DAG with 15,000 edges", () => {
    const { nodes, edges } = randomLayered(10_000, 15_000, 42);
    const r = time("random layered DAG", nodes, edges);
    expect(Object.keys(r.positions)).toHaveLength(10_000);
    expectForward(edges, r, "LR");
    expectNoOverlap(nodes, r, { direction: "LR" });
  });

  it("lays out a 10,000-node scalar MLP graph", () => {
    const g = scalarMlp(66);
    expect(g.nodes.length).toBeGreaterThanOrEqual(10_000);
    const r = time("scalar MLP", g.nodes, g.edges);
    expect(Object.keys(r.positions)).toHaveLength(g.nodes.length);
    expectForward(g.edges, r, "LR");
    expectNoOverlap(g.nodes, r, { direction: "LR" });
  });
});

// webview/box.ts owns a node box's content and geometry. The three drawings — cytoscape's elements
// (cy-style.ts), the big-graph canvas (canvas-paint.ts, painting into a recording 2D context) and
// the SVG export (graph-export.ts) — draw exactly the texts box.ts gives, at its places, in its
// tones, on a real snapshot (the textbook example, traced by the runner) mid-replay. And one more
// line in TENSOR_BOX_LINES (the dtype, the issue's example) shows in all three and makes the box taller.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot, ValueSummary } from "../../shared/protocol";
import { BOX, centredText, measureTensorBox, shortGrad, shortValue, TENSOR_BOX_LINES, tensorBoxTexts, TextMeasure, type TensorBoxRun } from "../../webview/box";
import { lineTree } from "../../webview/fold";
import { paintScene, type PaintContext, type PaintNode } from "../../webview/canvas-paint";
import { cyElements } from "../../webview/cy-style";
import { sceneSvg } from "../../webview/graph-export";
import { buildViewGraph, replay, type ReplayState, type ViewGraph } from "../../webview/model";
import { buildScene, type Scene } from "../../webview/scene";
import type { Theme } from "../../webview/theme";

const THEME: Theme = {
  dark: false,
  highContrast: false,
  background: "#ffffff",
  foreground: "#000001",
  muted: "#000002",
  boxFill: "#eeeeee",
  boxBorder: "#cccccc",
  leaf: "#0000aa",
  output: "#00aa00",
  grad: "#000003",
  step: "#aa0000",
  opFill: "#dddddd",
  opBorder: "#bbbbbb",
  opText: "#000004",
  edge: "#999999",
  selection: "#0000ff",
  match: "#ff0000",
  matchOpacity: 0.3,
  groupFill: "#f0f0f0",
  groupBorder: "#aaaaaa",
  fontUi: "sans-serif",
  fontMono: "monospace",
  borderWidth: 1,
};

/** A text as drawn: its string, where it starts (or its centre, for centred ones), its colour. */
interface Drawn {
  text: string;
  x: number;
  y: number;
  color: string;
}

const key = (d: Drawn) => `${d.text}@${d.x.toFixed(2)},${d.y.toFixed(2)} ${d.color}`;
const sorted = (ds: Drawn[]) => ds.map(key).sort();

let snapshot: GraphSnapshot;
let graph: ViewGraph;
const runner = new SnippetRunner({ distDir: path.resolve("dist") });

beforeAll(async () => {
  snapshot = await runner.run({ source: fs.readFileSync("examples/autograd-basics.ts", "utf8"), language: "typescript", fileName: "/ex/autograd-basics.ts" });
  graph = buildViewGraph(snapshot);
});
afterAll(() => runner.dispose());

/**
 * The scene, a position for each box, and the grads at step 3 of 8 (some known, some not yet).
 * `folded`: each source line's nodes folded into one box (Group by line, every group closed).
 */
function setup(folded = false): { scene: Scene; positions: Record<string, { x: number; y: number }>; state: ReplayState; gradOf: (id: string) => ValueSummary | null } {
  const scene = buildScene(graph, { tree: folded ? lineTree(graph) : null, isOpen: () => false, theme: THEME, measure: new TextMeasure() });
  const positions = Object.fromEntries(scene.nodes.map((d, i) => [d.id, { x: 40 + 260 * i, y: 100 + 30 * (i % 3) }]));
  const state = replay(snapshot, graph, { call: 0, step: 3 });
  // As GraphView's: a folded box shows its output's grad.
  const gradOf = (id: string) => state.grads.get(scene.byId.get(id)?.output ?? id) ?? null;
  return { scene, positions, state, gradOf };
}

/** What box.ts says each box shows: its texts at their places and in their tones. */
function expected(scene: Scene, positions: Record<string, { x: number; y: number }>, gradOf: (id: string) => ValueSummary | null): Drawn[] {
  const out: Drawn[] = [];
  for (const d of scene.nodes) {
    const p = positions[d.id]!;
    const texts = d.box ? tensorBoxTexts(d.box, gradOf(d.id)) : [centredText("op", d.label)];
    for (const b of texts) if (b.text) out.push({ text: b.text, x: p.x + b.x, y: p.y + b.y, color: THEME[b.tone] });
  }
  return out;
}

/** Cytoscape's elements: each box's name (its node's label, moved by text margins) and its tag nodes. */
function cytoscapeTexts(scene: Scene, positions: Record<string, { x: number; y: number }>, gradOf: (id: string) => ValueSummary | null): Drawn[] {
  const out: Drawn[] = [];
  const els = cyElements(scene, positions, gradOf);
  const tone = (classes: string) => /tone-(\w+)/.exec(classes)![1] as keyof Theme;
  for (const e of els) {
    const data = e.data as Record<string, unknown>;
    const classes = String(e.classes ?? "");
    if (e.group !== "nodes" || !e.position) continue;
    const label = String(data.label);
    if (classes.startsWith("tag")) {
      if (label !== "\u200b") out.push({ text: label, x: e.position.x, y: e.position.y, color: String(THEME[tone(classes)]) });
    } else if (classes.startsWith("tensor") || classes.startsWith("collapsed")) {
      // Cytoscape centres the label; lmx/lmy move its centre to the name's (its left end + half its width).
      const d = scene.byId.get(String(data.id))!;
      const nameWidth = d.box!.slots.find((s) => s.run.role === "name" || s.run.role === "group")!.width;
      out.push({ text: label, x: e.position.x + Number(data.lmx) - nameWidth / 2, y: e.position.y + Number(data.lmy), color: classes.startsWith("collapsed") ? THEME.muted : THEME.foreground });
    } else {
      out.push({ text: label, x: e.position.x, y: e.position.y, color: classes.startsWith("op") ? THEME.opText : THEME.muted });
    }
  }
  return out;
}

/** A 2D context that records fillText (with its colour) and ignores the rest. */
function recordingContext(): { ctx: PaintContext; texts: Drawn[] } {
  const texts: Drawn[] = [];
  const state: Record<string, unknown> = {};
  const ctx = new Proxy(state, {
    get(target, prop) {
      if (prop === "fillText") return (text: string, x: number, y: number) => texts.push({ text, x, y, color: String(target.fillStyle) });
      if (prop in target) return target[prop as string];
      return () => undefined;
    },
    set(target, prop, value) {
      target[prop as string] = value;
      return true;
    },
  }) as unknown as PaintContext;
  return { ctx, texts };
}

function canvasTexts(scene: Scene, positions: Record<string, { x: number; y: number }>, gradOf: (id: string) => ValueSummary | null): Drawn[] {
  const nodes: PaintNode[] = scene.nodes.map((d) => ({ id: d.id, kind: d.kind, label: d.label, x: positions[d.id]!.x, y: positions[d.id]!.y, width: d.width, height: d.height }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const { ctx, texts } = recordingContext();
  paintScene(
    ctx,
    { nodes, edges: [], groups: [], byId },
    {
      theme: () => THEME,
      texts: (n) => {
        const d = scene.byId.get(n.id)!;
        return d.box ? tensorBoxTexts(d.box, gradOf(d.id)) : [];
      },
      selected: () => null,
      matches: () => new Set(),
      arrows: () => "target",
    },
    1,
    0,
    0,
    Infinity,
    { x1: -Infinity, y1: -Infinity, x2: Infinity, y2: Infinity },
  );
  return texts;
}

function svgTexts(scene: Scene, positions: Record<string, { x: number; y: number }>, gradOf: (id: string) => ValueSummary | null): Drawn[] {
  const svg = sceneSvg({ scene, positions, theme: THEME, flow: "data", gradOf, current: { node: null, edges: [] } });
  const out: Drawn[] = [];
  const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  for (const m of svg.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)"[^>]*fill="([^"]+)">([^<]*)<\/text>/g)) {
    out.push({ text: unescape(m[4]!), x: Number(m[1]), y: Number(m[2]), color: m[3]! });
  }
  return out;
}

describe("box.ts is what every drawing draws", () => {
  it("cytoscape, the canvas painter and the SVG export draw box.ts's texts, places and tones, mid-replay", () => {
    const { scene, positions, gradOf, state } = setup();
    const want = expected(scene, positions, gradOf);
    // The replay is half way: some boxes already show a grad, others "grad —" in the muted tone.
    expect(want.some((d) => d.text === "grad —" && d.color === THEME.muted)).toBe(true);
    expect(want.some((d) => /^grad \d/.test(d.text) && d.color === THEME.grad)).toBe(true);
    expect(want.some((d) => d.text === "x3" && d.color === THEME.foreground)).toBe(true);
    expect(state.position.step).toBe(3);
    expect(sorted(cytoscapeTexts(scene, positions, gradOf))).toEqual(sorted(want));
    expect(sorted(canvasTexts(scene, positions, gradOf))).toEqual(sorted(want));
    expect(sorted(svgTexts(scene, positions, gradOf))).toEqual(sorted(want));
  });

  it("a folded box shows its label and its output's value and grad, the same in all three drawings", () => {
    const { scene, positions, gradOf } = setup(true);
    const folded = scene.nodes.filter((d) => d.kind === "collapsed");
    expect(folded.length).toBeGreaterThan(2);
    const want = expected(scene, positions, gradOf);
    for (const d of folded) {
      // The output: the line's tensor that is used on a later line (or the last one, x7).
      const out = graph.byId.get(d.output!)!;
      expect(d.members).toContain(out.id);
      expect(out.kind).not.toBe("op");
      const p = positions[d.id]!;
      const mine = want.filter((w) => Math.abs(w.x - p.x) <= d.width / 2 && Math.abs(w.y - p.y) <= d.height / 2).map((w) => w.text);
      expect(mine).toEqual([d.label, shortValue(out.tensor!.value), shortGrad(gradOf(d.id))]);
    }
    expect(want.some((w) => /^grad \d/.test(w.text))).toBe(true);
    expect(sorted(cytoscapeTexts(scene, positions, gradOf))).toEqual(sorted(want));
    expect(sorted(canvasTexts(scene, positions, gradOf))).toEqual(sorted(want));
    expect(sorted(svgTexts(scene, positions, gradOf))).toEqual(sorted(want));
  });

  it("one more line (the dtype) in TENSOR_BOX_LINES shows in all three drawings, and the box grows to hold it", () => {
    const before = setup();
    const lines = TENSOR_BOX_LINES as Array<readonly TensorBoxRun[]>;
    // The example: the dtype on its own line under the value.
    const dtypeLine: TensorBoxRun[] = [{ role: "dtype", font: "mono", text: (i) => i.tensor?.dtype ?? "", tone: () => "muted" }];
    lines.splice(1, 0, dtypeLine);
    try {
      const { scene, positions, gradOf } = setup();
      const x3 = scene.nodes.find((d) => d.label === "x3")!;
      expect(x3.height).toBe(before.scene.byId.get(x3.id)!.height + BOX.line);
      const want = expected(scene, positions, gradOf);
      const dtypes = want.filter((d) => d.text === "float32");
      expect(dtypes.length).toBe(scene.nodes.filter((d) => d.box).length);
      for (const drawn of [cytoscapeTexts(scene, positions, gradOf), canvasTexts(scene, positions, gradOf), svgTexts(scene, positions, gradOf)]) {
        expect(sorted(drawn)).toEqual(sorted(want));
      }
      // The three lines of x3 stack inside its box, top to bottom.
      const p = positions[x3.id]!;
      const ys = want.filter((d) => Math.abs(d.x - (p.x - x3.width / 2 + BOX.padX)) < 1e-6).map((d) => d.y - p.y);
      expect(ys).toEqual([-BOX.line, 0, BOX.line]);
    } finally {
      lines.splice(1, 1);
    }
    expect(measureTensorBox("x", undefined, (t) => t.length * 7).height).toBe(2 * BOX.padY + 2 * BOX.line);
  });
});

// The GraphView suites' shared harness: a small entry bundling graph-view.ts and model.ts with
// esbuild, loaded into a blank page of real Chromium (playwright-core, the system's browser), with
// helpers on `window.lens` that read the drawing back through cytoscape (classes, data, positions);
// snapshots come from the real runner. Set GRAPH_VIEW_SHOTS=1 to keep screenshots in /tmp.
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";
import { bundleEntry } from "./harness";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const distDir = path.resolve("dist");
export const ready = fs.existsSync(CHROMIUM) && fs.existsSync(path.join(distDir, "runner-child.js"));
export const SHOTS = process.env.GRAPH_VIEW_SHOTS === "1";

/** The page side: GraphView and the model on `window.lens`, plus helpers that read the drawing back. */
const ENTRY = `
import { GraphView } from "./graph-view";
import { buildViewGraph, replay } from "./model";


const state = { view: null, graph: null, snap: null, selected: [], activated: [] };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
const lens = {
  state,
  async open(snap, opts = {}) {
    state.view?.dispose();
    const container = document.getElementById("graph");
    container.replaceChildren();
    state.snap = snap;
    state.graph = buildViewGraph(snap);
    state.selected = [];
    state.activated = [];
    state.view = new GraphView({
      container,
      direction: opts.direction ?? "LR",
      flow: opts.flow ?? "data",
      onSelect: (id) => state.selected.push(id),
      onActivate: (id) => state.activated.push(id),
      ...(opts.workerNodes !== undefined ? { workerNodes: opts.workerNodes } : {}),
    });
    const t0 = performance.now();
    await state.view.setGraph(state.graph);
    const ms = performance.now() - t0;
    return { ms, timings: { ...state.view.timings }, nodes: state.graph.nodes.length, edges: state.graph.edges.length };
  },
  idOf(label) { return state.graph.nodes.find((n) => n.label === label)?.id; },
  producer(label) { return state.graph.producer.get(lens.idOf(label)); },
  total(call = 0) { return state.snap.backward[call]?.steps.length ?? 0; },
  step(k, call = 0) { state.view.setReplay(replay(state.snap, state.graph, { call, step: k })); return state.view.timings.replayMs; },
  /** setReplay times over steps from..to (states computed beforehand; the model's replay() is not timed). */
  async timeSteps(from, to) {
    const states = [];
    for (let k = from; k <= to; k++) states.push(replay(state.snap, state.graph, { call: 0, step: k }));
    const calls = [];
    for (const st of states) {
      await frame();
      const t0 = performance.now();
      state.view.setReplay(st);
      calls.push(performance.now() - t0);
    }
    return { median: median(calls), max: Math.max(...calls) };
  },
  drawn() {
    return state.view.cy.nodes(".tensor, .op").map((n) => ({ id: n.id(), label: n.data("label"), classes: n.classes(), x: n.position("x"), y: n.position("y") }));
  },
  node(id) { const n = state.view.cy.getElementById(id); return n.empty() ? null : { label: n.data("label"), classes: n.classes(), x: n.position("x"), y: n.position("y") }; },
  edge(id) { const e = state.view.cy.getElementById(id); return e.empty() ? null : { classes: e.classes(), flow: e.data("flow"), source: e.source().id(), target: e.target().id(), dash: e.style("line-style"), label: e.style("label"), sourceArrow: e.style("source-arrow-shape"), targetArrow: e.style("target-arrow-shape") }; },
  selectedIds() { return state.selected; },
  withClass(cls) { return state.view.cy.elements("." + cls).map((e) => e.id()); },
  /** Big graphs (drawn on our canvas): what is drawn, selected, and the canvas pixels around a node. */
  canvasState() {
    return { renderer: state.view.renderer, drawn: state.view.drawnIds().length, selected: state.view.selectedDrawn(), cy: state.view.cy !== null };
  },
  /** Non-transparent pixels of the graph's own canvas in a 40×40 square around a drawn node. */
  canvasInk(id) {
    const canvas = document.querySelector("#graph > canvas.lens-canvas");
    const p = state.view.renderedPosition(id);
    if (!canvas || !p) return 0;
    const r = canvas.width / canvas.clientWidth;
    const data = canvas.getContext("2d").getImageData(Math.max(0, p.x * r - 20), Math.max(0, p.y * r - 20), 40, 40).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  },
  /** Clicks the canvas at a drawn node's centre (pointer events, as a mouse would). */
  clickDrawn(id) {
    const canvas = document.querySelector("#graph > canvas.lens-canvas");
    const p = state.view.renderedPosition(id);
    const r = canvas.getBoundingClientRect();
    const at = { clientX: r.left + p.x, clientY: r.top + p.y, bubbles: true, pointerId: 1, button: 0, isPrimary: true };
    canvas.dispatchEvent(new PointerEvent("pointerdown", at));
    canvas.dispatchEvent(new PointerEvent("pointerup", at));
  },
  /** Small graphs: non-transparent pixels of cytoscape's node layer in a 24×24 square at each box's centre. */
  nodeLayerInk() {
    const canvas = document.querySelector('#graph canvas[data-id="layer2-node"]');
    const ctx = canvas.getContext("2d");
    const r = canvas.width / canvas.clientWidth;
    return state.view.cy.nodes(".tensor, .op").map((n) => {
      const p = n.renderedPosition();
      const data = ctx.getImageData(Math.round(p.x * r - 12), Math.round(p.y * r - 12), 24, 24).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      return { label: n.data("label"), ink };
    });
  },
  count(selector) { return state.view.cy.elements(selector).length; },
  rendered(id) { const p = state.view.cy.getElementById(id).renderedPosition(); const r = document.getElementById("graph").getBoundingClientRect(); return { x: p.x + r.left, y: p.y + r.top }; },
  inView() {
    const bb = state.view.cy.elements().renderedBoundingBox();
    return { x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2, w: state.view.cy.width(), h: state.view.cy.height() };
  },
  svgCheck(svg) {
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    return { error: doc.getElementsByTagName("parsererror").length > 0, scripts: doc.getElementsByTagName("script").length, texts: [...doc.getElementsByTagName("text")].map((t) => t.textContent) };
  },
  /** Whether the overlay canvas has the step's colour painted near the node's rendered position. */
  overlayDrawn(id) {
    const canvas = document.querySelector("#graph > canvas.lens-overlay");
    if (!canvas) return false;
    const p = state.view.renderedPosition(id);
    const r = window.devicePixelRatio || 1;
    const data = canvas.getContext("2d").getImageData(Math.max(0, p.x * r - 20), Math.max(0, p.y * r - 20), 40, 40).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
    return false;
  },
  async pngSize(b64) {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    return { w: img.naturalWidth, h: img.naturalHeight };
  },
};
window.lens = lens;
`;

export async function bundle(withWorker: boolean): Promise<string> {
  const define: Record<string, string> = {};
  if (withWorker) {
    const worker = await esbuild.build({ entryPoints: ["webview/layout-worker.ts"], bundle: true, write: false, format: "iife", platform: "browser", target: "es2022" });
    define.__LAYOUT_WORKER_SOURCE__ = JSON.stringify(worker.outputFiles[0]!.text);
  }
  return bundleEntry(ENTRY, "graph-view-test-entry.js", define);
}

export interface Drawn {
  id: string;
  label: string;
  classes: string[];
  x: number;
  y: number;
}
export interface EdgeInfo {
  classes: string[];
  flow: string;
  source: string;
  target: string;
  dash: string;
  label: string;
  sourceArrow: string;
  targetArrow: string;
}
export interface CanvasState {
  renderer: "cytoscape" | "canvas" | null;
  drawn: number;
  selected: string | null;
  cy: boolean;
}

export interface Viewport {
  zoom: number;
  pan: { x: number; y: number };
}

export interface OpenResult {
  ms: number;
  timings: { layoutMs: number; layoutIn: string; firstPaintMs: number; replayMs: number };
  nodes: number;
  edges: number;
}

/** Calls `window.lens[name](...args)` in the page (this file is type-checked without the DOM library). */
export function lens<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => (globalThis as unknown as { lens: Record<string, (...x: unknown[]) => unknown> }).lens[n as string]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<T>;
}

/** Calls a GraphView method directly. */
export function view<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const v = (globalThis as unknown as { lens: { state: { view: Record<string, (...x: unknown[]) => unknown> } } }).lens.state.view;
      return v[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<T>;
}

export const TEXTBOOK = fs.readFileSync("examples/autograd-basics.ts", "utf8");

/** About `ops` scalar ops in a grid-like net (width 50): a graph wide and deep, like a small MLP. */
export function bigSnippet(ops: number): string {
  const width = 50;
  // Each layer makes 3·W ops and the final reduce W − 1 more.
  const layers = Math.max(1, Math.ceil((ops - (width - 1)) / (3 * width)));
  return `import { torch } from "autograd-lens";
const W = ${width};
const xs = Array.from({ length: W }, (_, i) => torch.tensor(i / W, { requiresGrad: true }));
let h = xs;
for (let l = 0; l < ${layers}; l++) {
  h = h.map((v, j) => v.mul(0.9).add(h[(j + 1) % W].mul(0.1)));
}
const loss = h.reduce((a, b) => a.add(b));
loss.backward();
`;
}

/** What each GraphView suite shares: one browser, one runner, the entry bundled with and without the
 * layout worker, the textbook's snapshot, and timings printed at the end. Call at a suite's top. */
export interface GraphViewSuite {
  runner: SnippetRunner;
  withWorker: string;
  withoutWorker: string;
  textbook: GraphSnapshot;
  timings: Record<string, string>;
  newPage(code: string, colorScheme?: "light" | "dark"): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
}

export function useGraphView(): GraphViewSuite {
  let browser: Browser | undefined;
  const g = { timings: {} } as GraphViewSuite;

  g.newPage = async (code, colorScheme = "light") => {
    const context = await browser!.newContext({ colorScheme, viewport: { width: 1100, height: 640 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      // (The one readback warning comes from this test reading the overlay's pixels.)
      if ((m.type() === "error" || m.type() === "warning") && !/willReadFrequently/.test(m.text())) errors.push(`console.${m.type()}: ${m.text()}`);
    });
    await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0}body{background:${colorScheme === "dark" ? "#1f1f1f" : "#fff"}}#graph{width:1080px;height:620px;margin:10px}</style></head><body><div id="graph"></div></body></html>`);
    await page.addScriptTag({ content: code });
    return { page, context, errors };
  };

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    g.runner = new SnippetRunner({ distDir });
    [g.withWorker, g.withoutWorker, g.textbook] = await Promise.all([
      bundle(true),
      bundle(false),
      g.runner.run({ source: TEXTBOOK, language: "typescript", fileName: path.resolve("examples/autograd-basics.ts") }),
    ]);
    expect(g.textbook.error).toBeUndefined();
  }, 120_000);

  afterAll(async () => {
    g.runner?.dispose();
    await browser?.close();
    if (Object.keys(g.timings).length) console.log("GraphView timings:\n" + Object.entries(g.timings).map(([k, v]) => `  ${k}: ${v}`).join("\n"));
  });
  return g;
}

// GraphView in real Chromium (playwright-core, the system's browser), on its own: a small entry
// bundling graph-view.ts and model.ts with esbuild is loaded into a blank page, and snapshots come
// from the real runner. Reads the drawing back through cytoscape (classes, data, positions),
// checks the exports, and times big graphs. Set GRAPH_VIEW_SHOTS=1 to keep screenshots in /tmp.
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot } from "../../shared/protocol";

// Real Chromium laying out and painting 10,000 elements: slow on a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 240_000 });

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const distDir = path.resolve("dist");
const ready = fs.existsSync(CHROMIUM) && fs.existsSync(path.join(distDir, "runner-child.js"));
const SHOTS = process.env.GRAPH_VIEW_SHOTS === "1";

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

async function bundle(withWorker: boolean): Promise<string> {
  const define: Record<string, string> = {};
  if (withWorker) {
    const worker = await esbuild.build({ entryPoints: ["webview/layout-worker.ts"], bundle: true, write: false, format: "iife", platform: "browser", target: "es2022" });
    define.__LAYOUT_WORKER_SOURCE__ = JSON.stringify(worker.outputFiles[0]!.text);
  }
  const out = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: path.resolve("webview"), sourcefile: "graph-view-test-entry.js", loader: "js" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    define,
  });
  return out.outputFiles[0]!.text;
}

interface Drawn {
  id: string;
  label: string;
  classes: string[];
  x: number;
  y: number;
}
interface EdgeInfo {
  classes: string[];
  flow: string;
  source: string;
  target: string;
  dash: string;
  label: string;
  sourceArrow: string;
  targetArrow: string;
}
interface CanvasState {
  renderer: "cytoscape" | "canvas" | null;
  drawn: number;
  selected: string | null;
  cy: boolean;
}

interface Viewport {
  zoom: number;
  pan: { x: number; y: number };
}

interface OpenResult {
  ms: number;
  timings: { layoutMs: number; layoutIn: string; firstPaintMs: number; replayMs: number };
  nodes: number;
  edges: number;
}

/** Calls `window.lens[name](...args)` in the page (this file is type-checked without the DOM library). */
function lens<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => (globalThis as unknown as { lens: Record<string, (...x: unknown[]) => unknown> }).lens[n as string]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<T>;
}

/** Calls a GraphView method directly. */
function view<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const v = (globalThis as unknown as { lens: { state: { view: Record<string, (...x: unknown[]) => unknown> } } }).lens.state.view;
      return v[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<T>;
}

const TEXTBOOK = fs.readFileSync("examples/autograd-basics.ts", "utf8");

/** About `ops` scalar ops in a grid-like net (width 50): a graph wide and deep, like a small MLP. */
function bigSnippet(ops: number): string {
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

describe.skipIf(!ready)("GraphView in Chromium", () => {
  let browser: Browser;
  let runner: SnippetRunner;
  let withWorker: string;
  let withoutWorker: string;
  let textbook: GraphSnapshot;
  const timings: Record<string, string> = {};

  async function newPage(code: string, colorScheme: "light" | "dark" = "light"): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
    const context = await browser.newContext({ colorScheme, viewport: { width: 1100, height: 640 } });
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
  }

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    runner = new SnippetRunner({ distDir });
    [withWorker, withoutWorker, textbook] = await Promise.all([
      bundle(true),
      bundle(false),
      runner.run({ source: TEXTBOOK, language: "typescript", fileName: path.resolve("examples/autograd-basics.ts") }),
    ]);
    expect(textbook.error).toBeUndefined();
  }, 120_000);

  afterAll(async () => {
    runner?.dispose();
    await browser?.close();
    if (Object.keys(timings).length) console.log("GraphView timings:\n" + Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`).join("\n"));
  });

  describe("the textbook graph", () => {
    let page: Page;
    let context: BrowserContext;
    let errors: string[];
    beforeAll(async () => {
      ({ page, context, errors } = await newPage(withWorker));
      const r = await lens<OpenResult>(page, "open", textbook);
      timings["first paint, textbook (14 nodes)"] = `${r.ms.toFixed(1)} ms`;
    });
    afterAll(() => context?.close());

    const id = (label: string) => lens<string>(page, "idOf", label);

    it("draws 8 tensor boxes and 6 op pills with their labels, data flowing left to right", async () => {
      const drawn = await lens<Drawn[]>(page, "drawn");
      expect(drawn).toHaveLength(14);
      const tensors = drawn.filter((d) => d.classes.includes("tensor")).map((d) => d.label).sort();
      expect(tensors).toEqual(["x1", "x2", "x3", "x4", "x5", "x6", "x7", expect.stringMatching(/^add @ L\d+$/)].sort());
      expect(drawn.filter((d) => d.classes.includes("op")).map((d) => d.label).sort()).toEqual(
        ["AddBackward0", "MulBackward1", "MulBackward1", "PowBackward0", "PowBackward0", "SubBackward1"],
      );
      expect(drawn.find((d) => d.label === "x1")!.classes).toContain("leaf");
      expect(drawn.find((d) => d.label === "x7")!.classes).toContain("output");
      const at = (l: string) => drawn.find((d) => d.label === l)!;
      expect(at("x1").x).toBeLessThan(at("x3").x);
      expect(at("x3").x).toBeLessThan(at("x5").x);
      expect(at("x5").x).toBeLessThan(at("x7").x);
      // The value line of each box (a label-only node inside it).
      expect((await lens<{ label: string }>(page, "node", `tag:value:${await id("x7")}`)).label).toBe("= -3.4");
      expect(errors).toEqual([]);
    });

    it("has every box and pill on the canvas once setGraph resolves (small graphs skip cytoscape's texture caches)", async () => {
      // setGraph was the last call: nothing was drawn after it resolved.
      const ink = await lens<Array<{ label: string; ink: number }>>(page, "nodeLayerInk");
      expect(ink).toHaveLength(14);
      for (const n of ink) expect(n.ink, n.label).toBeGreaterThan(100);
    });

    it("stepping keeps the node being run in view: zoomed in on one corner, each step pans to its node", async () => {
      const before = await view<Viewport>(page, "viewport");
      await view(page, "setViewport", { zoom: 3, pan: { x: 0, y: 0 } });
      const pans: string[] = [];
      for (let k = 1; k <= 8; k++) {
        await lens(page, "step", k);
        const node = (await view<{ node: string | null }>(page, "currentStep")).node!;
        const p = (await view<{ x: number; y: number }>(page, "renderedPosition", node))!;
        expect(p.x, `step ${k}`).toBeGreaterThan(0);
        expect(p.x, `step ${k}`).toBeLessThan(1080);
        expect(p.y, `step ${k}`).toBeGreaterThan(0);
        expect(p.y, `step ${k}`).toBeLessThan(620);
        const vp = await view<Viewport>(page, "viewport");
        expect(vp.zoom).toBe(3);
        pans.push(`${Math.round(vp.pan.x)},${Math.round(vp.pan.y)}`);
      }
      // It really moved (the textbook at 3× does not fit).
      expect(new Set(pans).size).toBeGreaterThan(1);
      // With the whole graph in view, stepping never moves it.
      const all = { zoom: 0.5, pan: { x: 20, y: 150 } };
      await view(page, "setViewport", all);
      for (let k = 0; k <= 8; k++) await lens(page, "step", k);
      expect(await view<Viewport>(page, "viewport")).toEqual(all);
      await view(page, "setViewport", before);
      await lens(page, "step", 0);
    });

    it("replays step 7: PowBackward0 runs, sends 0.8 to x1 along a dashed labelled edge; grads only where reached", async () => {
      expect(await lens<number>(page, "total")).toBe(8);
      await lens(page, "step", 7);
      const pow = await lens<string>(page, "producer", "x3");
      expect((await lens<{ label: string }>(page, "node", pow)).label).toBe("PowBackward0");
      expect(await lens<string[]>(page, "withClass", "step")).toEqual([pow]);
      const sent = await lens<EdgeInfo>(page, "edge", `e:${pow}:0`);
      expect(sent.source).toBe(await id("x1"));
      expect(sent.target).toBe(pow);
      expect(sent.classes).toContain("current");
      expect(sent.flow).toBe("0.8");
      expect(sent.dash).toBe("dashed");
      expect(sent.label).toBe("0.8");
      expect(sent.sourceArrow).toBe("triangle"); // pointing back at x1: the way the gradient goes
      // The gradient arriving at the op, on x3's side.
      const incoming = await lens<EdgeInfo>(page, "edge", `o:${pow}`);
      expect(incoming.classes).toContain("incoming");
      expect(incoming.flow).toBe("0.2");
      expect((await lens<string[]>(page, "withClass", "current")).length).toBe(1);

      const grad = async (label: string) => (await lens<{ label: string; classes: string[] }>(page, "node", `tag:grad:${await id(label)}`));
      expect((await grad("x1")).label).toBe("grad —");
      expect((await grad("x1")).classes).toContain("tone-muted");
      expect((await grad("x3")).label).toBe("grad 0.2");
      expect((await grad("x2")).label).toBe("grad 0.8");
      expect((await grad("x7")).label).toBe("grad 1");
      expect((await grad("x7")).classes).toContain("tone-grad");

      if (SHOTS) await page.locator("#graph").screenshot({ path: "/tmp/graph-view-step7-light.png" });

      // Step back: the x3 step is undone, MulBackward1 (x5) is the current one.
      await lens(page, "step", 6);
      expect(await lens<string[]>(page, "withClass", "step")).toEqual([await lens<string>(page, "producer", "x5")]);
      expect((await lens<EdgeInfo>(page, "edge", `e:${pow}:0`)).classes).not.toContain("current");
      // No value on the edge any more (an empty label may be drawn as a zero-width space).
      expect((await lens<EdgeInfo>(page, "edge", `e:${pow}:0`)).flow.replace(/\u200b/g, "")).toBe("");
      expect((await grad("x3")).label).toBe("grad —");
      expect((await grad("x5")).label).toBe("grad 1");
      // Back to the start: nothing reached, nothing current.
      await lens(page, "step", 0);
      expect(await lens<string[]>(page, "withClass", "step")).toEqual([]);
      expect(await lens<string[]>(page, "withClass", "current")).toEqual([]);
      expect((await grad("x7")).label).toBe("grad —");
      // The last step: AccumulateGrad shows on the leaf x1.
      await lens(page, "step", 8);
      expect(await lens<string[]>(page, "withClass", "step")).toEqual([await id("x1")]);
      expect((await grad("x1")).label).toBe("grad 0.8");
      // No replay: the end of the run.
      await view(page, "setReplay", null);
      expect(await lens<string[]>(page, "withClass", "step")).toEqual([]);
      expect((await grad("x1")).label).toBe("grad 0.8");
      expect(errors).toEqual([]);
    });

    it("selects by API and by click, activates on double click and Enter", async () => {
      const x5 = await id("x5");
      await view(page, "select", x5, { center: true });
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([x5]);
      await view(page, "select", null);
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([]);
      await view(page, "fit");
      const x3 = await id("x3");
      const p = await lens<{ x: number; y: number }>(page, "rendered", x3);
      await page.mouse.click(p.x, p.y);
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([x3]);
      expect(await page.evaluate(() => (globalThis as unknown as { lens: { state: { selected: unknown[] } } }).lens.state.selected)).toEqual([x3]);
      // A click on a box's grad line (a label-only node) still selects the box.
      const x7 = await id("x7");
      const g = await lens<{ x: number; y: number }>(page, "rendered", `tag:grad:${x7}`);
      await page.mouse.click(g.x + 12, g.y);
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([x7]);
      await page.mouse.dblclick(p.x, p.y);
      await page.keyboard.press("Enter");
      const activated = await page.evaluate(() => (globalThis as unknown as { lens: { state: { activated: unknown[] } } }).lens.state.activated);
      expect(activated[0]).toBe(x3);
      expect(activated.at(-1)).toBe(x3);
      // Background click clears.
      await page.mouse.click(15, 15);
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([]);
      expect(errors).toEqual([]);
    });

    it("searches labels case-insensitively, in order", async () => {
      const pows = await view<string[]>(page, "search", "powBACK");
      expect(pows).toHaveLength(2);
      expect((await lens<string[]>(page, "withClass", "match")).sort()).toEqual([...pows].sort());
      const xs = await view<string[]>(page, "search", "x");
      expect(await Promise.all(xs.map(async (i) => (await lens<{ label: string }>(page, "node", i)).label))).toEqual(["x1", "x2", "x3", "x5", "x4", "x6", "x7"]);
      expect(await view<string[]>(page, "search", "")).toEqual([]);
      expect(await lens<string[]>(page, "withClass", "match")).toEqual([]);
    });

    it("fits (never below legible text for a small graph), zooms and restores the viewport", async () => {
      // Left to right the textbook is wider than 1,080 px at 11 px text: Fit stops at that zoom and
      // shows the selection's end of the graph.
      await view(page, "fit");
      expect((await view<Viewport>(page, "viewport")).zoom).toBeCloseTo(11 / 12, 5);
      // Top to bottom it fits whole, larger.
      await view(page, "setDirection", "TB");
      await view(page, "fit");
      const fitted = await lens<{ x1: number; y1: number; x2: number; y2: number; w: number; h: number }>(page, "inView");
      expect(fitted.x1).toBeGreaterThanOrEqual(0);
      expect(fitted.y1).toBeGreaterThanOrEqual(0);
      expect(fitted.x2).toBeLessThanOrEqual(fitted.w + 0.5);
      expect(fitted.y2).toBeLessThanOrEqual(fitted.h + 0.5);
      expect((await view<Viewport>(page, "viewport")).zoom).toBeGreaterThan(11 / 12);
      // "auto" picks that direction by itself.
      await view(page, "setDirection", "LR");
      await view(page, "setDirection", "auto");
      expect(await page.evaluate(`window.lens.state.view.layoutDirection`)).toBe("TB");
      await view(page, "setDirection", "LR");
      await view(page, "fit");
      const v0 = await view<{ zoom: number; pan: { x: number; y: number } }>(page, "viewport");
      await view(page, "zoomBy", 2);
      const v1 = await view<{ zoom: number }>(page, "viewport");
      expect(v1.zoom).toBeCloseTo(Math.min(5, v0.zoom * 2), 5);
      await view(page, "setViewport", v0);
      expect(await view(page, "viewport")).toEqual(v0);
    });

    it("re-lays out top to bottom, and back", async () => {
      await view(page, "setDirection", "TB");
      const drawn = await lens<Drawn[]>(page, "drawn");
      const at = (l: string) => drawn.find((d) => d.label === l)!;
      expect(at("x1").y).toBeLessThan(at("x3").y);
      expect(at("x3").y).toBeLessThan(at("x5").y);
      expect(at("x5").y).toBeLessThan(at("x7").y);
      // The value (first line, after the name) moved with its box.
      const tv = await lens<{ x: number; y: number }>(page, "node", `tag:value:${at("x1").id}`);
      expect(tv.y).toBeCloseTo(at("x1").y - 8, 5);
      expect(tv.x).toBeGreaterThan(at("x1").x - 40);
      await view(page, "setDirection", "LR");
      const back = await lens<Drawn[]>(page, "drawn");
      expect(back.find((d) => d.label === "x1")!.x).toBeLessThan(back.find((d) => d.label === "x7")!.x);
    });

    it("points arrowheads the way gradients flow on request", async () => {
      const pow = await lens<string>(page, "producer", "x3");
      expect((await lens<EdgeInfo>(page, "edge", `o:${pow}`)).targetArrow).toBe("triangle");
      await view(page, "setFlow", "gradient");
      const e = await lens<EdgeInfo>(page, "edge", `o:${pow}`);
      expect(e.targetArrow).toBe("none");
      expect(e.sourceArrow).toBe("triangle");
      await view(page, "setFlow", "data");
    });

    it("groups by source line, collapses a line into one node and expands it", async () => {
      await view(page, "setGrouping", true);
      const groups = await lens<string[]>(page, "withClass", "group");
      expect(groups.length).toBeGreaterThan(0);
      const x7 = await id("x7");
      const line = textbook.tensors.find((t) => t.id === x7)!.range!.line;
      expect(groups).toContain(`L:${line}`);
      await view(page, "toggleGroup", line);
      expect(await lens<string[]>(page, "withClass", "collapsed")).toEqual([`L:${line}`]);
      // add, its op, sub's op and x7 are one node now.
      expect(await lens<number>(page, "count", ".tensor, .op")).toBe(14 - 4);
      await view(page, "select", x7);
      expect(await lens<string[]>(page, "withClass", "sel")).toEqual([`L:${line}`]);
      await view(page, "toggleGroup", line);
      expect(await lens<number>(page, "count", ".tensor, .op")).toBe(14);
      await view(page, "setGrouping", false);
      expect(await lens<string[]>(page, "withClass", "group")).toEqual([]);
      await view(page, "select", null);
      expect(errors).toEqual([]);
    });

    it("exports an SVG document with every label, escaped", async () => {
      await lens(page, "step", 7);
      const svg = await view<string>(page, "exportSvg");
      if (SHOTS) fs.writeFileSync("/tmp/graph-view-step7.svg", svg);
      const check = await lens<{ error: boolean; scripts: number; texts: string[] }>(page, "svgCheck", svg);
      expect(check.error).toBe(false);
      for (const l of ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "PowBackward0", "grad 0.2", "0.8"]) expect(check.texts).toContain(l);
      expect(svg.startsWith("<?xml")).toBe(true);
    });

    it("exports a PNG of the whole graph at scale 2", async () => {
      const b64 = await view<string>(page, "exportPng");
      expect(b64.startsWith("data:")).toBe(false);
      const bytes = Buffer.from(b64, "base64");
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const size = await lens<{ w: number; h: number }>(page, "pngSize", b64);
      expect(size.w).toBe(bytes.readUInt32BE(16));
      expect(size.w).toBeGreaterThan(800); // the graph is ~1,000 units wide; scale 2
      expect(size.h).toBeGreaterThan(200);
      if (SHOTS) fs.writeFileSync("/tmp/graph-view-export.png", bytes);
    });
  });

  it("escapes user text in the SVG export", async () => {
    const { page, context, errors } = await newPage(withoutWorker);
    try {
      const evil = structuredClone(textbook);
      const t = evil.tensors.find((x) => x.label === "x3")!;
      t.label = `<script>alert("x3" & 'y')</script>`;
      await lens(page, "open", evil);
      const svg = await view<string>(page, "exportSvg");
      expect(svg).not.toContain("<script");
      expect(svg).toContain("&lt;script&gt;alert(&quot;x3&quot; &amp; &apos;y&apos;)&lt;/script&gt;");
      const check = await lens<{ error: boolean; scripts: number; texts: string[] }>(page, "svgCheck", svg);
      expect(check.error).toBe(false);
      expect(check.scripts).toBe(0);
      // Long names are elided in the box; the whole name is the box's tooltip (<title>).
      expect(check.texts).toContain(`${t.label.slice(0, 17)}…`);
      expect(svg).toContain(`<title>&lt;script&gt;alert(&quot;x3&quot; &amp; &apos;y&apos;)&lt;/script&gt;</title>`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("draws in the dark theme", async () => {
    const { page, context, errors } = await newPage(withWorker, "dark");
    try {
      await lens(page, "open", textbook);
      await lens(page, "step", 7);
      const bg = await page.evaluate(() => {
        const v = (globalThis as unknown as { lens: { state: { view: { exportSvg(): string } } } }).lens.state.view;
        return /<rect [^>]*fill="(#[0-9a-f]{6})"/.exec(v.exportSvg())?.[1];
      });
      expect(bg).toBe("#1f1f1f");
      if (SHOTS) await page.locator("#graph").screenshot({ path: "/tmp/graph-view-step7-dark.png" });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("takes its colours from VS Code's theme variables, and follows them on refreshTheme", async () => {
    const { page, context, errors } = await newPage(withoutWorker, "dark");
    try {
      await page.evaluate(() => {
        const body = (globalThis as unknown as { document: { body: { className: string; style: { setProperty(k: string, v: string): void } } } }).document.body;
        body.className = "vscode-high-contrast";
        body.style.setProperty("--vscode-editor-background", "#000000");
        body.style.setProperty("--vscode-editor-foreground", "#ffffff");
        body.style.setProperty("--vscode-charts-orange", "#ff8800");
        body.style.setProperty("--vscode-contrastBorder", "#6fc3df");
      });
      await lens(page, "open", textbook);
      await lens(page, "step", 7);
      const svg = await view<string>(page, "exportSvg");
      expect(svg).toMatch(/<rect [^>]*fill="#000000"/);
      expect(svg).toContain('fill="#ff8800">grad 0.2<');
      expect(svg).toContain('stroke="#6fc3df"'); // high contrast: boxes drawn with the contrast border
      await page.evaluate(() => {
        const body = (globalThis as unknown as { document: { body: { style: { setProperty(k: string, v: string): void } } } }).document.body;
        body.style.setProperty("--vscode-charts-orange", "#00aa00");
      });
      await view(page, "refreshTheme");
      expect(await view<string>(page, "exportSvg")).toContain('fill="#00aa00">grad 0.2<');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  describe("big graphs", () => {
    let mid: GraphSnapshot;
    let big: GraphSnapshot;
    beforeAll(async () => {
      const limits = { nodeCap: 6000, stepCap: 6000, timeoutMs: 30_000 };
      [mid, big] = await Promise.all([
        runner.run({ source: bigSnippet(500), language: "typescript", fileName: "/work/mid.ts", limits }),
        runner.run({ source: bigSnippet(5000), language: "typescript", fileName: "/work/big.ts", limits }),
      ]);
      expect(mid.error).toBeUndefined();
      expect(big.error).toBeUndefined();
      expect(big.nodesTruncated).toBe(false);
    }, 120_000);

    it("~1,000 nodes: lays out in the worker, or on the page without one", async () => {
      for (const [name, code] of [["worker", withWorker], ["main", withoutWorker]] as const) {
        const { page, context, errors } = await newPage(code);
        try {
          // Below WORKER_NODES by default (the page lays it out faster than a cold worker): lowered here.
          const r = await lens<OpenResult>(page, "open", mid, { workerNodes: 500 });
          expect(r.nodes).toBeGreaterThan(900);
          expect(r.timings.layoutIn).toBe(name);
          timings[`first paint, ${r.nodes} nodes / ${r.edges} edges (layout in ${name})`] = `${r.ms.toFixed(0)} ms (layout ${r.timings.layoutMs.toFixed(0)} ms)`;
          // Past BIG_NODES the graph is drawn on our own canvas, every node of it, and no cytoscape.
          expect(await lens<CanvasState>(page, "canvasState")).toEqual({ renderer: "canvas", drawn: r.nodes, selected: null, cy: false });
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      }
    });

    it("5,000 grad_fn nodes: renders, and a replay step stays far under a frame", async () => {
      const { page, context, errors } = await newPage(withWorker);
      try {
        expect(big.nodes.filter((n) => n.kind === "function").length).toBeGreaterThanOrEqual(5000);
        const r = await lens<OpenResult>(page, "open", big);
        expect(r.timings.layoutIn).toBe("worker");
        timings[`first paint, ${r.nodes} nodes / ${r.edges} edges (5,000+ ops)`] = `${r.ms.toFixed(0)} ms (layout ${r.timings.layoutMs.toFixed(0)} ms in the worker)`;
        expect(await lens<CanvasState>(page, "canvasState")).toEqual({ renderer: "canvas", drawn: r.nodes, selected: null, cy: false });
        const total = await lens<number>(page, "total");
        expect(total).toBeGreaterThan(5000);
        // Jump into the middle (a big update), then step one at a time.
        const jump = await lens<number>(page, "step", Math.floor(total / 2));
        timings["setReplay jump to the middle (thousands of grads)"] = `${jump.toFixed(1)} ms`;
        const steps = await lens<{ median: number; max: number }>(page, "timeSteps", Math.floor(total / 2) + 1, Math.floor(total / 2) + 40);
        timings["setReplay one step at 5,000 ops"] = `median ${steps.median.toFixed(2)} ms, max ${steps.max.toFixed(2)} ms`;
        expect(steps.median).toBeLessThan(200);
        // Big graphs mark the step on an overlay canvas above the drawing (a step redraws only that).
        const cur = await view<{ node: string | null; edges: Array<{ id: string; flow: string; incoming: boolean }> }>(page, "currentStep");
        expect(cur.node).not.toBeNull();
        expect(cur.edges.length).toBeGreaterThan(0);
        expect(cur.edges.every((e) => e.flow.length > 0)).toBe(true);
        expect(await lens<boolean>(page, "overlayDrawn", cur.node)).toBe(true);
        expect(await lens<number>(page, "canvasInk", cur.node)).toBeGreaterThan(0);
        if (SHOTS) await page.locator("#graph").screenshot({ path: "/tmp/graph-view-5000.png" });
        const png = await view<string>(page, "exportPng");
        expect(png.length).toBeGreaterThan(1000);
        // Zoomed in on the step: the selection is drawn, the boxes in view show their text.
        await view(page, "select", cur.node, { center: true });
        await page.waitForTimeout(500);
        expect((await lens<CanvasState>(page, "canvasState")).selected).toBe(cur.node);
        // The first view was already at a legible zoom (11 px text): centring keeps it.
        expect((await view<Viewport>(page, "viewport")).zoom).toBeCloseTo(11 / 12, 5);
        expect(await lens<boolean>(page, "overlayDrawn", cur.node)).toBe(true);
        // A click on a box selects it (the canvas hit-tests), a click on the background clears it.
        const other = (await view<string[]>(page, "drawnIds")).find((id) => id !== cur.node && id.startsWith("t"))!;
        await view(page, "select", other, { center: true });
        await view(page, "select", null);
        await lens(page, "clickDrawn", other);
        expect(await lens<Array<string | null>>(page, "selectedIds")).toEqual([other]);
        if (SHOTS) await page.locator("#graph").screenshot({ path: "/tmp/graph-view-5000-zoomed.png" });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});

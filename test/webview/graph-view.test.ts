// GraphView in real Chromium, on its own, on the textbook's graph: drawing, selection, replay,
// exports and themes (test/webview/graph-view-harness.ts loads it into a blank page; the big graphs
// are in graph-view-big.test.ts).
import * as fs from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SHOTS, lens, ready, useGraphView, view, type Drawn, type EdgeInfo, type Viewport, type OpenResult } from "./graph-view-harness";

// Real Chromium laying out and painting 10,000 elements: slow on a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 240_000 });

describe.skipIf(!ready)("GraphView in Chromium", () => {
  const g = useGraphView();

  describe("the textbook graph", () => {
    let page: Page;
    let context: BrowserContext;
    let errors: string[];
    beforeAll(async () => {
      ({ page, context, errors } = await g.newPage(g.withWorker));
      const r = await lens<OpenResult>(page, "open", g.textbook);
      g.timings["first paint, textbook (14 nodes)"] = `${r.ms.toFixed(1)} ms`;
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
      const line = g.textbook.tensors.find((t) => t.id === x7)!.range!.line;
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
    const { page, context, errors } = await g.newPage(g.withoutWorker);
    try {
      const evil = structuredClone(g.textbook);
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
    const { page, context, errors } = await g.newPage(g.withWorker, "dark");
    try {
      await lens(page, "open", g.textbook);
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
    const { page, context, errors } = await g.newPage(g.withoutWorker, "dark");
    try {
      await page.evaluate(() => {
        const body = (globalThis as unknown as { document: { body: { className: string; style: { setProperty(k: string, v: string): void } } } }).document.body;
        body.className = "vscode-high-contrast";
        body.style.setProperty("--vscode-editor-background", "#000000");
        body.style.setProperty("--vscode-editor-foreground", "#ffffff");
        body.style.setProperty("--vscode-charts-orange", "#ff8800");
        body.style.setProperty("--vscode-contrastBorder", "#6fc3df");
      });
      await lens(page, "open", g.textbook);
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
});

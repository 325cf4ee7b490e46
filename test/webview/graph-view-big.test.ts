// GraphView in real Chromium on big graphs: 1,000 and 5,000+ nodes laid out in the worker or on the
// page, drawn on our own canvas, replayed step by step, selected by click (the harness is
// test/webview/graph-view-harness.ts).
import type { GraphSnapshot } from "../../shared/protocol";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { SHOTS, bigSnippet, lens, ready, useGraphView, view, type CanvasState, type Viewport, type OpenResult } from "./graph-view-harness";

// Real Chromium laying out and painting 10,000 elements: slow on a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 240_000 });

describe.skipIf(!ready)("GraphView in Chromium: big graphs", () => {
  const g = useGraphView();

  describe("big graphs", () => {
    let mid: GraphSnapshot;
    let big: GraphSnapshot;
    beforeAll(async () => {
      const limits = { nodeCap: 6000, stepCap: 6000, timeoutMs: 30_000 };
      [mid, big] = await Promise.all([
        g.runner.run({ source: bigSnippet(500), language: "typescript", fileName: "/work/mid.ts", limits }),
        g.runner.run({ source: bigSnippet(5000), language: "typescript", fileName: "/work/big.ts", limits }),
      ]);
      expect(mid.error).toBeUndefined();
      expect(big.error).toBeUndefined();
      expect(big.nodesTruncated).toBe(false);
    }, 120_000);

    it("~1,000 nodes: lays out in the worker, or on the page without one", async () => {
      for (const [name, code] of [["worker", g.withWorker], ["main", g.withoutWorker]] as const) {
        const { page, context, errors } = await g.newPage(code);
        try {
          // Below WORKER_NODES by default (the page lays it out faster than a cold worker): lowered here.
          const r = await lens<OpenResult>(page, "open", mid, { workerNodes: 500 });
          expect(r.nodes).toBeGreaterThan(900);
          expect(r.timings.layoutIn).toBe(name);
          g.timings[`first paint, ${r.nodes} nodes / ${r.edges} edges (layout in ${name})`] = `${r.ms.toFixed(0)} ms (layout ${r.timings.layoutMs.toFixed(0)} ms)`;
          // Past BIG_NODES the graph is drawn on our own canvas, every node of it, and no cytoscape.
          expect(await lens<CanvasState>(page, "canvasState")).toEqual({ renderer: "canvas", drawn: r.nodes, selected: null, cy: false });
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      }
    });

    it("5,000 grad_fn nodes: renders, and a replay step stays far under a frame", async () => {
      const { page, context, errors } = await g.newPage(g.withWorker);
      try {
        expect(big.nodes.filter((n) => n.kind === "function").length).toBeGreaterThanOrEqual(5000);
        const r = await lens<OpenResult>(page, "open", big);
        expect(r.timings.layoutIn).toBe("worker");
        g.timings[`first paint, ${r.nodes} nodes / ${r.edges} edges (5,000+ ops)`] = `${r.ms.toFixed(0)} ms (layout ${r.timings.layoutMs.toFixed(0)} ms in the worker)`;
        expect(await lens<CanvasState>(page, "canvasState")).toEqual({ renderer: "canvas", drawn: r.nodes, selected: null, cy: false });
        const total = await lens<number>(page, "total");
        expect(total).toBeGreaterThan(5000);
        // Jump into the middle (a big update), then step one at a time.
        const jump = await lens<number>(page, "step", Math.floor(total / 2));
        g.timings["setReplay jump to the middle (thousands of grads)"] = `${jump.toFixed(1)} ms`;
        const steps = await lens<{ median: number; max: number }>(page, "timeSteps", Math.floor(total / 2) + 1, Math.floor(total / 2) + 40);
        g.timings["setReplay one step at 5,000 ops"] = `median ${steps.median.toFixed(2)} ms, max ${steps.max.toFixed(2)} ms`;
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

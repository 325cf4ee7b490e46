// The graph view inside a stand-in for the VS Code webview (acquireVsCodeApi recording posts):
// the first paint, messages both ways, state across reloads. Helpers: ui-harness.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { openWebviewPage, waitForExpression, type OpenedPage, usePages } from "./harness";
import { TEXTBOOK, ready, text, progress, blur, startTextbook } from "./ui-harness";

let browser: Browser;
let textbook: GraphSnapshot;
// Every test: no CSP violation, console error, page error, dialog or network request.
const { track } = usePages();
beforeAll(async () => ({ browser, textbook } = await startTextbook()));
afterAll(async () => browser?.close());

describe("inside a stand-in for the VS Code webview", () => {
  /** The webview page (bundle by URI) with acquireVsCodeApi recording posts; state survives reloads. */
  async function openWebview(): Promise<OpenedPage> {
    const p = await openWebviewPage(browser, { width: 1400, height: 860 });
    track(p);
    return p;
  }

  const posted = (page: Page) => page.evaluate("window.__posted") as Promise<Array<Record<string, unknown>>>;
  const send = (page: Page, message: unknown) => page.evaluate(`window.postMessage(${JSON.stringify(message)}, "*")`);
  const idOf = (label: string) => textbook.tensors.find((t) => t.label === label)!.id;

  it("paints the first snapshot in one frame, at the graph pane's final size (the lens:graph-painted mark)", async () => {
    // 1,280 px: wide enough for the toolbar and the title on one line, not for the whole summary.
    const opened = await openWebviewPage(browser, { width: 1280, height: 860 });
    track(opened);
    const { page } = opened;
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    // Idle before the snapshot, as in VS Code while the snippet runs: cytoscape starts meanwhile,
    // at the pane's size before the header and the stepper are filled in.
    await page.evaluate("new Promise((resolve) => requestIdleCallback(resolve))");
    expect(await page.evaluate(`document.querySelectorAll(".graph-canvas canvas").length`)).toBe(3);
    // What the graph's canvas holds at the moment the page marks the graph as painted (synchronously:
    // a resize after the drawing would have cleared it by then).
    await page.evaluate(`{
      const mark = performance.mark.bind(performance);
      performance.mark = (name, options) => {
        if (name === "lens:graph-painted") {
          const pane = document.querySelector(".graph-canvas");
          const canvas = pane.querySelector('canvas[data-id="layer2-node"]');
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let ink = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
          const ratio = window.devicePixelRatio || 1;
          window.__atPaint = {
            canvas: [canvas.width, canvas.height],
            pane: [Math.round(pane.clientWidth * ratio), Math.round(pane.clientHeight * ratio)],
            ink,
            hidden: [...pane.querySelectorAll("canvas")].map((c) => getComputedStyle(c).display === "none"),
            sizes: [...pane.querySelectorAll("canvas")].map((c) => [c.width, c.height]),
          };
        }
        return mark(name, options);
      };
    }`);
    const paneBefore = await page.evaluate(`document.querySelector(".graph-canvas").clientHeight`);
    const headerBefore = await page.evaluate(`document.querySelector(".header").offsetHeight`);
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(textbook) });
    await waitForExpression(page, "window.__atPaint !== undefined");
    const at = (await page.evaluate("window.__atPaint")) as { canvas: number[]; pane: number[]; ink: number; hidden: boolean[]; sizes: number[][] };
    // The pane did change size when the snapshot came (so the resize was needed) ...
    expect(await page.evaluate(`document.querySelector(".graph-canvas").clientHeight`)).not.toBe(paneBefore);
    // (Not because of the header: its summary is cut to fit rather than wrapping it to a second
    // line; the tooltip has all of it.)
    expect(await page.evaluate(`document.querySelector(".header").offsetHeight`)).toBe(headerBefore);
    expect(await page.evaluate(`document.querySelector(".meta").title`)).toMatch(/^traced in \d+ ms · 8 tensors · 8 grad_fn · 1 backward call\n/);
    // ... and the frame marked as painted was drawn at the new size, with the graph on it.
    expect(at.canvas).toEqual(at.pane);
    expect(at.ink).toBeGreaterThan(2000);
    // Only the node layer is shown and has pixels: the drag and selection-box layers stay empty here.
    expect(at.hidden).toEqual([true, true, false]);
    expect(at.sizes).toEqual([[0, 0], [0, 0], at.pane]);
    expect(await page.evaluate(`performance.getEntriesByName("lens:graph-painted").length`)).toBe(1);
  });

  it("says ready, takes the snapshot, posts selection, steps, reveals and saves, and comes back as it was", async () => {
    const p = await openWebview();
    const { page } = p;
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(textbook) });
    await ready(p);
    expect(await text(page, ".inspector-head h3")).toBe("x7");
    // Opening on the finished state tells the host nothing (no line to highlight in the editor).
    expect((await posted(page)).filter((m) => m.type === "positionChanged")).toEqual([]);

    await blur(page);
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "x3" }).locator(":scope > .row").click();
    await page.locator(".inspector-body button.source-link").first().click();
    let msgs = await posted(page);
    const x3 = textbook.tensors.find((t) => t.label === "x3")!;
    expect(msgs).toContainEqual({ type: "positionChanged", position: { call: 0, step: 2 }, range: textbook.nodes.find((n) => n.name === "AddBackward0")!.range });
    expect(msgs).toContainEqual({ type: "selected", id: x3.id, range: x3.range });
    expect(msgs).toContainEqual({ type: "reveal", range: x3.range });

    // Exports go to the host as save messages.
    for (const label of ["Snapshot JSON", "PNG image"]) {
      await page.locator("button.export-button").click();
      await page.locator("#export-menu [role=menuitem]", { hasText: label }).click();
    }
    msgs = await posted(page);
    const saves = msgs.filter((m) => m.type === "save");
    expect(saves.map((m) => [m.requestId, m.format, m.fileName, m.encoding])).toEqual([
      [1, "json", "autograd-basics.graph.json", "utf8"],
      [2, "png", "autograd-basics.graph.png", "base64"],
    ]);
    expect(JSON.parse(saves[0]!.data as string).file).toBe(TEXTBOOK);
    expect([...Buffer.from(saves[1]!.data as string, "base64").subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    await send(page, { type: "saved", requestId: 2, ok: true, message: "Saved /x/autograd-basics.graph.png" });
    await waitForExpression(page, `document.querySelector(".status").textContent === "Saved /x/autograd-basics.graph.png"`);

    // Host messages: stale, select (not echoed back), position.
    await send(page, { type: "stale", stale: true });
    await waitForExpression(page, `!document.querySelector(".badge.stale").hidden`);
    const before = (await posted(page)).length;
    await send(page, { type: "select", id: idOf("x1") });
    await waitForExpression(page, `document.querySelector(".inspector-head h3").textContent === "x1"`);
    await send(page, { type: "position", position: { call: 0, step: 6 } });
    await waitForExpression(page, `document.querySelector(".progress-text").textContent === "step 6 of 8"`);
    expect((await posted(page)).slice(before).filter((m) => m.type === "selected")).toEqual([]);

    // Hidden and shown again: the page reloads, says ready, gets the same file's snapshot.
    await page.locator(".toolbar button", { hasText: "↓ TB" }).click();
    for (let i = 0; i < 2; i++) await page.locator('.toolbar button[aria-label="Zoom in"]').click();
    const saved = (await page.evaluate(`JSON.parse(sessionStorage.getItem("vscode-state"))`)) as { viewport: { zoom: number }; direction: string };
    expect(saved.direction).toBe("TB");
    await page.reload({ waitUntil: "load" });
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(textbook) });
    await ready(p);
    expect(await text(page, ".inspector-head h3")).toBe("x1");
    expect(await progress(page)).toBe("step 6 of 8");
    expect(await page.locator(".badge.stale").isVisible()).toBe(false);
    expect(await page.locator(".toolbar button", { hasText: "↓ TB" }).getAttribute("aria-pressed")).toBe("true");
    const restored = (await page.evaluate(`JSON.parse(sessionStorage.getItem("vscode-state"))`)) as { viewport: { zoom: number } };
    expect(restored.viewport.zoom).toBeCloseTo(saved.viewport.zoom, 5);

    // An explicit select/position in the snapshot message wins.
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(textbook), select: idOf("x4"), position: { call: 0, step: 0 } });
    await waitForExpression(page, `document.querySelector(".inspector-head h3").textContent === "x4"`);
    await ready(p);
    expect(await progress(page)).toBe("step 0 of 8");
  });

  it("applies the host's layout-direction setting when it changes, and keeps the user's toggle otherwise", async () => {
    const p = await openWebview();
    const { page } = p;
    const pressed = (label: string) => page.locator(".toolbar button", { hasText: label }).getAttribute("aria-pressed");
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    await send(page, { type: "options", layoutDirection: "TB" });
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(textbook) });
    await ready(p);
    expect(await pressed("↓ TB")).toBe("true");
    // The user flips the toggle; the same setting sent again (a reload, a reopened panel) leaves it.
    await page.locator(".toolbar button", { hasText: "→ LR" }).click();
    await expect.poll(() => pressed("→ LR")).toBe("true");
    await send(page, { type: "options", layoutDirection: "TB" });
    await send(page, { type: "stale", stale: true });
    await waitForExpression(page, `!document.querySelector(".badge.stale").hidden`);
    expect(await pressed("→ LR")).toBe("true");
    // A changed setting wins over the toggle.
    await send(page, { type: "options", layoutDirection: "LR" });
    await send(page, { type: "options", layoutDirection: "TB" });
    await expect.poll(() => pressed("↓ TB")).toBe("true");
    expect(await pressed("→ LR")).toBe("false");
  });
});

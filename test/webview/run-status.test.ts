// While the host runs the shown document again, the page says so — "Running… 1.2 s (limit 5 s)" in
// the header — and dims the graph it has (kept, not cleared) until the next snapshot arrives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { launchBrowser, openWebviewPage, settle, traceSnippet, TRAINING, waitForExpression, type OpenedPage } from "./harness";

const send = (page: Page, message: unknown) => page.evaluate(`window.postMessage(${JSON.stringify(message)}, "*")`);
const opacity = (page: Page) => page.evaluate(`Number(getComputedStyle(document.querySelector(".panes")).opacity)`) as Promise<number>;

let browser: Browser;
const opened: OpenedPage[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  for (const p of opened) await p.close();
  await browser?.close();
});

describe("a run in flight", () => {
  it("shows the elapsed time and the limit, dims the previous graph, and clears when the snapshot comes", async () => {
    const p = await openWebviewPage(browser, { width: 700, height: 800 });
    opened.push(p);
    const { page } = p;
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    const snapshot = encodeSnapshot(await traceSnippet(TRAINING));
    await send(page, { type: "snapshot", snapshot });
    await waitForExpression(page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
    await settle(page);
    const badge = page.locator(".badge.running");
    expect(await badge.isVisible()).toBe(false);
    expect(await opacity(page)).toBe(1);

    await send(page, { type: "running", running: true, timeoutMs: 5000 });
    await waitForExpression(page, `!document.querySelector(".badge.running").hidden`);
    expect(await badge.innerText()).toMatch(/^Running… 0\.\d s \(limit 5\.0 s\)$/);
    expect(await badge.getAttribute("role")).toBe("status");
    // The graph is still there, dimmed.
    await expect.poll(() => opacity(page), { timeout: 2000 }).toBeLessThan(0.7);
    expect(await page.locator(".graph-pane canvas, .graph-pane svg, .graph-pane .cy").count()).toBeGreaterThan(0);
    // It counts.
    await expect.poll(async () => Number((await badge.innerText()).match(/Running… ([\d.]+) s/)![1]), { timeout: 4000 }).toBeGreaterThanOrEqual(1);
    // Past the limit (starting the sandbox and building the graph are not part of it) it only counts.
    await send(page, { type: "running", running: true, timeoutMs: 300 });
    await expect.poll(() => badge.innerText(), { timeout: 4000 }).toMatch(/^Running… \d\.\d s$/);
    expect(await badge.getAttribute("title")).toContain("may run for 0.3 s");

    // The next snapshot ends it.
    await send(page, { type: "snapshot", snapshot });
    await waitForExpression(page, `document.querySelector(".badge.running").hidden`);
    await expect.poll(() => opacity(page), { timeout: 2000 }).toBe(1);

    // So does "running: false" (a run whose result is not shown, e.g. a syntax error while typing).
    await send(page, { type: "running", running: true });
    await waitForExpression(page, `!document.querySelector(".badge.running").hidden`);
    expect(await badge.innerText()).toMatch(/^Running… 0\.\d s$/); // no limit given: none shown
    await send(page, { type: "running", running: false });
    await waitForExpression(page, `document.querySelector(".badge.running").hidden`);

    // A nonsense limit is ignored, not shown.
    await send(page, { type: "running", running: true, timeoutMs: "soon" });
    await waitForExpression(page, `!document.querySelector(".badge.running").hidden`);
    expect(await badge.innerText()).not.toContain("limit");
    expect(p.errors).toEqual([]);
  });
});

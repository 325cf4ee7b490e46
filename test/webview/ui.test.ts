// The graph view's UI in Chromium, on the standalone page (and once in a stand-in for the VS Code
// webview): outline, inspector, step-through with buttons and keys, the chain-rule text, error
// banner, call picker and loss plot, exports, state across reloads — with no CSP violation, page
// error or network request in any test. Needs the built dist/webview.js and dist/webview.css.
//
// SCREENSHOTS=1 also writes docs/graph-light.png and docs/graph-dark.png (the textbook at step 7).
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { openSnapshot, screenshot, settle, traceSnippet, waitForExpression, type OpenedPage, usePages } from "./harness";
import { insideBox, RECORD_TEXT, type DrawnText } from "./drawn-text";
import { ready, text, tensorRows, progress, ruleLines, inspector, blur, gradOrder, ENGINE_ORDER, STEP7, paintedPixels, openReady, startTextbook } from "./ui-harness";

let browser: Browser;
let textbook: GraphSnapshot;
// Every test: no CSP violation, console error, page error, dialog or network request.
const { track } = usePages();
beforeAll(async () => ({ browser, textbook } = await startTextbook()));
afterAll(async () => browser?.close());
const open = (snapshot: GraphSnapshot, options?: Parameters<typeof openReady>[3]): Promise<OpenedPage> => openReady(browser, track, snapshot, options);

describe("the textbook example on the standalone page", () => {
  it("outlines x1 … x7 with their grad_fn names; opens on the output x7 (−3.4, SubBackward1) after backward, every grad shown", async () => {
    const { page } = await open(textbook);
    const rows = await tensorRows(page);
    expect(rows.map((r) => r.label)).toEqual(["x1", "x2", "x3", "x5", "x4", "x6", expect.stringMatching(/^add @ L18$/), "x7"]);
    const children = await page.locator('.outline-tree [role=treeitem][aria-level="2"]').allInnerTexts();
    expect(children).toEqual(["AccumulateGrad", "AccumulateGrad", "PowBackward0", "MulBackward1", "PowBackward0", "MulBackward1", "AddBackward0", "SubBackward1"]);
    expect(await page.locator("[role=tree]").count()).toBe(1);
    // Roving tabindex: exactly one item in the tab order.
    expect(await page.locator('.outline-tree [role=treeitem][tabindex="0"]').count()).toBe(1);
    expect(rows.filter((r) => r.selected).map((r) => r.label)).toEqual(["x7"]);
    const info = await inspector(page);
    expect(info).toContain("x7");
    expect(info).toContain("-3.4");
    expect(info).toContain("SubBackward1");
    expect(info).toContain("∂/∂self = grad");
    // The state the code left: the backward call has run to its end, every tensor shows its grad.
    expect(await progress(page)).toBe("step 8 of 8");
    expect(Object.fromEntries(rows.map((r) => [r.label, r.grad]))).toMatchObject({ x1: "0.8", x2: "0.8", x3: "0.2", x4: "0.2", x5: "1", x6: "1", x7: "1" });
    expect(await page.locator(".chain-rule .rule-done").innerText()).toMatch(/^backward\(\) has finished: .*Home goes back to before it ran/);
    expect(await page.locator("button.next").isDisabled()).toBe(true);
    expect(await page.locator("button.first").isDisabled()).toBe(false);
    expect(await text(page, ".file-name")).toBe("autograd-basics.ts");
    expect(await text(page, ".meta")).toMatch(/^traced in \d+ ms · 8 tensors · 8 grad_fn · 1 backward call$/);
    expect(await page.locator(".call-row").isVisible()).toBe(false);
    expect(await page.locator(".loss-plot").isVisible()).toBe(false);
    expect(await paintedPixels(page)).toBeGreaterThan(1000);
  });

  it("the Next button fills the gradients in the engine's order, says the chain rule at step 7, ends with 0.8 on x1 and x2", async () => {
    const { page } = await open(textbook);
    const next = page.locator("button.next");
    let step7: string[] = [];
    let step7Current = "";
    const order = await gradOrder(
      page,
      async () => {
        await next.click();
        if ((await progress(page)) === "step 7 of 8") {
          step7 = await ruleLines(page);
          step7Current = await page.locator('.outline-tree [aria-current="step"]').innerText();
        }
      },
      8,
    );
    expect(order).toEqual(ENGINE_ORDER);
    expect(step7).toEqual(STEP7);
    expect(step7Current).toBe("PowBackward0");
    const rows = await tensorRows(page);
    expect(rows.find((r) => r.label === "x1")!.grad).toBe("0.8");
    expect(rows.find((r) => r.label === "x2")!.grad).toBe("0.8");
    expect(rows.find((r) => r.label === "x3")!.grad).toBe("0.2");
    expect(await next.isDisabled()).toBe(true);
    // The last step is x1's AccumulateGrad: its outline item is the current one.
    expect(await text(page, ".rule-title")).toBe("Step 8 · AccumulateGrad (x1)");
    expect(await ruleLines(page)).toEqual(["incoming ∂x7/∂x1 = 0.8", "x1.grad += 0.8 → x1.grad = 0.8"]);
    const current = page.locator('.outline-tree [aria-current="step"]');
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toBe("AccumulateGrad");
    // The gradients of the chain-rule text are in the accent colour.
    expect(await page.locator(".chain-rule .grad-value").allInnerTexts()).toEqual(["0.8", "0.8", "0.8"]);
  });

  it("→ steps forward the same way; ← steps back and Home clears every gradient; End and Space", async () => {
    const { page } = await open(textbook);
    await blur(page);
    const order = await gradOrder(page, () => page.keyboard.press("ArrowRight"), 8);
    expect(order).toEqual(ENGINE_ORDER);
    await page.keyboard.press("ArrowLeft");
    expect(await progress(page)).toBe("step 7 of 8");
    expect(await ruleLines(page)).toEqual(STEP7);
    let rows = await tensorRows(page);
    expect(rows.find((r) => r.label === "x1")!.grad).toBe("");
    expect(rows.find((r) => r.label === "x2")!.grad).toBe("0.8");
    await page.keyboard.press("Home");
    expect(await progress(page)).toBe("step 0 of 8");
    rows = await tensorRows(page);
    expect(rows.every((r) => r.grad === "")).toBe(true);
    expect(await page.locator('.outline-tree [aria-current="step"]').count()).toBe(0);
    expect(await text(page, ".rule-title")).toBe("Step 0 of 8 · before backward()");
    await page.keyboard.press("End");
    expect(await progress(page)).toBe("step 8 of 8");
    // Space plays from the start (at 4×) to the end.
    await page.keyboard.press("Home");
    await page.locator("select.speed").selectOption("4");
    await blur(page);
    await page.keyboard.press(" ");
    expect(await page.locator("button.play").getAttribute("aria-label")).toBe("Pause (Space)");
    await waitForExpression(page, `document.querySelector(".progress-text").textContent === "step 8 of 8"`, 8000);
    expect(await page.locator("button.play").getAttribute("aria-label")).toBe("Play (Space)");
    // Keys typed into the search box are text, not steps.
    await page.keyboard.press("Home");
    await page.locator("input.search").focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.type("x");
    expect(await progress(page)).toBe("step 0 of 8");
  });

  it("clicking an outline item (or Enter on it) selects it in the inspector; inspector links select too", async () => {
    const { page } = await open(textbook);
    await page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "x3" }).locator(":scope > .row").click();
    let info = await inspector(page);
    expect(await text(page, ".inspector-head h3")).toBe("x3");
    expect(info).toContain("PowBackward0");
    expect(info).toContain("∂/∂self = grad · 2 · self");
    expect(info).toContain("autograd-basics.ts:8");
    expect((await tensorRows(page)).filter((r) => r.selected).map((r) => r.label)).toEqual(["x3"]);
    // The grad_fn link selects the op node: name, inputs, formula, released saved tensors.
    await page.locator(".inspector-body button.node-link", { hasText: "PowBackward0" }).first().click();
    expect(await text(page, ".inspector-head h3")).toBe("PowBackward0");
    info = await inspector(page);
    expect(info).toContain("released");
    expect(await page.locator('.outline-tree [aria-selected="true"]').innerText()).toBe("PowBackward0");
    // Keyboard: ↓ moves the focus, Enter selects.
    await page.locator('.outline-tree [aria-selected="true"]').focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    expect(await text(page, ".inspector-head h3")).toBe("x5");
    // ← on a child goes to its parent, then collapses it.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowLeft");
    expect(await page.evaluate("document.activeElement.querySelector('.name').textContent")).toBe("x5");
    await page.keyboard.press("ArrowLeft");
    expect(await page.evaluate("document.activeElement.getAttribute('aria-expanded')")).toBe("false");
    // Arrow keys inside the outline never step the backward pass.
    expect(await progress(page)).toBe("step 8 of 8");
    // Searching marks the matches and Enter selects them in turn.
    await page.locator("input.search").fill("Mul");
    expect(await text(page, ".search-count")).toBe("2 matches");
    await page.locator("input.search").press("Enter");
    expect(await text(page, ".inspector-head h3")).toBe("MulBackward1");
  });

  it("shows the textbook at step 7 in light and dark (SCREENSHOTS=1 writes docs/graph-*.png)", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { page } = await open(textbook, { colorScheme });
      await page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "x3" }).locator(":scope > .row").click();
      await blur(page);
      await page.keyboard.press("Home");
      for (let i = 0; i < 7; i++) await page.keyboard.press("ArrowRight");
      expect(await ruleLines(page)).toEqual(STEP7);
      const dark = await page.evaluate(`matchMedia("(prefers-color-scheme: dark)").matches`);
      expect(dark).toBe(colorScheme === "dark");
      const bg = await page.evaluate(`getComputedStyle(document.body).backgroundColor`);
      expect(bg).toBe(colorScheme === "dark" ? "rgb(31, 31, 31)" : "rgb(255, 255, 255)");
      await settle(page);
      if (process.env.SCREENSHOTS) await screenshot(page, `graph-${colorScheme}.png`);
    }
  });
});

/** A two-layer net written out, one backward call: about 25 drawn nodes. */
const ONE_STEP_NET = `import { torch } from "autograd-lens";
torch.manualSeed(0);
const x = torch.randn([4, 3]);
const y = torch.randn([4, 2]);
const W1 = torch.randn([3, 5], { requiresGrad: true });
const b1 = torch.zeros([5], { requiresGrad: true });
const W2 = torch.randn([5, 2], { requiresGrad: true });
const b2 = torch.zeros([2], { requiresGrad: true });
const h = x.matmul(W1).add(b1).tanh();
const out = h.matmul(W2).add(b2);
const loss = out.sub(y).square().mean();
loss.backward();
`;

describe("legible at first sight in a half-width panel (700×800)", () => {
  for (const [name, source] of [
    ["the textbook", null],
    ["a two-layer net", ONE_STEP_NET],
  ] as const) {
    it(`${name}: every node's text is drawn at 11 px or more, with its gradient, the graph taking most of the panel`, async () => {
      const s = source ? await traceSnippet(source, path.resolve("net.ts")) : textbook;
      const p = await openSnapshot(browser, s, { width: 700, height: 800, initScript: RECORD_TEXT });
      track(p);
      await ready(p);
      const { page } = p;
      await page.evaluate("window.__drawnText.length = 0");
      // A redraw of the settled view (the zoom buttons cancel out): what it draws is the view.
      await page.locator('.toolbar button[aria-label="Zoom in"]').click();
      await page.locator('.toolbar button[aria-label="Zoom out"]').click();
      await settle(page);
      const drawn = (await page.evaluate("window.__drawnText")) as DrawnText[];
      const pane = (await page.locator(".graph-canvas").boundingBox())!;
      const inPane = insideBox(drawn, pane);
      const names = s.tensors.filter((t) => t.kind !== "constant").map((t) => t.label);
      const shown = names.filter((n) => inPane.some((d) => d.text === n));
      // The textbook fits whole; the net (a chain of 24 nodes) shows its output end, legibly.
      if (!source) expect(shown.sort()).toEqual([...names].sort());
      else {
        expect(shown).toContain("loss");
        expect(shown.length).toBeGreaterThanOrEqual(5);
      }
      const sizes = inPane.map((d) => d.px);
      expect(sizes.length).toBeGreaterThan(shown.length * 2);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11 - 1e-6);
      // The gradients are there from the start (the view opens after backward).
      expect(inPane.filter((d) => /^grad -?\d/.test(d.text) || /^grad \[/.test(d.text)).length).toBeGreaterThanOrEqual(shown.length);
      // The graph gets most of the panel: at least half its height.
      expect(pane.height).toBeGreaterThan(400);
      expect(pane.width).toBeGreaterThan(650);
      if (process.env.SCREENSHOTS && !source) await screenshot(page, "graph-half-width.png");
    });
  }

  it("the outline and the inspector are collapsed under the graph and open from their headings", async () => {
    const p = await openSnapshot(browser, textbook, { width: 700, height: 800 });
    track(p);
    await ready(p);
    const { page } = p;
    const toggle = (name: string) => page.locator(".pane-toggle", { hasText: name });
    expect(await toggle("Outline").getAttribute("aria-expanded")).toBe("false");
    expect(await toggle("Inspector").getAttribute("aria-expanded")).toBe("false");
    expect(await page.locator(".outline-tree").isVisible()).toBe(false);
    const before = (await page.locator(".graph-canvas").boundingBox())!;
    await toggle("Inspector").click();
    expect(await toggle("Inspector").getAttribute("aria-expanded")).toBe("true");
    expect(await text(page, ".inspector-head h3")).toBe("x7");
    const after = (await page.locator(".graph-canvas").boundingBox())!;
    expect(after.height).toBeLessThan(before.height);
    // Maximized, both are beside the graph and open.
    await page.setViewportSize({ width: 1400, height: 860 });
    await settle(page);
    expect(await toggle("Outline").getAttribute("aria-expanded")).toBe("true");
    expect(await page.locator(".outline-tree").isVisible()).toBe(true);
    const outline = (await page.locator(".outline").boundingBox())!;
    const graph = (await page.locator(".graph-canvas").boundingBox())!;
    expect(outline.x + outline.width).toBeLessThanOrEqual(graph.x + 1);
  });
});

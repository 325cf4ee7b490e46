// The graph view's UI in Chromium, on the standalone page (and once in a stand-in for the VS Code
// webview): outline, inspector, step-through with buttons and keys, the chain-rule text, error
// banner, call picker and loss plot, exports, state across reloads — with no CSP violation, page
// error or network request in any test. Needs the built dist/webview.js and dist/webview.css.
//
// SCREENSHOTS=1 also writes docs/graph-light.png and docs/graph-dark.png (the textbook at step 7).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { launchBrowser, openSnapshot, openWebviewPage, screenshot, settle, traceSnippet, TRAINING, waitForExpression, type OpenedPage, usePages } from "./harness";
import { insideBox, RECORD_TEXT, type DrawnText } from "./drawn-text";

const TEXTBOOK = path.resolve("examples/autograd-basics.ts");
const EVIL = "<img src=x onerror=window.__pwned=1>";

const RUNTIME_ERROR = `import { torch } from "autograd-lens";
const a = torch.tensor([1, 2, 3], { requiresGrad: true });
const b = a.mul(2).sum();
console.log("before the error", b.item());
console.warn("careful", b.grad);
const c = a.reshape(1, 3).mm(torch.ones(4, 2));
console.log(c);
`;

const BIG = `import { torch } from "autograd-lens";
torch.manualSeed(1);
const big = torch.randn([256, 256], { requiresGrad: true });
const total = big.mul(2).sum();
total.backward();
`;

/** A chain of 800 ops: 801 tensors in the outline and some 1,600 drawn nodes (a big graph). */
const LONG_CHAIN = `import { torch } from "autograd-lens";
const x = torch.tensor(1, { requiresGrad: true });
let h = x;
for (let i = 0; i < 400; i++) h = h.mul(1.001).add(0.001);
h.backward();
`;

const HOSTILE = `import { torch } from "autograd-lens";
const y = torch.tensor(2, { requiresGrad: true, name: ${JSON.stringify(EVIL)} }).mul(3);
console.log(${JSON.stringify(EVIL)});
y.backward();
throw new Error(${JSON.stringify(`bad ${EVIL}`)});
`;

let browser: Browser;
let textbook: GraphSnapshot;
// Every test: no CSP violation, console error, page error, dialog or network request.
const { track } = usePages();

beforeAll(async () => {
  [browser, textbook] = await Promise.all([launchBrowser(), traceSnippet(fs.readFileSync(TEXTBOOK, "utf8"), TEXTBOOK)]);
  expect(textbook.error).toBeUndefined();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the standalone page for a snapshot and waits until the graph is drawn. */
async function open(snapshot: GraphSnapshot, options: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {}): Promise<OpenedPage> {
  const p = await openSnapshot(browser, snapshot, { width: 1400, height: 860, ...options });
  track(p);
  await ready(p);
  return p;
}

async function ready(p: OpenedPage): Promise<void> {
  try {
    await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the page reported: ${JSON.stringify(p.errors, null, 1)}`, { cause: e });
  }
  await settle(p.page);
}

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

interface Row {
  label: string;
  grad: string;
  selected: boolean;
}

/** The outline's tensor items (level 1) with the grad each shows. */
function tensorRows(page: Page): Promise<Row[]> {
  return page.evaluate(`[...document.querySelectorAll('.outline-tree [role=treeitem][aria-level="1"]')].map((li) => ({
    label: li.querySelector(":scope > .row .name").textContent,
    grad: li.querySelector(":scope > .row .grad")?.textContent ?? "",
    selected: li.getAttribute("aria-selected") === "true",
  }))`) as Promise<Row[]>;
}

const progress = (page: Page) => text(page, ".progress-text");
const ruleLines = (page: Page) => page.locator(".chain-rule .rule-line").allInnerTexts();
const inspector = (page: Page) => text(page, ".inspector-body");
const blur = (page: Page) => page.evaluate("document.activeElement && document.activeElement.blur()");

/** Steps through the whole call with `step()`, recording which tensors got a grad at each step. */
async function gradOrder(page: Page, step: () => Promise<void>, total: number): Promise<string[]> {
  // The view opens after backward: the First button goes back to before it ran.
  await page.locator("button.first").click();
  await blur(page);
  const seen: string[] = [];
  let before = await tensorRows(page);
  expect(before.every((r) => r.grad === "")).toBe(true);
  for (let k = 1; k <= total; k++) {
    await step();
    expect(await progress(page)).toBe(`step ${k} of ${total}`);
    const now = await tensorRows(page);
    seen.push(...now.filter((r, i) => r.grad !== "" && before[i]!.grad === "").map((r) => r.label));
    before = now;
  }
  return seen;
}

const ENGINE_ORDER = ["x7", expect.stringMatching(/^add @ L\d+$/), "x6", "x4", "x2", "x5", "x3", "x1"];
const STEP7 = ["incoming ∂x7/∂x3 = 0.2", "local ∂x3/∂x1: grad · 2 · self = 4", "chain rule: ∂x7/∂x1 = ∂x7/∂x3 · ∂x3/∂x1 = 0.2 · 4 = 0.8"];

/** Non-transparent pixels on the graph's canvases (cytoscape draws on several layers). */
function paintedPixels(page: Page): Promise<number> {
  return page.evaluate(`[...document.querySelectorAll(".graph-canvas canvas")].reduce((sum, c) => {
    const ctx = c.getContext("2d");
    if (!ctx || !c.width || !c.height) return sum;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return sum + n;
  }, 0)`) as Promise<number>;
}

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

describe("other snapshots", () => {
  it("renders a hostile tensor name, console text and error message as text; nothing runs", async () => {
    const s = await traceSnippet(HOSTILE, path.resolve("hostile.ts"));
    s.file = `/tmp/${EVIL}.ts`;
    const { page } = await open(s);
    const rows = await tensorRows(page);
    expect(rows.map((r) => r.label)).toContain(EVIL);
    await page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: EVIL }).locator(":scope > .row").click();
    expect(await text(page, ".inspector-head h3")).toBe(EVIL);
    expect(await text(page, ".banner .error-message")).toContain(`bad ${EVIL}`);
    expect(await text(page, ".file-name")).toBe(`${EVIL}.ts`);
    await page.locator(".console-toggle").click();
    expect(await page.locator(".console-row .text").allInnerTexts()).toContain(EVIL);
    expect(await page.evaluate("document.querySelectorAll('img').length")).toBe(0);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
  });

  it("a runtime error shows the banner with its line (a link) and still draws the partial graph", async () => {
    const s = await traceSnippet(RUNTIME_ERROR, path.resolve("broken.ts"));
    expect(s.error?.kind).toBe("runtime");
    const p = await open(s);
    const { page } = p;
    const banner = page.locator(".banner.error");
    expect(await banner.getAttribute("role")).toBe("alert");
    expect(await banner.innerText()).toContain("Runtime error");
    expect(await banner.innerText()).toContain("mm: mat1 and mat2 shapes cannot be multiplied");
    const where = banner.locator("button.location");
    expect(await where.innerText()).toBe("line 6, column 27 of broken.ts");
    // Standalone: no editor to reveal in, so a note says where.
    await where.click();
    await waitForExpression(page, `document.getElementById("lens-note")?.textContent === "line 6, column 27 of broken.ts"`);
    expect((await tensorRows(page)).map((r) => r.label)).toEqual(["a", "mul @ L3", "b", "view @ L6"]);
    expect(await page.locator(".graph-message").isVisible()).toBe(false);
    expect(await paintedPixels(page)).toBeGreaterThan(500);
    // The console output and torch's warnings are listed with their lines.
    const toggle = page.locator(".console-toggle");
    expect(await toggle.textContent()).toBe("Console 2 · 1 warning");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const rows = await page.locator(".console-row").allInnerTexts();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^L5\s+warning\s+The \.grad attribute of a Tensor that is not a leaf Tensor is being accessed/);
    expect(rows[1]).toMatch(/^L4\s+log\s+before the error 12$/);
    expect(rows[2]).toMatch(/^L5\s+warn\s+careful undefined$/);
    expect(await text(page, ".rule-title")).toBe("No backward pass");
  });

  it("a training loop shows the call picker and the loss plot; both choose the call", async () => {
    const s = await traceSnippet(TRAINING, path.resolve("training.ts"));
    expect(s.backward).toHaveLength(6);
    const p = await open(s);
    const { page } = p;
    const picker = page.locator("select.call-picker");
    expect(await picker.isVisible()).toBe(true);
    expect(await picker.locator("option").count()).toBe(6);
    expect(await picker.inputValue()).toBe("5");
    expect(await page.locator(".loss-plot").isVisible()).toBe(true);
    expect(await page.locator(".loss-plot svg").getAttribute("aria-label")).toBe("Loss over 6 backward calls, from 20.25 to 0.2335");
    expect(await text(page, ".loss-caption")).toBe("call 6: loss 0.2335");
    // The last call opens as it ended; another call picked opens at its end too.
    expect(await progress(page)).toBe("step 4 of 4");
    await picker.selectOption("1");
    expect(await text(page, ".loss-caption")).toBe("call 2: loss 8.294");
    expect(await progress(page)).toBe("step 4 of 4");
    expect((await tensorRows(page)).find((r) => r.label === "w")!.grad).not.toBe("");
    await blur(page);
    await page.keyboard.press("Home");
    expect((await tensorRows(page)).find((r) => r.label === "w")!.grad).toBe("");
    // One call at a time: the graph and the outline are the picked call's, the leaf w drawn once.
    const oneCall = (await tensorRows(page)).map((r) => r.label);
    expect(oneCall).toEqual(["w", "mul @ L6", "sub @ L6", "loss"]);
    // PageDown / PageUp switch calls (as they ended).
    await page.keyboard.press("PageDown");
    expect(await picker.inputValue()).toBe("2");
    expect(await progress(page)).toBe("step 4 of 4");
    await page.keyboard.press("PageUp");
    expect(await picker.inputValue()).toBe("1");
    // "All calls" draws every call's graph: the repeats of a line are numbered.
    const all = page.locator("button.all-calls");
    expect(await all.getAttribute("aria-pressed")).toBe("false");
    await all.click();
    await ready(p);
    const every = (await tensorRows(page)).map((r) => r.label);
    expect(every).toHaveLength(1 + 6 * 3);
    expect(every).toContain("mul @ L6 #6");
    expect(every.filter((l) => l === "w")).toHaveLength(1);
    await all.click();
    await ready(p);
    expect((await tensorRows(page)).map((r) => r.label)).toEqual(oneCall);
    // Click the plot at its left end: the first call.
    const box = (await page.locator(".loss-plot svg").boundingBox())!;
    await page.mouse.click(box.x + 46, box.y + box.height / 2);
    expect(await picker.inputValue()).toBe("0");
    expect(await text(page, ".loss-caption")).toBe("call 1: loss 20.25");
    expect(await progress(page)).toBe("step 4 of 4");
  });

  it("in a narrow panel an outline row keeps its shape readable and its line number in view", async () => {
    const s = await traceSnippet(
      `import { torch } from "autograd-lens";\n\nconst v = torch.tensor([1, 2, 3], { requiresGrad: true });\nconst doubled = v.mul(2);\n`,
      path.resolve("vector-output.ts"),
    );
    // 660 px: a VS Code panel beside the editor; the outline gets its narrowest column.
    const { page } = await open(s, { width: 660, height: 700 });
    const rows = (await page.evaluate(`[...document.querySelectorAll('.outline-tree [role=treeitem][aria-level="1"] > .row')].map((row) => {
      const box = row.getBoundingClientRect();
      const part = (cls) => {
        const e = row.querySelector("." + cls);
        if (!e || getComputedStyle(e).display === "none") return null;
        const r = e.getBoundingClientRect();
        return { text: e.textContent, cut: e.scrollWidth > e.clientWidth + 1, inside: r.left >= box.left && r.right <= box.right + 0.5 };
      };
      return { name: part("name"), shape: part("shape"), line: part("line"), grad: part("grad"), width: Math.round(box.width) };
    })`)) as Array<Record<string, { text: string; cut: boolean; inside: boolean } | null> & { width: number }>;
    const doubled = rows.find((r) => r.name?.text === "doubled")!;
    expect(doubled.width).toBeLessThan(200);
    expect(doubled.shape).toEqual({ text: "[3]", cut: false, inside: true });
    expect(doubled.line).toEqual({ text: "L4", cut: false, inside: true });
    // No grad yet (no backward call): no empty grad cell taking room.
    expect(doubled.grad).toBeNull();
  });

  it("a big tensor shows its first values in a small grid, its statistics and how much is shown", async () => {
    const s = await traceSnippet(BIG, path.resolve("big.ts"));
    const { page } = await open(s);
    await page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "big" }).locator(":scope > .row").click();
    const value = page.locator(".inspector-body .tensor-value").first();
    expect(await value.innerText()).toContain("[256×256] · 65,536 elements");
    // The top-left corner of the matrix: 4 rows × 4 columns, then … and "252 more rows".
    expect(await value.locator(".grid-caption").innerText()).toBe("showing 16 of 65,536 values show 1,000");
    expect(await value.locator(".value-grid tr:not(.more-rows) td:not(.more-cols)").count()).toBe(16);
    expect(await value.locator(".value-grid th").allInnerTexts()).toEqual(["[0]", "[1]", "[2]", "[3]", "⋮"]);
    expect(await value.locator(".value-grid .more-rows").innerText()).toContain("252 more rows");
    expect(await value.locator(".stats").innerText()).toMatch(/^min -?\d.*max \d.*mean -?\d.*no NaN\/Inf$/s);
    await value.locator("button.more").click();
    expect(await value.locator(".grid-caption").innerText()).toBe("showing 1,000 of 65,536 values (the value cap keeps the first 1,000; raise it with the autogradLens.valueCap setting, or --value-cap on the command line)");
    expect(await value.locator(".value-grid td").count()).toBe(1000);
    expect(await value.locator(".value-grid th").nth(1).innerText()).toBe("[0, 5]");
    // The grad (2 everywhere) is shown the same way, in the accent colour.
    const grad = page.locator(".inspector-body .tensor-value.grad-value").first();
    expect(await grad.locator(".value-grid td").first().innerText()).toBe("2");
  });

  it("a big graph: the outline renders only the rows near the view, yet keeps the selection and the current step in the DOM", async () => {
    const s = await traceSnippet(LONG_CHAIN, path.resolve("chain.ts"));
    const { page } = await open(s);
    const level1 = '.outline-tree [role=treeitem][aria-level="1"]';
    const rendered = await page.locator(level1).count();
    const total = s.tensors.length;
    expect(total).toBeGreaterThan(800);
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(200);
    // Every rendered item says where it is in the whole tree.
    expect(await page.locator(level1).first().getAttribute("aria-setsize")).toBe(String(total));
    // The output is selected: its row is rendered, in view, and is the last of the tree.
    const selected = page.locator('.outline-tree [aria-selected="true"]');
    expect(await selected.count()).toBe(1);
    expect(await selected.getAttribute("aria-posinset")).toBe(String(total));
    const inView = (selector: string) =>
      page.evaluate(`(() => {
        const row = document.querySelector(${JSON.stringify(selector)});
        const pane = document.querySelector(".outline").getBoundingClientRect();
        const r = row && row.getBoundingClientRect();
        return !!r && r.height > 0 && r.top >= pane.top - 1 && r.bottom <= pane.bottom + 1;
      })()`);
    expect(await inView('.outline-tree [aria-selected="true"] > .row')).toBe(true);
    // Drawn on the canvas (a chain of 1,600 nodes fitted into the pane is a thin line).
    expect(await paintedPixels(page)).toBeGreaterThan(100);
    // Step 1 runs the output's grad_fn: its (nested) row is the current one, rendered and in view.
    await blur(page);
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    await settle(page);
    const current = page.locator('.outline-tree [aria-current="step"]');
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toBe("AddBackward1");
    expect(await inView('.outline-tree [aria-current="step"] > .row')).toBe(true);
    // The last step is x's AccumulateGrad, at the top: the window follows it.
    await page.keyboard.press("End");
    await settle(page);
    expect(await current.innerText()).toBe("AccumulateGrad");
    expect(await inView('.outline-tree [aria-current="step"] > .row')).toBe(true);
    const rows = await tensorRows(page);
    expect(rows[0]!.label).toBe("x");
    expect(rows[0]!.grad).not.toBe("");
    expect(await page.locator(level1).count()).toBeLessThan(200);
    // Keyboard: End and Home in the tree move the focus across the whole list, rendering as they go.
    await current.focus();
    await page.keyboard.press("Home");
    expect(await page.evaluate("document.activeElement.querySelector('.name').textContent")).toBe("x");
    await page.keyboard.press("End");
    await settle(page);
    expect(await page.evaluate("document.activeElement.getAttribute('role')")).toBe("treeitem");
    expect(await page.evaluate("document.activeElement.closest('[aria-level=\"1\"]').getAttribute('aria-posinset')")).toBe(String(total));
    // Scrolled to the middle, the rows there are rendered.
    await page.evaluate(`document.querySelector(".outline").scrollTop = document.querySelector(".outline").scrollHeight / 2`);
    await settle(page);
    const positions = (await page.locator(level1).evaluateAll((lis) => lis.map((li) => Number(li.getAttribute("aria-posinset"))))) as number[];
    expect(positions[0]).toBeLessThan(total / 2);
    expect(positions[positions.length - 1]).toBeGreaterThan(total / 2);
    expect(positions.length).toBeLessThan(200);
    // The focused item (far below) stays in the DOM, and so does the keyboard focus on it.
    expect(await page.evaluate("document.activeElement.closest('[aria-level=\"1\"]').getAttribute('aria-posinset')")).toBe(String(total));
  });

  it("direction, flow and grouping toggles redraw the graph", async () => {
    const { page } = await open(textbook);
    for (const label of ["↓ TB", "Gradient flow", "Group by line", "→ LR", "Data flow", "Group by line"]) {
      const button = page.locator(".toolbar button", { hasText: label });
      await button.click();
      await settle(page);
      if (label !== "Group by line") expect(await button.getAttribute("aria-pressed")).toBe("true");
      expect(await paintedPixels(page)).toBeGreaterThan(1000);
    }
    expect(await page.locator(".toolbar button", { hasText: "Group by line" }).getAttribute("aria-pressed")).toBe("false");
    await page.locator(".toolbar button", { hasText: "Fit" }).click();
    await page.locator('.toolbar button[aria-label="Zoom in"]').click();
    expect(await paintedPixels(page)).toBeGreaterThan(1000);
  });

  it("exports PNG, SVG, DOT and JSON as downloads on the standalone page", async () => {
    const { page } = await open(textbook);
    const got: Record<string, Buffer> = {};
    for (const [format, label] of [["png", "PNG image"], ["svg", "SVG drawing"], ["dot", "Graphviz DOT"], ["json", "Snapshot JSON"]] as const) {
      await page.locator("button.export-button").click();
      expect(await page.locator("#export-menu").isVisible()).toBe(true);
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-menu [role=menuitem]", { hasText: label }).click()]);
      expect(download.suggestedFilename()).toBe(`autograd-basics.graph.${format}`);
      got[format] = fs.readFileSync((await download.path())!);
      await waitForExpression(page, `document.querySelector(".status").textContent === "Downloaded autograd-basics.graph.${format}"`);
    }
    expect([...got.png!.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(got.png!.length).toBeGreaterThan(2000);
    const svg = got.svg!.toString("utf8");
    expect(svg).toMatch(/<svg[\s>]/);
    expect(svg).toContain("PowBackward0");
    expect(got.dot!.toString("utf8")).toMatch(/^digraph autograd \{/);
    // The snapshot as it travels (version 2: values in a base64 table).
    expect(JSON.parse(got.json!.toString("utf8"))).toEqual(JSON.parse(JSON.stringify(encodeSnapshot(textbook))));
    // The menu works from the keyboard: ↓ opens it on the first item, Escape closes it.
    await page.locator("button.export-button").focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("PNG image");
    await page.keyboard.press("Escape");
    expect(await page.locator("#export-menu").isVisible()).toBe(false);
    expect(await page.evaluate("document.activeElement.classList.contains('export-button')")).toBe(true);
  });
});

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

// Folding big graphs (webview/fold.ts) on the standalone page in Chromium at 700×800: a 2,000-step
// unrolled loop opens as a few legible boxes ("× 2000: mul, add"), a folded group opens in place
// on a click and closes again with "-", stepping highlights the group holding the running node,
// a training loop of nn.Sequential(Linear, Tanh, …) folds each Linear call (its weight and bias
// inside), and one of helper functions each call ("layer() @ L12:13", with the column as the line
// calls layer() twice). Every text is measured as drawn
// (its font size in CSS pixels on the screen).
//
// SCREENSHOTS=1 also writes docs/folded-loop.png, docs/folded-mlp.png and docs/folded-calls.png.
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { GraphSnapshot } from "../../shared/protocol";
import { launchBrowser, openSnapshot, screenshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";
import { insideBox, RECORD_TEXT, type DrawnText } from "./drawn-text";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const LOOP = `import { torch } from "autograd-lens";
const x = torch.tensor([1.0, 2.0], { requiresGrad: true });
let y = x;
for (let i = 0; i < 2000; i++) y = y.mul(1.001).add(0.001);
y.sum().backward();
`;

const MLP = `import { torch } from "autograd-lens";
const { nn } = torch;
torch.manualSeed(0);
const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 1));
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
const X = torch.randn([16, 2]);
const Y = torch.randn([16, 1]);
for (let step = 0; step < 5; step++) {
  opt.zeroGrad();
  const loss = nn.functional.mseLoss(model(X), Y);
  loss.backward();
  opt.step();
}
`;

const HELPERS = `import { torch } from "autograd-lens";
torch.manualSeed(0);
const w1 = torch.randn([2, 4]).requiresGrad_();
const w2 = torch.randn([4, 1]).requiresGrad_();
function layer(x: torch.Tensor, w: torch.Tensor) {
  return x.matmul(w).tanh();
}
const mse = (p: torch.Tensor, y: torch.Tensor) => p.sub(y).square().mean();
const X = torch.randn([8, 2]);
const Y = torch.randn([8, 1]);
for (let step = 0; step < 20; step++) {
  const loss = mse(layer(layer(X, w1), w2), Y);
  loss.backward();
  torch.noGrad(() => {
    for (const p of [w1, w2]) { p.sub_(p.grad!.mul(0.1)); p.grad!.zero_(); }
  });
}
`;

let browser: Browser;
let loop: GraphSnapshot;
let mlp: GraphSnapshot;
let helpers: GraphSnapshot;
const pages: OpenedPage[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  loop = await traceSnippet(LOOP, path.resolve("loop.ts"));
  mlp = await traceSnippet(MLP, path.resolve("mlp.ts"));
  helpers = await traceSnippet(HELPERS, path.resolve("helpers.ts"));
  expect(helpers.error).toBeUndefined();
  expect(loop.error).toBeUndefined();
  expect(mlp.error).toBeUndefined();
});
afterEach(async () => {
  const opened = pages.splice(0);
  const errors = opened.flatMap((p) => p.errors);
  await Promise.all(opened.map((p) => p.close()));
  expect(errors).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
});

async function open(s: GraphSnapshot, width = 700, height = 800): Promise<Page> {
  const p = await openSnapshot(browser, s, { width, height, initScript: RECORD_TEXT });
  pages.push(p);
  await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`, 30_000);
  await settle(p.page);
  return p.page;
}

/** What the settled view draws: a redraw (zoom in and out) recorded, texts inside the graph pane. */
async function drawnTexts(page: Page): Promise<DrawnText[]> {
  // Out first (the view may be at the largest zoom already), then back: only the second frame is recorded.
  await page.locator('.toolbar button[aria-label="Zoom out"]').click();
  await settle(page);
  await page.evaluate("window.__drawnText.length = 0");
  await page.locator('.toolbar button[aria-label="Zoom in"]').click();
  await settle(page);
  const drawn = (await page.evaluate("window.__drawnText")) as DrawnText[];
  const pane = (await page.locator(".graph-canvas").boundingBox())!;
  return insideBox(drawn, pane);
}

/** The last drawn text that matches (a redraw's entries come after the earlier ones). */
function lastOf(texts: DrawnText[], pred: (d: DrawnText) => boolean): DrawnText | undefined {
  for (let i = texts.length - 1; i >= 0; i--) if (pred(texts[i]!)) return texts[i];
  return undefined;
}

const drawnCount = async (page: Page) => Number(await page.locator(".graph-canvas").getAttribute("data-drawn"));

/** Clicks the drawn text `label` (a folded group's box); waits for the re-layout. */
async function clickText(page: Page, texts: DrawnText[], label: RegExp): Promise<void> {
  const t = lastOf(texts, (d) => label.test(d.text));
  expect(t, `${label} is drawn`).toBeDefined();
  const before = await drawnCount(page);
  await page.mouse.click(t!.x, t!.y);
  await waitForExpression(page, `Number(document.querySelector(".graph-canvas").dataset.drawn) !== ${before}`);
}

describe("folding at 700×800", () => {
  it("a 2,000-step loop opens as a few legible boxes; a group opens in place and closes again", async () => {
    const page = await open(loop);
    expect(loop.nodes.length).toBeGreaterThan(4000);
    const first = await drawnCount(page);
    expect(first).toBeGreaterThanOrEqual(3);
    expect(first).toBeLessThanOrEqual(50);
    const texts = await drawnTexts(page);
    const loopBox = texts.find((d) => /^× 2000: mul, add · L4$/.test(d.text));
    expect(loopBox, texts.map((d) => d.text).join(" | ")).toBeDefined();
    expect(texts.some((d) => d.text === "x")).toBe(true);
    expect(Math.min(...texts.map((d) => d.px))).toBeGreaterThanOrEqual(11 - 1e-6);
    if (process.env.SCREENSHOTS) await screenshot(page, "folded-loop.png");

    // A click opens it into ten chunks of 200 copies, where the box was.
    await clickText(page, texts, /^× 2000/);
    expect(await drawnCount(page)).toBe(first - 1 + 10);
    const opened = await drawnTexts(page);
    // The chunks sit where the box was (the middle ones are in view, at the same zoom).
    const chunks = opened.filter((d) => /^× 200 \(\d+–\d+\): mul, add · L4$/.test(d.text));
    expect(chunks.length, opened.map((d) => d.text).join(" | ")).toBeGreaterThanOrEqual(2);
    expect(Math.min(...chunks.map((c) => Math.hypot(c.x - loopBox!.x, c.y - loopBox!.y)))).toBeLessThan(250);

    // A chunk opens into ten chunks of 20, and one of those into its 20 copies' nodes (80).
    await clickText(page, opened, /^× 200 \(/);
    const deeper = await drawnTexts(page);
    const twenty = lastOf(deeper, (d) => /^× 20 \(/.test(d.text))!;
    await clickText(page, deeper, /^× 20 \(/);
    // 80 nodes: cytoscape now draws from textures (no fillText to measure), the count says it.
    const expanded = await drawnCount(page);
    expect(expanded).toBe(first - 1 + 10 - 1 + 10 - 1 + 80);

    // Select a node inside (by the search box), then "-" closes the group around it; twice more restores the first view.
    const from = /\((\d+)–/.exec(twenty.text)![1];
    await page.locator("input.search").fill(`mul @ L4 #${from}`);
    await page.locator("input.search").press("Enter");
    for (const expected of [first - 1 + 10 - 1 + 10, first - 1 + 10, first]) {
      const before = await drawnCount(page);
      await page.locator(".graph-canvas").press("-");
      await waitForExpression(page, `Number(document.querySelector(".graph-canvas").dataset.drawn) !== ${before}`);
      expect(await drawnCount(page)).toBe(expected);
    }
  });

  it("stepping backward highlights the folded group holding the node being run", async () => {
    const page = await open(loop);
    const canvas = page.locator(".graph-canvas");
    await canvas.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    await settle(page);
    // Step 1 runs SumBackward0 (drawn on its own); step 2 the last copy's AddBackward0, inside the folded loop.
    expect(await canvas.getAttribute("data-step")).toMatch(/^n\d+$/);
    await page.keyboard.press("ArrowRight");
    await settle(page);
    expect(await canvas.getAttribute("data-step")).toMatch(/^R:/);
  });

  it("a training loop of helper functions folds each call into a box labelled by name and call line", async () => {
    const page = await open(helpers);
    const texts = await drawnTexts(page);
    const labels = texts.map((d) => d.text);
    // The last call: layer() twice and mse() on line 12, each one legible box; their ops are inside.
    // layer(layer(X, w1), w2): the two calls on one line are told apart by their columns.
    const line12 = HELPERS.split("\n")[11]!;
    const cols = [line12.indexOf("layer("), line12.lastIndexOf("layer(")].map((c) => c + 1);
    for (const l of [`layer() @ L12:${cols[0]}`, `layer() @ L12:${cols[1]}`, "mse() @ L12"]) expect(labels, labels.join(" | ")).toContain(l);
    expect(labels.some((l) => /^tanh @/.test(l))).toBe(false);
    expect(Math.min(...texts.map((d) => d.px))).toBeGreaterThanOrEqual(11 - 1e-6);
    if (process.env.SCREENSHOTS) await screenshot(page, "folded-calls.png");
    // A click opens mse() in place: its ops appear, legible; "-" on one of them closes it again.
    const first = await drawnCount(page);
    await clickText(page, texts, /^mse\(\) @ L12$/);
    const opened = await drawnTexts(page);
    const names = opened.map((d) => d.text);
    expect(names.some((l) => /^(sub|pow|mean) @ L8/.test(l)), names.join(" | ")).toBe(true);
    expect(Math.min(...opened.map((d) => d.px))).toBeGreaterThanOrEqual(11 - 1e-6);
    // Its three ops and their three results (the last is the loss).
    expect(await drawnCount(page)).toBe(first - 1 + 6);
    await page.locator("input.search").fill("pow @ L8");
    await page.locator("input.search").press("Enter");
    const before = await drawnCount(page);
    await page.locator(".graph-canvas").press("-");
    await waitForExpression(page, `Number(document.querySelector(".graph-canvas").dataset.drawn) !== ${before}`);
    expect(await drawnCount(page)).toBe(first);
    // All calls: 20 iterations of the same calls fold into one repeat box.
    await page.locator("button", { hasText: /^All calls$/ }).click();
    await settle(page);
    const all = (await drawnTexts(page)).map((d) => d.text);
    expect(all.some((l) => /^× 20: layer\(\) @ L12:\d+/.test(l)), all.join(" | ")).toBe(true);
  });

  it("a training loop of nn.Sequential folds each Linear call with its weight and bias", async () => {
    // Half width: the output end, legible, with the last layers folded.
    const half = await open(mlp);
    const seen = await drawnTexts(half);
    expect(seen.map((d) => d.text)).toContain("4: Linear");
    expect(seen.map((d) => d.text)).not.toContain("4.weight");
    expect(Math.min(...seen.map((d) => d.px))).toBeGreaterThanOrEqual(11 - 1e-6);
    // Maximized: the whole call.
    const page = await open(mlp, 1400, 860);
    const texts = await drawnTexts(page);
    const labels = texts.map((d) => d.text);
    for (const l of ["0: Linear", "2: Linear", "4: Linear", "Sequential"]) expect(labels, labels.join(" | ")).toContain(l);
    expect(labels).not.toContain("0.weight");
    expect(Math.min(...texts.map((d) => d.px))).toBeGreaterThanOrEqual(11 - 1e-6);
    if (process.env.SCREENSHOTS) await screenshot(page, "folded-mlp.png");
    await clickText(page, texts, /^0: Linear$/);
    const opened = (await drawnTexts(page)).map((d) => d.text);
    expect(opened, opened.join(" | ")).toContain("0.weight");
    expect(opened).toContain("0.bias");
    // The Fold toggle draws every node; again, folds them back.
    const fold = page.locator(".toolbar button", { hasText: /^Fold$/ });
    expect(await fold.getAttribute("aria-pressed")).toBe("true");
    const folded = await drawnCount(page);
    await fold.click();
    await waitForExpression(page, `Number(document.querySelector(".graph-canvas").dataset.drawn) > ${folded}`);
    expect(await fold.getAttribute("aria-pressed")).toBe("false");
    expect((await drawnTexts(page)).map((d) => d.text)).toContain("4.weight");
  });
});

// The Landscape tab (issue 6) in Chromium, on the standalone page built from real traces: the
// textbook's contour plot with its minimum at (0, 0), the arrow at (2, 2) along (−0.8, −0.8),
// gradient descent that goes down at lr 0.5 and diverges at lr 6, the surface view, a one-input
// curve with its tangent, the input picker for three leaves, exports, the time limit, and no tab
// for a snippet without a scalar output — with no CSP violation, page error or network request.
// Needs the built dist/ (npm test builds first).
//
// SCREENSHOTS=1 also writes docs/landscape-light.png, docs/landscape-dark.png (the page) and
// docs/landscape-surface.png (the plot, surface view).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { launchBrowser, openSnapshot, screenshot, settle, traceSnippet, TRAINING, waitForExpression, type OpenedPage, usePages } from "./harness";

const TEXTBOOK = path.resolve("examples/autograd-basics.ts");

const ONE_INPUT = `import { torch } from "autograd-lens";
const w = torch.tensor(1.5, { requiresGrad: true });
const loss = w.pow(3).sub(w.mul(2));
loss.backward();
`;

const THREE_LEAVES = `import { torch } from "autograd-lens";
const a = torch.tensor(1, { requiresGrad: true });
const b = torch.tensor(-2, { requiresGrad: true });
const c = torch.tensor(0.5, { requiresGrad: true });
const f = a.square().add(b.square().mul(2)).add(c.square().mul(3));
f.backward();
`;

const VECTOR_OUTPUT = `import { torch } from "autograd-lens";
const x = torch.tensor([1, 2, 3], { requiresGrad: true });
const y = x.mul(2);
y.backward(torch.ones(3));
`;

/** f(a, b) through a chain of 3,600 ops: slow to evaluate on a fine grid. */
const LONG_CHAIN = `import { torch } from "autograd-lens";
const a = torch.tensor(0.5, { requiresGrad: true });
const b = torch.tensor(-0.5, { requiresGrad: true });
let h = a.mul(b);
for (let i = 0; i < 1200; i++) h = h.mul(0.999).add(b.mul(0.001));
const loss = h.square();
loss.backward();
`;

const MATRIX_LEAF = `import { torch } from "autograd-lens";
const W = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
const loss = W.square().mul(torch.tensor([[1, 2], [3, 4]])).sum();
loss.backward();
`;

/** Rosenbrock's banana near its minimum: f ≥ 0 over six decades of the default range. */
const ROSENBROCK = `import { torch } from "autograd-lens";
const x = torch.tensor(0.9, { requiresGrad: true });
const y = torch.tensor(0.8, { requiresGrad: true });
const f = torch.rsub(x, 1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
f.backward();
`;

let browser: Browser;
let textbook: GraphSnapshot;
// Every test: no CSP violation, console error, page error, dialog or network request.
const { track } = usePages();

beforeAll(async () => {
  [browser, textbook] = await Promise.all([launchBrowser(), traceSnippet(fs.readFileSync(TEXTBOOK, "utf8"), TEXTBOOK)]);
  expect(textbook.error).toBeUndefined();
  expect(textbook.program?.unavailable).toBeUndefined();
});
afterAll(async () => {
  await browser?.close();
});

async function open(snapshot: GraphSnapshot, options: { colorScheme?: "light" | "dark" } = {}): Promise<OpenedPage> {
  const p = await openSnapshot(browser, snapshot, { width: 1400, height: 1000, ...options });
  track(p);
  await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
  return p;
}

const tab = (page: Page) => page.getByRole("tab", { name: "Landscape" });
const panelState = (page: Page) => page.evaluate(`document.querySelector(".landscape-panel").dataset.state`) as Promise<string>;

async function showLandscape(page: Page): Promise<void> {
  await tab(page).click();
  await waitForExpression(page, `["ready", "error", "cancelled"].includes(document.querySelector(".landscape-panel").dataset.state)`, 30_000);
  await settle(page);
}

/** The raw value (JSON in data-value) of a readout entry. */
async function readout<T>(page: Page, key: string): Promise<T> {
  return JSON.parse((await page.locator(`.ls-readout dd[data-key="${key}"]`).getAttribute("data-value"))!) as T;
}

const readoutText = (page: Page, key: string) => page.locator(`.ls-readout dd[data-key="${key}"]`).innerText();

/** f per row of the descent table (data-value holds the full number). */
async function tableValues(page: Page): Promise<number[]> {
  return (await page.locator(".ls-table tbody tr[data-step]").evaluateAll((rows) => rows.map((r) => Number((r as unknown as { dataset: { value: string } }).dataset.value)))) as number[];
}

async function runSteps(page: Page, lr: number, steps: number): Promise<void> {
  await page.getByLabel("Learning rate").fill(String(lr));
  await page.getByLabel("Learning rate").press("Enter");
  await page.getByLabel("N (steps)").fill(String(steps));
  const rows = page.locator(".ls-table tbody tr[data-step]");
  await page.getByRole("button", { name: "Run N steps" }).click();
  await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(1);
}

describe("Landscape tab", () => {
  it("textbook: a contour plot with its minimum at (0, 0), the arrow at (2, 2) along (−0.8, −0.8)", async () => {
    const { page } = await open(textbook);
    expect(await tab(page).getAttribute("aria-selected")).toBe("false");
    await showLandscape(page);
    expect(await panelState(page)).toBe("ready");
    expect(await page.locator(".ls-heading").innerText()).toBe("f = x7 as a function of x1 and x2");
    expect(await page.locator("svg.ls-plot").getAttribute("data-kind")).toBe("contour");
    expect(await page.locator("svg.ls-plot .ls-colorbar").getAttribute("data-scale")).toBe("linear");
    // The readouts, in the DOM.
    expect(await readout<number[]>(page, "point")).toEqual([2, 2]);
    expect(await readout<number>(page, "value")).toBeCloseTo(-3.4, 5);
    expect(await readoutText(page, "grad")).toBe("(0.8, 0.8)");
    expect(await readoutText(page, "neg-grad")).toBe("(−0.8, −0.8)");
    // The lowest grid sample is (0, 0), the middle of the default 61 × 61 grid over [−3, 3]².
    const min = await readout<{ point: number[]; value: number; i: number; j: number }>(page, "grid-min");
    expect(min.point).toEqual([0, 0]);
    expect(min.value).toBeCloseTo(-5, 5);
    expect([min.i, min.j]).toEqual([30, 30]);
    expect(await page.locator(".ls-min").getAttribute("data-i")).toBe("30");
    // Contour lines and the banded image are drawn; the bands image is a PNG.
    expect(await page.locator(".ls-contours path").count()).toBeGreaterThan(4);
    expect(await page.locator("image.ls-bands").getAttribute("href")).toMatch(/^data:image\/png;base64,/);
    // The arrow: drawn from the point (2, 2) along −∇f = (−0.8, −0.8), with its components written.
    const arrow = page.locator("svg.ls-plot .ls-arrow");
    expect(await arrow.getAttribute("data-x")).toBe("2");
    expect(await arrow.getAttribute("data-y")).toBe("2");
    expect(Number(await arrow.getAttribute("data-dx"))).toBeCloseTo(-0.8, 5);
    expect(Number(await arrow.getAttribute("data-dy"))).toBeCloseTo(-0.8, 5);
    expect(await arrow.locator("text").textContent()).toBe("−∇f = (−0.8, −0.8)");
    // On screen it points down-left (towards the minimum): x decreases, y (downwards) increases.
    const line = arrow.locator("line").nth(1);
    const [x1, y1, x2, y2] = await Promise.all(["x1", "y1", "x2", "y2"].map(async (a) => Number(await line.getAttribute(a))));
    expect(x2!).toBeLessThan(x1!);
    expect(y2!).toBeGreaterThan(y1!);
    expect(Math.abs(x2! - x1! + (y2! - y1!))).toBeLessThan(0.05); // 45°: the components are equal
    const dot = page.locator("svg.ls-plot circle.ls-point");
    expect(await dot.getAttribute("fill")).toBe("#ffffff");
    expect([Number(await dot.getAttribute("cx")), Number(await dot.getAttribute("cy"))]).toEqual([x1, y1]);
    expect(await page.locator(".ls-status").innerText()).toMatch(/^61 × 61 grid evaluated in \d+ ms/);
  });

  it("textbook: ten SGD steps at lr 0.5 reduce f at every step; lr 6 diverges and says so", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    await runSteps(page, 0.5, 10);
    const values = await tableValues(page);
    expect(values).toHaveLength(11);
    expect(values[0]).toBeCloseTo(-3.4, 5);
    for (let k = 1; k < values.length; k++) expect(values[k]!).toBeLessThan(values[k - 1]!);
    // x ← x − 0.5 · 0.4x = 0.8x: after ten steps 2 · 0.8^10
    const last = page.locator(".ls-table tbody tr[data-step='10'] td");
    expect(Number((await last.nth(0).innerText()).replace("−", "-"))).toBeCloseTo(2 * 0.8 ** 10, 3);
    expect(await page.locator(".ls-verdict").innerText()).toBe("f decreased at every step, from −3.4 to −4.982.");
    expect(await page.locator("svg.ls-plot .ls-path.current").getAttribute("data-steps")).toBe("10");
    expect(await page.locator("svg.ls-plot .ls-path.current circle").count()).toBe(10);

    // A new rate starts a new path: x ← x − 6 · 0.4x = −1.4x, f grows; the engine stops the run
    // after five rises in a row.
    await runSteps(page, 6, 10);
    const grown = await tableValues(page);
    expect(grown).toHaveLength(6);
    for (let k = 1; k < grown.length; k++) expect(grown[k]!).toBeGreaterThan(grown[k - 1]!);
    // x₅ = 2 · (−1.4)⁵ ≈ −10.76 (both inputs): f = 0.4 · 10.76² − 5 ≈ 41.28
    expect(grown[5]!).toBeCloseTo(0.4 * (2 * 1.4 ** 5) ** 2 - 5, 2);
    const verdict = page.locator(".ls-verdict");
    expect(await verdict.getAttribute("data-kind")).toBe("diverged");
    expect(await verdict.innerText()).toMatch(
      /^Diverged: f grew from −3\.4 to 41\.2\d in 5 steps; the learning rate is too large\. Stopped: the value rose 5 steps in a row, above its start value \(learning rate too large\?\)\.$/,
    );
    expect(await verdict.evaluate((e) => (e as unknown as { className: string }).className)).toContain("error");
  });

  it("Step adds one step at a time; momentum and Adam draw their own paths next to SGD's", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    await page.getByLabel("Learning rate").fill("0.5");
    const rows = page.locator(".ls-table tbody tr[data-step]");
    for (let k = 1; k <= 3; k++) {
      await page.getByRole("button", { name: "Step", exact: true }).click();
      await expect.poll(() => rows.count()).toBe(k + 1);
    }
    expect((await tableValues(page))[1]).toBeCloseTo(0.4 * (2 * 0.8) ** 2 - 5, 4);
    await page.getByLabel("Method").selectOption("adam");
    await expect.poll(() => rows.count()).toBe(0);
    await page.getByLabel("Learning rate").fill("0.3");
    await page.getByLabel("N (steps)").fill("20");
    await page.getByRole("button", { name: "Run N steps" }).click();
    await expect.poll(() => rows.count()).toBe(21);
    expect(await page.locator(".ls-table caption").innerText()).toBe("Descent steps (Adam, lr 0.3)");
    // Adam's first step moves each coordinate by about lr.
    const x1 = Number((await page.locator(".ls-table tbody tr[data-step='1'] td").first().innerText()).replace("−", "-"));
    expect(x1).toBeCloseTo(1.7, 2);
    expect(await page.locator("svg.ls-plot .ls-path").count()).toBe(2);
    expect(await page.locator("svg.ls-plot .ls-path.method-sgd").getAttribute("data-steps")).toBe("3");
    expect(await page.locator("svg.ls-plot .ls-path.method-adam.current").getAttribute("data-steps")).toBe("20");
    expect(await page.locator(".ls-legend").innerText()).toMatch(/SGD path[\s\S]*Adam path/);
  });

  it("the surface view: a shaded mesh with the point, turned by the arrow keys", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    await page.getByRole("button", { name: "Surface" }).click();
    const plot = page.locator("svg.ls-plot");
    expect(await plot.getAttribute("data-kind")).toBe("surface");
    expect(await page.locator(".ls-mesh polygon").count()).toBeGreaterThan(500);
    expect(await page.locator("svg.ls-plot circle.ls-point").count()).toBe(1);
    expect(await page.locator("svg.ls-plot .ls-arrow text").textContent()).toBe("−∇f = (−0.8, −0.8)");
    const before = await page.locator("svg.ls-plot circle.ls-point").getAttribute("cx");
    const host = page.getByRole("group", { name: /Surface: drag or use the arrow keys/ });
    await host.focus();
    await host.press("ArrowRight");
    await host.press("ArrowRight");
    expect(await page.locator("svg.ls-plot circle.ls-point").getAttribute("cx")).not.toBe(before);
    await host.press("Home");
    expect(await page.locator("svg.ls-plot circle.ls-point").getAttribute("cx")).toBe(before);
    // The arrow keys turned the surface, not the backward stepper.
    expect(await page.locator(".progress-text").innerText()).toMatch(/^step 8 of 8$/);
  });

  it("exports the plot as PNG and SVG through the host's save path", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    const [svgDl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "SVG" }).click()]);
    expect(svgDl.suggestedFilename()).toBe("autograd-basics.landscape.svg");
    const svgText = fs.readFileSync((await svgDl.path())!, "utf8");
    expect(svgText).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svgText).toContain("−∇f = (−0.8, −0.8)");
    expect(svgText).not.toContain("var(--");
    const [pngDl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "PNG" }).click()]);
    expect(pngDl.suggestedFilename()).toBe("autograd-basics.landscape.png");
    const png = fs.readFileSync((await pngDl.path())!);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1040); // 520 px wide at 2×
    expect(png.length).toBeGreaterThan(20_000);
  });

  it("one input: the curve and its tangent with slope f′", async () => {
    const { page } = await open(await traceSnippet(ONE_INPUT));
    await showLandscape(page);
    expect(await page.locator("svg.ls-plot").getAttribute("data-kind")).toBe("curve");
    expect(await page.locator(".ls-heading").innerText()).toBe("f = loss as a function of w");
    expect(await page.getByRole("button", { name: "Surface" }).isVisible()).toBe(false);
    // f = w³ − 2w at 1.5: f = 0.375, f′ = 3w² − 2 = 4.75
    expect(await readout<number>(page, "value")).toBeCloseTo(0.375, 5);
    expect(await readoutText(page, "grad")).toBe("4.75");
    const tangent = page.locator("svg.ls-plot line.ls-tangent");
    expect(Number(await tangent.getAttribute("data-slope"))).toBeCloseTo(4.75, 5);
    expect(await page.locator("svg.ls-plot path.ls-curve").getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){200}$/);
    // The tangent touches the curve at the point: the dot lies on the tangent line.
    const dot = page.locator("svg.ls-plot circle.ls-point");
    const [cx, cy] = [Number(await dot.getAttribute("cx")), Number(await dot.getAttribute("cy"))];
    const [x1, y1, x2, y2] = await Promise.all(["x1", "y1", "x2", "y2"].map(async (a) => Number(await tangent.getAttribute(a))));
    expect((x1! + x2!) / 2).toBeCloseTo(cx, 1);
    expect((y1! + y2!) / 2).toBeCloseTo(cy, 1);
    expect(y2!).toBeLessThan(y1!); // rising to the right (positive slope; screen y points down)
    expect(await page.locator("svg.ls-plot .ls-arrow text").textContent()).toBe("−f′ = −4.75");
  });

  it("a loss spanning decades (Rosenbrock) gets a logarithmic colour scale, so its valley shows", async () => {
    const { page } = await open(await traceSnippet(ROSENBROCK));
    await showLandscape(page);
    expect(await page.locator(".ls-heading").innerText()).toBe("f as a function of x and y");
    const bar = page.locator("svg.ls-plot .ls-colorbar");
    expect(await bar.getAttribute("data-scale")).toBe("log");
    expect(await bar.innerHTML()).toContain("log scale");
    // Contour lines at powers of ten, each drawn where f crosses it.
    const levels = (await page.locator("svg.ls-plot .ls-contours path").evaluateAll((ps) => ps.map((p) => Number((p as unknown as { dataset: { level: string } }).dataset.level))));
    expect(levels.length).toBeGreaterThanOrEqual(5);
    for (const v of levels) expect(Math.log10(v) % 1).toBeCloseTo(0, 9);
  });

  it("equal scales by default when both inputs still show; off when one range is 100× the other, and the box turns them on", async () => {
    const near = `import { torch } from "autograd-lens";
const a = torch.tensor(12, { requiresGrad: true });
const b = torch.tensor(1, { requiresGrad: true });
const f = a.square().add(b.square().mul(50));
f.backward();
`;
    const { page } = await open(await traceSnippet(near));
    await showLandscape(page);
    const box = page.getByLabel(/Equal scales/);
    expect(await box.isChecked()).toBe(true);
    // a's default half-width 20 (1.5 × 12, rounded up), b's 2: both get 20.
    expect(await page.getByLabel("a from").inputValue()).toBe("-20");
    expect(await page.getByLabel("b from").inputValue()).toBe("-20");
    expect(await page.getByLabel("b to").inputValue()).toBe("20");
    // Typing a range of another width turns the box off.
    await page.getByLabel("b to").fill("5");
    await page.getByLabel("b to").dispatchEvent("change");
    expect(await box.isChecked()).toBe(false);

    const far = near.replace("tensor(12,", "tensor(150,");
    const second = await open(await traceSnippet(far));
    await showLandscape(second.page);
    const box2 = second.page.getByLabel(/Equal scales/);
    expect(await box2.isChecked()).toBe(false);
    expect(await second.page.getByLabel("b from").inputValue()).toBe("-2");
    await box2.check();
    await waitForExpression(second.page, `document.querySelector(".landscape-panel").dataset.state === "ready"`);
    expect(await second.page.getByLabel("a from").inputValue()).toBe("-300");
    expect(await second.page.getByLabel("b from").inputValue()).toBe("-300");
  });

  it("three scalar leaves: a picker for two of them (the first two by default), a curve for one", async () => {
    const { page } = await open(await traceSnippet(THREE_LEAVES));
    await showLandscape(page);
    const x = page.getByLabel("Horizontal axis");
    const y = page.getByLabel("Vertical axis");
    expect(await x.isVisible()).toBe(true);
    expect(await x.locator("option").allInnerTexts()).toEqual(["a = 1", "b = −2", "c = 0.5"]);
    expect(await x.inputValue()).toBe("0");
    expect(await y.inputValue()).toBe("1");
    expect(await page.locator(".ls-heading").innerText()).toBe("f as a function of a and b");
    expect(await readoutText(page, "grad")).toBe("(2, −8)");
    await y.selectOption({ label: "c = 0.5" });
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready"`);
    expect(await page.locator(".ls-heading").innerText()).toBe("f as a function of a and c");
    expect(await readoutText(page, "grad")).toBe("(2, 3)");
    // min of a² + 3c² (+ 8 from b) on the grid at (0, 0)
    expect((await readout<{ point: number[] }>(page, "grid-min")).point).toEqual([0, 0]);
    await y.selectOption({ label: "none (a curve)" });
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready" && document.querySelector("svg.ls-plot").dataset.kind === "curve"`);
    expect(await page.locator(".ls-heading").innerText()).toBe("f as a function of a");
  });

  it("elements of a larger leaf: picked like scalars, the others held at their values", async () => {
    const { page } = await open(await traceSnippet(MATRIX_LEAF));
    await showLandscape(page);
    const x = page.getByLabel("Horizontal axis");
    expect(await x.locator("option").allInnerTexts()).toEqual(["W[0, 0] = 1", "W[0, 1] = 2", "W[1, 0] = 3", "W[1, 1] = 4"]);
    expect(await page.locator(".ls-heading").innerText()).toBe("f = loss as a function of W[0, 0] and W[0, 1]");
    // f = Σ c·W² with c = [[1, 2], [3, 4]]: ∂f/∂W[0, 0] = 2·1·1, ∂f/∂W[0, 1] = 2·2·2
    expect(await readoutText(page, "grad")).toBe("(2, 8)");
    await page.getByLabel("Vertical axis").selectOption({ label: "W[1, 1] = 4" });
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready" && document.querySelector(".ls-heading").textContent.includes("W[1, 1]")`);
    expect(await readoutText(page, "grad")).toBe("(2, 32)");
    // W[0, 1] and W[1, 0] stay at 2 and 3: the lowest grid value is 2·4 + 3·9 = 35 at (0, 0)
    const min = await readout<{ point: number[]; value: number }>(page, "grid-min");
    expect(min.point).toEqual([0, 0]);
    expect(min.value).toBeCloseTo(35, 4);
  });

  it("a training loop: the landscape of the last loss around the trained w", async () => {
    const { page } = await open(await traceSnippet(TRAINING));
    await showLandscape(page);
    expect(await page.locator("svg.ls-plot").getAttribute("data-kind")).toBe("curve");
    // w after five SGD steps (the last forward reads it): the point is that w, not 0.5.
    const w = (await readout<number[]>(page, "point"))[0]!;
    let expected = 0.5;
    for (let i = 0; i < 5; i++) expected -= 0.02 * 6 * (3 * expected - 6);
    expect(w).toBeCloseTo(expected, 5);
    expect(await readout<number>(page, "value")).toBeCloseTo((3 * expected - 6) ** 2, 3);
  });

  it("a time limit stops a long evaluation with a message; Cancel stops one too", async () => {
    const { page } = await open(await traceSnippet(LONG_CHAIN));
    await showLandscape(page);
    expect(await panelState(page)).toBe("ready");
    // 401 × 401 points through 3,600 ops: seconds of work, stopped at 0.05 s.
    await page.getByLabel("Time limit (s)").fill("0.05");
    await page.getByLabel("Resolution").selectOption("401");
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "cancelled"`);
    expect(await page.locator(".ls-status").innerText()).toBe("Stopped: the grid took longer than the time limit (0.05 s). Lower the resolution or raise the limit.");
    expect(await page.getByRole("button", { name: "Cancel" }).isDisabled()).toBe(true);
    // With time to spare, Cancel stops it.
    await page.getByLabel("Time limit (s)").fill("60");
    await page.getByRole("button", { name: "Draw" }).click();
    expect(await panelState(page)).toBe("computing");
    await page.getByRole("button", { name: "Cancel" }).click();
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "cancelled"`);
    expect(await page.locator(".ls-status").innerText()).toBe("Cancelled (by you).");
    // And drawing again works after a cancel (a fresh worker).
    await page.getByLabel("Resolution").selectOption("41");
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready"`, 30_000);
    expect(await page.locator(".ls-status").innerText()).toMatch(/^41 × 41 grid evaluated in \d+ ms/);
  });

  it("a click on the plot (or the point's inputs) moves the point: new f, gradient and arrow", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    // (−1, 1) on the default [−3, 3]² plot: the plot area starts at (58, 16) and is 372 wide (viewBox units).
    const box = (await page.locator("svg.ls-plot").boundingBox())!;
    const k = box.width / 520;
    await page.locator("svg.ls-plot").click({ position: { x: (58 + (372 * 2) / 6) * k, y: (16 + (372 * 2) / 6) * k } });
    await expect.poll(() => readoutText(page, "grad")).toBe("(−0.4, 0.4)");
    expect(await readout<number[]>(page, "point")).toEqual([-1, 1]);
    expect(await readout<number>(page, "value")).toBeCloseTo(0.4 - 5, 5);
    expect(await page.locator("svg.ls-plot .ls-arrow text").textContent()).toBe("−∇f = (0.4, −0.4)");
    // Descent starts there now.
    await runSteps(page, 0.5, 2);
    expect((await tableValues(page))[0]).toBeCloseTo(-4.6, 5);
    // The inputs do the same from the keyboard; "Back to the traced point" returns to (2, 2).
    await page.getByLabel("Point: x2").fill("0");
    await page.getByLabel("Point: x2").press("Enter");
    await expect.poll(() => readoutText(page, "grad")).toBe("(−0.4, 0)");
    expect(await page.locator(".ls-table tbody tr[data-step]").count()).toBe(0);
    await page.getByRole("button", { name: "Back to the traced point" }).click();
    await expect.poll(() => readoutText(page, "grad")).toBe("(0.8, 0.8)");
  });

  it("a range typed in redraws; a bad range says what is wrong", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    await page.getByLabel("x1 from").fill("1");
    await page.getByLabel("x1 from").press("Enter");
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready" && document.querySelector('.ls-readout dd[data-key="grid-min"]').dataset.value.includes('"point":[1,0]')`);
    await page.getByLabel("x2 to").fill("-5");
    await page.getByLabel("x2 to").press("Enter");
    expect(await page.locator(".ls-status").innerText()).toBe('The range of x2 needs two numbers, "from" below "to".');
  });

  it("a new trace of the same snippet keeps the tab, the inputs and the range; a different one starts over", async () => {
    const { page } = await open(await traceSnippet(THREE_LEAVES));
    await showLandscape(page);
    await page.getByLabel("Vertical axis").selectOption({ label: "c = 0.5" });
    await page.getByLabel("a from").fill("-1");
    await page.getByLabel("a from").press("Enter");
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready"`);
    // The host sends a new snapshot (VS Code does on save); the standalone page takes one posted to itself.
    const again = await traceSnippet(THREE_LEAVES.replace("0.5", "0.25"));
    await page.evaluate(`window.postMessage(${JSON.stringify({ type: "snapshot", snapshot: encodeSnapshot(again) })}, "*")`);
    await waitForExpression(page, `document.querySelector(".ls-readout dd[data-key='point']")?.dataset.value === "[1,0.25]" && document.querySelector(".landscape-panel").dataset.state === "ready"`);
    expect(await tab(page).getAttribute("aria-selected")).toBe("true");
    expect(await page.locator(".ls-heading").innerText()).toBe("f as a function of a and c");
    expect(await page.getByLabel("a from").inputValue()).toBe("-1");
    const other = await traceSnippet(ONE_INPUT);
    await page.evaluate(`window.postMessage(${JSON.stringify({ type: "snapshot", snapshot: encodeSnapshot(other) })}, "*")`);
    await waitForExpression(page, `document.querySelector(".ls-heading").textContent === "f = loss as a function of w" && document.querySelector(".landscape-panel").dataset.state === "ready"`);
    expect(await page.getByLabel("w from").inputValue()).toBe("-3");
  });

  it("no Landscape tab for a snippet without a scalar output", async () => {
    const { page } = await open(await traceSnippet(VECTOR_OUTPUT));
    expect(await page.getByRole("tab").count()).toBe(0);
    expect(await page.locator(".view-tabs").isVisible()).toBe(false);
    expect(await page.locator(".graph-pane").isVisible()).toBe(true);
    expect(await page.locator(".graph-pane").getAttribute("role")).toBeNull();
  });

  it("a program that cannot be re-run: the tab is there but disabled, its tooltip says why", async () => {
    const s = structuredClone(textbook);
    s.program = { unavailable: "recording stopped at the node cap (5 grad_fn nodes)", leaves: {}, constants: {}, ops: [] };
    const { page } = await open(s);
    const t = tab(page);
    expect(await t.getAttribute("aria-disabled")).toBe("true");
    expect(await t.getAttribute("title")).toBe("The landscape cannot be drawn: recording stopped at the node cap (5 grad_fn nodes)");
    await t.click({ force: true }); // (playwright waits for aria-disabled elements to be enabled)
    expect(await t.getAttribute("aria-selected")).toBe("false");
    expect(await page.locator(".landscape-panel").isVisible()).toBe(false);
    expect(await page.locator(".status").innerText()).toBe("The landscape cannot be drawn: recording stopped at the node cap (5 grad_fn nodes)");
  });

  it("an evaluation that fails says why (the tab itself stays usable)", async () => {
    const s = structuredClone(textbook);
    const pow = s.program!.ops.find((o) => o.op === "PowBackward0")!;
    pow.attrs = { exponent: "two" };
    const { page } = await open(s);
    await showLandscape(page);
    expect(await panelState(page)).toBe("error");
    expect(await page.locator(".ls-status").innerText()).toMatch(/^Cannot draw: re-running PowBackward0 \(node n\d+, line 8\) failed: .*exponent/);
    expect(await page.locator("svg.ls-plot").count()).toBe(1);
  });

  it("keyboard: the tabs move with the arrow keys and the graph comes back", async () => {
    const { page } = await open(textbook);
    await page.getByRole("tab", { name: "Graph" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await tab(page).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Landscape");
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready"`);
    expect(await page.locator(".graph-pane").isVisible()).toBe(false);
    expect(await page.getByRole("tabpanel", { name: "Landscape" }).isVisible()).toBe(true);
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tabpanel", { name: "Graph" }).isVisible()).toBe(true);
    expect(await page.locator(".graph-pane").isVisible()).toBe(true);
    expect(await page.locator(".landscape-panel").isVisible()).toBe(false);
  });

  it("the chosen tab comes back after the page reloads (VS Code reloads a hidden webview)", async () => {
    const { page } = await open(textbook);
    await showLandscape(page);
    await page.reload();
    await waitForExpression(page, `document.querySelector(".landscape-panel")?.dataset.state === "ready"`, 30_000);
    expect(await tab(page).getAttribute("aria-selected")).toBe("true");
    expect(await page.locator(".graph-pane").isVisible()).toBe(false);
    await page.getByRole("tab", { name: "Graph" }).click();
    await page.reload();
    await waitForExpression(page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
    expect(await tab(page).getAttribute("aria-selected")).toBe("false");
    expect(await page.locator(".graph-pane").isVisible()).toBe(true);
  });

  it.runIf(!!process.env.SCREENSHOTS)("screenshots for the README (light and dark)", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const { page } = await open(textbook, { colorScheme: scheme });
      await showLandscape(page);
      await runSteps(page, 0.5, 10);
      await settle(page);
      await screenshot(page, `landscape-${scheme}.png`);
      if (scheme === "light") {
        await page.getByRole("button", { name: "Surface" }).click();
        await settle(page);
        await page.locator(".ls-main").screenshot({ path: path.resolve("docs/landscape-surface.png") });
      }
    }
  });
});

// A Python trace in the graph view (Chromium, the webview stand-in): the header says what made the
// graph (PyTorch and its version, asked of the interpreter that traced it; our engine for a
// TypeScript snippet), and the Landscape tab works on PyTorch's recorded ops where the engine can
// re-run them honestly, and is disabled with the reason in the user's words where it cannot.
// Needs the built dist/ and /usr/bin/python3 with torch (or AUTOGRAD_LENS_TEST_PYTHON). SCREENSHOTS=1
// also writes docs/python-textbook-700x800.png and the two landscape shots.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { runPython } from "../../runner/python-runner";
import { launchBrowser, openSnapshot, screenshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";

const PYTHON = process.env["AUTOGRAD_LENS_TEST_PYTHON"] ?? "/usr/bin/python3";
const version = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
const hasTorch = version.status === 0;
const TORCH_VERSION = hasTorch ? version.stdout.trim() : "";

let browser: Browser;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  if (hasTorch) browser = await launchBrowser();
});
afterAll(async () => {
  const errors = opened.flatMap((p) => p.errors);
  await Promise.all(opened.map((p) => p.close()));
  await browser?.close();
  expect(errors).toEqual([]);
});

async function tracePython(file: string, source = fs.readFileSync(file, "utf8")): Promise<GraphSnapshot> {
  const s = await runPython({ source, fileName: file, python: PYTHON, limits: { timeoutMs: 60_000 } });
  expect(s.error).toBeUndefined();
  return s;
}

async function open(s: GraphSnapshot, width = 700, height = 800): Promise<Page> {
  const p = await openSnapshot(browser, encodeSnapshot(s), { width, height });
  opened.push(p);
  return p.page;
}

const tab = (page: Page) => page.getByRole("tab", { name: "Landscape" });

async function showLandscape(page: Page): Promise<void> {
  await tab(page).click();
  await waitForExpression(page, `["ready", "error", "cancelled"].includes(document.querySelector(".landscape-panel").dataset.state)`, 30_000);
  await settle(page);
}

const readout = async <T>(page: Page, key: string): Promise<T> => JSON.parse((await page.locator(`.ls-readout dd[data-key="${key}"]`).getAttribute("data-value"))!) as T;

describe.skipIf(!hasTorch)("a Python trace in the graph view", () => {
  it("the textbook example: the header names PyTorch and its version; the landscape of x7 over x1, x2", async () => {
    const page = await open(await tracePython(path.resolve("examples/autograd-basics.py")));
    const badge = page.locator(".badge.producer");
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.innerText()).toBe(`PyTorch ${TORCH_VERSION}`);
    expect(await badge.getAttribute("title")).toMatch(/^Recorded by PyTorch .* running your Python file/);
    expect(await page.locator(".file-name").innerText()).toBe("autograd-basics.py");
    if (process.env.SCREENSHOTS) await screenshot(page, "python-textbook-700x800.png");
    await showLandscape(page);
    expect(await page.locator(".landscape-panel").getAttribute("data-state")).toBe("ready");
    expect(await page.locator(".ls-heading").innerText()).toBe("f = x7 as a function of x1 and x2");
    expect(await readout<number[]>(page, "point")).toEqual([2, 2]);
    expect(await readout<number>(page, "value")).toBeCloseTo(-3.4, 5);
    expect(await page.locator(`.ls-readout dd[data-key="grad"]`).innerText()).toBe("(0.8, 0.8)");
    const min = await readout<{ point: number[]; value: number }>(page, "grid-min");
    expect(min.point).toEqual([0, 0]);
    expect(min.value).toBeCloseTo(-5, 5);
    if (process.env.SCREENSHOTS) await screenshot(page, "python-textbook-landscape-700x800.png");
  });

  it("a training loop (nn.Sequential + SGD), maximized: the landscape over a parameter starts at the last pass's loss", async () => {
    const s = await tracePython(path.resolve("examples/training-loop.py"));
    const page = await open(s, 1400, 900);
    expect(await page.locator(".badge.producer").innerText()).toBe(`PyTorch ${TORCH_VERSION}`);
    await showLandscape(page);
    expect(await page.locator(".landscape-panel").getAttribute("data-state")).toBe("ready");
    expect(await readout<number>(page, "value")).toBeCloseTo(s.backward[s.backward.length - 1]!.loss!, 5);
    if (process.env.SCREENSHOTS) await screenshot(page, "python-training-landscape-1400x900.png");
  });

  it("an op the engine cannot re-run as PyTorch ran it: the tab is disabled and says which variable, on which line", async () => {
    const file = path.resolve("test/runner/python/alpha.py");
    const source = ["import torch", "a = torch.tensor([1.0, 2.0], requires_grad=True)", "b = torch.tensor([3.0, 4.0], requires_grad=True)",
      "c = torch.add(a, b, alpha=2)", "loss = c.sum()", "loss.backward()", ""].join("\n");
    const page = await open(await tracePython(file, source));
    const t = tab(page);
    expect(await t.getAttribute("aria-disabled")).toBe("true");
    expect(await t.getAttribute("title")).toBe("The landscape cannot be drawn: `c` (line 4, PyTorch's AddBackward0) was made with alpha=2, which the landscape cannot re-run yet.");
  });

  it("a TypeScript trace says it was made by our engine", async () => {
    const page = await open(await traceSnippet(fs.readFileSync(path.resolve("examples/autograd-basics.ts"), "utf8"), path.resolve("examples/autograd-basics.ts")));
    expect(await page.locator(".badge.producer").innerText()).toBe("Autograd Lens engine");
  });
});

// Shared by the UI suites (ui.test.ts, ui-snapshots.test.ts, ui-webview.test.ts): the snippets
// they trace, a browser with the textbook traced, and readers of the page (outline rows, progress,
// the chain rule, the inspector, painted pixels).
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { launchBrowser, openSnapshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";

export const TEXTBOOK = path.resolve("examples/autograd-basics.ts");
export const EVIL = "<img src=x onerror=window.__pwned=1>";

export const RUNTIME_ERROR = `import { torch } from "autograd-lens";
const a = torch.tensor([1, 2, 3], { requiresGrad: true });
const b = a.mul(2).sum();
console.log("before the error", b.item());
console.warn("careful", b.grad);
const c = a.reshape(1, 3).mm(torch.ones(4, 2));
console.log(c);
`;

export const BIG = `import { torch } from "autograd-lens";
torch.manualSeed(1);
const big = torch.randn([256, 256], { requiresGrad: true });
const total = big.mul(2).sum();
total.backward();
`;

/** A chain of 800 ops: 801 tensors in the outline and some 1,600 drawn nodes (a big graph). */
export const LONG_CHAIN = `import { torch } from "autograd-lens";
const x = torch.tensor(1, { requiresGrad: true });
let h = x;
for (let i = 0; i < 400; i++) h = h.mul(1.001).add(0.001);
h.backward();
`;

export const HOSTILE = `import { torch } from "autograd-lens";
const y = torch.tensor(2, { requiresGrad: true, name: ${JSON.stringify(EVIL)} }).mul(3);
console.log(${JSON.stringify(EVIL)});
y.backward();
throw new Error(${JSON.stringify(`bad ${EVIL}`)});
`;

/** A browser and the textbook example's trace, for a suite's beforeAll. */
export async function startTextbook(): Promise<{ browser: Browser; textbook: GraphSnapshot }> {
  const [browser, textbook] = await Promise.all([launchBrowser(), traceSnippet(fs.readFileSync(TEXTBOOK, "utf8"), TEXTBOOK)]);
  expect(textbook.error).toBeUndefined();
  return { browser, textbook };
}

/** Opens the standalone page for a snapshot (tracked by the suite) and waits until the graph is drawn. */
export async function openReady(
  browser: Browser,
  track: (p: OpenedPage) => OpenedPage,
  snapshot: GraphSnapshot,
  options: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<OpenedPage> {
  const p = track(await openSnapshot(browser, snapshot, { width: 1400, height: 860, ...options }));
  await ready(p);
  return p;
}

export async function ready(p: OpenedPage): Promise<void> {
  try {
    await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the page reported: ${JSON.stringify(p.errors, null, 1)}`, { cause: e });
  }
  await settle(p.page);
}

export const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

export interface Row {
  label: string;
  grad: string;
  selected: boolean;
}

/** The outline's tensor items (level 1) with the grad each shows. */
export function tensorRows(page: Page): Promise<Row[]> {
  return page.evaluate(`[...document.querySelectorAll('.outline-tree [role=treeitem][aria-level="1"]')].map((li) => ({
    label: li.querySelector(":scope > .row .name").textContent,
    grad: li.querySelector(":scope > .row .grad")?.textContent ?? "",
    selected: li.getAttribute("aria-selected") === "true",
  }))`) as Promise<Row[]>;
}

export const progress = (page: Page) => text(page, ".progress-text");
export const ruleLines = (page: Page) => page.locator(".chain-rule .rule-line").allInnerTexts();
export const inspector = (page: Page) => text(page, ".inspector-body");
export const blur = (page: Page) => page.evaluate("document.activeElement && document.activeElement.blur()");

/** Steps through the whole call with `step()`, recording which tensors got a grad at each step. */
export async function gradOrder(page: Page, step: () => Promise<void>, total: number): Promise<string[]> {
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

export const ENGINE_ORDER = ["x7", expect.stringMatching(/^add @ L\d+$/), "x6", "x4", "x2", "x5", "x3", "x1"];
export const STEP7 = ["incoming ∂x7/∂x3 = 0.2", "local ∂x3/∂x1: grad · 2 · self = 4", "chain rule: ∂x7/∂x1 = ∂x7/∂x3 · ∂x3/∂x1 = 0.2 · 4 = 0.8"];

/** Non-transparent pixels on the graph's canvases (cytoscape draws on several layers). */
export function paintedPixels(page: Page): Promise<number> {
  return page.evaluate(`[...document.querySelectorAll(".graph-canvas canvas")].reduce((sum, c) => {
    const ctx = c.getContext("2d");
    if (!ctx || !c.width || !c.height) return sum;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return sum + n;
  }, 0)`) as Promise<number>;
}

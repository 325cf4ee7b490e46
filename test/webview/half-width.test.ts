// The half-width panel (700×800, VS Code's default side-by-side webview) keeps what a user reads
// while a training loop runs in view: with the console open, the loss plot and at least 8 console
// lines are on screen (the graph gives up room, not them), and the Landscape tab's Range controls
// sit beside the plot rather than below a scroll.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openSnapshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";

const LOOP = `import { torch } from "autograd-lens";
const w = torch.tensor(0.5, { requiresGrad: true });
const b = torch.tensor(0.1, { requiresGrad: true });
const opt = new torch.optim.SGD([w, b], { lr: 0.05 });
for (let i = 0; i < 30; i++) {
  opt.zeroGrad();
  const loss = w.mul(3).add(b).sub(6).square();
  console.log("step", i, "loss", loss.item());
  loss.backward();
  opt.step();
}
`;

let browser: Browser;
const pages: OpenedPage[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  for (const p of pages) await p.close();
  await browser?.close();
});

async function open(source: string): Promise<Page> {
  const p = await openSnapshot(browser, await traceSnippet(source), { width: 700, height: 800 });
  pages.push(p);
  await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
  await settle(p.page);
  return p.page;
}

/** The element's box clipped to the viewport: how many CSS px of its height are on screen. */
async function visibleHeight(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  })()`);
}

describe("half width (700×800)", () => {
  it("an open console shows at least 8 lines and the loss plot stays whole", async () => {
    const page = await open(LOOP);
    const plotHeight = await page.evaluate(`document.querySelector(".loss-svg").getBoundingClientRect().height`);
    expect(plotHeight).toBeGreaterThan(40);
    await page.locator(".console-toggle").click();
    await settle(page);
    expect(await visibleHeight(page, ".loss-svg")).toBeCloseTo(plotHeight as number, 0);
    // …and nothing covers or clips it: the points near its top and bottom edges are the plot's own.
    expect(await page.evaluate(`(() => {
      const r = document.querySelector(".loss-svg").getBoundingClientRect();
      const plot = document.querySelector(".loss-plot");
      return [r.top + 3, r.bottom - 3].every((y) => plot.contains(document.elementFromPoint(r.left + r.width / 2, y)));
    })()`)).toBe(true);
    // Console rows entirely on screen (each a one-line log here).
    const onScreen = await page.evaluate(`[...document.querySelectorAll(".console-row")].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= 0 && b.bottom <= innerHeight + 0.5;
    }).length`);
    expect(onScreen).toBeGreaterThanOrEqual(8);
    // The console's scroll box itself is on screen whole (its rows scroll inside it, not off the page).
    const listHeight = await page.evaluate(`document.querySelector(".console-list").getBoundingClientRect().height`);
    expect(await visibleHeight(page, ".console-list")).toBeCloseTo(listHeight as number, 0);
    // The graph keeps some room.
    expect(await visibleHeight(page, ".graph-pane")).toBeGreaterThan(100);
  });

  it("the Landscape tab's Range controls are beside the plot, in view without scrolling", async () => {
    const page = await open(`import { torch } from "autograd-lens";
const x = torch.tensor(0.9, { requiresGrad: true });
const y = torch.tensor(0.8, { requiresGrad: true });
const f = torch.rsub(x, 1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
f.backward();
`);
    await page.getByRole("tab", { name: /Landscape/ }).click();
    await waitForExpression(page, `document.querySelector(".landscape-panel").dataset.state === "ready"`, 30_000);
    await settle(page);
    const panel = (await page.locator(".landscape-panel").boundingBox())!;
    for (const label of ["x from", "y to"]) {
      const box = (await page.getByLabel(label).boundingBox())!;
      expect(box.y + box.height, `${label} is inside the visible panel`).toBeLessThanOrEqual(panel.y + panel.height);
    }
    const draw = (await page.getByRole("button", { name: "Draw" }).boundingBox())!;
    expect(draw.y + draw.height).toBeLessThanOrEqual(panel.y + panel.height);
    // Beside the plot, not under it.
    const plot = (await page.locator("svg.ls-plot").boundingBox())!;
    expect(draw.x).toBeGreaterThan(plot.x + plot.width);
  });
});

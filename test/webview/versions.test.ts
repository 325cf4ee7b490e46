// Tensors changed in place, in the graph view (Chromium, 700×800 as the VS Code panel at half
// width): each version is its own box ("w", "w (v1)"), the inspector shows the version counter, and
// a view whose storage was written after it was made says so next to its value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, openSnapshot, screenshot, settle, traceSnippet, waitForExpression } from "./harness";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const SNIPPET = `import { torch } from "autograd-lens";
const x = torch.tensor([1, 2, 3], { requiresGrad: true });
const w = x.clone();
const head = w.index("0:2");
w.mul_(2);
const y = w.sum().add(head.sum());
y.backward();
`;

describe("in-place versions in the graph view", () => {
  it("draws w and w (v1), and the inspector shows the version and why a view's value changed", async () => {
    const snapshot = await traceSnippet(SNIPPET);
    expect(snapshot.error).toBeUndefined();
    const p = await openSnapshot(browser, snapshot, { width: 700, height: 800 });
    try {
      await waitForExpression(p.page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
      // At half width the outline and the inspector are collapsed under the graph: open them.
      for (const toggle of await p.page.locator(".pane-toggle").all()) await toggle.click();
      await settle(p.page);
      const labels = (await p.page.evaluate(
        `[...document.querySelectorAll('.outline-tree [role=treeitem][aria-level="1"] > .row .name')].map((e) => e.textContent)`,
      )) as string[];
      expect(labels).toEqual(expect.arrayContaining(["w", "w (v1)", "head"]));
      await p.page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "w (v1)" }).locator(":scope > .row").click();
      const info = await p.page.locator(".inspector-body").innerText();
      expect(info).toMatch(/version\s+1/);
      expect(info).toContain("MulBackward1");
      await p.page.locator('.outline-tree [role=treeitem][aria-level="1"]', { hasText: "head" }).locator(":scope > .row").click();
      expect(await p.page.locator(".inspector-body").innerText()).toContain("changed in place after it was made (version 0 → 1)");
      await screenshot(p.page, "/tmp/autograd-lens-shots/versions-700x800.png");
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

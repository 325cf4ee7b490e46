// Accessibility as the field measures it: axe-core (the engine of Lighthouse and the browsers'
// devtools) run on the real standalone page in Chromium at 700×800 (the half-width panel), in the
// light, dark and high-contrast themes: on open, while stepping (the step's highlights, outline and
// inspector open), and grouped by line. No serious or critical violation is allowed; the
// label-content-name-mismatch rule (experimental in axe) is switched on.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { launchBrowser, openSnapshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";

const TEXTBOOK = path.resolve("examples/autograd-basics.ts");
const AXE = fs.readFileSync(path.resolve("node_modules/axe-core/axe.min.js"), "utf8");

let browser: Browser;
let textbook: GraphSnapshot;
const pages: OpenedPage[] = [];

beforeAll(async () => {
  [browser, textbook] = await Promise.all([launchBrowser(), traceSnippet(fs.readFileSync(TEXTBOOK, "utf8"), TEXTBOOK)]);
});
afterAll(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
});

interface Violation {
  id: string;
  impact: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<Violation[]> {
  // page.evaluate runs outside the page's Content Security Policy (a script tag would be refused).
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(AXE);
  return (await page.evaluate(`(async () => {
    const r = await window.axe.run(document, { rules: { "label-content-name-mismatch": { enabled: true } } });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ") + " " + (n.any[0]?.message ?? n.all[0]?.message ?? "")) }));
  })()`)) as Violation[];
}

const THEMES = {
  light: { colorScheme: "light", highContrast: false },
  dark: { colorScheme: "dark", highContrast: false },
  "high contrast": { colorScheme: "dark", highContrast: true },
} as const;

describe("axe-core at 700×800", () => {
  for (const [name, theme] of Object.entries(THEMES)) {
    it(`${name}: no serious or critical violation on open, while stepping, and grouped`, async () => {
      const p = await openSnapshot(browser, textbook, { width: 700, height: 800, colorScheme: theme.colorScheme });
      pages.push(p);
      const { page } = p;
      await waitForExpression(page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
      // VS Code's high-contrast theme: its body class (the page's CSS and the graph's theme follow it).
      if (theme.highContrast) await page.evaluate(`document.body.classList.add("vscode-dark", "vscode-high-contrast")`);
      await settle(page);
      expect(await violations(page), "on open").toEqual([]);
      // Back to the start and three steps in: the step's highlights, with the outline and inspector open.
      await page.locator("button.first").click();
      for (let i = 0; i < 3; i++) await page.locator("button.next").click();
      for (const toggle of await page.locator(".pane-toggle").all()) await toggle.click();
      await settle(page);
      expect(await page.locator(".progress-text").innerText()).toBe("step 3 of 8");
      expect(await violations(page), "stepping").toEqual([]);
      await page.locator(".toolbar button", { hasText: "Group" }).click();
      await settle(page);
      expect(await violations(page), "grouped").toEqual([]);
      expect(p.errors).toEqual([]);
    });
  }
});

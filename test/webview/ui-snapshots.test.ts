// The graph view on snapshots other than the textbook's, in Chromium: errors, big and long graphs,
// hostile names, training loops (calls and the loss plot), exports. Helpers: ui-harness.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { settle, traceSnippet, TRAINING, waitForExpression, type OpenedPage, usePages } from "./harness";
import { EVIL, RUNTIME_ERROR, BIG, LONG_CHAIN, HOSTILE, ready, text, tensorRows, progress, blur, paintedPixels, openReady, startTextbook } from "./ui-harness";

let browser: Browser;
let textbook: GraphSnapshot;
// Every test: no CSP violation, console error, page error, dialog or network request.
const { track } = usePages();
beforeAll(async () => ({ browser, textbook } = await startTextbook()));
afterAll(async () => browser?.close());
const open = (snapshot: GraphSnapshot, options?: Parameters<typeof openReady>[3]): Promise<OpenedPage> => openReady(browser, track, snapshot, options);

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

// Driving the VS Code workbench in Chromium: opening a folder, the command palette and quick picks,
// files, webview frames, hovers, the Problems panel and screenshots. Code that runs in the page is
// given to page.evaluate as a string (no DOM library in test/tsconfig.json).
import * as fs from "node:fs";
import * as path from "node:path";
import { type Browser, type Frame, type Page } from "playwright-core";
import { sleep } from "./code-server";

export { launchBrowser } from "../chromium";

export interface WorkbenchOptions {
  width?: number;
  height?: number;
  colorScheme?: "light" | "dark";
  /** How long to wait for the workbench (ms); its 19 MB bundle takes 10-30 s to boot on 2 busy cores. */
  timeout?: number;
}

/**
 * Opens `folder` in a new browser context and waits for the workbench: `.monaco-workbench`, the
 * status bar, then (unless the folder is empty) the explorer listing it, so the remote connection
 * and file service are up.
 * Page errors and console errors are collected in `pageErrors(page)`.
 */
export async function openWorkbench(browser: Browser, url: string, folder: string, options: WorkbenchOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  const errors: string[] = [];
  errorsByPage.set(page, errors);
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  const timeout = options.timeout ?? 120_000;
  const deadline = Date.now() + timeout;
  const left = (): number => Math.max(1_000, deadline - Date.now());
  await page.goto(`${url}/?folder=${encodeURIComponent(path.resolve(folder))}`, { timeout });
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: left() });
  await page.locator(".monaco-workbench .part.statusbar").waitFor({ state: "visible", timeout: left() });
  if (fs.readdirSync(folder).length > 0) {
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ state: "visible", timeout: left() });
  }
  return page;
}

const errorsByPage = new WeakMap<Page, string[]>();

/** Console errors and page errors seen on a page opened with openWorkbench (VS Code logs some of its own). */
export function pageErrors(page: Page): string[] {
  return errorsByPage.get(page) ?? [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const QUICK_INPUT = ".quick-input-widget";
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const QUICK_INPUT_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

async function openQuickInput(page: Page, key: string, timeout: number): Promise<void> {
  const input = page.locator(QUICK_INPUT_BOX);
  if (await page.locator(QUICK_INPUT).isVisible()) await page.keyboard.press("Escape");
  await page.keyboard.press(key);
  await input.waitFor({ state: "visible", timeout });
}

/**
 * Picks the row of an open quick pick whose label is `label`, and (unless `closes` is false) waits
 * until the quick pick has closed.
 */
export async function pickQuickItem(page: Page, label: string, options: { timeout?: number; closes?: boolean } = {}): Promise<void> {
  const timeout = options.timeout ?? 30_000;
  const row = page
    .locator(QUICK_INPUT_ROWS)
    .filter({ has: page.locator(".label-name").filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
  await row.waitFor({ state: "visible", timeout });
  await row.click();
  // A command that shows a quick pick of its own keeps the widget open.
  if (options.closes !== false) await page.locator(QUICK_INPUT).waitFor({ state: "hidden", timeout });
}

/**
 * Runs a command from the command palette (F1) by its exact title as the palette shows it,
 * e.g. "Autograd Lens: Show Graph" or "View: Close All Editors". Resolves with the time
 * (Date.now()) of the click that ran it, once the palette has closed.
 */
export async function runCommand(page: Page, title: string, options: { timeout?: number } = {}): Promise<number> {
  const timeout = options.timeout ?? 30_000;
  await openQuickInput(page, "F1", timeout);
  await page.locator(QUICK_INPUT_BOX).fill(`>${title}`);
  const row = page
    .locator(QUICK_INPUT_ROWS)
    .filter({ has: page.locator(".label-name").filter({ hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) })
    .first();
  try {
    await row.waitFor({ state: "visible", timeout });
  } catch {
    const shown = await page.locator(`${QUICK_INPUT_ROWS} .label-name`).allInnerTexts();
    await page.keyboard.press("Escape");
    throw new Error(`command "${title}" is not in the palette; it shows: ${JSON.stringify(shown.slice(0, 10))}`);
  }
  // The click's own time in the page (Playwright's actionability checks before it take a while under load).
  await page.evaluate(`document.addEventListener("mousedown", () => { window.__e2eClickAt = Date.now(); }, { capture: true, once: true })`);
  const before = Date.now();
  await row.click();
  await page.locator(QUICK_INPUT).waitFor({ state: "hidden", timeout });
  const clickedAt = (await page.evaluate("window.__e2eClickAt ?? null")) as number | null;
  return clickedAt ?? before;
}

/** Opens a file of the workspace by its relative path with Quick Open (Ctrl+P) and waits for its editor. */
export async function openFile(page: Page, relPath: string, options: { timeout?: number } = {}): Promise<void> {
  // The first Quick Open search of a session (ripgrep over the folder) takes seconds under load.
  const timeout = options.timeout ?? 45_000;
  const posix = relPath.split(path.sep).join("/");
  const base = path.posix.basename(posix);
  const dir = path.posix.dirname(posix);
  await openQuickInput(page, "Control+P", timeout);
  await page.locator(QUICK_INPUT_BOX).fill(posix);
  // Rows read "a.txt" with a description of its folder; take the one whose name and folder match.
  const rows = page.locator(QUICK_INPUT_ROWS).filter({ has: page.locator(".label-name").filter({ hasText: new RegExp(`^\\s*${escapeRegExp(base)}\\s*$`) }) });
  const row = dir === "." ? rows.first() : rows.filter({ has: page.locator(".label-description").filter({ hasText: dir }) }).first();
  try {
    await row.waitFor({ state: "visible", timeout });
  } catch {
    const shown = await page.locator(`${QUICK_INPUT_ROWS}`).allInnerTexts();
    await page.keyboard.press("Escape");
    throw new Error(`Quick Open found no "${relPath}"; it shows: ${JSON.stringify(shown.slice(0, 10))}`);
  }
  await row.click();
  await page.locator(QUICK_INPUT).waitFor({ state: "hidden", timeout });
  // Scoped to the active group: another group (a webview panel beside it) has an active tab too.
  await page
    .locator(".editor-group-container.active .tabs-container .tab.active")
    .filter({ hasText: base })
    .waitFor({ state: "visible", timeout });
  await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().waitFor({ state: "visible", timeout });
}

/**
 * Searches every frame of the page (webviews are an iframe holding an iframe) for one that matches:
 * a selector present in the frame's document, or a predicate. Waits until one does.
 */
export async function findWebviewFrame(page: Page, match: string | ((frame: Frame) => Promise<boolean>), options: { timeout?: number } = {}): Promise<Frame> {
  const timeout = options.timeout ?? 30_000;
  const deadline = Date.now() + timeout;
  const matches = async (frame: Frame): Promise<boolean> => {
    if (frame === page.mainFrame() || frame.isDetached()) return false;
    try {
      return typeof match === "string" ? (await frame.locator(match).count()) > 0 : await match(frame);
    } catch {
      return false; // navigating or detached meanwhile
    }
  };
  for (;;) {
    for (const frame of page.frames()) {
      if (await matches(frame)) return frame;
    }
    if (Date.now() > deadline) {
      const urls = page.frames().map((f) => f.url().slice(0, 120));
      throw new Error(`no frame matching ${typeof match === "string" ? match : "the predicate"} within ${timeout} ms; frames: ${JSON.stringify(urls)}`);
    }
    await sleep(250);
  }
}

/** The viewport position of the first visible occurrence of `text` in the active editor, or null. */
async function locateText(page: Page, text: string): Promise<{ x: number; y: number } | null> {
  const script = `(() => {
    const wanted = ${JSON.stringify(text)};
    const roots = [...document.querySelectorAll(".editor-group-container.active .monaco-editor .view-lines"), ...document.querySelectorAll(".monaco-editor .view-lines")];
    for (const root of roots) {
      if (!root.getClientRects().length) continue;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const index = node.data.replace(/\\u00a0/g, " ").indexOf(wanted);
        if (index < 0) continue;
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + wanted.length);
        const box = range.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
    }
    return null;
  })()`;
  return (await page.evaluate(script)) as { x: number; y: number } | null;
}

const HOVER = ".monaco-hover:not(.hidden)";

/**
 * Hovers the first visible occurrence of `text` in the active editor (it must lie within one
 * rendered token, e.g. a word) and returns the hover's text. With `expect`, hovers again until the
 * hover contains it (an extension's provider may register after the editor opens).
 */
export async function hoverAt(page: Page, text: string, options: { expect?: string | RegExp; timeout?: number } = {}): Promise<string> {
  const timeout = options.timeout ?? 30_000;
  const deadline = Date.now() + timeout;
  let last = "";
  for (;;) {
    const point = await locateText(page, text);
    if (point) {
      // Leave and come back, so the editor sees a fresh hover.
      await page.mouse.move(point.x, Math.max(0, point.y - 200));
      await page.keyboard.press("Escape");
      await page.mouse.move(point.x, point.y, { steps: 4 });
      try {
        const hover = page.locator(HOVER).filter({ hasText: /\S/ }).last();
        await hover.waitFor({ state: "visible", timeout: Math.min(5_000, Math.max(500, deadline - Date.now())) });
        for (let i = 0; i < 20; i++) {
          last = (await hover.innerText()).trim();
          if (!/^Loading\.\.\.$/.test(last)) break;
          await sleep(100);
        }
        const expected = options.expect;
        if (expected === undefined || (typeof expected === "string" ? last.includes(expected) : expected.test(last))) return last;
      } catch {
        // no hover yet
      }
    }
    if (Date.now() > deadline) {
      throw new Error(point ? `no ${options.expect === undefined ? "" : `"${String(options.expect)}" `}hover over "${text}" within ${timeout} ms (last hover: ${JSON.stringify(last)})` : `"${text}" is not visible in the active editor`);
    }
    await sleep(500);
  }
}

export interface Problem {
  /** The file's name as the Problems view shows it (e.g. "broken.ts"). */
  file: string;
  severity: "Error" | "Warning" | "Info";
  message: string;
  /** Who reported it: "ts", "Autograd Lens", … */
  source: string;
  /** 1-based, as the view shows them. */
  line: number;
  column: number;
}

/**
 * Opens the Problems view (bottom panel) and returns what it lists, from the rows' accessible
 * labels. Only rows rendered right now (the list is virtual; a handful of problems all render).
 */
export async function readProblems(page: Page, options: { timeout?: number } = {}): Promise<Problem[]> {
  const view = page.locator(".markers-panel");
  if (!(await view.isVisible())) {
    await runCommand(page, "Problems: Focus on Problems View", options);
    await view.waitFor({ state: "visible", timeout: options.timeout ?? 30_000 });
  }
  const labels = await page.locator(".markers-panel .monaco-list-row").evaluateAll((rows) => rows.map((row) => row.getAttribute("aria-label") ?? ""));
  const problems: Problem[] = [];
  let file = "";
  for (const label of labels) {
    const resource = /^\d+ problems? in file (.+?) of folder /.exec(label);
    if (resource) {
      file = resource[1]!;
      continue;
    }
    const marker = /^(Error|Warning|Info): ([\s\S]*) at line (\d+) and character (\d+)\. generated by (.*)$/.exec(label);
    if (marker) {
      problems.push({ file, severity: marker[1] as Problem["severity"], message: marker[2]!, line: Number(marker[3]), column: Number(marker[4]), source: marker[5]! });
    }
  }
  return problems;
}

/** Saves a screenshot of the page (the viewport) to `file`, creating its folder; returns the path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const out = path.resolve(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  return out;
}

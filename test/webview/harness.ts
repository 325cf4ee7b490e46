// Browser test harness for the graph view: vitest runs in Node and drives the system's Chromium
// through playwright-core (never a downloaded browser). A page is the real standalone HTML
// (runner/html.ts with the built dist/webview.js and dist/webview.css), opened from a temp file over
// file://, with every console error, page error, CSP violation, dialog and network request it
// makes collected in `errors` so a test can assert that list is empty.
//
//   const browser = await launchBrowser();
//   const view = await openSnapshot(browser, await traceSnippet(source));
//   ... view.page ...; expect(view.errors).toEqual([]);
//   await view.close(); await browser.close();
//
// Test code here is type-checked without the DOM library: give page.evaluate a string, or a
// function that reaches the page through globalThis. Don't wait with page.waitForFunction(string)
// (see waitForExpression).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterEach, expect } from "vitest";
import { buildStandaloneHtml, buildWebviewHtml, makeNonce, SNAPSHOT_ELEMENT_ID } from "../../runner/html";
import { runSnippet } from "../../runner/sandbox";
import type { GraphSnapshot, SnapshotWire } from "../../shared/protocol";

/** The built bundles (`npm test` builds before vitest runs). */
export const DIST_DIR = path.resolve("dist");

export { launchBrowser } from "../chromium";

export interface PageOptions {
  colorScheme?: "light" | "dark";
  width?: number;
  height?: number;
  /** Script text to run in the page before its own (e.g. a stand-in for acquireVsCodeApi). */
  initScript?: string;
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** The HTML file the page was opened from. */
  file: string;
  /** Console errors, page errors, CSP violations, dialogs and non-local requests, as they happened. */
  errors: string[];
  /** Closes the page's context (and removes the temp file openSnapshot wrote). */
  close(): Promise<void>;
}

/** Marks console messages that are CSP violations (Chromium logs them as errors, too). */
const CSP_TEXT = /Content Security Policy/i;

/** Opens an HTML file from disk (file://) and starts collecting what went wrong on it. */
export async function openHtmlFile(browser: Browser, file: string, options: PageOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? "light",
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || CSP_TEXT.test(m.text())) errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.stack ?? e.message}`));
  page.on("dialog", (d) => {
    errors.push(`dialog (${d.type()}): ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!/^(?:file|data|blob|about):/.test(r.url())) errors.push(`network request: ${r.url()}`);
  });
  // Runs before the page's own scripts, outside its CSP (playwright injects it through the protocol).
  // A string, since this project's test code is type-checked without the DOM library.
  await page.exposeFunction("__lensReportViolation", (text: string) => errors.push(text));
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (e) => {
    void window.__lensReportViolation("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "(inline)") +
      " at " + e.sourceFile + ":" + e.lineNumber + (e.sample ? " " + e.sample : ""));
  });`);
  if (options.initScript) await page.addInitScript(options.initScript);
  await page.goto(new URL(`file://${path.resolve(file)}`).href, { waitUntil: "load" });
  return { page, context, file, errors, close: () => context.close() };
}

/** Writes the standalone page for `snapshot` to a temp file and opens it (needs dist/webview.js). */
export async function openSnapshot(browser: Browser, snapshot: GraphSnapshot | SnapshotWire, options: PageOptions & { title?: string } = {}): Promise<OpenedPage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-page-"));
  const file = path.join(dir, "graph.html");
  fs.writeFileSync(file, buildStandaloneHtml(snapshot, { distDir: DIST_DIR, title: options.title }));
  const opened = await openHtmlFile(browser, file, options);
  return {
    ...opened,
    close: async () => {
      await opened.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The VS Code webview variant of the page (bundle and stylesheet by URI, no embedded snapshot) in a
 * stand-in for VS Code's webview: acquireVsCodeApi keeps what the page posts in `window.__posted`,
 * and its state in sessionStorage (so it survives a reload, as VS Code keeps it for a hidden view).
 */
export async function openWebviewPage(browser: Browser, options: Omit<PageOptions, "initScript"> = {}): Promise<OpenedPage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-webview-"));
  const file = path.join(dir, "webview.html");
  fs.writeFileSync(
    file,
    buildWebviewHtml({
      scriptUri: new URL(`file://${path.join(DIST_DIR, "webview.js")}`).href,
      styleUri: new URL(`file://${path.join(DIST_DIR, "webview.css")}`).href,
      cspSource: "file:",
      nonce: makeNonce(),
    }),
  );
  const initScript = `window.__posted = [];
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(m),
      getState: () => JSON.parse(sessionStorage.getItem("vscode-state") || "null") ?? undefined,
      setState: (s) => sessionStorage.setItem("vscode-state", JSON.stringify(s)),
    });`;
  const opened = await openHtmlFile(browser, file, { ...options, initScript });
  return {
    ...opened,
    close: async () => {
      await opened.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A training loop: six SGD steps on one scalar weight, so six backward calls (the call picker, the loss plot, a trained leaf). */
export const TRAINING = `import { torch } from "autograd-lens";
const w = torch.tensor(0.5, { requiresGrad: true });
const opt = new torch.optim.SGD([w], { lr: 0.02 });
for (let i = 0; i < 6; i++) {
  opt.zeroGrad();
  const loss = w.mul(3).sub(6).square();
  loss.backward();
  opt.step();
}
`;

/** Runs a snippet through the real sandboxed runner (dist/runner-child.js) and returns its snapshot. */
export function traceSnippet(source: string, fileName = path.resolve("snippet.ts")): Promise<GraphSnapshot> {
  const language = /\.[cm]?js$/i.test(fileName) ? "javascript" : "typescript";
  return runSnippet({ source, language, fileName }, { distDir: DIST_DIR });
}

/**
 * A PNG of the page (full page) at `file`, relative to docs/ unless absolute; returns the path.
 * For pictures in the README: call it only when asked (e.g. `if (process.env.SCREENSHOTS)`).
 */
/** A test's page entry (JS importing webview/ modules) bundled for the browser as one IIFE. */
export async function bundleEntry(contents: string, sourcefile: string, define: Record<string, string> = {}): Promise<string> {
  const out = await esbuild.build({
    stdin: { contents, resolveDir: path.resolve("webview"), sourcefile, loader: "js" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    define,
  });
  return out.outputFiles[0]!.text;
}

export async function screenshot(page: Page, file: string): Promise<string> {
  const out = path.isAbsolute(file) ? file : path.resolve("docs", file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  return out;
}

/**
 * Waits until `expression` (page JavaScript, run as page.evaluate runs a string) is truthy. Not
 * page.waitForFunction with a string: its polling evals the string inside the page, which the
 * page's CSP (no 'unsafe-eval') refuses. A function predicate or a locator works too.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the page has painted twice (what the bundle did on load has been laid out and drawn). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined))))");
}

/** The snapshot embedded in a standalone page, parsed back from its script element. */
export async function embeddedSnapshot(page: Page): Promise<unknown> {
  return page.evaluate(`JSON.parse(document.getElementById(${JSON.stringify(SNAPSHOT_ELEMENT_ID)}).textContent)`);
}

/**
 * The pages a suite opens: `track` each one, and after every test they are closed and (unless
 * `checkErrors` is false) must have made no CSP violation, console error, page error, dialog or
 * network request.
 */
export function usePages(options: { checkErrors?: boolean } = {}): { track(p: OpenedPage): OpenedPage } {
  const pages: OpenedPage[] = [];
  afterEach(async () => {
    const opened = pages.splice(0);
    const errors = opened.flatMap((p) => p.errors);
    await Promise.all(opened.map((p) => p.close()));
    if (options.checkErrors !== false) expect(errors).toEqual([]);
  });
  return { track: (p) => (pages.push(p), p) };
}

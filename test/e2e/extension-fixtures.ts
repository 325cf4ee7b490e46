// The extension suite's workspace (the textbook and three failing or odd snippets) and what it reads
// off the page: webview state changes, the graph frame's outline and drawn text, the status bar,
// squiggles, the runner's child process.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Frame, Page } from "playwright-core";
import { insideBox, RECORD_TEXT, type DrawnText } from "../webview/drawn-text";
import {
  findWebviewFrame,
  readExtensionLog,
  REPO_ROOT,
  runCommand,
  screenshot,
  sleep,
  type CodeServer,
} from "./vscode";

export const SHOT_DIR = process.env.E2E_SCREENSHOT_DIR ?? path.join(os.tmpdir(), "autograd-lens-e2e");
export const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { publisher: string; name: string; version: string };
export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
export const LOG_CHANNEL = "Autograd Lens";
/** The .vsix must stay under this (the target). */
export const MAX_VSIX_BYTES = 1.5 * 1024 * 1024;

export const TEXTBOOK = "autograd-basics.ts";
export const TEXTBOOK_TEXT = fs.readFileSync(path.join(REPO_ROOT, "examples", TEXTBOOK), "utf8");
/** A shape mismatch at runtime on line 5 (`a.add(b)`, column 13 is `add`). */
export const BROKEN = "broken.ts";
export const BROKEN_TEXT = `import { torch } from "autograd-lens";

const a = torch.ones([2, 3], { requiresGrad: true });
const b = torch.ones([2, 4]);
const c = a.add(b);
c.sum().backward();
`;
/**
 * A type error that exists only when "autograd-lens" resolves to the shipped declarations
 * (unresolved, `x` would be `any` and nothing would be reported): the positive control that the
 * TypeScript server is up and the plugin works.
 */
/** A snippet whose output is a vector: the graph view offers no Landscape tab for it. */
export const VECTOR = "vector-output.ts";
export const VECTOR_TEXT = `import { torch } from "autograd-lens";

const v = torch.tensor([1, 2, 3], { requiresGrad: true });
const doubled = v.mul(2);
`;

export const TYPED = "typed-error.ts";
export const TYPED_TEXT = `import { torch } from "autograd-lens";

const x = torch.tensor([1, 2, 3], { requiresGrad: true });
const wrong: string = x.shape;
`;

/** 1-based line of the first line of the textbook example that starts with `prefix`. */
export function textbookLine(prefix: string): number {
  const index = TEXTBOOK_TEXT.split("\n").findIndex((l) => l.startsWith(prefix));
  if (index < 0) throw new Error(`the textbook example has no line starting with ${JSON.stringify(prefix)}`);
  return index + 1;
}

export function shot(page: Page, name: string): Promise<string> {
  return screenshot(page, path.join(SHOT_DIR, `extension-${name}.png`));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join("/")];
  });
}

/**
 * Records, in every webview frame, when the graph view's root (#app) changes its data-state
 * (waiting → loading → ready; "ready" is set once the graph's first paint is done) as Date.now():
 * the same clock as the click time runCommand returns. VS Code writes a webview's page into a frame
 * created earlier (the init script runs before that), so a timer looks for #app and a
 * MutationObserver takes the exact moments.
 */
export const STATE_RECORDER = `(() => {
  if (window.top === window) return;
  const states = (window.__lensStates = []);
  let app = null;
  const observer = new MutationObserver(() => states.push({ state: app ? app.dataset.state : "gone", t: Date.now() }));
  setInterval(() => {
    const now = document.getElementById("app");
    if (now === app) return;
    app = now;
    observer.disconnect();
    if (app) observer.observe(app, { attributes: true, attributeFilter: ["data-state"] });
  }, 10);
})()`;

export interface StateChange {
  state: string;
  t: number;
}

export async function recordedStates(page: Page): Promise<StateChange[]> {
  const all: StateChange[] = [];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame() || frame.isDetached()) continue;
    try {
      const states = (await frame.evaluate("window.__lensStates ?? null")) as StateChange[] | null;
      if (states) all.push(...states);
    } catch {
      // navigating or detached meanwhile
    }
  }
  return all.sort((a, b) => a.t - b.t);
}

/** Milliseconds from the palette click at `t0` to the graph view's next loading → ready. */
export async function paintedAfter(page: Page, t0: number, timeout = 60_000): Promise<number> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = (await recordedStates(page)).filter((s) => s.t >= t0);
    const loading = states.findIndex((s) => s.state === "loading");
    const ready = loading >= 0 ? states.slice(loading).find((s) => s.state === "ready") : undefined;
    if (ready) return ready.t - t0;
    if (Date.now() > deadline) throw new Error(`the graph view did not paint within ${timeout} ms of the command (states since: ${JSON.stringify(states)})`);
    await sleep(50);
  }
}

/**
 * Milliseconds from the palette click at `t0` to the extension's "graph panel shows" log line (the
 * command ran in the extension host and posted the run to the panel). Log times are the server's
 * local time, the same machine's clock.
 */
export async function shownAfter(server: CodeServer, t0: number, timeout = 30_000): Promise<number> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const line of readExtensionLog(server, EXTENSION_ID, LOG_CHANNEL)) {
      const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) \[info\] graph panel shows /.exec(line);
      if (!m) continue;
      const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
      const t = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
      if (t >= t0) return t - t0;
    }
    if (Date.now() > deadline) throw new Error(`no "graph panel shows" log line within ${timeout} ms of the command`);
    await sleep(100);
  }
}

/** The graph panel's page (the inner webview frame), once it shows a graph. */
export function graphFrame(page: Page): Promise<Frame> {
  return findWebviewFrame(page, '#app[data-state="ready"]', { timeout: 90_000 });
}

/** The names in the graph view's outline (tensor rows: the first text of each row). */
export async function outlineNames(frame: Frame): Promise<string[]> {
  return frame.locator('[role="treeitem"] > .row.tensor .name').allInnerTexts();
}


/**
 * The texts the graph view draws on its canvas inside the graph pane, with their rendered size in
 * CSS px: recorded over one redraw of the settled view (zoom out, then back in).
 */
export async function drawnInGraph(frame: Frame): Promise<DrawnText[]> {
  await frame.evaluate(RECORD_TEXT);
  const frames = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300))))";
  await frame.locator('.toolbar button[aria-label="Zoom out"]').click();
  await frame.evaluate(frames);
  await frame.evaluate("window.__drawnText.length = 0");
  await frame.locator('.toolbar button[aria-label="Zoom in"]').click();
  await frame.evaluate(frames);
  const drawn = (await frame.evaluate("window.__drawnText.slice()")) as DrawnText[];
  const pane = (await frame.evaluate(`(() => { const r = document.querySelector(".graph-canvas").getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`)) as { x: number; y: number; width: number; height: number };
  return insideBox(drawn, pane);
}


export async function statusBarText(page: Page, contains: string): Promise<string> {
  const items = await page.locator(".part.statusbar .statusbar-item").allInnerTexts();
  return items.find((t) => t.includes(contains))?.trim() ?? "";
}

/** The 1-based editor lines of the active editor's error squiggles. */
export async function squiggleLines(page: Page): Promise<number[]> {
  return (await page.evaluate(`(() => {
    const editor = document.querySelector(".editor-group-container.active .monaco-editor");
    if (!editor) return [];
    const lines = [];
    for (const s of editor.querySelectorAll(".view-overlays .squiggly-error")) {
      const top = s.parentElement.style.top;
      const number = [...editor.querySelectorAll(".margin-view-overlays > div")].find((d) => d.style.top === top);
      if (number) lines.push(Number(number.textContent.trim()));
    }
    return lines;
  })()`)) as number[];
}

/** The sandbox script of the server's installed copy of the extension (its processes' command line). */
export function runnerChild(server: CodeServer): string {
  return path.join(server.extensionsDir, `${EXTENSION_ID}-${manifest.version}`, "dist", "runner-child.js");
}

/** Focus the left editor group, so files open there and not beside the graph panel. */
export async function focusFirstGroup(page: Page): Promise<void> {
  await runCommand(page, "View: Focus First Editor Group");
}

export function makeWorkspace(root: string): string {
  const workspace = path.join(root, "workspace");
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, TEXTBOOK), TEXTBOOK_TEXT);
  fs.writeFileSync(path.join(workspace, BROKEN), BROKEN_TEXT);
  fs.writeFileSync(path.join(workspace, TYPED), TYPED_TEXT);
  fs.writeFileSync(path.join(workspace, VECTOR), VECTOR_TEXT);
  return workspace;
}

// Helpers for end-to-end tests in a real VS Code: code-server (VS Code 1.139 served to a browser,
// installed by test/e2e/setup.mjs into CACHE_DIR) driven by the system's Chromium through
// playwright-core.
//
//   const server = await startCodeServer({ vsix, workspace });
//   const browser = await launchBrowser();
//   const page = await openWorkbench(browser, server.url, workspace);
//   await runCommand(page, "Autograd Lens: Show Graph");
//   const frame = await findWebviewFrame(page, "#app");
//   ...
//   await browser.close(); await server.stop();
//
// Test code here is type-checked without the DOM library (test/tsconfig.json): code that runs in
// the page is given to page.evaluate as a string.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Frame, type Page } from "playwright-core";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where test/e2e/setup.mjs installs Node 24 and code-server (outside the repository, shared by clones). */
export const CACHE_DIR = path.resolve(process.env.E2E_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "autograd-lens-e2e"));
/** Set E2E_KEEP=1 to keep each server's temp folder (user data, logs) after stop(). */
const KEEP_TEMP = process.env.E2E_KEEP === "1";

/** What test/e2e/setup.mjs wrote into CACHE_DIR/manifest.json. */
export interface E2eManifest {
  nodeVersion: string;
  codeServerVersion: string;
  vscodeVersion: string;
  /** The Node 24 binary code-server runs on. */
  node: string;
  /** code-server's out/node/entry.js. */
  codeServerEntry: string;
}

export function readManifest(): E2eManifest {
  const file = path.join(CACHE_DIR, "manifest.json");
  let manifest: E2eManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as E2eManifest;
  } catch {
    throw new Error(`no ${file}: run \`node test/e2e/setup.mjs\` first (installs Node 24 and code-server into ${CACHE_DIR})`);
  }
  for (const f of [manifest.node, manifest.codeServerEntry]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`node test/e2e/setup.mjs\` again`);
  }
  return manifest;
}

/**
 * User settings every server starts with: a plain window (no workspace trust prompt, no AI/chat,
 * no welcome page or walkthroughs, no secondary side bar) and nothing that phones home.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "update.showReleaseNotes": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "npm.fetchOnlinePackageInfo": false,
  "typescript.disableAutomaticTypeAcquisition": true,
  "workbench.settings.enableNaturalLanguageSearch": false,
  "editor.hover.delay": 200,
};

export interface StartOptions {
  /** .vsix file(s) installed with `--install-extension` before the server starts. */
  vsix?: string | string[];
  /** The folder the server opens by default (openWorkbench opens a folder explicitly anyway). */
  workspace: string;
  /** User settings, merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Fixed port; by default a free one. */
  port?: number;
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
  /** How long to wait for the HTTP server (ms). */
  timeout?: number;
  /**
   * Workspace Trust on (the folder opens in Restricted Mode until trusted): no
   * `--disable-workspace-trust`, and `security.workspace.trust.enabled` true. Off by default.
   */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  /** Temp folder holding everything below (removed by stop() unless E2E_KEEP=1). */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout and stderr (and the --install-extension runs). VS Code's own logs are in userDataDir/logs. */
  logFile: string;
  /** The current log text. */
  log(): string;
  /** Stops code-server and everything it started; removes tempDir unless E2E_KEEP=1. */
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** The environment code-server gets: no VS Code variables leaking in, XDG folders inside tempDir. */
function serverEnv(tempDir: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("VSCODE_") || key.startsWith("npm_") || key === "ELECTRON_RUN_AS_NODE" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  // code-server writes a default config, logs and a heartbeat under the XDG folders; VS Code a device id.
  for (const name of ["CONFIG", "DATA", "CACHE", "STATE"]) {
    env[`XDG_${name}_HOME`] = path.join(tempDir, "xdg", name.toLowerCase());
  }
  return { ...env, ...extra };
}

/** Runs a process to completion, appending its output to `logFile`. */
function runLogged(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; timeout: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    fs.appendFileSync(options.logFile, `\n$ ${command} ${args.join(" ")}\n`);
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      fs.appendFileSync(options.logFile, chunk);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Servers still running, killed if the test process exits without stop(). */
const running = new Set<number>();
let exitHookInstalled = false;
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of running) killGroup(pid, "SIGKILL");
  });
}

/**
 * Starts code-server on 127.0.0.1 (a free port, no auth) with a fresh user-data and extensions
 * folder, installs the given .vsix files first, and resolves once the HTTP server answers.
 */
export async function startCodeServer(options: StartOptions): Promise<CodeServer> {
  const manifest = readManifest();
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-e2e-"));
  const userDataDir = path.join(tempDir, "user-data");
  const extensionsDir = path.join(tempDir, "extensions");
  const logFile = path.join(tempDir, "code-server.log");
  const configFile = path.join(tempDir, "config.yaml");
  fs.mkdirSync(path.join(userDataDir, "User"), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const trust = options.workspaceTrust === true;
  const settings = { ...DEFAULT_SETTINGS, ...(trust ? { "security.workspace.trust.enabled": true } : {}), ...options.settings };
  fs.writeFileSync(path.join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2));
  // Without a config file code-server writes one (with a random password) under ~/.config.
  fs.writeFileSync(configFile, "auth: none\ncert: false\n");
  fs.writeFileSync(logFile, "");
  const env = serverEnv(tempDir, options.env);
  const common = ["--config", configFile, "--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  const log = (): string => fs.readFileSync(logFile, "utf8");

  const vsixFiles = options.vsix === undefined ? [] : Array.isArray(options.vsix) ? options.vsix : [options.vsix];
  for (const vsix of vsixFiles) {
    if (!fs.existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
    const result = await runLogged(manifest.node, [manifest.codeServerEntry, ...common, "--force", "--install-extension", path.resolve(vsix)], {
      env,
      cwd: tempDir,
      logFile,
      timeout: 120_000,
    });
    if (result.code !== 0 || !/successfully installed/i.test(result.output)) {
      throw new Error(`installing ${vsix} into code-server failed (exit ${result.code}); log ${logFile}:\n${tail(result.output)}`);
    }
  }

  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `\n$ code-server on ${url} (${manifest.codeServerVersion}, VS Code ${manifest.vscodeVersion}, Node ${manifest.nodeVersion})\n`);
  const args = [
    manifest.codeServerEntry,
    ...common,
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    ...(trust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
    path.resolve(options.workspace),
  ];
  // Its own process group, so stop() can end code-server together with its extension hosts and watchers.
  const child = spawn(manifest.node, args, { cwd: tempDir, env, stdio: ["ignore", out, out], detached: true });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`code-server did not start; log ${logFile}`);
  running.add(pid);
  installExitHook();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      killGroup(pid, "SIGTERM");
      await Promise.race([exitPromise, sleep(10_000)]);
    }
    killGroup(pid, "SIGKILL"); // whatever of the group is left (extension hosts, file watchers)
    running.delete(pid);
    if (!KEEP_TEMP) fs.rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + (options.timeout ?? 60_000);
  for (;;) {
    if (exited) {
      const text = log();
      await stop();
      throw new Error(`code-server exited (${exited.signal ?? `exit ${exited.code}`}) before answering on ${url}:\n${tail(text)}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${options.timeout ?? 60_000} ms:\n${tail(text)}`);
    }
    await sleep(200);
  }
  return { url, port, tempDir, userDataDir, extensionsDir, logFile, log, stop };
}

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

/**
 * The lines of one of an extension's log output channels (`createOutputChannel(name, { log: true })`),
 * from the server's log folder (the extension host runs on the server); [] when not written yet.
 */
export function readExtensionLog(server: CodeServer, extensionId: string, channel: string): string[] {
  const logs = path.join(server.userDataDir, "logs");
  const out: string[] = [];
  if (!fs.existsSync(logs)) return out;
  for (const session of fs.readdirSync(logs).sort()) {
    const sessionDir = path.join(logs, session);
    if (!fs.statSync(sessionDir).isDirectory()) continue;
    for (const host of fs.readdirSync(sessionDir).filter((d) => d.startsWith("exthost")).sort()) {
      const file = path.join(sessionDir, host, extensionId, `${channel}.log`);
      if (fs.existsSync(file)) out.push(...fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()));
    }
  }
  return out;
}

/** Pids of the processes whose command line contains `text` (Linux: /proc). */
export function processesMatching(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Saves a screenshot of the page (the viewport) to `file`, creating its folder; returns the path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const out = path.resolve(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  return out;
}

/**
 * Copies the repository's working tree (tracked and untracked files that are not git-ignored, as
 * `git ls-files` lists them) to `dest`, so a build and `vsce package` can run there without touching
 * the repository's dist/ (which other processes may rebuild meanwhile). `dest` must lie inside the
 * repository (e.g. under the git-ignored .cache/) so that Node finds the repository's node_modules
 * from there; the build writes what it generates (dist/, the TS server plugin under node_modules/)
 * into the copy. Returns `dest`.
 */
export function stageWorkingTree(dest: string, repo = REPO_ROOT): string {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${repo}: ${listed.stderr}`);
  for (const rel of listed.stdout.split("\0").filter(Boolean)) {
    const from = path.join(repo, rel);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  return dest;
}

/**
 * Packages the extension in `dir` with the repository's vsce (`vsce package --out FILE`, plus
 * `args`) and returns the .vsix path. vsce runs the package's `vscode:prepublish` script first and
 * takes what `npm list --production` reports plus the files .vscodeignore lets through: no
 * `--no-dependencies`, which would also drop what the extension ships under node_modules/ (our
 * TypeScript server plugin).
 */
export async function packageExtension(dir: string, outFile = path.join(dir, "extension.vsix"), args: string[] = []): Promise<string> {
  const vsce = path.join(REPO_ROOT, "node_modules", "@vscode", "vsce", "vsce");
  const logFile = path.join(os.tmpdir(), `vsce-${process.pid}.log`);
  fs.rmSync(outFile, { force: true });
  const result = await runLogged(process.execPath, [vsce, "package", "--out", outFile, ...args], {
    cwd: dir,
    env: process.env,
    logFile,
    timeout: 300_000,
  });
  fs.rmSync(logFile, { force: true });
  if (result.code !== 0 || !fs.existsSync(outFile)) throw new Error(`vsce package failed in ${dir} (exit ${result.code}):\n${tail(result.output)}`);
  return outFile;
}

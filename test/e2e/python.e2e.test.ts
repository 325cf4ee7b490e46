// Python files in a real VS Code (code-server, no Python extension there: the interpreter comes from
// the autogradLens.pythonPath setting, pointed at /usr/bin/python3 with Debian's python3-torch).
// The packaged .vsix ships the tracer's .py files; opening the textbook example in Python gives the
// CodeLenses, Show Graph (the outline lists x1 … x7, PyTorch's grad_fn names), a hover with value,
// grad and grad_fn, Step Through Backward following PyTorch's engine order on the editor's lines,
// a shape mismatch as a diagnostic on its line, and a folder pythonPath without torch: the message
// names it, Choose Interpreter (a file dialog here) sets the folder setting, and Show Graph then
// works. Skipped, saying so, without a Python with torch.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { fillQuickInput, highlightedLine, ourOnlyDiagnostic } from "./editor";
import {
  findWebviewFrame,
  hoverAt,
  launchBrowser,
  openFile,
  openWorkbench,
  packageExtension,
  readExtensionLog,
  REPO_ROOT,
  runCommand,
  screenshot,
  stageWorkingTree,
  startCodeServer,
  type CodeServer,
} from "./vscode";

const PYTHON = process.env.AUTOGRAD_LENS_TEST_PYTHON ?? "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
if (!hasTorch) console.warn(`\n*** Python e2e tests SKIPPED: ${PYTHON} cannot import torch (apt-get install python3-torch). ***\n`);

const SHOT_DIR = process.env.E2E_SCREENSHOT_DIR ?? path.join(os.tmpdir(), "autograd-lens-e2e");
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { publisher: string; name: string; version: string };
const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const LOG_CHANNEL = "Autograd Lens";

const TEXTBOOK = "autograd_basics.py";
const TEXTBOOK_TEXT = fs.readFileSync(path.join(REPO_ROOT, "examples", "autograd-basics.py"), "utf8");
const BROKEN = "broken.py";
const BROKEN_TEXT = fs.readFileSync(path.join(REPO_ROOT, "test", "runner", "python", "shape_error.py"), "utf8");

const lineOf = (text: string, prefix: string) => text.split("\n").findIndex((l) => l.startsWith(prefix)) + 1;
const shot = (page: Page, name: string) => screenshot(page, path.join(SHOT_DIR, `python-${name}.png`));
const graphFrame = (page: Page): Promise<Frame> => findWebviewFrame(page, '#app[data-state="ready"]', { timeout: 90_000 });
const outlineNames = (frame: Frame) => frame.locator('[role="treeitem"] > .row.tensor .name').allInnerTexts();


describe.skipIf(!hasTorch)("Autograd Lens on Python files (real PyTorch, the pythonPath setting)", () => {
  let tempDir: string;
  let workspace: string;
  let stageDir: string | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-e2e-py-"));
    stageDir = path.join(REPO_ROOT, ".cache", `e2e-stage-py-${process.pid}`);
    fs.rmSync(stageDir, { recursive: true, force: true });
    const vsix = await packageExtension(stageWorkingTree(stageDir), path.join(tempDir, `${manifest.name}-${manifest.version}.vsix`));
    workspace = path.join(tempDir, "workspace");
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, TEXTBOOK), TEXTBOOK_TEXT);
    fs.writeFileSync(path.join(workspace, BROKEN), BROKEN_TEXT);
    server = await startCodeServer({ vsix, workspace, settings: { "autogradLens.pythonPath": PYTHON } });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, workspace);
    await page.keyboard.press("Control+B");
    await page.locator(".part.sidebar").waitFor({ state: "hidden", timeout: 30_000 });
  });

  afterEach(async (context) => {
    if (context.task.result?.state === "fail" && page) {
      const file = await shot(page, `failed-${context.task.name.replace(/\W+/g, "-")}`).catch(() => undefined);
      console.error(`e2e failure: screenshot ${file ?? "(none)"}, extension log:\n${server ? readExtensionLog(server, EXTENSION_ID, LOG_CHANNEL).slice(-20).join("\n") : ""}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (stageDir) fs.rmSync(stageDir, { recursive: true, force: true });
    if (tempDir && process.env.E2E_KEEP !== "1") fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test("the .vsix ships the tracer; a .py file that imports torch gets the CodeLenses", async () => {
    const installed = fs.readdirSync(server!.extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-${manifest.version}`))!;
    const shipped = fs.readdirSync(path.join(server!.extensionsDir, installed, "dist", "python"));
    expect(shipped).toContain("autograd_lens_trace.py");
    await openFile(page, TEXTBOOK);
    const lenses = page.locator(".editor-group-container.active .codelens-decoration");
    await expect.poll(() => lenses.allInnerTexts().then((t) => t.join(" | ")), { timeout: 60_000, interval: 500 }).toContain("Show graph");
  });

  test("Show Graph traces it with PyTorch: the outline lists x1 … x7; the interpreter came from the setting", async () => {
    await runCommand(page, "Autograd Lens: Show Graph");
    const frame = await graphFrame(page);
    await expect.poll(() => outlineNames(frame), { timeout: 60_000, interval: 500 }).toContain("x7");
    const names = await outlineNames(frame);
    for (const name of ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]) expect(names).toContain(name);
    expect(await frame.locator("#app").innerText()).toMatch(/8 tensors/);
    expect(readExtensionLog(server!, EXTENSION_ID, LOG_CHANNEL).some((l) => l.includes(`python: ${PYTHON} (setting)`))).toBe(true);
    await shot(page, "1-show-graph");
  });

  test("hovering x3 shows its value, grad and PyTorch's grad_fn", async () => {
    await runCommand(page, "View: Focus First Editor Group");
    const text = await hoverAt(page, "x3", { expect: /grad\s+0\.2\b/, timeout: 60_000 });
    expect(text).toMatch(/value\s+4\b/);
    expect(text).toContain("PowBackward0");
    await shot(page, "2-hover");
    await page.keyboard.press("Escape");
  });

  test("Step Through Backward follows PyTorch's engine on the editor's lines", async () => {
    await runCommand(page, "View: Focus First Editor Group");
    await runCommand(page, "Autograd Lens: Step Through Backward");
    const x7 = lineOf(TEXTBOOK_TEXT, "x7 =");
    await expect.poll(() => highlightedLine(page), { timeout: 60_000, interval: 250 }).toEqual({ line: x7, label: "◀ backward step 1/8 · SubBackward0 (x7)" });
    const frame = await graphFrame(page);
    await frame.locator("button.next").click();
    await expect.poll(() => highlightedLine(page), { timeout: 30_000, interval: 250 }).toEqual({ line: x7, label: `◀ backward step 2/8 · AddBackward0 (add @ L${x7})` });
    await frame.locator("button.next").click();
    await expect.poll(() => highlightedLine(page), { timeout: 30_000, interval: 250 }).toEqual({ line: lineOf(TEXTBOOK_TEXT, "x6 ="), label: "◀ backward step 3/8 · MulBackward0 (x6)" });
    await shot(page, "3-step-3");
  });

  test("a shape mismatch is a diagnostic on its line and column", async () => {
    await runCommand(page, "View: Focus First Editor Group");
    await openFile(page, BROKEN);
    await runCommand(page, "Autograd Lens: Show Graph");
    const problem = await ourOnlyDiagnostic(page, BROKEN);
    expect(problem).toMatchObject({ severity: "Error", line: lineOf(BROKEN_TEXT, "c = a @ b"), column: 5 });
    expect(problem.message).toContain("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
    await shot(page, "4-diagnostic");
  });

  test("a pythonPath without torch: the message names it, Choose Interpreter sets another, and Show Graph works", async () => {
    // An interpreter without torch: a venv of the same Python (it does not see Debian's dist-packages).
    const venv = path.join(tempDir, "no-torch-venv");
    const made = spawnSync(PYTHON, ["-m", "venv", "--without-pip", venv], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const noTorch = path.join(venv, "bin", "python");
    expect(spawnSync(noTorch, ["-c", "import torch"], { stdio: "ignore" }).status).not.toBe(0);
    // The folder's own setting (over the user's /usr/bin/python3): Choose Interpreter must change it there.
    const settingsFile = path.join(workspace, ".vscode", "settings.json");
    const pythonPath = () => (JSON.parse(fs.readFileSync(settingsFile, "utf8")) as Record<string, unknown>)["autogradLens.pythonPath"];
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ "autogradLens.pythonPath": noTorch }, null, 2));

    await runCommand(page, "View: Focus First Editor Group");
    await openFile(page, TEXTBOOK);
    await expect.poll(async () => {
      await runCommand(page, "Autograd Lens: Show Graph");
      return readExtensionLog(server!, EXTENSION_ID, LOG_CHANNEL).some((l) => l.includes(`python: ${noTorch} (setting)`));
    }, { timeout: 60_000, interval: 3_000 }).toBe(true);
    const toast = page.locator(".notifications-toasts .notification-toast").filter({ hasText: "PyTorch could not be imported" });
    await toast.first().waitFor({ state: "visible", timeout: 60_000 });
    const text = await toast.first().innerText();
    expect(text).toContain(noTorch);
    expect(text).toContain("(autogradLens.pythonPath)");
    expect(text).toMatch(/-m pip install torch/);
    await shot(page, "5-no-torch");

    // Choose Interpreter: without the Python extension, a file dialog that sets autogradLens.pythonPath.
    await toast.first().getByRole("button", { name: "Choose Interpreter" }).click();
    await fillQuickInput(page, PYTHON);
    await shot(page, "6-choose-interpreter");
    await page.locator(".quick-input-widget input.input").press("Enter");
    await expect.poll(pythonPath, { timeout: 30_000, interval: 250 }).toBe(PYTHON);

    // The next Show Graph uses it and draws the graph.
    await runCommand(page, "View: Focus First Editor Group");
    await runCommand(page, "Autograd Lens: Show Graph");
    const frame = await graphFrame(page);
    await expect.poll(() => outlineNames(frame), { timeout: 60_000, interval: 500 }).toContain("x7");
    const log = readExtensionLog(server!, EXTENSION_ID, LOG_CHANNEL);
    const lastNoTorch = log.map((l) => l.includes(`python: ${noTorch}`)).lastIndexOf(true);
    expect(log.slice(lastNoTorch + 1).some((l) => l.includes(`python: ${PYTHON} (setting)`))).toBe(true);
    await shot(page, "7-fixed");
  });
});

// Proves the end-to-end infrastructure with a throwaway extension generated here: it is packaged
// with vsce, installed into code-server, and driven through the real workbench in Chromium — a
// command from the palette opens a webview panel, and a hover provider answers in a .txt file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { findWebviewFrame, hoverAt, launchBrowser, openFile, openWorkbench, packageExtension, runCommand, screenshot, startCodeServer, type CodeServer } from "./vscode";

/** Where screenshots go (look at them: they are the proof the workbench looks right). */
const SHOT_DIR = process.env.E2E_SCREENSHOT_DIR ?? path.join(os.tmpdir(), "autograd-lens-e2e");

const EXTENSION_ID = "autograd-lens-e2e.e2e-smoke";

const SMOKE_PACKAGE_JSON = {
  name: "e2e-smoke",
  displayName: "E2E Smoke",
  description: "Throwaway extension for the end-to-end test infrastructure",
  version: "0.0.1",
  publisher: "autograd-lens-e2e",
  license: "MIT",
  engines: { vscode: "^1.100.0" },
  main: "./extension.js",
  activationEvents: ["onLanguage:plaintext"],
  contributes: {
    commands: [{ command: "e2eSmoke.hello", title: "Hello", category: "E2E Smoke" }],
  },
};

const SMOKE_EXTENSION_JS = `"use strict";
const vscode = require("vscode");
exports.activate = function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("e2eSmoke.hello", () => {
      const panel = vscode.window.createWebviewPanel("e2eSmoke", "E2E Smoke Panel", vscode.ViewColumn.Beside, {});
      panel.webview.html = '<!DOCTYPE html><html><head><meta charset="utf-8">' +
        '<meta http-equiv="Content-Security-Policy" content="default-src \\'none\\';">' +
        '</head><body><h1 id="hello">hello from webview</h1></body></html>';
    }),
    vscode.languages.registerHoverProvider("plaintext", {
      provideHover: () => new vscode.Hover("smoke-hover"),
    }),
  );
};
exports.deactivate = function deactivate() {};
`;

/** Writes the throwaway extension into a temp folder and packages it; returns the .vsix. */
async function buildSmokeExtension(dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(SMOKE_PACKAGE_JSON, null, 2));
  fs.writeFileSync(path.join(dir, "extension.js"), SMOKE_EXTENSION_JS);
  fs.writeFileSync(path.join(dir, "README.md"), "# E2E Smoke\n\nA throwaway extension the end-to-end tests generate.\n");
  return packageExtension(dir, path.join(dir, "e2e-smoke.vsix"), ["--allow-missing-repository", "--skip-license"]);
}

describe("e2e infrastructure: a throwaway extension in code-server", () => {
  let tempDir: string;
  let workspace: string;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-e2e-smoke-"));
    const vsix = await buildSmokeExtension(path.join(tempDir, "extension"));
    workspace = path.join(tempDir, "workspace");
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, "notes.txt"), "alpha bravo charlie\nsecond line\n");
    server = await startCodeServer({ vsix, workspace });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, workspace);
  });

  afterEach(async (context) => {
    if (context.task.result?.state === "fail" && page) {
      const file = await screenshot(page, path.join(SHOT_DIR, `failed-${context.task.name.replace(/\W+/g, "-")}.png`)).catch(() => undefined);
      console.error(`e2e failure: screenshot ${file ?? "(none)"}, code-server log ${server?.logFile}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test("the .vsix is installed into the server's extensions folder", () => {
    const installed = fs.readdirSync(server!.extensionsDir);
    expect(installed.some((name) => name.startsWith(`${EXTENSION_ID}-0.0.1`))).toBe(true);
  });

  test("a hover provider answers in a .txt file", async () => {
    await openFile(page, "notes.txt");
    const text = await hoverAt(page, "bravo", { expect: "smoke-hover" });
    expect(text).toContain("smoke-hover");
    await screenshot(page, path.join(SHOT_DIR, "smoke-hover.png"));
  });

  test("a palette command opens a webview panel whose content the test can read", async () => {
    await runCommand(page, "E2E Smoke: Hello");
    const frame = await findWebviewFrame(page, "#hello");
    expect(await frame.locator("#hello").textContent()).toBe("hello from webview");
    await expect.poll(() => page.locator(".tabs-container .tab").filter({ hasText: "E2E Smoke Panel" }).count()).toBe(1);
    // notes.txt on the left (from the test before), the webview beside it.
    const shot = await screenshot(page, path.join(SHOT_DIR, "smoke-workbench.png"));
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
  });
});

// Reading the editor in code-server's page, shared by the e2e suites.
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { readProblems, type Problem } from "./vscode";

/**
 * The editor line carrying the backward-step highlight: its line number (from the margin) and the
 * label at its end (a CSS ::after of the decoration, so it is read from the computed style).
 */
export async function highlightedLine(page: Page): Promise<{ line: number | null; label: string } | null> {
  return (await page.evaluate(`(() => {
    for (const editor of document.querySelectorAll(".editor-group-container .monaco-editor")) {
      for (const span of editor.querySelectorAll(".view-lines .view-line span")) {
        const content = getComputedStyle(span, "::after").content;
        if (!content || !content.includes("backward step")) continue;
        const top = span.closest(".view-line").style.top;
        const number = [...editor.querySelectorAll(".margin-view-overlays > div")].find((d) => d.style.top === top);
        return { line: number ? Number(number.textContent.trim()) : null, label: JSON.parse(content) };
      }
    }
    return null;
  })()`)) as { line: number | null; label: string } | null;
}

/** Waits until the Problems view holds exactly one Autograd Lens diagnostic for `file`, and returns it. */
export async function ourOnlyDiagnostic(page: Page, file: string): Promise<Problem> {
  const ours = (all: Problem[]) => all.filter((p) => p.file === file && p.source === "Autograd Lens");
  let problems: Problem[] = [];
  await expect.poll(async () => ours((problems = await readProblems(page))), { timeout: 60_000, interval: 500 }).toHaveLength(1);
  return ours(problems)[0]!;
}

/**
 * Types `text` at the end of the first editor group's active editor, and waits until the editor shows
 * `marker` (a piece of the typed text). The click that focuses the editor can land while a toast, a
 * hover or the webview still holds the keyboard; then the keys go nowhere, so this checks focus first
 * and retries the click.
 */
export async function typeAtEndOfEditor(page: Page, text: string, marker: string): Promise<void> {
  const editor = page.locator(".editor-group-container .monaco-editor").first();
  await expect.poll(async () => {
    await page.keyboard.press("Escape"); // a hover or suggestion over the text
    await editor.locator(".view-lines").click();
    return editor.evaluate((e) => e.classList.contains("focused"));
  }, { timeout: 30_000, interval: 500 }).toBe(true);
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text);
  // (the editor renders spaces as U+00A0)
  await expect.poll(async () => (await editor.locator(".view-lines").innerText()).replace(/\u00a0/g, " "), { timeout: 30_000 }).toContain(marker);
}

/**
 * Sets the value of the open quick input (e.g. VS Code's own file dialog) to `value`. The file
 * dialog fills in its starting folder a moment after it shows; typing before that is overwritten, so
 * this waits for that value first and checks that ours stayed.
 */
export async function fillQuickInput(page: Page, value: string): Promise<void> {
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible", timeout: 30_000 });
  await expect.poll(() => input.inputValue(), { timeout: 30_000, interval: 100 }).not.toBe("");
  await expect.poll(async () => {
    if ((await input.inputValue()) !== value) await input.fill(value);
    await new Promise((r) => setTimeout(r, 300));
    return input.inputValue();
  }, { timeout: 30_000, interval: 100 }).toBe(value);
}

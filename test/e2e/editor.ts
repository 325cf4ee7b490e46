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

// Shared by the extension's unit tests: real snapshots from the built runner (dist/, built by
// `npm test` before vitest runs) and the textbook example's text.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import type { GraphSnapshot, RunLimits } from "../../shared/protocol";

export const TEXTBOOK_FILE = path.resolve("examples/autograd-basics.ts");
export const textbook = fs.readFileSync(TEXTBOOK_FILE, "utf8");

let runner: SnippetRunner | undefined;
afterAll(() => {
  runner?.dispose();
  runner = undefined;
});

/** Run a snippet through the real sandbox. */
export function trace(source: string, fileName = "/snippets/test.ts", limits?: Partial<RunLimits>): Promise<GraphSnapshot> {
  runner ??= new SnippetRunner({ distDir: path.resolve("dist"), keepWarm: false });
  return runner.run({ source, language: "typescript", fileName, ...(limits ? { limits } : {}) });
}

/** 1-based line of the first line containing `text`. */
export function lineOf(source: string, text: string): number {
  const i = source.split("\n").findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line contains ${JSON.stringify(text)}`);
  return i + 1;
}

/** 1-based column of `text` on that line (the `nth` occurrence, default the first). */
export function columnOf(source: string, line: number, text: string, nth = 1): number {
  const l = source.split("\n")[line - 1] ?? "";
  let at = -1;
  for (let k = 0; k < nth; k++) at = l.indexOf(text, at + 1);
  if (at < 0) throw new Error(`line ${line} has no ${JSON.stringify(text)}`);
  return at + 1;
}

/** A 0-based line-text function over a source text (what the diagnostics mapping reads). */
export const linesOf = (source: string) => {
  const lines = source.split(/\r?\n/);
  return (line: number) => lines[line];
};

// Cheap text checks on a Python document (pure: no vscode): does it import torch, and where do the
// CodeLenses go (the top of the file, and each line with a `.backward(` call outside comments and
// strings). Single passes over the text, like text-scan.ts for TypeScript.
import type { LensAnchor } from "./text-scan";

const TORCH_IMPORT = /^[ \t]*(?:import[ \t]+(?:[\w.]+[ \t]*(?:as[ \t]+\w+)?[ \t]*,[ \t]*)*torch\b|from[ \t]+torch\b[\w.]*[ \t]+import\b)/m;

/** Does the Python text import torch (`import torch`, `import numpy, torch.nn as nn`, `from torch import nn`)? */
export function importsTorch(text: string): boolean {
  return text.includes("torch") && TORCH_IMPORT.test(maskPython(text));
}

/**
 * The text with comments and string literals (also triple-quoted, prefixed ones) replaced by spaces,
 * newlines kept, so offsets and lines are unchanged.
 */
export function maskPython(text: string): string {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== "\n" && out[i] !== "\r") out[i] = " ";
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === "#") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < n) {
        if (text[j] === "\\") j += 2;
        else if (text.startsWith(quote, j)) break;
        else if (!triple && text[j] === "\n") break;
        else j++;
      }
      blank(i + 1, Math.min(j, n));
      i = Math.min(n, j + quote.length);
    } else i++;
  }
  return out.join("");
}

/** The CodeLens positions of a Python file that imports torch (none otherwise). */
export function findPythonLensAnchors(text: string): LensAnchor[] {
  if (!importsTorch(text)) return [];
  const code = maskPython(text);
  const anchors: LensAnchor[] = [{ line: 0, character: 0, kind: "file" }];
  const lines = code.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    if (/\.\s*backward\s*\(/.test(line)) anchors.push({ line: i, character: line.length - line.trimStart().length, kind: "backward" });
  });
  return anchors;
}

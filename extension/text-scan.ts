// Cheap text checks on a document (pure: no vscode). Used on every TypeScript/JavaScript file the
// editor shows, so they are single passes over the text with no parsing beyond comments and strings.

export const MODULE_NAME = "autograd-lens";

const IMPORT_RE = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s*)["']autograd-lens["']/m;

/** Does the text import "autograd-lens" (import … from, bare import, require, dynamic import)? */
export function importsAutogradLens(text: string): boolean {
  return text.includes(MODULE_NAME) && IMPORT_RE.test(text);
}

export interface LensAnchor {
  /** 0-based line and character (vscode positions). */
  line: number;
  character: number;
  /** "file": the top of a file that imports autograd-lens; "backward": a `.backward(` call. */
  kind: "file" | "backward";
}

/**
 * Where the CodeLenses go: the top of the file when it imports "autograd-lens", and the start of
 * each line with a `.backward(` call (one per line) outside comments and strings.
 */
export function findLensAnchors(text: string): LensAnchor[] {
  if (!importsAutogradLens(text)) return [];
  const anchors: LensAnchor[] = [{ line: 0, character: 0, kind: "file" }];
  let lastLine = -1;
  for (const call of findBackwardCalls(text)) {
    if (call.line === lastLine) continue;
    lastLine = call.line;
    anchors.push({ line: call.line, character: call.lineIndent, kind: "backward" });
  }
  return anchors;
}

export interface BackwardCall {
  /** 0-based line of the `.backward(`. */
  line: number;
  /** 0-based character of the `b` of `backward`. */
  character: number;
  /** Indentation of that line (where a CodeLens is anchored). */
  lineIndent: number;
}

const BACKWARD = "backward";

/** Every `.backward(` (also `?.backward(`) in code: not in comments, strings or template text. */
export function findBackwardCalls(text: string): BackwardCall[] {
  const out: BackwardCall[] = [];
  const code = maskNonCode(text);
  let from = 0;
  for (;;) {
    const at = code.indexOf(`.${BACKWARD}`, from);
    if (at < 0) break;
    from = at + 1;
    const nameStart = at + 1;
    const after = nameStart + BACKWARD.length;
    if (/[\w$]/.test(code[after] ?? "")) continue; // .backwardX
    let k = after;
    while (k < code.length && /\s/.test(code[k]!)) k++;
    if (code[k] !== "(") continue;
    const lineStart = code.lastIndexOf("\n", at) + 1;
    const line = countNewlines(code, lineStart);
    let indent = lineStart;
    while (indent < at && (code[indent] === " " || code[indent] === "\t")) indent++;
    out.push({ line, character: nameStart - lineStart, lineIndent: indent - lineStart });
  }
  return out;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * The text with comments, string literals and template-literal text replaced by spaces (newlines
 * kept), so offsets and lines are unchanged. Template substitutions (`${…}`) stay code. Regular
 * expression literals are not recognized (a `.backward(` inside one would count; rare enough).
 */
export function maskNonCode(text: string): string {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== "\n" && out[i] !== "\r") out[i] = " ";
  };
  /** Brace depth of each open template substitution, innermost last. */
  const templateDepths: number[] = [];
  let depth = 0;
  let i = 0;
  const n = text.length;
  const scanTemplate = (start: number): number => {
    // start is just after "`" or "}" closing a substitution; returns the index after the template part.
    let j = start;
    while (j < n) {
      const c = text[j];
      if (c === "\\") j += 2;
      else if (c === "`") {
        blank(start, j);
        return j + 1;
      } else if (c === "$" && text[j + 1] === "{") {
        blank(start, j);
        templateDepths.push(depth);
        depth++;
        return j + 2;
      } else j++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      blank(i + 1, Math.min(j, n));
      i = j + 1;
    } else if (c === "`") {
      i = scanTemplate(i + 1);
    } else if (c === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      depth--;
      if (templateDepths.length && templateDepths[templateDepths.length - 1] === depth) {
        templateDepths.pop();
        i = scanTemplate(i + 1);
      } else i++;
    } else i++;
  }
  return out.join("");
}

// Errors and torch warnings of a run → editor problems (pure: vscode's Diagnostic is made from these
// in diagnostics.ts). Protocol positions are 1-based; these ranges are 0-based like vscode's.
import type { GraphSnapshot, RunError, SourceRange } from "../shared/protocol";

export interface ProblemRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export interface Problem {
  severity: "error" | "warning";
  message: string;
  range: ProblemRange;
  /** The error kind ("runtime", "syntax", …) or "torch-warning". */
  code: string;
  /** Other places of the snippet's stack (callers), for relatedInformation. */
  related: Array<{ range: ProblemRange; message: string }>;
}

/** The text of a 0-based line, or undefined past the end of the document. */
export type LineText = (line: number) => string | undefined;

const IDENT = /[\p{L}\p{N}_$]/u;

/**
 * A protocol range in editor terms. With an end, as given; else the identifier starting at the
 * position (`add` in `a.add(b)`, `grad` in `b.grad`), else the rest of the line without trailing
 * spaces, or its last character. Positions past the text are clamped to it.
 */
export function toProblemRange(r: SourceRange | undefined, lineText: LineText): ProblemRange {
  if (!r) {
    const text = lineText(0) ?? "";
    return { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: Math.max(text.trimEnd().length, 0) };
  }
  let line = Math.max(0, r.line - 1);
  let text = lineText(line);
  if (text === undefined) {
    // Past the end (the text changed since the run): the last line there is.
    while (line > 0 && lineText(line) === undefined) line--;
    text = lineText(line) ?? "";
  }
  const start = Math.min(Math.max(0, r.column - 1), text.length);
  if (r.endLine !== undefined && r.endColumn !== undefined && (r.endLine > r.line || (r.endLine === r.line && r.endColumn > r.column))) {
    return { startLine: line, startCharacter: start, endLine: Math.max(line, r.endLine - 1), endCharacter: Math.max(0, r.endColumn - 1) };
  }
  let end = start;
  while (end < text.length && IDENT.test(text[end]!)) end++;
  if (end === start) end = Math.max(text.trimEnd().length, start);
  if (end === start) {
    // At or past the end of the line's text: mark its last character (an empty line gets an empty range).
    const last = text.trimEnd().length;
    return last > 0 ? { startLine: line, startCharacter: last - 1, endLine: line, endCharacter: last } : { startLine: line, startCharacter: start, endLine: line, endCharacter: start };
  }
  return { startLine: line, startCharacter: start, endLine: line, endCharacter: end };
}

const STACK_FRAME = /^\s*at\s+(?:.*?\()?(?:.*?):(\d+):(\d+)\)?\s*$/;

/** Frames of the snippet's stack other than the error's own position, as related places. */
function relatedFrames(error: RunError, lineText: LineText): Problem["related"] {
  if (!error.stack) return [];
  const out: Problem["related"] = [];
  const seen = new Set<string>();
  if (error.range) seen.add(`${error.range.line}:${error.range.column}`);
  for (const raw of error.stack.split(/\r?\n/)) {
    const m = STACK_FRAME.exec(raw);
    if (!m) continue;
    const key = `${m[1]}:${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ range: toProblemRange({ line: Number(m[1]), column: Number(m[2]) }, lineText), message: `called from here: ${raw.trim()}` });
  }
  return out;
}

/**
 * Problems of a run: its error (if any) and every distinct torch warning at its position. A
 * snapshot with neither gives [] — which is how the next good run clears the old squiggles.
 */
export function snapshotProblems(s: GraphSnapshot, lineText: LineText): Problem[] {
  const out: Problem[] = [];
  if (s.error) {
    out.push({
      severity: "error",
      message: s.error.message.trim(),
      range: toProblemRange(s.error.range, lineText),
      code: s.error.kind,
      related: relatedFrames(s.error, lineText),
    });
  }
  const seen = new Set<string>();
  for (const w of s.warnings) {
    const key = `${w.range?.line}:${w.range?.column}:${w.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ severity: "warning", message: w.message, range: toProblemRange(w.range, lineText), code: "torch-warning", related: [] });
  }
  return out;
}

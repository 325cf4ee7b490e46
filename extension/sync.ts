// Editor ↔ graph synchronization and run requests, the pure part (no vscode): what to select when the
// cursor moves, which line a backward step belongs to, the first step position, what a selection
// runs, the inline value labels, and validation of the webview's messages.
import type { ExportFormat, GraphSnapshot, NodeInfo, SourceRange, StepPosition, TensorInfo, WebviewToHost } from "../shared/protocol";
import { formatValue, SHORT_VALUE } from "../shared/format";

export type RunLanguage = "typescript" | "javascript" | "python";

/** The runner's language for a vscode languageId; undefined for anything else. */
export function runLanguage(languageId: string): RunLanguage | undefined {
  return languageId === "typescript" || languageId === "javascript" || languageId === "python" ? languageId : undefined;
}

/** An editor selection (0-based, like vscode's). */
export interface EditorSelection {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/**
 * The 1-based inclusive line range a non-empty selection runs; undefined for an empty one (run the
 * whole file). A selection that ends at the start of a line does not include that line.
 */
export function selectionLines(sel: EditorSelection | undefined): { startLine: number; endLine: number } | undefined {
  if (!sel) return undefined;
  if (sel.startLine === sel.endLine && sel.startCharacter === sel.endCharacter) return undefined;
  const endLine = sel.endCharacter === 0 && sel.endLine > sel.startLine ? sel.endLine - 1 : sel.endLine;
  return { startLine: sel.startLine + 1, endLine: endLine + 1 };
}

const onLine = (r: SourceRange | undefined, line: number): r is SourceRange => !!r && r.line === line;

/**
 * The graph element made on a line, for the editor's cursor at (line, column), 1-based:
 *  - on the name a tensor is bound to (`x3` in `const x3 = …`): that tensor;
 *  - else the last op (grad_fn) on the line that starts at or before the cursor;
 *  - else the tensor bound on the line, the first op on it, or a tensor made on it (a leaf).
 * In a loop a line makes many; the last is chosen. Undefined when the line made nothing.
 */
export function idAtPosition(s: GraphSnapshot, line: number, column: number): string | undefined {
  const bound = s.tensors.filter((t) => t.name && onLine(t.boundAt, line));
  const onName = bound.filter((t) => column >= t.boundAt!.column && column <= t.boundAt!.column + t.name!.length);
  if (onName.length) return onName[onName.length - 1]!.id;
  const ops = s.nodes.filter((n) => n.kind === "function" && onLine(n.range, line));
  let best: NodeInfo | undefined;
  for (const n of ops) if (n.range!.column <= column && (!best || n.range!.column >= best.range!.column)) best = n;
  if (best) return best.id;
  if (bound.length) return bound[bound.length - 1]!.id;
  if (ops.length) {
    const first = Math.min(...ops.map((n) => n.range!.column));
    return ops.filter((n) => n.range!.column === first).pop()!.id;
  }
  const made = s.tensors.filter((t) => onLine(t.range, line));
  return made.length ? made[made.length - 1]!.id : undefined;
}

export interface StepInfo {
  /** Source of the node being run (for AccumulateGrad: where its leaf was made), or of the backward call at step 0. */
  range?: SourceRange;
  /** Text for the highlighted line, e.g. "◀ backward step 3/8 · MulBackward1". */
  label: string;
  node?: NodeInfo;
}

export const STEP_LABEL_PREFIX = "◀ backward step";

function tensorLabel(t: TensorInfo | undefined): string | undefined {
  return t ? t.name ?? t.label : undefined;
}

/** What a step position means in the editor: the line to highlight and its label. */
export function stepInfo(s: GraphSnapshot, position: StepPosition): StepInfo | undefined {
  const call = s.backward[position.call];
  if (!call) return undefined;
  const total = call.steps.length;
  const callText = s.backward.length > 1 ? ` (call ${position.call + 1}/${s.backward.length})` : "";
  if (position.step <= 0 || total === 0) {
    return { ...(call.range ? { range: call.range } : {}), label: `${STEP_LABEL_PREFIX} 0/${total}${callText} · ready` };
  }
  const k = Math.min(position.step, total);
  const step = call.steps[k - 1]!;
  const node = s.nodes.find((n) => n.id === step.node);
  const tensor = node?.tensor ? s.tensors.find((t) => t.id === node.tensor) : undefined;
  let what = node?.name ?? step.node;
  if (node?.kind === "accumulate" && tensor) what += ` → ${tensorLabel(tensor)}.grad`;
  else if (tensor) what += ` (${tensorLabel(tensor)})`;
  const range = node?.range ?? (node?.kind === "accumulate" ? tensor?.range ?? tensor?.boundAt : undefined);
  return { ...(range ? { range } : {}), label: `${STEP_LABEL_PREFIX} ${k}/${total}${callText} · ${what}`, ...(node ? { node } : {}) };
}

/**
 * Where "Step through backward" opens: the first step of the first backward call made on `line`
 * (1-based; a CodeLens's line), else of the first call. Undefined when backward was never called.
 */
export function firstStepPosition(s: GraphSnapshot, line?: number): StepPosition | undefined {
  if (!s.backward.length) return undefined;
  const i = line === undefined ? -1 : s.backward.findIndex((c) => c.range?.line === line);
  const call = i >= 0 ? i : 0;
  return { call, step: s.backward[call]!.steps.length ? 1 : 0 };
}

/**
 * Inline values at line ends (0-based line → text), for the lines that bind named tensors:
 * "x3 = 4 · grad 0.2". A line run many times shows its last tensors.
 */
export function inlineValueLabels(s: GraphSnapshot, maxChars = INLINE_MAX_CHARS): Map<number, string> {
  const byLine = new Map<number, Map<string, TensorInfo>>();
  for (const t of s.tensors) {
    if (!t.name || !t.boundAt) continue;
    const line = t.boundAt.line - 1;
    let names = byLine.get(line);
    if (!names) byLine.set(line, (names = new Map()));
    names.delete(t.name); // re-insert: order of the last binding
    names.set(t.name, t);
  }
  const out = new Map<number, string>();
  for (const [line, names] of [...byLine].sort((a, b) => a[0] - b[0])) {
    const label = (withGrad: boolean) =>
      [...names.values()]
        .map((t) => {
          let text = `${t.name} = ${formatValue(t.value, SHORT_VALUE)}`;
          if (withGrad && t.grad) text += ` · grad ${formatValue(t.grad, SHORT_VALUE)}`;
          return text;
        })
        .join("   ");
    // Readable first: the values without their grads when both do not fit, then cut with "…".
    let text = label(true);
    if (text.length > maxChars) text = label(false);
    if (text.length > maxChars) text = `${text.slice(0, maxChars - 1)}…`;
    out.set(line, text);
  }
  return out;
}

/** An inline label is at most this long (values are on by default: they must not crowd a line). */
export const INLINE_MAX_CHARS = 60;
/** Lines longer than this get no inline label (it would start off-screen at the default width). */
export const INLINE_MAX_LINE = 100;

// ---- webview messages ---------------------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

function parseRange(v: unknown): SourceRange | undefined {
  if (!isObj(v) || !isInt(v.line) || !isInt(v.column) || v.line < 1 || v.column < 1) return undefined;
  const r: SourceRange = { line: v.line, column: v.column };
  if (isInt(v.endLine) && isInt(v.endColumn) && v.endLine >= 1 && v.endColumn >= 1) {
    r.endLine = v.endLine;
    r.endColumn = v.endColumn;
  }
  return r;
}

const EXPORT_FORMATS: readonly ExportFormat[] = ["png", "svg", "dot", "json"];

/** A message from the webview, checked field by field; undefined when it is not one we know. */
export function parseWebviewMessage(raw: unknown): WebviewToHost | undefined {
  if (!isObj(raw) || typeof raw.type !== "string") return undefined;
  switch (raw.type) {
    case "ready":
      return { type: "ready" };
    case "reveal": {
      const range = parseRange(raw.range);
      return range ? { type: "reveal", range } : undefined;
    }
    case "selected": {
      if (raw.id !== null && typeof raw.id !== "string") return undefined;
      const range = parseRange(raw.range);
      return range ? { type: "selected", id: raw.id, range } : { type: "selected", id: raw.id };
    }
    case "positionChanged": {
      const p = raw.position;
      if (!isObj(p) || !isInt(p.call) || !isInt(p.step) || p.call < 0 || p.step < 0) return undefined;
      const range = parseRange(raw.range);
      const position = { call: p.call, step: p.step };
      return range ? { type: "positionChanged", position, range } : { type: "positionChanged", position };
    }
    case "save": {
      const { requestId, format, fileName, data, encoding } = raw;
      if (!isInt(requestId) || typeof format !== "string" || !EXPORT_FORMATS.includes(format as ExportFormat)) return undefined;
      if (typeof fileName !== "string" || typeof data !== "string" || (encoding !== "utf8" && encoding !== "base64")) return undefined;
      return { type: "save", requestId, format: format as ExportFormat, fileName, data, encoding };
    }
    default:
      return undefined;
  }
}

/** A safe default file name for an export: no folders, no odd characters, the format's extension. */
export function exportFileName(requested: string, format: ExportFormat): string {
  const base = requested.split(/[\\/]/).pop() ?? "";
  let name = base.replace(/[^\w.\- ]+/g, "_").replace(/^[.\s]+/, "").trim();
  if (!name) name = "autograd-graph";
  if (!name.toLowerCase().endsWith(`.${format}`)) name += `.${format}`;
  return name;
}

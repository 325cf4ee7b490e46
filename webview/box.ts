// A node's box: what it says and where each piece of text sits. The one place that decides the
// content and geometry of a tensor box, an op pill and a collapsed group — cytoscape (cy-style.ts,
// cy-renderer.ts), the big-graph canvas (canvas-paint.ts) and the SVG export (graph-export.ts) all
// draw the texts tensorBoxTexts() returns, where it says, in the colour (tone) it says; none of
// them knows which lines a box has.
//
// A tensor box's lines are TENSOR_BOX_LINES: its name (bold) followed by its value ("x3 = 4",
// "h [4×5]"), then its gradient ("grad 0.2", "grad —" until the replay reaches it). Values are short
// (a number, up to three elements, else the shape): the inspector has the rest. Long names are
// elided ("…"); the full name is the box's tooltip. To show one more line (say the dtype), add it
// to TENSOR_BOX_LINES: the box's size, cytoscape's label nodes, the canvas and the SVG follow.
import type { TensorInfo, ValueSummary } from "../shared/protocol";
import { formatNumber, formatShape } from "./format";

/** Font sizes, line height and padding (model units: CSS pixels at zoom 1). */
export const BOX = {
  nameSize: 13,
  textSize: 12,
  line: 16,
  padX: 8,
  padY: 6,
  /** Room between the name and the value on the first line. */
  gap: 6,
  minWidth: 48,
  pillHeight: 24,
  pillPad: 9,
  /** Group frames: padding around their members and the room of their label above. */
  groupPad: 10,
  groupLabel: 16,
  groupFont: 12,
} as const;

/** The smallest font drawn in a box: at this zoom × it, text is legible (11 px, issue 13). */
export const LEGIBLE_PX = 11;
export const LEGIBLE_ZOOM = LEGIBLE_PX / BOX.textSize;

/** Names longer than this many characters are elided in the box (the tooltip has them whole). */
export const NAME_MAX = 18;

export type BoxTextRole = "name" | "value" | "grad" | "op" | "group" | (string & {});

/** A text's colour, named by the theme's key for it. */
export type BoxTone = "foreground" | "grad" | "muted" | "opText";

/** One run of text in a box, relative to the box's centre; `x` is its left end (or centre when `center`). */
export interface BoxText {
  role: BoxTextRole;
  text: string;
  x: number;
  y: number;
  center?: boolean;
  /** Font: bold UI (names), monospace (values, grads, groups) or UI (op names). */
  font: "name" | "mono" | "ui";
  size: number;
  tone: BoxTone;
}

/** What a tensor box's lines are made from. */
export interface TensorBoxInput {
  /** The full name (the tooltip). */
  label: string;
  tensor: TensorInfo | undefined;
}

/** One run of a tensor box's line, left to right. */
export interface TensorBoxRun {
  role: BoxTextRole;
  font: BoxText["font"];
  /** Its text; `grad` is the gradient the box shows now (it changes with the replay). */
  text(input: TensorBoxInput, grad: ValueSummary | null | undefined): string;
  tone?(grad: ValueSummary | null | undefined): BoxTone;
  /** Room to keep for texts that change (the grad line): the widest this run may become. */
  reserve?(input: TensorBoxInput): string;
}

/**
 * A tensor box's lines, top to bottom; each a list of runs. The first run of the first line is the
 * name (cytoscape draws it as the node's own label). An empty text leaves its run out.
 */
export const TENSOR_BOX_LINES: ReadonlyArray<readonly TensorBoxRun[]> = [
  [
    { role: "name", font: "name", text: (i) => elide(i.label) },
    { role: "value", font: "mono", text: (i) => shortValue(i.tensor?.value) },
  ],
  [
    {
      role: "grad",
      font: "mono",
      text: (_i, grad) => shortGrad(grad),
      tone: (grad) => (grad ? "grad" : "muted"),
      reserve: (i) => (i.tensor?.value ? gradTemplate(i.tensor.value.shape, i.tensor.value.numel) : ""),
    },
  ],
];

/**
 * A folded group's box (a module call, a function call, a loop, a line): its label, then what comes
 * out of it — the value and the grad lines of its output tensor (scene.ts picks it), as a tensor box
 * shows them. Without an output, the label alone.
 */
export const GROUP_BOX_LINES: ReadonlyArray<readonly TensorBoxRun[]> = [
  [{ role: "group", font: "mono", text: (i) => i.label, tone: () => "muted" }],
  [
    { role: "value", font: "mono", text: (i) => shortValue(i.tensor?.value) },
    {
      ...TENSOR_BOX_LINES[1]![0]!,
      text: (i, grad) => (i.tensor ? shortGrad(grad) : ""),
    },
  ],
];

/** Text widths: a canvas 2D context's measureText (the fonts the drawings use), or an estimate. */
export class TextMeasure {
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly cache = new Map<string, number>();
  private font = "";

  constructor() {
    let ctx: CanvasRenderingContext2D | null;
    try {
      ctx = document.createElement("canvas").getContext("2d");
    } catch {
      ctx = null;
    }
    this.ctx = ctx;
  }

  width(text: string, font: string, size: number): number {
    const key = font + "\u0000" + text;
    let w = this.cache.get(key);
    if (w === undefined) {
      if (this.ctx) {
        if (this.font !== font) this.ctx.font = this.font = font;
        w = this.ctx.measureText(text).width;
      } else {
        w = text.length * size * 0.62;
      }
      this.cache.set(key, w);
    }
    return w;
  }

  /** For a monospace font: one measurement per font, then characters × advance (big graphs). */
  monoWidth(text: string, font: string, size: number): number {
    return text.length * (this.width("0000000000", font, size) / 10);
  }
}

/** CSS fonts of the box texts for a theme's families. */
export function boxFonts(fontUi: string, fontMono: string): Record<BoxText["font"], string> {
  return { name: `bold ${BOX.nameSize}px ${fontUi}`, mono: `${BOX.textSize}px ${fontMono}`, ui: `${BOX.textSize}px ${fontUi}` };
}

/** A value in a box: "= 4" for a number, "= [1, 2, 3]" for up to three, else the shape "[4×5]". */
export function shortValue(v: ValueSummary | null | undefined): string {
  if (!v) return "";
  if (v.numel === 0) return `${formatShape(v.shape)} (empty)`;
  if (v.numel === 1) return `= ${formatNumber(v.values[0]!)}`;
  if (v.numel <= 3 && v.values.length === v.numel) return `= [${v.values.map((x) => formatNumber(x)).join(", ")}]`;
  return formatShape(v.shape);
}

/** The grad line: "grad 0.2", "grad [0.1, 0.2]", "grad [4×5]"; "grad —" when not known (yet). */
export function shortGrad(v: ValueSummary | null | undefined): string {
  if (!v) return "grad —";
  if (v.numel === 1) return `grad ${formatNumber(v.values[0]!)}`;
  if (v.numel <= 3 && v.numel > 0 && v.values.length === v.numel) return `grad [${v.values.map((x) => formatNumber(x)).join(", ")}]`;
  return `grad ${formatShape(v.shape)}`;
}

/** The widest grad line a box of this shape may show (a replay shows other values than the final one). */
export function gradTemplate(shape: number[], numel: number): string {
  if (numel === 1) return "grad -0.0000";
  if (numel > 0 && numel <= 3) return `grad [${Array.from({ length: numel }, () => "-0.0000").join(", ")}]`;
  return `grad ${formatShape(shape)}`;
}

export function elide(name: string, max = NAME_MAX): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

/** A tensor box as measured: each run of TENSOR_BOX_LINES with its place (relative to the box's centre). */
export interface TensorBoxContent {
  /** The full name (the tooltip). */
  label: string;
  input: TensorBoxInput;
  slots: Array<{ run: TensorBoxRun; x: number; y: number; width: number }>;
}

/** The name (or a folded group's label) as drawn and its place: the node's own label in cytoscape. */
export function nameSlot(c: TensorBoxContent): { text: string; x: number; y: number; width: number } | undefined {
  const s = c.slots.find((x) => x.run.role === "name" || x.run.role === "group");
  return s && { text: s.run.text(c.input, null), x: s.x, y: s.y, width: s.width };
}

/**
 * Measures a tensor box: the place of every run of TENSOR_BOX_LINES and the box's size, with room
 * for any grad of its shape (`reserve`) and for the one it shows now.
 */
export function measureTensorBox(
  label: string,
  tensor: TensorInfo | undefined,
  widthOf: (text: string, font: BoxText["font"]) => number,
  boxLines: ReadonlyArray<readonly TensorBoxRun[]> = TENSOR_BOX_LINES,
): { content: TensorBoxContent; width: number; height: number } {
  const input: TensorBoxInput = { label, tensor };
  const lines: Array<Array<{ run: TensorBoxRun; x: number; width: number }>> = [];
  let inner = 0;
  for (const line of boxLines) {
    const placed: Array<{ run: TensorBoxRun; x: number; width: number }> = [];
    let x = 0;
    for (const run of line) {
      const text = run.text(input, tensor?.grad);
      const reserve = run.reserve?.(input) ?? "";
      if (!text && !reserve) continue;
      if (placed.length) x += BOX.gap;
      const width = Math.max(text ? widthOf(text, run.font) : 0, reserve ? widthOf(reserve, run.font) : 0);
      placed.push({ run, x, width });
      x += width;
    }
    if (!placed.length) continue;
    lines.push(placed);
    inner = Math.max(inner, x);
  }
  const width = Math.max(BOX.minWidth, Math.ceil(inner) + 2 * BOX.padX);
  const height = 2 * BOX.padY + lines.length * BOX.line;
  const left = -width / 2 + BOX.padX;
  const top = -height / 2 + BOX.padY;
  const slots = lines.flatMap((line, i) => line.map((p) => ({ run: p.run, x: left + p.x, y: top + (i + 0.5) * BOX.line, width: p.width })));
  return { content: { label, input, slots }, width, height };
}

/** The texts of a tensor box showing `grad`, relative to its centre, with their fonts and tones. */
export function tensorBoxTexts(c: TensorBoxContent, grad: ValueSummary | null | undefined): BoxText[] {
  const out: BoxText[] = [];
  for (const s of c.slots) {
    // Every slot, even one whose text is empty now: the drawings keep one element per slot.
    const text = s.run.text(c.input, grad);
    const font = s.run.font;
    out.push({ role: s.run.role, text, x: s.x, y: s.y, font, size: font === "name" ? BOX.nameSize : BOX.textSize, tone: s.run.tone?.(grad) ?? "foreground" });
  }
  return out;
}

/** The texts of a box drawn as one line of text for its tooltip: "x3 = 4". */
export function tooltipOf(c: TensorBoxContent): string {
  return [c.label, ...c.slots.filter((s) => s.run.role !== "name" && s.run.role !== "grad").map((s) => s.run.text(c.input, null))].filter(Boolean).join(" ");
}

/** An op pill's size for its label. */
export function measurePill(label: string, widthOf: (text: string, font: BoxText["font"]) => number): { width: number; height: number } {
  return { width: Math.ceil(widthOf(label, "ui")) + 2 * BOX.pillPad, height: BOX.pillHeight };
}

/** An op pill's one centred text. */
export function centredText(role: "op", text: string): BoxText {
  return { role, text, x: 0, y: 0, center: true, font: "ui", size: BOX.textSize, tone: "opText" };
}

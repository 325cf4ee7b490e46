// A node's box: what it says and where each piece of text sits. The one place that decides the
// content and geometry of a tensor box, an op pill and a collapsed group — cytoscape (graph-view.ts),
// the big-graph canvas (canvas-view.ts) and the SVG export (graph-export.ts) all draw from here.
//
// A tensor box has two lines: its name (bold) followed by its value ("x3 = 4", "h [4×5]"), and its
// gradient ("grad 0.2", "grad —" until the replay reaches it). Values are short (a number, up to
// three elements, else the shape): the inspector has the rest. Long names are elided ("…"); the
// full name is the box's tooltip.
import type { ValueSummary } from "../shared/protocol";
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
  groupHeight: 30,
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

export const TENSOR_BOX_HEIGHT = 2 * BOX.padY + 2 * BOX.line;

export type BoxTextRole = "name" | "value" | "grad" | "op" | "group";

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
}

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

/** A tensor box's fixed content (the grad line changes with the replay and is passed in). */
export interface TensorBoxContent {
  /** The full name (the tooltip). */
  label: string;
  /** As drawn (elided). */
  name: string;
  value: string;
  nameWidth: number;
  valueWidth: number;
}

/** Measures a tensor box: its content and its size, room for any grad of its shape included. */
export function measureTensorBox(
  label: string,
  value: ValueSummary | null | undefined,
  gradNow: ValueSummary | null | undefined,
  widthOf: (text: string, font: BoxText["font"]) => number,
): { content: TensorBoxContent; width: number; height: number } {
  const name = elide(label);
  const valueText = shortValue(value);
  const nameWidth = widthOf(name, "name");
  const valueWidth = valueText ? widthOf(valueText, "mono") : 0;
  let inner = nameWidth + (valueText ? BOX.gap + valueWidth : 0);
  inner = Math.max(inner, widthOf(shortGrad(gradNow), "mono"));
  if (value) inner = Math.max(inner, widthOf(gradTemplate(value.shape, value.numel), "mono"));
  return {
    content: { label, name, value: valueText, nameWidth, valueWidth },
    width: Math.max(BOX.minWidth, Math.ceil(inner) + 2 * BOX.padX),
    height: TENSOR_BOX_HEIGHT,
  };
}

/** The texts of a tensor box of `width`, relative to its centre. */
export function tensorBoxTexts(c: TensorBoxContent, width: number, grad: string): BoxText[] {
  const left = -width / 2 + BOX.padX;
  const y1 = -BOX.line / 2;
  const y2 = BOX.line / 2;
  const out: BoxText[] = [{ role: "name", text: c.name, x: left, y: y1, font: "name", size: BOX.nameSize }];
  if (c.value) out.push({ role: "value", text: c.value, x: left + c.nameWidth + BOX.gap, y: y1, font: "mono", size: BOX.textSize });
  out.push({ role: "grad", text: grad, x: left, y: y2, font: "mono", size: BOX.textSize });
  return out;
}

/** An op pill's size for its label. */
export function measurePill(label: string, widthOf: (text: string, font: BoxText["font"]) => number): { width: number; height: number } {
  return { width: Math.ceil(widthOf(label, "ui")) + 2 * BOX.pillPad, height: BOX.pillHeight };
}

/** A collapsed group's size for its label. */
export function measureCollapsed(label: string, widthOf: (text: string, font: BoxText["font"]) => number): { width: number; height: number } {
  return { width: Math.ceil(widthOf(label, "mono")) + 2 * BOX.pillPad, height: BOX.groupHeight };
}

/** An op pill's or a collapsed group's one centred text. */
export function centredText(role: "op" | "group", text: string): BoxText {
  return { role, text, x: 0, y: 0, center: true, font: role === "op" ? "ui" : "mono", size: BOX.textSize };
}

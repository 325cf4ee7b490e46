// The graph as a standalone SVG document, drawn from the view's own positions (not from
// cytoscape's canvas): tensor boxes, op pills, group frames, edges with arrowheads and labels.
// Pure string building (no DOM), so it is the same in the webview and in tests. Every piece of
// text — names and labels come from the user's code — goes through escapeXml.

export interface SvgTextLine {
  text: string;
  color: string;
  fontFamily: string;
  fontSize: number;
  bold?: boolean;
  /** Where it sits relative to the node's centre (its left end, or its centre when `center`), as box.ts lays it out; else lines stack. */
  at?: { x: number; y: number; center?: boolean };
}

export interface SvgNode {
  /** Centre, as the layout gives it. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** box: rounded rectangle; pill: fully rounded ends; group: a frame with its label at the top left. */
  shape: "box" | "pill" | "group";
  fill: string;
  stroke: string;
  strokeWidth: number;
  dashed?: boolean;
  /** Lines of text, top to bottom, one line height apart, centred vertically in the shape. */
  lines: SvgTextLine[];
  align: "left" | "center";
  /** Horizontal padding for left-aligned text. */
  padding?: number;
  lineHeight?: number;
  /** Shown as a tooltip (<title>) by SVG viewers. */
  title?: string;
}

export interface SvgEdge {
  /** Indexes into SvgScene.nodes. */
  source: number;
  target: number;
  color: string;
  width: number;
  dashed?: boolean;
  /** Which end carries the arrowhead. */
  arrow: "target" | "source" | "none";
  label?: string;
  labelColor?: string;
  labelFontFamily?: string;
  labelFontSize?: number;
}

export interface SvgScene {
  background: string;
  /** Drawn first (so edges and nodes are above the group frames). */
  nodes: SvgNode[];
  edges: SvgEdge[];
  /** Margin around the drawing's bounding box. */
  margin?: number;
  title?: string;
}

/** Characters XML 1.0 does not allow at all, even escaped (controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for element content and attribute values: `& < > " '` escaped, characters XML forbids dropped. */
export function escapeXml(s: string): string {
  return s.replace(INVALID_XML, "").replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&apos;";
    }
  });
}

const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : "0");

interface Point {
  x: number;
  y: number;
}

function cornerRadius(n: SvgNode): number {
  if (n.shape === "pill") return Math.min(n.width, n.height) / 2;
  return Math.min(n.shape === "group" ? 8 : 6, n.width / 2, n.height / 2);
}

/**
 * Where the segment from the node's centre towards `to` leaves the node's outline (a rectangle with
 * rounded corners of radius r): the rectangle's boundary, or the corner circle near a corner.
 */
export function boundaryPoint(n: SvgNode, to: Point): Point {
  const dx = to.x - n.x;
  const dy = to.y - n.y;
  const hw = n.width / 2;
  const hh = n.height / 2;
  if ((dx === 0 && dy === 0) || hw <= 0 || hh <= 0) return { x: n.x, y: n.y };
  const t = Math.min(dx !== 0 ? hw / Math.abs(dx) : Infinity, dy !== 0 ? hh / Math.abs(dy) : Infinity);
  const px = dx * t;
  const py = dy * t;
  const r = cornerRadius(n);
  const cx = hw - r;
  const cy = hh - r;
  if (r > 0 && Math.abs(px) > cx && Math.abs(py) > cy) {
    // Intersect the ray s·(dx, dy) with the circle of radius r around the corner's centre.
    const ox = Math.sign(px) * cx;
    const oy = Math.sign(py) * cy;
    const a = dx * dx + dy * dy;
    const b = -2 * (dx * ox + dy * oy);
    const c = ox * ox + oy * oy - r * r;
    const disc = b * b - 4 * a * c;
    if (disc >= 0) {
      const s = (-b + Math.sqrt(disc)) / (2 * a);
      return { x: n.x + dx * s, y: n.y + dy * s };
    }
  }
  return { x: n.x + px, y: n.y + py };
}

function textLines(n: SvgNode): string {
  if (n.lines.length === 0) return "";
  const lh = n.lineHeight ?? Math.max(...n.lines.map((l) => l.fontSize)) * 1.35;
  const out: string[] = [];
  if (n.shape === "group") {
    const l = n.lines[0]!;
    out.push(
      `<text x="${num(n.x - n.width / 2 + 8)}" y="${num(n.y - n.height / 2 + 6)}" dominant-baseline="hanging" ${font(l)} fill="${escapeXml(l.color)}">${escapeXml(l.text)}</text>`,
    );
    return out.join("");
  }
  if (n.lines.every((l) => l.at)) {
    for (const l of n.lines) {
      const at = l.at!;
      out.push(
        `<text x="${num(n.x + at.x)}" y="${num(n.y + at.y)}" dominant-baseline="central"${at.center ? ' text-anchor="middle"' : ""} ${font(l)} fill="${escapeXml(l.color)}">${escapeXml(l.text)}</text>`,
      );
    }
    return out.join("");
  }
  const first = n.y - (lh * (n.lines.length - 1)) / 2;
  const left = n.align === "left";
  const x = left ? n.x - n.width / 2 + (n.padding ?? 10) : n.x;
  n.lines.forEach((l, i) => {
    out.push(
      `<text x="${num(x)}" y="${num(first + i * lh)}" dominant-baseline="central"${left ? "" : ' text-anchor="middle"'} ${font(l)} fill="${escapeXml(l.color)}">${escapeXml(l.text)}</text>`,
    );
  });
  return out.join("");
}

function font(l: SvgTextLine): string {
  return `font-family="${escapeXml(l.fontFamily)}" font-size="${num(l.fontSize)}"${l.bold ? ' font-weight="bold"' : ""}`;
}

/** The scene as an SVG document (with the XML declaration), sized to its content plus the margin. */
export function renderSvg(scene: SvgScene): string {
  const margin = scene.margin ?? 20;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of scene.nodes) {
    minX = Math.min(minX, n.x - n.width / 2);
    minY = Math.min(minY, n.y - n.height / 2);
    maxX = Math.max(maxX, n.x + n.width / 2);
    maxY = Math.max(maxY, n.y + n.height / 2);
  }
  if (!Number.isFinite(minX)) minX = minY = maxX = maxY = 0;
  const x0 = minX - margin;
  const y0 = minY - margin;
  const w = maxX - minX + 2 * margin;
  const h = maxY - minY + 2 * margin;

  // One arrowhead marker per colour and size (wider lines get bigger heads); orient="auto-start-reverse"
  // lets marker-start point backwards.
  const markers = new Map<string, { id: string; color: string; size: number }>();
  const markerFor = (color: string, width: number) => {
    const size = Math.round(Math.max(7, width * 4.5));
    const key = `${color} ${size}`;
    let m = markers.get(key);
    if (!m) markers.set(key, (m = { id: `arrow${markers.size}`, color, size }));
    return m.id;
  };
  const edgeParts: string[] = [];
  const labelParts: string[] = [];
  for (const e of scene.edges) {
    const s = scene.nodes[e.source];
    const t = scene.nodes[e.target];
    if (!s || !t) continue;
    const a = boundaryPoint(s, t);
    const b = boundaryPoint(t, s);
    const marker = e.arrow === "none" ? "" : ` marker-${e.arrow === "target" ? "end" : "start"}="url(#${markerFor(e.color, e.width)})"`;
    const dash = e.dashed ? ` stroke-dasharray="${num(e.width * 3)} ${num(e.width * 2)}"` : "";
    edgeParts.push(
      `<line x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}" stroke="${escapeXml(e.color)}" stroke-width="${num(e.width)}"${dash}${marker}/>`,
    );
    if (e.label) {
      const size = e.labelFontSize ?? 11;
      labelParts.push(
        `<text x="${num((a.x + b.x) / 2)}" y="${num((a.y + b.y) / 2 - size * 0.8)}" text-anchor="middle" dominant-baseline="central" font-family="${escapeXml(e.labelFontFamily ?? "monospace")}" font-size="${num(size)}" fill="${escapeXml(e.labelColor ?? e.color)}" stroke="${escapeXml(scene.background)}" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${escapeXml(e.label)}</text>`,
      );
    }
  }
  const groupParts: string[] = [];
  const nodeParts: string[] = [];
  for (const n of scene.nodes) {
    const r = cornerRadius(n);
    const dash = n.dashed ? ' stroke-dasharray="4 3"' : "";
    const rect = `<rect x="${num(n.x - n.width / 2)}" y="${num(n.y - n.height / 2)}" width="${num(n.width)}" height="${num(n.height)}" rx="${num(r)}" ry="${num(r)}" fill="${escapeXml(n.fill)}" stroke="${escapeXml(n.stroke)}" stroke-width="${num(n.strokeWidth)}"${dash}/>`;
    const title = n.title ? `<title>${escapeXml(n.title)}</title>` : "";
    (n.shape === "group" ? groupParts : nodeParts).push(`<g>${title}${rect}${textLines(n)}</g>`);
  }
  const defs = [...markers.values()].map(
    ({ id, color, size }) =>
      `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="${size}" markerHeight="${size}" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${escapeXml(color)}"/></marker>`,
  );
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${num(w)}" height="${num(h)}" viewBox="${num(x0)} ${num(y0)} ${num(w)} ${num(h)}">`,
    scene.title ? `<title>${escapeXml(scene.title)}</title>` : "",
    defs.length ? `<defs>${defs.join("")}</defs>` : "",
    `<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${num(h)}" fill="${escapeXml(scene.background)}"/>`,
    `<g class="groups">${groupParts.join("")}</g>`,
    `<g class="edges" fill="none">${edgeParts.join("")}</g>`,
    `<g class="nodes">${nodeParts.join("")}</g>`,
    `<g class="edge-labels">${labelParts.join("")}</g>`,
    `</svg>`,
    "",
  ].join("\n");
}

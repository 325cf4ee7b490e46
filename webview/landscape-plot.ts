// Draws the Landscape tab's plot as one SVG element: the curve and its tangent (one input), the
// contour plot (banded colours, contour lines, a colour bar) or the shaded 3D surface (two inputs),
// with the current point (a white dot), the negative-gradient arrow and the descent paths. Every
// colour and font is written as an attribute (resolved from the theme), so the element serialized
// as it is makes the SVG export, and drawn onto a canvas makes the PNG.
import { svg, type Child } from "./dom";
import type { Theme } from "./theme";
import {
  bandRaster,
  colourScale,
  type ColourScale,
  extent,
  fmt,
  fmtPoint,
  hex,
  marchingSquares,
  niceTicks,
  project,
  rampColor,
  surfaceQuads,
  type Range,
  type Rgb,
  type View3D,
} from "./landscape-math";

export type PlotKind = "curve" | "contour" | "surface";
export type PathMethod = "sgd" | "momentum" | "adam";

export interface PlotPath {
  method: PathMethod;
  /** Points along the path; value is f there. */
  steps: Array<{ point: number[]; value: number }>;
  current: boolean;
}

export interface PlotData {
  kind: PlotKind;
  /** Axis names (one or two inputs). */
  labels: string[];
  ranges: Range[];
  /** f on the grid (row-major from the bottom); for a curve ny = 1. Absent while computing. */
  grid?: { values: Float64Array; nx: number; ny: number };
  point: number[];
  value: number;
  grad: number[] | null;
  /** The arrow: −grad times this factor, in input units. */
  arrowScale: number;
  paths: PlotPath[];
  view: View3D;
}

export const PLOT = { W: 520, H: 440, L: 58, T: 16, P: 372, B: 52 };

const METHOD_COLORS: Record<PathMethod, string> = { sgd: "#ffffff", momentum: "#66e0ff", adam: "#ff8ad8" };
const METHOD_NAMES: Record<PathMethod, string> = { sgd: "SGD", momentum: "momentum", adam: "Adam" };

const n2 = (v: number) => v.toFixed(2);

/** Band colours: one per band between levels (levels.length + 1 of them). */
function bandColors(count: number): Rgb[] {
  const out: Rgb[] = [];
  for (let k = 0; k < count; k++) out.push(rampColor(count > 1 ? k / (count - 1) : 0.5));
  return out;
}

/** An opaque PNG data URL of the band raster (w × h pixels). */
function bandImage(bands: Int16Array, w: number, h: number, colors: Rgb[], nan: Rgb): string {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return "";
  const img = ctx.createImageData(w, h);
  for (let k = 0; k < bands.length; k++) {
    const b = bands[k]!;
    const c = b < 0 ? nan : colors[b]!;
    img.data[4 * k] = c[0];
    img.data[4 * k + 1] = c[1];
    img.data[4 * k + 2] = c[2];
    img.data[4 * k + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL("image/png");
}

function parseHex(c: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(c);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [128, 128, 128];
}

/** A line with a dark halo under it, so it reads on every band colour. */
function haloLine(tag: "polyline" | "path", attrs: Record<string, string>, color: string, width: number, cls: string): SVGElement[] {
  const shape = tag === "path" ? { d: attrs.d! } : { points: attrs.points! };
  return [
    svg(tag, { ...shape, fill: "none", stroke: "#000000", "stroke-opacity": "0.55", "stroke-width": String(width + 2.5), "stroke-linejoin": "round", "stroke-linecap": "round" }),
    svg(tag, { ...shape, class: cls, ...attrs, fill: "none", stroke: color, "stroke-width": String(width), "stroke-linejoin": "round", "stroke-linecap": "round" }),
  ];
}

/** Text with a halo in the background colour. */
function label(x: number, y: number, text: string, theme: Theme, attrs: Record<string, string> = {}): SVGTextElement {
  return svg(
    "text",
    { x: n2(x), y: n2(y), fill: theme.foreground, "font-family": theme.fontUi, "font-size": "12", stroke: theme.background, "stroke-width": "3", "paint-order": "stroke", "stroke-linejoin": "round", ...attrs },
    text,
  );
}

function arrowHead(x0: number, y0: number, x1: number, y1: number, size: number): string {
  const a = Math.atan2(y1 - y0, x1 - x0);
  const p = (ang: number) => `${n2(x1 - size * Math.cos(a + ang))},${n2(y1 - size * Math.sin(a + ang))}`;
  return `${n2(x1)},${n2(y1)} ${p(0.42)} ${p(-0.42)}`;
}

/** The arrow −∇f from (x0, y0) to (x1, y1) in screen space, with its label. */
function arrow(x0: number, y0: number, x1: number, y1: number, text: string, theme: Theme, data: Record<string, string>, above = false): SVGGElement {
  const len = Math.hypot(x1 - x0, y1 - y0);
  const head = Math.min(12, Math.max(6, len * 0.35));
  const ux = len > 0 ? (x1 - x0) / len : 1, uy = len > 0 ? (y1 - y0) / len : 0;
  const sx = x1 - ux * head * 0.8, sy = y1 - uy * head * 0.8;
  // The label beside the arrow's middle (a descent path runs along the arrow): on its right-hand
  // side when the text fits inside the plot there, else on its left (or above, for the curve).
  let px = -uy, py = ux;
  if (above ? py > 0 : px < 0 || (px === 0 && py < 0)) [px, py] = [-px, -py];
  const textWidth = text.length * 7.2;
  let anchor = above || Math.abs(px) <= 0.3 ? "middle" : "start";
  if (!above && anchor === "start" && (x0 + x1) / 2 + px * 14 + textWidth > PLOT.L + PLOT.P) {
    [px, py] = [-px, -py];
    anchor = "end";
  }
  const lx = (x0 + x1) / 2 + px * 14, ly = (y0 + y1) / 2 + py * 14 + 4;
  return svg(
    "g",
    { class: "ls-arrow", data },
    svg("line", { x1: n2(x0), y1: n2(y0), x2: n2(sx), y2: n2(sy), stroke: "#000000", "stroke-opacity": "0.55", "stroke-width": "5.5", "stroke-linecap": "round" }),
    svg("line", { x1: n2(x0), y1: n2(y0), x2: n2(sx), y2: n2(sy), stroke: theme.grad, "stroke-width": "3", "stroke-linecap": "round" }),
    svg("polygon", { points: arrowHead(x0, y0, x1, y1, head), fill: theme.grad, stroke: "#000000", "stroke-opacity": "0.55", "stroke-width": "1" }),
    label(lx, ly, text, theme, { "text-anchor": anchor, "font-weight": "600" }),
  );
}

function pointDot(x: number, y: number, cls = "ls-point"): SVGCircleElement {
  return svg("circle", { class: cls, cx: n2(x), cy: n2(y), r: "5.5", fill: "#ffffff", stroke: "#1b1b1b", "stroke-width": "1.8" });
}

/** Path polylines and step dots, mapped to the screen by `to` (null = not drawable). */
function pathLayer(paths: PlotPath[], to: (p: number[], v: number) => [number, number] | null, colors: Record<PathMethod, string> = METHOD_COLORS): SVGGElement {
  const g = svg("g", { class: "ls-paths" });
  for (const path of paths) {
    const pts = path.steps.map((s) => to(s.point, s.value)).filter((p): p is [number, number] => p !== null && Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (pts.length < 1) continue;
    const color = colors[path.method];
    // Clamp far-away points so a diverging path still draws (towards the edge), not a 1e30 coordinate.
    const clamp = (v: number) => Math.max(-1e4, Math.min(1e4, v));
    const points = pts.map(([x, y]) => `${n2(clamp(x))},${n2(clamp(y))}`).join(" ");
    const group = svg("g", { class: `ls-path method-${path.method}${path.current ? " current" : ""}`, data: { method: path.method, steps: String(path.steps.length - 1) } });
    if (pts.length > 1) for (const e of haloLine("polyline", { points }, color, path.current ? 2 : 1.4, "ls-path-line")) group.appendChild(e);
    pts.forEach(([x, y], k) => {
      if (k === 0 || Math.abs(x) > 1e4 || Math.abs(y) > 1e4) return;
      group.appendChild(svg("circle", { cx: n2(x), cy: n2(y), r: path.current ? "3" : "2.2", fill: color, stroke: "#000000", "stroke-opacity": "0.6", "stroke-width": "1" }));
    });
    g.appendChild(group);
  }
  return g;
}

function axes(theme: Theme, xr: Range, yr: Range, xLabel: string, yLabel: string): SVGGElement {
  const { L, T, P } = PLOT;
  const sx = (x: number) => L + ((x - xr.lo) / (xr.hi - xr.lo)) * P;
  const sy = (y: number) => T + (1 - (y - yr.lo) / (yr.hi - yr.lo)) * P;
  const g = svg("g", { class: "ls-axes" });
  const tickAttrs = { stroke: theme.muted, "stroke-width": "1" };
  const textAttrs = { fill: theme.muted, "font-family": theme.fontUi, "font-size": "11" };
  for (const t of niceTicks(xr.lo, xr.hi, 6)) {
    g.appendChild(svg("line", { x1: n2(sx(t)), x2: n2(sx(t)), y1: String(T + P), y2: String(T + P + 5), ...tickAttrs }));
    g.appendChild(svg("text", { x: n2(sx(t)), y: String(T + P + 17), "text-anchor": "middle", ...textAttrs }, fmt(t)));
  }
  for (const t of niceTicks(yr.lo, yr.hi, 6)) {
    g.appendChild(svg("line", { x1: String(L - 5), x2: String(L), y1: n2(sy(t)), y2: n2(sy(t)), ...tickAttrs }));
    g.appendChild(svg("text", { x: String(L - 8), y: n2(sy(t) + 4), "text-anchor": "end", ...textAttrs }, fmt(t)));
  }
  g.appendChild(svg("rect", { x: String(L), y: String(T), width: String(P), height: String(P), fill: "none", stroke: theme.muted, "stroke-width": "1" }));
  g.appendChild(svg("text", { x: String(L + P / 2), y: String(T + P + 36), "text-anchor": "middle", fill: theme.foreground, "font-family": theme.fontUi, "font-size": "12", "font-weight": "600" }, xLabel));
  g.appendChild(
    svg("text", { x: "14", y: String(T + P / 2), "text-anchor": "middle", transform: `rotate(-90 14 ${T + P / 2})`, fill: theme.foreground, "font-family": theme.fontUi, "font-size": "12", "font-weight": "600" }, yLabel),
  );
  return g;
}

function clipRect(id: string): SVGClipPathElement {
  const { L, T, P } = PLOT;
  return svg("clipPath", { id }, svg("rect", { x: String(L), y: String(T), width: String(P), height: String(P) }));
}

function colorBar(theme: Theme, scale: ColourScale, colors: Rgb[]): SVGGElement {
  const { L, T, P } = PLOT;
  const x = L + P + 14, w = 12;
  const { lo, hi, levels } = scale;
  const g = svg("g", { class: "ls-colorbar", data: { scale: scale.kind } });
  const y =
    scale.kind === "log"
      ? (v: number) => T + (1 - (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1)) * P
      : (v: number) => T + (1 - (v - lo) / (hi - lo || 1)) * P;
  const edges = [lo, ...levels, hi];
  for (let k = 0; k + 1 < edges.length; k++) {
    g.appendChild(svg("rect", { x: String(x), y: n2(y(edges[k + 1]!)), width: String(w), height: n2(Math.max(0.5, y(edges[k]!) - y(edges[k + 1]!))), fill: hex(colors[k]!) }));
  }
  g.appendChild(svg("rect", { x: String(x), y: String(T), width: String(w), height: String(P), fill: "none", stroke: theme.muted, "stroke-width": "1" }));
  const every = Math.max(1, Math.ceil(levels.length / 8));
  levels.forEach((v, k) => {
    if (k % every) return;
    g.appendChild(svg("line", { x1: String(x + w), x2: String(x + w + 4), y1: n2(y(v)), y2: n2(y(v)), stroke: theme.muted }));
    g.appendChild(svg("text", { x: String(x + w + 6), y: n2(y(v) + 4), fill: theme.muted, "font-family": theme.fontUi, "font-size": "10" }, fmt(v, 3)));
  });
  g.appendChild(svg("text", { x: String(x + w / 2), y: String(T + P + 17), "text-anchor": "middle", fill: theme.foreground, "font-family": theme.fontUi, "font-size": "12", "font-weight": "600" }, "f"));
  if (scale.kind === "log") g.appendChild(svg("text", { x: String(x + w / 2), y: String(T + P + 30), "text-anchor": "middle", fill: theme.muted, "font-family": theme.fontUi, "font-size": "10" }, "log scale"));
  return g;
}

function message(theme: Theme, text: string): SVGTextElement {
  return svg("text", { x: String(PLOT.L + PLOT.P / 2), y: String(PLOT.T + PLOT.P / 2), "text-anchor": "middle", fill: theme.muted, "font-family": theme.fontUi, "font-size": "13" }, text);
}

/** The whole plot. */
export function renderPlot(d: PlotData, theme: Theme): SVGSVGElement {
  const root = svg("svg", {
    xmlns: "http://www.w3.org/2000/svg",
    class: "ls-plot",
    viewBox: `0 0 ${PLOT.W} ${PLOT.H}`,
    width: String(PLOT.W),
    height: String(PLOT.H),
    data: { kind: d.kind },
  });
  root.appendChild(svg("rect", { x: "0", y: "0", width: String(PLOT.W), height: String(PLOT.H), fill: theme.background }));
  const parts = d.kind === "curve" ? curve(d, theme) : d.kind === "contour" ? contour(d, theme) : surface(d, theme);
  for (const p of parts) if (p) root.appendChild(p as Node);
  return root;
}

function curve(d: PlotData, theme: Theme): Child[] {
  const { L, T, P } = PLOT;
  const xr = d.ranges[0]!;
  const grid = d.grid;
  const out: Child[] = [svg("defs", null, clipRect("ls-clip"))];
  if (!grid) return [...out, axes(theme, xr, { lo: 0, hi: 1 }, d.labels[0]!, "f"), message(theme, "Computing…")];
  const { min, max } = extent(grid.values);
  if (!Number.isFinite(min)) return [...out, axes(theme, xr, { lo: 0, hi: 1 }, d.labels[0]!, "f"), message(theme, "f is not finite anywhere in this range")];
  const pad = (max - min) * 0.08 || Math.abs(max) * 0.1 || 1;
  const yr = { lo: min - pad, hi: max + pad };
  const sx = (x: number) => L + ((x - xr.lo) / (xr.hi - xr.lo)) * P;
  const sy = (y: number) => T + (1 - (y - yr.lo) / (yr.hi - yr.lo)) * P;
  out.push(axes(theme, xr, yr, d.labels[0]!, "f"));
  const n = grid.nx;
  let dPath = "";
  let pen = false;
  for (let i = 0; i < n; i++) {
    const v = grid.values[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = xr.lo + ((xr.hi - xr.lo) * i) / Math.max(1, n - 1);
    dPath += `${pen ? "L" : "M"}${n2(sx(x))} ${n2(sy(v))}`;
    pen = true;
  }
  const body = svg("g", { "clip-path": "url(#ls-clip)" });
  body.appendChild(svg("path", { class: "ls-curve", d: dPath, fill: "none", stroke: theme.leaf, "stroke-width": "2.2", "stroke-linejoin": "round" }));
  const x0 = d.point[0]!, f0 = d.value, g = d.grad?.[0];
  if (g !== undefined && Number.isFinite(f0) && Number.isFinite(g)) {
    const half = (xr.hi - xr.lo) * 0.22;
    const xa = x0 - half, xb = x0 + half;
    body.appendChild(
      svg("line", {
        class: "ls-tangent",
        x1: n2(sx(xa)), y1: n2(sy(f0 + g * (xa - x0))), x2: n2(sx(xb)), y2: n2(sy(f0 + g * (xb - x0))),
        stroke: theme.grad, "stroke-width": "2", "stroke-dasharray": "6 4",
        data: { slope: String(g), x0: String(x0), f0: String(f0) },
      }),
    );
  }
  // On the page's background (not on colour bands) SGD's path takes the text colour.
  body.appendChild(pathLayer(d.paths, (p, v) => [sx(p[0]!), sy(v)], { ...METHOD_COLORS, sgd: theme.foreground }));
  out.push(body);
  if (Number.isFinite(f0)) {
    if (g !== undefined && Number.isFinite(g) && g !== 0) {
      const x1 = x0 - d.arrowScale * g;
      out.push(arrow(sx(x0), sy(f0), sx(x1), sy(f0), `−f′ = ${fmt(-g)}`, theme, { dx: String(-g), scale: String(d.arrowScale) }, true));
      const tx = sx(x0 + (xr.hi - xr.lo) * 0.22);
      out.push(label(Math.min(L + P - 4, tx), sy(f0 + g * (xr.hi - xr.lo) * 0.22) - 8, `slope f′ = ${fmt(g)}`, theme, { "text-anchor": "end", fill: theme.grad }));
    }
    out.push(pointDot(sx(x0), sy(f0)));
  }
  return out;
}

function contour(d: PlotData, theme: Theme): Child[] {
  const { L, T, P } = PLOT;
  const [xr, yr] = d.ranges as [Range, Range];
  const out: Child[] = [svg("defs", null, clipRect("ls-clip"))];
  const sx = (x: number) => L + ((x - xr.lo) / (xr.hi - xr.lo)) * P;
  const sy = (y: number) => T + (1 - (y - yr.lo) / (yr.hi - yr.lo)) * P;
  const grid = d.grid;
  const body = svg("g", { "clip-path": "url(#ls-clip)" });
  if (!grid) {
    out.push(axes(theme, xr, yr, d.labels[0]!, d.labels[1]!), message(theme, "Computing…"));
    return out;
  }
  const { values, nx, ny } = grid;
  const { min, max, argmin } = extent(values);
  if (!Number.isFinite(min)) {
    out.push(axes(theme, xr, yr, d.labels[0]!, d.labels[1]!), message(theme, "f is not finite anywhere in this range"));
    return out;
  }
  const scale = colourScale(min, max, 10);
  const levels = scale.levels;
  const colors = bandColors(levels.length + 1);
  const bands = bandRaster(values, nx, ny, P, P, levels);
  const nan = parseHex(theme.muted);
  body.appendChild(svg("image", { class: "ls-bands", x: String(L), y: String(T), width: String(P), height: String(P), preserveAspectRatio: "none", href: bandImage(bands, P, P, colors, nan) }));
  const gx = (i: number) => L + (i / Math.max(1, nx - 1)) * P;
  const gy = (j: number) => T + (1 - j / Math.max(1, ny - 1)) * P;
  const lines = svg("g", { class: "ls-contours" });
  for (const level of levels) {
    const segs = marchingSquares(values, nx, ny, level);
    if (!segs.length) continue;
    let path = "";
    for (let k = 0; k < segs.length; k += 4) path += `M${n2(gx(segs[k]!))} ${n2(gy(segs[k + 1]!))}L${n2(gx(segs[k + 2]!))} ${n2(gy(segs[k + 3]!))}`;
    lines.appendChild(svg("path", { d: path, fill: "none", stroke: "#000000", "stroke-opacity": "0.42", "stroke-width": "0.9", data: { level: String(level) } }));
  }
  body.appendChild(lines);
  // The lowest grid sample.
  const mi = argmin % nx, mj = Math.floor(argmin / nx);
  const mx = gx(mi), my = gy(mj);
  body.appendChild(
    svg("g", { class: "ls-min", data: { i: String(mi), j: String(mj) } },
      svg("path", { d: `M${n2(mx - 5)} ${n2(my - 5)}L${n2(mx + 5)} ${n2(my + 5)}M${n2(mx - 5)} ${n2(my + 5)}L${n2(mx + 5)} ${n2(my - 5)}`, stroke: "#ffffff", "stroke-width": "2" }),
    ),
  );
  body.appendChild(pathLayer(d.paths, (p) => [sx(p[0]!), sy(p[1]!)]));
  out.push(body, axes(theme, xr, yr, d.labels[0]!, d.labels[1]!), colorBar(theme, scale, colors));
  const [x0, y0] = d.point as [number, number];
  const inside = x0 >= xr.lo && x0 <= xr.hi && y0 >= yr.lo && y0 <= yr.hi;
  if (inside && d.grad && d.grad.every(Number.isFinite) && d.grad.some((v) => v !== 0)) {
    const [g0, g1] = d.grad as [number, number];
    const ex = x0 - d.arrowScale * g0, ey = y0 - d.arrowScale * g1;
    out.push(arrow(sx(x0), sy(y0), sx(ex), sy(ey), `−∇f = ${fmtPoint([-g0, -g1], 3)}`, theme, { dx: String(-g0), dy: String(-g1), scale: String(d.arrowScale), x: String(x0), y: String(y0) }));
  }
  if (inside) out.push(pointDot(sx(x0), sy(y0)));
  return out;
}

function surface(d: PlotData, theme: Theme): Child[] {
  const { L, T, P } = PLOT;
  const [xr, yr] = d.ranges as [Range, Range];
  const grid = d.grid;
  const out: Child[] = [svg("defs", null, svg("clipPath", { id: "ls-clip" }, svg("rect", { x: "0", y: "0", width: String(PLOT.W), height: String(PLOT.H - 8) })))];
  if (!grid) return [...out, message(theme, "Computing…")];
  const { values, nx, ny } = grid;
  const { min, max } = extent(values);
  if (!Number.isFinite(min)) return [...out, message(theme, "f is not finite anywhere in this range")];
  const view = d.view;
  const ce = Math.cos(view.elevation), se = Math.sin(view.elevation);
  const scale = Math.min((PLOT.W - 70) / (2 * Math.SQRT2), (PLOT.H - 70) / (2 * (ce + Math.SQRT2 * Math.abs(se))));
  const cx = L + P / 2 - 6, cy = T + P / 2 + 6;
  const toScreen = (x: number, y: number, z: number): [number, number] => {
    const p = project(x, y, z, view);
    return [cx + scale * p.sx, cy - scale * p.sy];
  };
  const ux = (x: number) => (2 * (x - xr.lo)) / (xr.hi - xr.lo) - 1;
  const uy = (y: number) => (2 * (y - yr.lo)) / (yr.hi - yr.lo) - 1;
  const uz = (v: number) => (2 * (v - min)) / (max - min || 1) - 1;
  const color = (v: number) => rampColor((v - min) / (max - min || 1));
  const body = svg("g", { "clip-path": "url(#ls-clip)" });
  // The floor: the input square under the surface; the vertical axis at its leftmost corner (behind the mesh).
  const corners: Array<[number, number]> = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
  const floor = corners.map(([x, y]) => toScreen(x, y, -1));
  body.appendChild(svg("polygon", { class: "ls-floor", points: floor.map(([x, y]) => `${n2(x)},${n2(y)}`).join(" "), fill: "none", stroke: theme.muted, "stroke-width": "1" }));
  let left = 0;
  for (let k = 1; k < 4; k++) if (floor[k]![0] < floor[left]![0]) left = k;
  const [zc0, zc1] = corners[left]!;
  const [zx0, zy0] = toScreen(zc0, zc1, -1), [zx1, zy1] = toScreen(zc0, zc1, 1);
  body.appendChild(svg("line", { x1: n2(zx0), y1: n2(zy0), x2: n2(zx1), y2: n2(zy1), stroke: theme.muted, "stroke-width": "1", "stroke-dasharray": "3 3" }));
  const stride = Math.max(1, Math.ceil((Math.max(nx, ny) - 1) / 44));
  const mesh = svg("g", { class: "ls-mesh" });
  for (const q of surfaceQuads(values, nx, ny, min, max, view, stride)) {
    const [r, g, b] = color(q.value);
    const fill = hex([r * q.light, g * q.light, b * q.light]);
    const edge = hex([r * q.light * 0.78, g * q.light * 0.78, b * q.light * 0.78]);
    const pts: string[] = [];
    for (let k = 0; k < 8; k += 2) pts.push(`${n2(cx + scale * q.pts[k]!)},${n2(cy - scale * q.pts[k + 1]!)}`);
    mesh.appendChild(svg("polygon", { points: pts.join(" "), fill, stroke: edge, "stroke-width": "0.6", "stroke-linejoin": "round" }));
  }
  body.appendChild(mesh);
  const toPlot = (p: number[], v: number): [number, number] | null => toScreen(ux(p[0]!), uy(p[1]!), uz(v));
  body.appendChild(pathLayer(d.paths, toPlot));
  out.push(body);
  // Axis names and end values along the floor's two front edges (the lowest on the screen).
  const fcx = floor.reduce((a, p) => a + p[0], 0) / 4, fcy = floor.reduce((a, p) => a + p[1], 0) / 4;
  const outward = (x: number, y: number, k: number): [number, number] => {
    const dx = x - fcx, dy = y - fcy, l = Math.hypot(dx, dy) || 1;
    return [x + (dx / l) * k, y + (dy / l) * k];
  };
  const edges = [0, 1, 2, 3].map((k) => ({ a: k, b: (k + 1) % 4, mid: (floor[k]![1] + floor[(k + 1) % 4]![1]) / 2 }));
  edges.sort((p, q) => q.mid - p.mid);
  for (const e of edges.slice(0, 2)) {
    // Edges 0 and 2 run along x (y fixed), 1 and 3 along y.
    const alongX = e.a % 2 === 0;
    const [ca, cb] = [corners[e.a]!, corners[e.b]!];
    const [pa, pb] = [floor[e.a]!, floor[e.b]!];
    const r = alongX ? xr : yr;
    const va = alongX ? ca[0] : ca[1], vb = alongX ? cb[0] : cb[1];
    const at = (t: number): [number, number] => [pa[0] + (pb[0] - pa[0]) * t, pa[1] + (pb[1] - pa[1]) * t];
    const [lx, ly] = outward(...at(0.5), 26);
    out.push(label(lx, ly + 4, d.labels[alongX ? 0 : 1]!, theme, { "text-anchor": "middle", "font-weight": "600" }));
    for (const [t, v] of [[0.08, va], [0.92, vb]] as const) {
      const [tx, ty] = outward(...at(t), 12);
      out.push(label(tx, ty + 4, fmt(v < 0 ? r.lo : r.hi, 3), theme, { "text-anchor": "middle", "font-size": "10", fill: theme.muted }));
    }
  }
  out.push(
    label(zx1 - 6, zy1 + 4, `f = ${fmt(max, 3)}`, theme, { "text-anchor": "end", "font-size": "11" }),
    label(zx0 - 6, zy0 + 4, fmt(min, 3), theme, { "text-anchor": "end", "font-size": "10", fill: theme.muted }),
  );
  const [x0, y0] = d.point as [number, number];
  const inside = x0 >= xr.lo && x0 <= xr.hi && y0 >= yr.lo && y0 <= yr.hi && Number.isFinite(d.value);
  if (inside) {
    const [px, py] = toScreen(ux(x0), uy(y0), uz(d.value));
    if (d.grad && d.grad.every(Number.isFinite) && d.grad.some((v) => v !== 0)) {
      const [g0, g1] = d.grad as [number, number];
      const ex = x0 - d.arrowScale * g0, ey = y0 - d.arrowScale * g1;
      // Along the tangent plane: f changes by ∇f · Δ = −scale·|∇f|².
      const ez = d.value - d.arrowScale * (g0 * g0 + g1 * g1);
      const [qx, qy] = toScreen(ux(ex), uy(ey), uz(ez));
      out.push(arrow(px, py, qx, qy, `−∇f = ${fmtPoint([-g0, -g1], 3)}`, theme, { dx: String(-g0), dy: String(-g1), scale: String(d.arrowScale), x: String(x0), y: String(y0) }));
    }
    out.push(pointDot(px, py));
  }
  return out;
}

/** Legend entries for the paths drawn (for the DOM, next to the plot). */
export function pathLegend(paths: PlotPath[]): Array<{ method: PathMethod; name: string; color: string }> {
  return paths.filter((p) => p.steps.length > 1).map((p) => ({ method: p.method, name: METHOD_NAMES[p.method], color: METHOD_COLORS[p.method] }));
}

/** The SVG as a standalone file. */
export function svgFile(plot: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(plot)}\n`;
}

/** The SVG drawn onto a canvas at `scale`, as a PNG data URL. */
export async function pngDataUrl(plot: SVGSVGElement, scale = 2): Promise<string> {
  const text = svgFile(plot);
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the SVG could not be drawn"));
      img.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = PLOT.W * scale;
    canvas.height = PLOT.H * scale;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2D canvas");
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/png");
  } finally {
    URL.revokeObjectURL(url);
  }
}

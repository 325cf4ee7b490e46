// The pure parts of the Landscape tab (issue 6): grids, default ranges, axis ticks, contour levels,
// marching squares, the banded raster behind the contour lines, the projected 3D surface, and the
// verdict on a gradient-descent run. No DOM here: unit tests call these directly
// (test/webview/landscape-math.test.ts), the tab draws what they return.
//
// Grid convention: `values[j * nx + i]` is f at (xs[i], ys[j]), xs increasing left to right, ys
// increasing bottom to top. "Grid coordinates" are (i, j) as real numbers, (0, 0) the first sample.
import { formatNumber, SHORT_DIGITS } from "../shared/format";

/** A closed interval of one input. */
export interface Range {
  lo: number;
  hi: number;
}

/** The n sample positions of a range, ends included (lo + (hi − lo)·k/(n − 1), so 0 is exact when it falls on a sample). */
export function linspace(r: Range, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = (r.lo + r.hi) / 2;
    return out;
  }
  for (let k = 0; k < n; k++) out[k] = r.lo + ((r.hi - r.lo) * k) / (n - 1);
  return out;
}

/** Points of an nx × ny grid, point-major (x, y, x, y, …), row by row from the bottom. */
export function gridPoints(xr: Range, yr: Range, nx: number, ny: number): Float64Array {
  const xs = linspace(xr, nx), ys = linspace(yr, ny);
  const out = new Float64Array(nx * ny * 2);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = (j * nx + i) * 2;
      out[k] = xs[i]!;
      out[k + 1] = ys[j]!;
    }
  }
  return out;
}

/** The smallest of 1, 2, 3, 5 × 10^k that is ≥ x (x > 0). */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 3, 5, 10]) if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * The default range of an input whose current value is v: symmetric around 0 and half again as
 * wide as |v| (at least ±1), rounded up to 1, 2, 3 or 5 × 10^k. For the textbook's x1 = 2 that is
 * [−3, 3]: the point and the minimum at 0 both in view, 0 in the middle.
 */
export function defaultRange(v: number): Range {
  const h = niceCeil(Math.max(1, 1.5 * Math.abs(Number.isFinite(v) ? v : 0)));
  return { lo: -h, hi: h };
}

/**
 * Equal scales for a contour plot (its plot area is square): each range keeps its centre and takes
 * the widest half-width, so −∇f looks perpendicular to the contour lines as it is.
 */
export function equalRanges(ranges: readonly Range[]): Range[] {
  const h = Math.max(...ranges.map((r) => (r.hi - r.lo) / 2));
  return ranges.map((r) => {
    const c = (r.lo + r.hi) / 2;
    return { lo: c - h, hi: c + h };
  });
}

/** Whether equal scales still show every axis: the widest range at most `ratio` times the narrowest. */
export function equalScalesFit(ranges: readonly Range[], ratio = 10): boolean {
  const widths = ranges.map((r) => r.hi - r.lo);
  return Math.max(...widths) <= ratio * Math.min(...widths);
}

/** Whether the ranges have equal widths (to rounding). */
export function hasEqualScales(ranges: readonly Range[]): boolean {
  const widths = ranges.map((r) => r.hi - r.lo);
  const max = Math.max(...widths);
  return widths.every((w) => Math.abs(w - max) <= 1e-9 * max);
}

/** A range centred on v with the half-width of r (the "centre on the point" control). */
export function centredOn(v: number, r: Range): Range {
  const h = (r.hi - r.lo) / 2;
  return { lo: v - h, hi: v + h };
}

/** "Nice" tick positions (steps of 1, 2 or 5 × 10^k) inside [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) {
    // k·step, rounded to the step's precision (no 0.30000000000000004)
    const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
    const t = +(k * step).toFixed(Math.min(20, digits));
    ticks.push(Object.is(t, -0) ? 0 : t);
  }
  return ticks;
}

/** Contour levels strictly between min and max: nice values, about `target` of them. */
export function contourLevels(min: number, max: number, target = 10): number[] {
  if (!(max > min)) return [];
  return niceTicks(min, max, target).filter((t) => t > min && t < max);
}

/**
 * How f maps to colours: the contour levels and the colour bar's scale. Linear, unless f ≥ 0 spans
 * three decades or more — a loss like Rosenbrock's, whose valley a linear scale paints in one
 * colour — then logarithmic: levels at 1, 2, 5 × 10^k (fewer per decade when there are many
 * decades), the bar from max(min, max · 10⁻⁶) up.
 */
export interface ColourScale {
  kind: "linear" | "log";
  levels: number[];
  /** The colour bar's ends. */
  lo: number;
  hi: number;
}

export function colourScale(min: number, max: number, target = 10): ColourScale {
  if (min >= 0 && max > 0 && Number.isFinite(max) && max >= 1000 * min) {
    const lo = Math.max(min, max * 1e-6);
    return { kind: "log", levels: logLevels(lo, max, target), lo, hi: max };
  }
  return { kind: "linear", levels: contourLevels(min, max, target), lo: min, hi: max };
}

/** Levels strictly inside (lo, hi), lo > 0: 1, 2, 5 × 10^k, or every decade, or every few decades. */
export function logLevels(lo: number, hi: number, target = 10): number[] {
  if (!(lo > 0) || !(hi > lo)) return [];
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const decades = k1 - k0;
  const mantissas = decades * 3 <= target * 1.5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / (target * 1.5)));
  const levels: number[] = [];
  for (let k = k0; k <= k1; k++) {
    if ((k - k0) % every) continue;
    for (const m of mantissas) {
      // m·10^k without 0.30000000000000004: through its decimal text
      const v = Number(`${m}e${k}`);
      if (v > lo && v < hi) levels.push(v);
    }
  }
  return levels;
}

/** Finite minimum and maximum of the values (NaN when none is finite), and where the minimum is. */
export function extent(values: ArrayLike<number>): { min: number; max: number; argmin: number } {
  let min = Infinity, max = -Infinity, argmin = -1;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) {
      min = v;
      argmin = k;
    }
    if (v > max) max = v;
  }
  return argmin < 0 ? { min: NaN, max: NaN, argmin: -1 } : { min, max, argmin };
}

/**
 * Marching squares: the line segments where f crosses `level`, in grid coordinates, flat
 * [x0, y0, x1, y1, …]. Each cell's crossing points are linearly interpolated along its edges;
 * a saddle cell (diagonal corners on the same side) is resolved by the mean of its four corners.
 * Cells with a non-finite corner are skipped.
 */
export function marchingSquares(values: ArrayLike<number>, nx: number, ny: number, level: number): number[] {
  const out: number[] = [];
  // Edges of a cell: 0 bottom (a→b), 1 right (b→c), 2 top (d→c), 3 left (a→d);
  // corners a = (i, j), b = (i+1, j), c = (i+1, j+1), d = (i, j+1).
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const a = values[j * nx + i]!, b = values[j * nx + i + 1]!;
      const c = values[(j + 1) * nx + i + 1]!, d = values[(j + 1) * nx + i]!;
      if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || !Number.isFinite(d)) continue;
      const code = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const point = (edge: number): [number, number] => {
        const t = (p: number, q: number) => (p === q ? 0.5 : (level - p) / (q - p));
        switch (edge) {
          case 0:
            return [i + t(a, b), j];
          case 1:
            return [i + 1, j + t(b, c)];
          case 2:
            return [i + t(d, c), j + 1];
          default:
            return [i, j + t(a, d)];
        }
      };
      const seg = (e0: number, e1: number) => {
        const [x0, y0] = point(e0), [x1, y1] = point(e1);
        out.push(x0, y0, x1, y1);
      };
      const centreAbove = (a + b + c + d) / 4 >= level;
      switch (code) {
        case 1: case 14: seg(3, 0); break;
        case 2: case 13: seg(0, 1); break;
        case 3: case 12: seg(3, 1); break;
        case 4: case 11: seg(1, 2); break;
        case 6: case 9: seg(0, 2); break;
        case 7: case 8: seg(3, 2); break;
        case 5: // a and c above
          if (centreAbove) { seg(0, 1); seg(2, 3); } // b and d cut off
          else { seg(3, 0); seg(1, 2); } // a and c cut off
          break;
        case 10: // b and d above
          if (centreAbove) { seg(3, 0); seg(1, 2); } // a and c cut off
          else { seg(0, 1); seg(2, 3); } // b and d cut off
          break;
      }
    }
  }
  return out;
}

/**
 * Which band each pixel of a w × h raster falls in: f bilinearly interpolated from the grid at the
 * pixel's centre (the same interpolation marching squares uses along cell edges, so band edges meet
 * the contour lines), then the number of levels ≤ it (0 … levels.length); −1 where f is not finite.
 * Row 0 of the raster is the top (the highest y), as images go.
 */
export function bandRaster(values: ArrayLike<number>, nx: number, ny: number, w: number, h: number, levels: readonly number[]): Int16Array {
  const out = new Int16Array(w * h);
  for (let py = 0; py < h; py++) {
    const gy = (1 - (py + 0.5) / h) * (ny - 1);
    const j = Math.min(ny - 2, Math.max(0, Math.floor(gy)));
    const ty = ny > 1 ? gy - j : 0;
    for (let px = 0; px < w; px++) {
      const gx = ((px + 0.5) / w) * (nx - 1);
      const i = Math.min(nx - 2, Math.max(0, Math.floor(gx)));
      const tx = nx > 1 ? gx - i : 0;
      const a = values[j * nx + i]!, b = values[j * nx + i + 1]!;
      const d = values[(j + 1) * nx + i]!, c = values[(j + 1) * nx + i + 1]!;
      const v = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + c * tx) * ty;
      if (!Number.isFinite(v)) {
        out[py * w + px] = -1;
        continue;
      }
      let band = 0;
      while (band < levels.length && v >= levels[band]!) band++;
      out[py * w + px] = band;
    }
  }
  return out;
}

/** An RGB colour. */
export type Rgb = [number, number, number];

// A perceptually ordered ramp (viridis' anchor colours): low values dark blue-purple, high yellow.
const RAMP: Rgb[] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

/** The ramp's colour at t ∈ [0, 1] (clamped). */
export function rampColor(t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const k = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - k;
  const p = RAMP[k]!, q = RAMP[k + 1]!;
  return [0, 1, 2].map((c) => Math.round(p[c]! + (q[c]! - p[c]!) * f)) as Rgb;
}

/** "#rrggbb" of an RGB colour. */
export function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * How long to draw the −∇f arrow: the factor s (tip = point − s·grad, so its direction and
 * components stay exact) that makes it `fraction` of the plot across, each axis measured in its own
 * range, and then short enough that the tip stays inside the ranges (but never under a quarter of
 * that length). 0 for a zero or non-finite gradient.
 */
export function arrowScale(point: readonly number[], grad: readonly number[], ranges: readonly Range[], fraction = 0.2): number {
  if (!grad.every(Number.isFinite) || !point.every(Number.isFinite)) return 0;
  const rel = Math.hypot(...grad.map((g, i) => g / (ranges[i]!.hi - ranges[i]!.lo)));
  if (!(rel > 0)) return 0;
  const want = fraction / rel;
  let s = want;
  grad.forEach((g, i) => {
    const r = ranges[i]!, p = point[i]!;
    if (g > 0 && p - s * g < r.lo) s = (p - r.lo) / g;
    if (g < 0 && p - s * g > r.hi) s = (p - r.hi) / g;
  });
  return Math.max(s, want / 4);
}

// ---- the 3D surface -----------------------------------------------------------------------------

/** The camera of the surface view: turned `azimuth` around the vertical axis, raised `elevation` above the plane (radians). */
export interface View3D {
  azimuth: number;
  elevation: number;
}

export const DEFAULT_VIEW: View3D = { azimuth: -Math.PI / 5, elevation: Math.PI / 5.5 };

/**
 * Orthographic projection of a point of the unit cube ([−1, 1]³, z up): screen x to the right,
 * screen y up, and depth (larger = farther from the viewer, for painting far to near).
 * Elevation π/2 looks straight down (screen y = the point's y at azimuth 0).
 */
export function project(x: number, y: number, z: number, view: View3D): { sx: number; sy: number; depth: number } {
  const ca = Math.cos(view.azimuth), sa = Math.sin(view.azimuth);
  const ce = Math.cos(view.elevation), se = Math.sin(view.elevation);
  const xr = x * ca - y * sa;
  const yr = x * sa + y * ca;
  return { sx: xr, sy: z * ce + yr * se, depth: yr * ce - z * se };
}

/** One quad of the surface mesh, projected. */
export interface SurfaceQuad {
  /** Four corners, screen coordinates (x right, y up), in the order (i, j), (i+1, j), (i+1, j+1), (i, j+1). */
  pts: [number, number, number, number, number, number, number, number];
  depth: number;
  /** Mean of the corner values (for the colour). */
  value: number;
  /** Lambertian light on the quad, 0.35 … 1. */
  light: number;
}

/**
 * The surface z = f over the grid, in the unit cube (x, y from the grid, z from [zmin, zmax]),
 * sampled every `stride` grid cells, projected with `view` and sorted far to near (painter's
 * algorithm). Quads with a non-finite corner are left out.
 */
export function surfaceQuads(values: ArrayLike<number>, nx: number, ny: number, zmin: number, zmax: number, view: View3D, stride = 1): SurfaceQuad[] {
  const span = zmax > zmin ? zmax - zmin : 1;
  const gx = (i: number) => (nx > 1 ? (2 * i) / (nx - 1) - 1 : 0);
  const gy = (j: number) => (ny > 1 ? (2 * j) / (ny - 1) - 1 : 0);
  const gz = (v: number) => (2 * (v - zmin)) / span - 1;
  const is: number[] = [], js: number[] = [];
  for (let i = 0; i < nx - 1; i += stride) is.push(i);
  is.push(nx - 1);
  for (let j = 0; j < ny - 1; j += stride) js.push(j);
  js.push(ny - 1);
  // The light comes from above, a little towards the viewer's upper left (in view space).
  const light = normalize([-0.35, -0.45, 0.82]);
  const ca = Math.cos(view.azimuth), sa = Math.sin(view.azimuth);
  const quads: SurfaceQuad[] = [];
  for (let b = 0; b + 1 < js.length; b++) {
    for (let a = 0; a + 1 < is.length; a++) {
      const i0 = is[a]!, i1 = is[a + 1]!, j0 = js[b]!, j1 = js[b + 1]!;
      const v00 = values[j0 * nx + i0]!, v10 = values[j0 * nx + i1]!, v11 = values[j1 * nx + i1]!, v01 = values[j1 * nx + i0]!;
      if (!Number.isFinite(v00) || !Number.isFinite(v10) || !Number.isFinite(v11) || !Number.isFinite(v01)) continue;
      const corners: Array<[number, number, number]> = [
        [gx(i0), gy(j0), gz(v00)],
        [gx(i1), gy(j0), gz(v10)],
        [gx(i1), gy(j1), gz(v11)],
        [gx(i0), gy(j1), gz(v01)],
      ];
      const pts = [] as unknown as SurfaceQuad["pts"];
      let depth = 0;
      for (const [x, y, z] of corners) {
        const p = project(x, y, z, view);
        pts.push(p.sx, p.sy);
        depth += p.depth / 4;
      }
      // Normal from the two diagonals, turned into the viewer's frame (azimuth only: the light turns with the camera).
      const d1 = sub3(corners[2]!, corners[0]!), d2 = sub3(corners[3]!, corners[1]!);
      let n = normalize(cross(d1, d2));
      if (n[2] < 0) n = [-n[0], -n[1], -n[2]];
      const nv: [number, number, number] = [n[0] * ca - n[1] * sa, n[0] * sa + n[1] * ca, n[2]];
      const lambert = Math.max(0, nv[0] * light[0] + nv[1] * light[1] + nv[2] * light[2]);
      quads.push({ pts, depth, value: (v00 + v10 + v11 + v01) / 4, light: 0.35 + 0.65 * lambert });
    }
  }
  quads.sort((p, q) => q.depth - p.depth);
  return quads;
}

function sub3(p: [number, number, number], q: [number, number, number]): [number, number, number] {
  return [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
}

function cross(p: [number, number, number], q: [number, number, number]): [number, number, number] {
  return [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
}

function normalize(p: [number, number, number]): [number, number, number] {
  const l = Math.hypot(p[0], p[1], p[2]) || 1;
  return [p[0] / l, p[1] / l, p[2] / l];
}

// ---- numbers and descent ------------------------------------------------------------------------

/**
 * A number for the plot's readouts: shared/format.ts's rule (`digits` significant digits, exponent
 * for extremes) set as mathematics: U+2212 for minus, ∞ for infinity.
 */
export function fmt(x: number, digits = SHORT_DIGITS): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  return formatNumber(x, digits).replace(/^-/, "−").replace(/e-/, "e−");
}

/** "(−0.8, −0.8)" */
export function fmtPoint(p: readonly number[], digits = 4): string {
  return `(${p.map((v) => fmt(v, digits)).join(", ")})`;
}

export interface DescentVerdict {
  kind: "decreasing" | "converged" | "diverged" | "oscillating" | "mixed" | "none";
  text: string;
}

/**
 * What a descent run did, in one sentence: f decreased at every step (monotonically), it diverged
 * (a non-finite value, or f ended above where it started and was still rising; `diverged` is the
 * engine's own verdict, which stops a run that keeps rising), or neither.
 */
export function descentVerdict(values: readonly number[], diverged = false): DescentVerdict {
  const n = values.length - 1;
  if (n < 1) return { kind: "none", text: "" };
  const first = values[0]!, last = values[n]!;
  if (!Number.isFinite(last) || (diverged && !(last > first))) {
    const lastFinite = [...values].reverse().find((v) => Number.isFinite(v));
    return { kind: "diverged", text: `Diverged: f is not finite after ${n} ${n === 1 ? "step" : "steps"} (last finite value ${fmt(lastFinite ?? NaN)}); try a smaller learning rate.` };
  }
  let rising = 0;
  for (let k = n; k >= 1 && values[k]! > values[k - 1]!; k--) rising++;
  if (last > first && (diverged || rising >= Math.min(n, 2))) {
    return { kind: "diverged", text: `Diverged: f grew from ${fmt(first)} to ${fmt(last)} in ${n} ${n === 1 ? "step" : "steps"}; the learning rate is too large.` };
  }
  let monotone = true;
  for (let k = 1; k <= n; k++) if (!(values[k]! < values[k - 1]!)) monotone = false;
  if (monotone) return { kind: "decreasing", text: `f decreased at every step, from ${fmt(first)} to ${fmt(last)}.` };
  const scale = Math.max(1e-12, Math.abs(first), Math.abs(last));
  if (Math.abs(last - first) <= 1e-6 * scale) {
    return { kind: "oscillating", text: `f did not go down: it is back at ${fmt(first)} after ${n} steps (the steps jump across the valley).` };
  }
  if (values.slice(1).every((v, k) => v <= values[k]!)) return { kind: "converged", text: `f decreased from ${fmt(first)} to ${fmt(last)} and stopped changing.` };
  return { kind: "mixed", text: `f went from ${fmt(first)} to ${fmt(last)}, not at every step downhill.` };
}

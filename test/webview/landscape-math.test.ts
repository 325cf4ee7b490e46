// The Landscape tab's pure helpers (webview/landscape-math.ts): grids and ranges, axis ticks,
// contour levels, marching squares, the band raster, the 3D projection and surface mesh, number
// formatting and the verdict on a descent run.
import { describe, expect, it } from "vitest";
import {
  bandRaster,
  centredOn,
  contourLevels,
  equalRanges,
  equalScalesFit,
  hasEqualScales,
  colourScale,
  logLevels,
  defaultRange,
  descentVerdict,
  extent,
  fmt,
  fmtPoint,
  arrowScale,
  gridPoints,
  linspace,
  marchingSquares,
  niceCeil,
  niceTicks,
  project,
  rampColor,
  surfaceQuads,
} from "../../webview/landscape-math";

/** f sampled on an nx × ny grid over [lo, hi]² (row-major from the bottom). */
function sample(f: (x: number, y: number) => number, n: number, lo = -1, hi = 1): Float64Array {
  const xs = linspace({ lo, hi }, n);
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j * n + i] = f(xs[i]!, xs[j]!);
  return out;
}

/** Segments of marchingSquares as [[x0, y0, x1, y1], …]. */
function segments(flat: number[]): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < flat.length; k += 4) out.push(flat.slice(k, k + 4));
  return out;
}

describe("grids and ranges", () => {
  it("linspace hits both ends and 0 exactly when it is a sample", () => {
    expect([...linspace({ lo: -3, hi: 3 }, 61)][30]).toBe(0);
    expect([...linspace({ lo: -1, hi: 1 }, 5)]).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect([...linspace({ lo: 2, hi: 4 }, 1)]).toEqual([3]);
  });

  it("gridPoints is point-major, rows from the bottom", () => {
    expect([...gridPoints({ lo: 0, hi: 1 }, { lo: 10, hi: 20 }, 2, 2)]).toEqual([0, 10, 1, 10, 0, 20, 1, 20]);
  });

  it("defaultRange: symmetric around 0, at least 1.5 × |v| (and ±1), rounded to 1, 2, 3, 5 × 10^k", () => {
    expect(defaultRange(2)).toEqual({ lo: -3, hi: 3 });
    expect(defaultRange(-2)).toEqual({ lo: -3, hi: 3 });
    expect(defaultRange(0)).toEqual({ lo: -1, hi: 1 });
    expect(defaultRange(0.1)).toEqual({ lo: -1, hi: 1 });
    expect(defaultRange(7)).toEqual({ lo: -20, hi: 20 });
    expect(defaultRange(150)).toEqual({ lo: -300, hi: 300 });
    expect(defaultRange(NaN)).toEqual({ lo: -1, hi: 1 });
    expect([1, 1.2, 2.5, 3.01, 40, 0.07].map(niceCeil)).toEqual([1, 2, 3, 5, 50, 0.1]);
  });

  it("centredOn keeps the width", () => {
    expect(centredOn(2, { lo: -3, hi: 3 })).toEqual({ lo: -1, hi: 5 });
  });

  it("extent skips non-finite values and finds the first minimum", () => {
    expect(extent([3, NaN, -1, Infinity, -1, 5])).toEqual({ min: -1, max: 5, argmin: 2 });
    expect(extent([NaN, NaN]).argmin).toBe(-1);
  });
});

describe("axis ticks and contour levels", () => {
  it("niceTicks uses steps of 1, 2 or 5 × 10^k inside the range", () => {
    expect(niceTicks(-3, 3, 6)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-5, -1.4, 8)).toEqual([-5, -4.5, -4, -3.5, -3, -2.5, -2, -1.5]);
    expect(niceTicks(0.1, 0.35, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(niceTicks(3, -3, 3)).toEqual([-2, 0, 2]);
    expect(niceTicks(1, 1)).toEqual([1]);
    expect(niceTicks(0, Infinity)).toEqual([]);
  });

  it("no float noise and no negative zero", () => {
    for (const t of niceTicks(-0.3, 0.3, 6)) expect(String(t)).toMatch(/^-?\d(\.\d)?$/);
    expect(Object.is(niceTicks(-1, 1, 2)[1], 0)).toBe(true);
  });

  it("equal scales keep each centre and take the widest range; they fit up to a 10× ratio", () => {
    expect(equalRanges([{ lo: -20, hi: 20 }, { lo: -3, hi: 3 }])).toEqual([{ lo: -20, hi: 20 }, { lo: -20, hi: 20 }]);
    expect(equalRanges([{ lo: 0, hi: 2 }, { lo: 9, hi: 10 }])).toEqual([{ lo: 0, hi: 2 }, { lo: 8.5, hi: 10.5 }]);
    expect(equalScalesFit([{ lo: -20, hi: 20 }, { lo: -3, hi: 3 }])).toBe(true);
    expect(equalScalesFit([{ lo: -200, hi: 200 }, { lo: -2, hi: 2 }])).toBe(false);
    expect(hasEqualScales([{ lo: -1, hi: 1 }, { lo: 4, hi: 6 }])).toBe(true);
    expect(hasEqualScales([{ lo: -1, hi: 1 }, { lo: 4, hi: 7 }])).toBe(false);
  });

  it("colourScale is linear unless f ≥ 0 spans three decades; then its levels are logarithmic", () => {
    // The textbook function (negative values) and a loss within two decades stay linear.
    expect(colourScale(-5, 3.8)).toEqual({ kind: "linear", levels: contourLevels(-5, 3.8, 10), lo: -5, hi: 3.8 });
    expect(colourScale(0.5, 40).kind).toBe("linear");
    // Rosenbrock around its minimum: 0.0003 … 3,500.
    const rosen = colourScale(0.0003, 3500);
    expect(rosen.kind).toBe("log");
    expect(rosen.lo).toBeCloseTo(0.0035, 12);
    expect(rosen.levels).toEqual([0.01, 0.1, 1, 10, 100, 1000]);
    // A minimum of exactly 0 floors the bar at max · 1e-6.
    expect(colourScale(0, 1e4)).toMatchObject({ kind: "log", lo: 0.01 });
    // Few decades: 1, 2, 5 per decade, exact decimals.
    expect(logLevels(0.3, 40)).toEqual([0.5, 1, 2, 5, 10, 20]);
    // Many decades: every few decades, never more than about 1.5 × target levels.
    const wide = logLevels(1e-30, 1e30, 10);
    expect(wide.length).toBeLessThanOrEqual(15);
    expect(wide.every((v, i) => i === 0 || v > wide[i - 1]!)).toBe(true);
    expect(logLevels(0, 10)).toEqual([]);
  });

  it("contourLevels lie strictly inside (min, max)", () => {
    // the textbook on [−3, 3]²: f from −5 to −1.4
    expect(contourLevels(-5, -1.4, 10)).toEqual([-4.5, -4, -3.5, -3, -2.5, -2, -1.5]);
    expect(contourLevels(0, 1, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(contourLevels(2, 2)).toEqual([]);
  });
});

describe("marching squares", () => {
  it("a single cell: each corner case cuts the right edges, at the interpolated point", () => {
    // corners a (0,0) = 0, b (1,0) = 1, c (1,1) = 0, d (0,1) = 0 → only b above 0.5
    const seg = segments(marchingSquares([0, 1, 0, 0], 2, 2, 0.5));
    expect(seg).toEqual([[0.5, 0, 1, 0.5]]);
    // a and b above (bottom edge): a horizontal line between the left and right edges
    expect(segments(marchingSquares([1, 1, 0, 0], 2, 2, 0.25))).toEqual([[0, 0.75, 1, 0.75]]);
    // all above, all below: nothing
    expect(marchingSquares([1, 1, 1, 1], 2, 2, 0.5)).toEqual([]);
    expect(marchingSquares([0, 0, 0, 0], 2, 2, 0.5)).toEqual([]);
  });

  it("saddles are resolved by the mean of the corners", () => {
    // a = (0, 0) = 1, b = (1, 0) = 0, c = (1, 1) = 1, d = (0, 1) = 0: a and c above; mean 0.5
    // values row-major: [a, b, d, c] = [1, 0, 0, 1]
    const high = segments(marchingSquares([1, 0, 0, 1], 2, 2, 0.4));
    expect(high).toHaveLength(2);
    // mean 0.5 ≥ 0.4: a and c are joined, so b and d are cut off: segments bottom–right and top–left
    expect(high).toContainEqual([0.6, 0, 1, 0.4]);
    expect(high).toContainEqual([0.4, 1, 0, 0.6]);
    const low = segments(marchingSquares([1, 0, 0, 1], 2, 2, 0.6));
    // mean 0.5 < 0.6: a and c are cut off: left–bottom and right–top
    expect(low).toContainEqual([0, 0.4, 0.4, 0]);
    expect(low).toContainEqual([1, 0.6, 0.6, 1]);
  });

  it("the level set of x² + y² is a circle of the right radius", () => {
    const n = 81;
    const values = sample((x, y) => x * x + y * y, n);
    // (a level no sample hits exactly: a corner on the level would make zero-length segments)
    const flat = marchingSquares(values, n, n, 0.2601);
    expect(flat.length).toBeGreaterThan(4 * 40);
    const toXY = (g: number) => -1 + (2 * g) / (n - 1);
    for (let k = 0; k < flat.length; k += 2) {
      const r = Math.hypot(toXY(flat[k]!), toXY(flat[k + 1]!));
      expect(r).toBeGreaterThan(0.505);
      expect(r).toBeLessThan(0.515);
    }
    // The segments join up into a closed loop: every end point is shared by exactly two segments.
    const count = new Map<string, number>();
    for (let k = 0; k < flat.length; k += 2) {
      const key = `${flat[k]!.toFixed(6)},${flat[k + 1]!.toFixed(6)}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    expect([...count.values()].every((c) => c === 2)).toBe(true);
  });

  it("cells with a non-finite corner are skipped", () => {
    expect(marchingSquares([0, 1, NaN, 0], 2, 2, 0.5)).toEqual([]);
  });
});

describe("band raster", () => {
  it("counts the levels at or below f at each pixel; the top row is the highest y", () => {
    // f = y on a 2 × 2 grid: 0 at the bottom, 1 at the top
    const bands = bandRaster([0, 0, 1, 1], 2, 2, 1, 4, [0.5]);
    expect([...bands]).toEqual([1, 1, 0, 0]);
    expect([...bandRaster([0, 0, 1, 1], 2, 2, 1, 4, [0.2, 0.7])]).toEqual([2, 1, 1, 0]);
    expect([...bandRaster([NaN, NaN, NaN, NaN], 2, 2, 2, 1, [0.5])]).toEqual([-1, -1]);
  });
});

describe("colours", () => {
  it("the ramp runs from dark purple to yellow and clamps", () => {
    expect(rampColor(0)).toEqual([68, 1, 84]);
    expect(rampColor(1)).toEqual([253, 231, 37]);
    expect(rampColor(-3)).toEqual(rampColor(0));
    expect(rampColor(NaN)).toEqual(rampColor(0));
  });
});

describe("the arrow's length", () => {
  it("a fifth of the plot across, measured per axis; the tip = point − s·grad", () => {
    const sq = [{ lo: -3, hi: 3 }, { lo: -3, hi: 3 }];
    // textbook at (2, 2): |grad / 6| = 0.8·√2 / 6, s = 0.2 / that
    const s = arrowScale([2, 2], [0.8, 0.8], sq);
    expect(s).toBeCloseTo(0.2 / ((0.8 * Math.SQRT2) / 6), 10);
    // A narrow x range counts x more: the same gradient gets a shorter factor.
    expect(arrowScale([0, 0], [1, 1], [{ lo: -1, hi: 1 }, { lo: -3, hi: 3 }])).toBeCloseTo(0.2 / Math.hypot(1 / 2, 1 / 6), 10);
    expect(arrowScale([0, 0], [0, 0], sq)).toBe(0);
    expect(arrowScale([0, 0], [NaN, 1], sq)).toBe(0);
  });

  it("shortened so the tip stays inside the ranges, but not below a quarter", () => {
    // near the left edge with the arrow pointing left: the tip stops at the edge
    const s = arrowScale([-2.5, 0], [1, 0], [{ lo: -3, hi: 3 }, { lo: -3, hi: 3 }]);
    expect(-2.5 - s * 1).toBeCloseTo(-3, 10);
    // on the edge: a quarter of the length, not nothing
    const want = 0.2 / (1 / 6);
    expect(arrowScale([-3, 0], [1, 0], [{ lo: -3, hi: 3 }, { lo: -3, hi: 3 }])).toBeCloseTo(want / 4, 10);
    // a negative gradient points right: clipped at hi
    const r = arrowScale([2.5], [-2], [{ lo: -3, hi: 3 }]);
    expect(2.5 - r * -2).toBeCloseTo(3, 10);
  });
});

describe("projection and the surface mesh", () => {
  it("projects orthographically: top view, side view, depth towards the viewer", () => {
    const top = { azimuth: 0, elevation: Math.PI / 2 };
    const p = project(0.5, 0.25, 0.9, top);
    expect(p.sx).toBeCloseTo(0.5, 12);
    expect(p.sy).toBeCloseTo(0.25, 12); // looking down: y is up on the screen, z does not show
    expect(p.depth).toBeCloseTo(-0.9, 12); // higher is nearer
    const side = { azimuth: 0, elevation: 0 };
    const q = project(0.5, 0.25, 0.9, side);
    expect([q.sx, q.sy, q.depth]).toEqual([0.5, 0.9, 0.25]); // looking along +y: farther y is deeper
    // A quarter turn of azimuth turns x into y.
    const r = project(1, 0, 0, { azimuth: Math.PI / 2, elevation: Math.PI / 2 });
    expect(r.sx).toBeCloseTo(0, 12);
    expect(r.sy).toBeCloseTo(1, 12);
  });

  it("surfaceQuads: one quad per cell (per stride), sorted far to near, lit in [0.35, 1]", () => {
    const n = 9;
    const values = sample((x, y) => x * x + y * y, n);
    const view = { azimuth: -0.6, elevation: 0.5 };
    const quads = surfaceQuads(values, n, n, 0, 2, view);
    expect(quads).toHaveLength(64);
    for (let k = 1; k < quads.length; k++) expect(quads[k]!.depth).toBeLessThanOrEqual(quads[k - 1]!.depth);
    expect(quads.every((q) => q.light >= 0.35 && q.light <= 1)).toBe(true);
    expect(surfaceQuads(values, n, n, 0, 2, view, 2)).toHaveLength(16);
    expect(surfaceQuads(values, n, n, 0, 2, view, 3)).toHaveLength(9); // 0, 3, 6, 8
    // The corner of the bowl nearest the viewer is painted last.
    const last = quads[quads.length - 1]!;
    expect(last.value).toBeGreaterThan(1);
  });

  it("a flat surface is lit evenly; non-finite cells are left out", () => {
    const flat = surfaceQuads(new Float64Array(16).fill(1), 4, 4, 0, 2, { azimuth: 0.3, elevation: 0.6 });
    expect(new Set(flat.map((q) => q.light.toFixed(9))).size).toBe(1);
    const holes = new Float64Array(16).fill(1);
    holes[5] = NaN;
    expect(surfaceQuads(holes, 4, 4, 0, 2, { azimuth: 0.3, elevation: 0.6 })).toHaveLength(9 - 4);
  });
});

describe("numbers and the descent verdict", () => {
  it("fmt: 4 significant digits, U+2212 minus, exponents for extremes", () => {
    expect(fmt(-0.8)).toBe("−0.8");
    expect(fmt(0.800000011920929)).toBe("0.8");
    expect(fmt(-3.4000000953674316)).toBe("−3.4");
    expect(fmt(1333.6)).toBe("1334");
    expect(fmt(1234567)).toBe("1.235e+6");
    expect(fmt(-0.00001234)).toBe("−1.234e−5");
    expect(fmt(0)).toBe("0");
    expect([fmt(NaN), fmt(Infinity), fmt(-Infinity)]).toEqual(["NaN", "∞", "−∞"]);
    expect(fmtPoint([-0.8, -0.8])).toBe("(−0.8, −0.8)");
  });

  it("decreasing at every step", () => {
    const v = descentVerdict([-3.4, -3.976, -4.345]);
    expect(v.kind).toBe("decreasing");
    expect(v.text).toBe("f decreased at every step, from −3.4 to −4.345.");
  });

  it("diverged: f grew and is still growing, or became non-finite", () => {
    expect(descentVerdict([-3.4, -0.3, 5.8, 17.9]).text).toBe("Diverged: f grew from −3.4 to 17.9 in 3 steps; the learning rate is too large.");
    expect(descentVerdict([1, 1e200, Infinity]).kind).toBe("diverged");
    expect(descentVerdict([1, NaN]).text).toBe("Diverged: f is not finite after 1 step (last finite value 1); try a smaller learning rate.");
    // The engine's own verdict (it stops a run that keeps rising) counts after a single rise too.
    expect(descentVerdict([1, 2], true).text).toBe("Diverged: f grew from 1 to 2 in 1 step; the learning rate is too large.");
    expect(descentVerdict([1, 2]).kind).toBe("diverged");
  });

  it("bouncing across the valley, going down unevenly, nothing to say", () => {
    expect(descentVerdict([-3.4, -3.4, -3.4]).kind).toBe("oscillating");
    expect(descentVerdict([2, 1, 1.5, 0.5]).kind).toBe("mixed");
    expect(descentVerdict([2, 1, 1, 1]).kind).toBe("converged");
    expect(descentVerdict([2]).kind).toBe("none");
    // One step up from a low start is not yet "diverged" (it needs to keep rising)…
    expect(descentVerdict([0, 1, 0.5]).kind).toBe("mixed");
  });
});

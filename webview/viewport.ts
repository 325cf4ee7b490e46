// Where the view looks: the extent of a laid-out scene, Fit (never below legible text for small
// graphs), and the pan that keeps the running node in view while stepping. Pure functions of the
// scene, the positions and the viewport, shared by both drawings.
import { LEGIBLE_ZOOM } from "./box";
import type { Extent, Point, ViewportState } from "./renderer";
import { groupFrames, type Scene } from "./scene";

export const FIT_PADDING = 16;
/** Fit never zooms a small graph in beyond this. */
export const FIT_MAX_ZOOM = 1.5;
/** Up to this many drawn nodes, Fit and the first view never zoom out below legible text (LEGIBLE_ZOOM). */
export const LEGIBLE_FIT_MAX_NODES = 40;

/** The centre coordinate that shows `focus` with a window of `span` over [lo, lo + size], as much of it as fits. */
export function clampCentre(focus: number, lo: number, size: number, span: number): number {
  if (span >= size) return lo + size / 2;
  return Math.min(lo + size - span / 2, Math.max(lo + span / 2, focus));
}

/** The drawing's extent in model coordinates: boxes, group frames (padding and label). */
export function sceneExtent(scene: Scene | null, positions: Record<string, Point>): Extent | null {
  if (!scene || scene.nodes.length === 0) return null;
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  const box = (id: string) => {
    const d = scene.byId.get(id);
    const p = positions[id];
    return d && p ? { x: p.x, y: p.y, width: d.width, height: d.height } : undefined;
  };
  for (const n of scene.nodes) {
    const b = box(n.id);
    if (!b) continue;
    x1 = Math.min(x1, b.x - b.width / 2);
    y1 = Math.min(y1, b.y - b.height / 2);
    x2 = Math.max(x2, b.x + b.width / 2);
    y2 = Math.max(y2, b.y + b.height / 2);
  }
  // Open groups' frames with their labels (the outermost ones reach furthest).
  if (scene.groups.size) {
    for (const [, f] of groupFrames(scene, box)) {
      x1 = Math.min(x1, f.x1);
      y1 = Math.min(y1, f.y1);
      x2 = Math.max(x2, f.x2);
      y2 = Math.max(y2, f.y2);
    }
  }
  if (!Number.isFinite(x1)) return null;
  return { x1, y1, w: Math.max(1, x2 - x1), h: Math.max(1, y2 - y1) };
}

/**
 * The viewport that shows the whole extent. `focus` given (a small graph's selection or output):
 * never below LEGIBLE_ZOOM — when the whole does not fit at that zoom, as much of it as fits with
 * the focus inside. Null when the pane has no size.
 */
export function fitViewport(vp: ViewportState, bb: Extent, focus: Point | null): { zoom: number; pan: Point } | null {
  const { w, h } = vp;
  if (w <= 0 || h <= 0) return null;
  const zoom = Math.max(vp.min, Math.min(FIT_MAX_ZOOM, (w - 2 * FIT_PADDING) / bb.w, (h - 2 * FIT_PADDING) / bb.h));
  if (focus && zoom < LEGIBLE_ZOOM) {
    const z = LEGIBLE_ZOOM;
    const cx = clampCentre(focus.x, bb.x1, bb.w, w / z - (2 * FIT_PADDING) / z);
    const cy = clampCentre(focus.y, bb.y1, bb.h, h / z - (2 * FIT_PADDING) / z);
    return { zoom: z, pan: { x: w / 2 - z * cx, y: h / 2 - z * cy } };
  }
  return { zoom, pan: { x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2) } };
}

/** The zoom of a layout of w × h fitted into a pane of pw × ph (for choosing a direction). */
export function fitZoom(pw: number, ph: number, w: number, h: number): number {
  return Math.min(FIT_MAX_ZOOM, (pw - 2 * FIT_PADDING) / Math.max(1, w), (ph - 2 * FIT_PADDING) / Math.max(1, h));
}

/**
 * The pan (same zoom) that centres a box of `size` at model point `p` when it is (partly) outside
 * the pane; null when it is already in view.
 */
export function panToShow(vp: ViewportState, p: Point, size: { width: number; height: number }): Point | null {
  if (vp.w <= 0 || vp.h <= 0) return null;
  const x = p.x * vp.zoom + vp.pan.x;
  const y = p.y * vp.zoom + vp.pan.y;
  const hw = (size.width * vp.zoom) / 2;
  const hh = (size.height * vp.zoom) / 2;
  const margin = 8;
  if (x - hw >= margin && x + hw <= vp.w - margin && y - hh >= margin && y + hh <= vp.h - margin) return null;
  return { x: vp.w / 2 - vp.zoom * p.x, y: vp.h / 2 - vp.zoom * p.y };
}

/** The pan that centres model point `p` at `zoom`. */
export function centredOn(vp: ViewportState, zoom: number, p: Point): Point {
  return { x: vp.w / 2 - zoom * p.x, y: vp.h / 2 - zoom * p.y };
}

/** A drawn node's box, or an open group's frame (model coordinates), or null. */
export function drawnExtent(scene: Scene, positions: Record<string, Point>, id: string): Extent | null {
  const d = scene.byId.get(id);
  if (d) return sceneExtent({ ...scene, nodes: [d], groups: new Map() }, positions);
  const members = (scene.groups.get(id)?.members ?? []).map((m) => scene.byId.get(m)!).filter(Boolean);
  if (!members.length) return null;
  // The group's frame: its members and the frames nested in it.
  const nested = new Map([...scene.groups].filter(([g]) => {
    for (let at: string | undefined = g; at !== undefined; at = scene.groups.get(at)?.parent) if (at === id) return true;
    return false;
  }));
  return sceneExtent({ ...scene, nodes: members, groups: nested }, positions);
}

/**
 * The pan after a group opened or closed: the group stays where it was on screen (`before` and
 * `after`: its centre then and now, in CSS pixels, at the same zoom), and an opened group that
 * fits the pane (`frame`, model coordinates) is moved into it as far as needed.
 */
export function keepInPlace(vp: ViewportState, before: Point, after: Point, frame: Extent | null): Point {
  const pan = { x: vp.pan.x + before.x - after.x, y: vp.pan.y + before.y - after.y };
  if (!frame) return pan;
  const nudge = (lo: number, size: number, room: number) => {
    const m = 8;
    if (size > room - 2 * m) return 0;
    return lo < m ? m - lo : lo + size > room - m ? room - m - (lo + size) : 0;
  };
  pan.x += nudge(frame.x1 * vp.zoom + pan.x, frame.w * vp.zoom, vp.w);
  pan.y += nudge(frame.y1 * vp.zoom + pan.y, frame.h * vp.zoom, vp.h);
  return pan;
}

// The drawn scene: which boxes the graph view draws for a view graph (model.ts), with grouping by
// source line (a collapsed line is one box), each box measured by box.ts, and the edges between
// drawn boxes. Pure apart from text measurement; both drawings (cytoscape, canvas) and the SVG
// export draw a scene.
import { BOX, boxFonts, measureCollapsed, measurePill, measureTensorBox, TextMeasure, type BoxText, type TensorBoxContent } from "./box";
import { groupsByLine, type ViewGraph, type ViewNode } from "./model";
import type { Theme } from "./theme";

/** Above this many drawn nodes the graph is drawn by canvas-view.ts, not by cytoscape. */
export const BIG_NODES = 600;
/** Above this many drawn nodes: pixel ratio 1 (four times fewer pixels to fill on a HiDPI screen). */
export const HUGE_NODES = 4000;

export type SizeClass = "small" | "big" | "huge";

export type DrawnKind = "leaf" | "intermediate" | "output" | "op" | "collapsed";

/** One node as drawn: a view node, or a collapsed line group standing for several. */
export interface Drawn {
  id: string;
  kind: DrawnKind;
  label: string;
  width: number;
  height: number;
  order: number;
  /** The compound group it sits in (grouping on, line expanded). */
  parent?: string;
  view?: ViewNode;
  /** A collapsed group: its line and members. */
  line?: number;
  members?: string[];
  /** Tensor boxes: what the box says (box.ts lays it out). */
  box?: TensorBoxContent;
}

export interface DrawnEdge {
  id: string;
  source: string;
  target: string;
}

export interface Scene {
  nodes: Drawn[];
  edges: DrawnEdge[];
  edgeById: Map<string, DrawnEdge>;
  byId: Map<string, Drawn>;
  /** View node id → the drawn node standing for it. */
  rep: Map<string, string>;
  /** Expanded groups: compound id → line and members (drawn ids). */
  groups: Map<string, { line: number; members: string[] }>;
  sizeClass: SizeClass;
  rich: boolean;
}

export const groupId = (line: number) => `L:${line}`;

export function sizeClassOf(count: number): SizeClass {
  return count > HUGE_NODES ? "huge" : count > BIG_NODES ? "big" : "small";
}

export interface SceneOptions {
  grouping: boolean;
  collapsed: ReadonlySet<number>;
  theme: Theme;
  measure: TextMeasure;
}

export function buildScene(g: ViewGraph, o: SceneOptions): Scene {
  const lines = groupsByLine(g);
  const rep = new Map<string, string>();
  const nodes: Drawn[] = [];
  const byId = new Map<string, Drawn>();
  const groups = new Map<string, { line: number; members: string[] }>();
  const folded = (line: number | undefined): line is number => o.grouping && line !== undefined && o.collapsed.has(line) && (lines.get(line)?.length ?? 0) > 1;
  // The size class decides how text is measured: count drawn nodes first.
  let count = 0;
  for (const n of g.nodes) if (!folded(n.range?.line)) count++;
  count += o.grouping ? [...o.collapsed].filter((l) => (lines.get(l)?.length ?? 0) > 1).length : 0;
  const sizeClass = sizeClassOf(count);
  const rich = sizeClass === "small";
  const fonts = boxFonts(o.theme.fontUi, o.theme.fontMono);
  const m = o.measure;
  // Big graphs measure monospace text by its character count (thousands of boxes); names and op
  // labels are proportional (and repeat, so the cache serves most of them).
  const widthOf = (text: string, font: BoxText["font"]) =>
    rich || font !== "mono" ? m.width(text, fonts[font], font === "name" ? BOX.nameSize : BOX.textSize) : m.monoWidth(text, fonts.mono, BOX.textSize);

  for (const n of g.nodes) {
    const line = n.range?.line;
    const members = line !== undefined ? lines.get(line) : undefined;
    const inGroup = o.grouping && line !== undefined && members !== undefined && members.length > 1;
    if (folded(line) && members) {
      const id = groupId(line);
      rep.set(n.id, id);
      let d = byId.get(id);
      if (!d) {
        const label = `L${line} · ${members.length} nodes`;
        d = { id, kind: "collapsed", label, ...measureCollapsed(label, widthOf), order: n.order, line, members: [] };
        nodes.push(d);
        byId.set(id, d);
      }
      d.members!.push(n.id);
      continue;
    }
    rep.set(n.id, n.id);
    const parent = inGroup ? groupId(line) : undefined;
    let d: Drawn;
    if (n.kind === "op") {
      d = { id: n.id, kind: "op", label: n.label, ...measurePill(n.label, widthOf), order: n.order, view: n };
    } else {
      const t = n.tensor;
      const box = measureTensorBox(n.label, t?.value, t?.grad, widthOf);
      d = { id: n.id, kind: n.kind, label: n.label, width: box.width, height: box.height, order: n.order, view: n, box: box.content };
    }
    if (parent) {
      d.parent = parent;
      let grp = groups.get(parent);
      if (!grp) groups.set(parent, (grp = { line: line!, members: [] }));
      grp.members.push(d.id);
    }
    nodes.push(d);
    byId.set(d.id, d);
  }
  const edges: DrawnEdge[] = [];
  const seen = new Set<string>();
  for (const e of g.edges) {
    const s = rep.get(e.source);
    const tg = rep.get(e.target);
    if (!s || !tg || s === tg) continue;
    if (s === e.source && tg === e.target) {
      edges.push({ id: e.id, source: s, target: tg });
      continue;
    }
    // An edge into or out of a collapsed group: one edge per pair of drawn nodes.
    const id = `c:${s}>${tg}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ id, source: s, target: tg });
  }
  return { nodes, edges, edgeById: new Map(edges.map((e) => [e.id, e])), byId, rep, groups, sizeClass, rich };
}

/** The frame around an expanded group's members (model coordinates), with room for its label. */
export function groupFrame(members: readonly string[], box: (id: string) => { x: number; y: number; width: number; height: number } | undefined): { x1: number; y1: number; x2: number; y2: number } | null {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const id of members) {
    const n = box(id);
    if (!n) continue;
    x1 = Math.min(x1, n.x - n.width / 2);
    y1 = Math.min(y1, n.y - n.height / 2);
    x2 = Math.max(x2, n.x + n.width / 2);
    y2 = Math.max(y2, n.y + n.height / 2);
  }
  if (!Number.isFinite(x1)) return null;
  return { x1: x1 - BOX.groupPad, y1: y1 - BOX.groupPad - BOX.groupLabel, x2: x2 + BOX.groupPad, y2: y2 + BOX.groupPad };
}

// The drawn scene: which boxes the graph view draws for a view graph (model.ts), folded by a
// group tree (fold.ts: module calls, repeated structure, or source lines) where a closed group is
// one box and an open one a frame around its members, each box measured by box.ts, and the edges
// between drawn boxes. Pure apart from text measurement; both drawings (cytoscape, canvas) and the
// SVG export draw a scene.
import { BOX, boxFonts, GROUP_BOX_LINES, measurePill, measureTensorBox, TextMeasure, type BoxText, type TensorBoxContent } from "./box";
import type { FoldGroup, FoldTree } from "./fold";
import type { ViewGraph, ViewNode } from "./model";
import type { Theme } from "./theme";

/** Above this many drawn nodes the graph is drawn by canvas-view.ts, not by cytoscape. */
export const BIG_NODES = 600;
/** Above this many drawn nodes: pixel ratio 1 (four times fewer pixels to fill on a HiDPI screen). */
export const HUGE_NODES = 4000;

export type SizeClass = "small" | "big" | "huge";

export type DrawnKind = "leaf" | "intermediate" | "output" | "op" | "collapsed";

/** One node as drawn: a view node, or a closed group standing for several. */
export interface Drawn {
  id: string;
  kind: DrawnKind;
  label: string;
  width: number;
  height: number;
  order: number;
  /** The open group (frame) it sits in. */
  parent?: string;
  view?: ViewNode;
  /** A closed group: the view nodes it stands for. */
  members?: string[];
  /** A closed group: the tensor coming out of it (its box shows its value and grad), if any. */
  output?: string;
  /** Tensor boxes: what the box says (box.ts lays it out). */
  box?: TensorBoxContent;
}

export interface DrawnEdge {
  id: string;
  source: string;
  target: string;
}

/** An open group: a frame around its drawn members (all depths), inside its parent's frame. */
export interface SceneGroup {
  label: string;
  /** Its label's width as drawn (the layout keeps the frame's block at least this wide). */
  labelWidth: number;
  members: string[];
  parent?: string;
}

export interface Scene {
  nodes: Drawn[];
  edges: DrawnEdge[];
  edgeById: Map<string, DrawnEdge>;
  byId: Map<string, Drawn>;
  /** View node id → the drawn node standing for it. */
  rep: Map<string, string>;
  /** Open groups, outermost first: group id → frame. */
  groups: Map<string, SceneGroup>;
  sizeClass: SizeClass;
  rich: boolean;
}

export const groupId = (line: number) => `L:${line}`;

export function sizeClassOf(count: number): SizeClass {
  return count > HUGE_NODES ? "huge" : count > BIG_NODES ? "big" : "small";
}

export interface SceneOptions {
  /** The groups (null: every view node drawn on its own). */
  tree: FoldTree | null;
  /** Whether a group is open (drawn as a frame around its members) or closed (one box). */
  isOpen(group: FoldGroup): boolean;
  theme: Theme;
  measure: TextMeasure;
}

export function buildScene(g: ViewGraph, o: SceneOptions): Scene {
  const tree = o.tree;
  const top = tree ? tree.top : g.nodes.map((n) => n.id);
  const groupOf = (id: string) => tree?.groups.get(id);
  // The size class decides how text is measured: count drawn nodes first.
  const count = (items: readonly string[]): number => {
    let c = 0;
    for (const id of items) {
      const grp = groupOf(id);
      c += grp && o.isOpen(grp) ? count(grp.children) : 1;
    }
    return c;
  };
  const sizeClass = sizeClassOf(count(top));
  const rich = sizeClass === "small";
  const fonts = boxFonts(o.theme.fontUi, o.theme.fontMono);
  const m = o.measure;
  // Big graphs measure monospace text by its character count (thousands of boxes); names and op
  // labels are proportional (and repeat, so the cache serves most of them).
  const widthOf = (text: string, font: BoxText["font"]) =>
    rich || font !== "mono" ? m.width(text, fonts[font], font === "name" ? BOX.nameSize : BOX.textSize) : m.monoWidth(text, fonts.mono, BOX.textSize);

  const rep = new Map<string, string>();
  const nodes: Drawn[] = [];
  const byId = new Map<string, Drawn>();
  const groups = new Map<string, SceneGroup>();
  const frames: string[] = [];
  const add = (d: Drawn) => {
    const parent = frames[frames.length - 1];
    if (parent) d.parent = parent;
    for (const f of frames) groups.get(f)!.members.push(d.id);
    nodes.push(d);
    byId.set(d.id, d);
  };
  const folded: Drawn[] = [];
  const membersOf = (grp: FoldGroup, out: string[]): string[] => {
    for (const c of grp.children) {
      const sub = groupOf(c);
      if (sub) membersOf(sub, out);
      else out.push(c);
    }
    return out;
  };
  const visit = (items: readonly string[]) => {
    for (const id of items) {
      const grp = groupOf(id);
      if (grp && o.isOpen(grp)) {
        const parent = frames[frames.length - 1];
        groups.set(grp.id, { label: grp.label, labelWidth: Math.ceil(widthOf(grp.label, "mono")), members: [], ...(parent ? { parent } : {}) });
        frames.push(grp.id);
        visit(grp.children);
        frames.pop();
      } else if (grp) {
        const members = membersOf(grp, []);
        for (const v of members) rep.set(v, grp.id);
        // Measured once its output is known (after the edges, below).
        const d: Drawn = { id: grp.id, kind: "collapsed", label: grp.label, width: 0, height: 0, order: grp.order, members };
        folded.push(d);
        add(d);
      } else {
        const n = g.byId.get(id);
        if (!n) continue;
        rep.set(n.id, n.id);
        if (n.kind === "op") {
          add({ id: n.id, kind: "op", label: n.label, ...measurePill(n.label, widthOf), order: n.order, view: n });
        } else {
          const t = n.tensor;
          const box = measureTensorBox(n.label, t, widthOf);
          add({ id: n.id, kind: n.kind, label: n.label, width: box.width, height: box.height, order: n.order, view: n, box: box.content });
        }
      }
    }
  };
  visit(top);
  const edges: DrawnEdge[] = [];
  const outputs = new Map<string, ViewNode>();
  const seen = new Set<string>();
  for (const e of g.edges) {
    const s = rep.get(e.source);
    const tg = rep.get(e.target);
    if (!s || !tg || s === tg) continue;
    // A tensor used outside the folded box holding it: that box's output (the last made wins).
    if (s !== e.source) {
      const n = g.byId.get(e.source);
      const best = outputs.get(s);
      if (n && n.kind !== "op" && n.tensor && (!best || n.order > best.order)) outputs.set(s, n);
    }
    if (s === e.source && tg === e.target) {
      edges.push({ id: e.id, source: s, target: tg });
      continue;
    }
    // An edge into or out of a closed group: one edge per pair of drawn nodes.
    const id = `c:${s}>${tg}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ id, source: s, target: tg });
  }
  // Folded boxes: the label, then the output's value and grad; with nothing used outside, the last output tensor (a loss).
  for (const d of folded) {
    let output = outputs.get(d.id);
    if (!output) {
      for (const m of d.members!) {
        const n = g.byId.get(m);
        if (n?.kind === "output" && n.tensor && (!output || n.order > output.order)) output = n;
      }
    }
    const box = measureTensorBox(d.label, output?.tensor, widthOf, GROUP_BOX_LINES);
    d.width = box.width;
    d.height = box.height;
    d.box = box.content;
    if (output) d.output = output.id;
  }
  return { nodes, edges, edgeById: new Map(edges.map((e) => [e.id, e])), byId, rep, groups, sizeClass, rich };
}

/** View nodes whose label contains the query (case-insensitive), in order. */
export function labelMatches(g: ViewGraph, query: string): string[] {
  const q = query.trim().toLowerCase();
  return q ? g.nodes.filter((n) => n.label.toLowerCase().includes(q)).map((n) => n.id) : [];
}

/** The drawn ids standing for view nodes (a closed group for its members). */
export function drawnIdsOf(scene: Scene, ids: readonly string[]): Set<string> {
  const marked = new Set<string>();
  for (const id of ids) {
    const d = scene.rep.get(id);
    if (d) marked.add(d);
  }
  return marked;
}

/** A frame in model coordinates: its label's strip is inside, on top. */
export interface Frame {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * The frames of the open groups (model coordinates), outermost first: each around its direct
 * members' boxes and its child groups' frames, with BOX.groupPad around them and the label's strip
 * (BOX.groupLabel) on top — the block the layout (layout-groups.ts) kept for it, when the label
 * is not wider than the contents. A group with no drawn member has no frame.
 */
export function groupFrames(scene: Pick<Scene, "groups" | "nodes">, box: (id: string) => { x: number; y: number; width: number; height: number } | undefined): Map<string, Frame> {
  const inner = new Map<string, Frame>();
  const grow = (id: string, x1: number, y1: number, x2: number, y2: number) => {
    const f = inner.get(id);
    if (!f) inner.set(id, { x1, y1, x2, y2 });
    else {
      f.x1 = Math.min(f.x1, x1);
      f.y1 = Math.min(f.y1, y1);
      f.x2 = Math.max(f.x2, x2);
      f.y2 = Math.max(f.y2, y2);
    }
  };
  for (const d of scene.nodes) {
    if (d.parent === undefined || !scene.groups.has(d.parent)) continue;
    const n = box(d.id);
    if (n) grow(d.parent, n.x - n.width / 2, n.y - n.height / 2, n.x + n.width / 2, n.y + n.height / 2);
  }
  // Innermost first (groups are outermost first): a finished frame grows its parent's.
  const ids = [...scene.groups.keys()];
  const frames = new Map<string, Frame>();
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i]!;
    const c = inner.get(id);
    if (!c) continue;
    const f = { x1: c.x1 - BOX.groupPad, y1: c.y1 - BOX.groupPad - BOX.groupLabel, x2: c.x2 + BOX.groupPad, y2: c.y2 + BOX.groupPad };
    frames.set(id, f);
    const parent = scene.groups.get(id)!.parent;
    if (parent !== undefined && scene.groups.has(parent)) grow(parent, f.x1, f.y1, f.x2, f.y2);
  }
  return new Map(ids.filter((id) => frames.has(id)).map((id) => [id, frames.get(id)!]));
}

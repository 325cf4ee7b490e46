// Group-aware layout: open groups (module calls, function calls, loop chunks, source lines — the
// frames of scene.ts) are laid out as blocks, so a frame holds its members and nothing else.
//
// Each group is laid out on its own, innermost first, by layeredLayout (layout.ts) over its direct
// members: its own boxes and its child groups, each child group one block as big as its laid-out
// contents plus the frame's padding and its label's strip on top. An edge between two boxes counts
// in the group that is their lowest common ancestor, between the two members holding them (box or
// block); inside a member it counts there. The top level is laid out the same way, and the blocks'
// positions are then handed down to their contents. So no box outside a group can land inside its
// frame (blocks are separated like boxes), and a group's members are drawn together.
//
// The cost is the sum of the layouts of the levels, each over fewer nodes than the whole: no slower
// than one layout of everything.
import { layeredLayout, type LayoutEdge, type LayoutNode, type LayoutOptions, type LayoutResult } from "./layout";

/** An open group: its members are the layout nodes (and groups) whose `parent` is its id. */
export interface LayoutGroup {
  id: string;
  parent?: string;
  /** Its label's width: the block is at least this wide plus the padding. */
  labelWidth?: number;
}

/** A layout node inside a group (`parent`: the innermost open group holding it). */
export interface GroupedLayoutNode extends LayoutNode {
  parent?: string;
}

/** The room a group's frame takes around its contents: padding on every side and the label's strip on top. */
export interface FrameRoom {
  pad: number;
  label: number;
}

/** A group's block: its frame and label strip, centre and size (the same coordinates as positions). */
export interface GroupBlock {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GroupedLayoutResult extends LayoutResult {
  /** Each laid-out group's block (a group with no members has none). */
  blocks: Record<string, GroupBlock>;
}

/** A group's key among layout nodes: never equal to a box's id. */
const blockKey = (id: string) => `\u0000group\u0000${id}`;

interface Level {
  /** Direct members: boxes and blocks (keyed by blockKey). */
  items: LayoutNode[];
  edges: LayoutEdge[];
  result?: LayoutResult;
  width: number;
  height: number;
}

export function groupedLayout(
  nodes: readonly GroupedLayoutNode[],
  edges: readonly LayoutEdge[],
  groups: readonly LayoutGroup[],
  options: LayoutOptions,
  room: FrameRoom,
): GroupedLayoutResult {
  if (groups.length === 0) return { ...layeredLayout(nodes, edges, options), blocks: {} };
  const pad = finite(room.pad), label = finite(room.label);
  const TOP = "";
  // Each group's parent: the top when it names no known group; a cycle is cut at its last link.
  const parentOf = new Map<string, string>();
  const labelOf = new Map<string, number>();
  for (const g of groups) {
    if (g.id === TOP || parentOf.has(g.id)) continue;
    parentOf.set(g.id, g.parent ?? TOP);
    labelOf.set(g.id, finite(g.labelWidth ?? 0));
  }
  for (const [id, p] of parentOf) if (p !== TOP && !parentOf.has(p)) parentOf.set(id, TOP);
  const depth = new Map<string, number>([[TOP, 0]]);
  for (const id of parentOf.keys()) {
    const chain: string[] = [];
    const onChain = new Set<string>();
    for (let at = id; !depth.has(at); at = parentOf.get(at)!) {
      if (onChain.has(at)) {
        parentOf.set(chain[chain.length - 1]!, TOP);
        break;
      }
      chain.push(at);
      onChain.add(at);
    }
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!, depth.get(parentOf.get(chain[i]!)!)! + 1);
  }

  const levels = new Map<string, Level>([[TOP, { items: [], edges: [], width: 0, height: 0 }]]);
  for (const id of parentOf.keys()) levels.set(id, { items: [], edges: [], width: 0, height: 0 });
  // Where each box sits: its group, or the top when it names no known group.
  const boxIn = new Map<string, string>();
  for (const n of nodes) {
    if (boxIn.has(n.id)) continue;
    const p = n.parent !== undefined && levels.has(n.parent) && n.parent !== TOP ? n.parent : TOP;
    boxIn.set(n.id, p);
    levels.get(p)!.items.push(n);
  }
  // Edges, at the lowest common group of their ends, between the members holding them.
  for (const e of edges) {
    let ca = boxIn.get(e.source), cb = boxIn.get(e.target);
    if (ca === undefined || cb === undefined) continue;
    let a = e.source, b = e.target;
    while (ca !== cb) {
      if (depth.get(ca!)! >= depth.get(cb!)!) {
        a = blockKey(ca!);
        ca = parentOf.get(ca!)!;
      } else {
        b = blockKey(cb!);
        cb = parentOf.get(cb!)!;
      }
    }
    if (a !== b) levels.get(ca!)!.edges.push({ source: a, target: b });
  }

  // Innermost first: lay out a group's members, then it is one block in its parent.
  const order = [...parentOf.keys()].sort((x, y) => depth.get(y)! - depth.get(x)!);
  for (const id of [...order, TOP]) {
    const level = levels.get(id)!;
    if (level.items.length === 0) continue;
    const r = layeredLayout(level.items, level.edges, options);
    level.result = r;
    level.width = Math.max(r.width, labelOf.get(id) ?? 0) + 2 * pad;
    level.height = r.height + 2 * pad + label;
    if (id === TOP) break;
    let first = Infinity;
    for (const it of level.items) first = Math.min(first, Number.isNaN(it.order) ? Infinity : it.order);
    const parent = parentOf.get(id)!;
    levels.get(parent)!.items.push({ id: blockKey(id), width: level.width, height: level.height, order: first });
  }

  // Outermost first: each block's place moves its contents there.
  const positions: Record<string, { x: number; y: number }> = {};
  const blocks: Record<string, GroupBlock> = {};
  const place = (id: string, dx: number, dy: number) => {
    const level = levels.get(id)!;
    const r = level.result;
    if (!r) return;
    for (const it of level.items) {
      const p = r.positions[it.id];
      if (!p) continue;
      const x = p.x + dx, y = p.y + dy;
      if (it.id.startsWith("\u0000group\u0000")) {
        const g = it.id.slice("\u0000group\u0000".length);
        const inner = levels.get(g)!;
        blocks[g] = { x, y, width: inner.width, height: inner.height };
        // The contents centred across the block (a label wider than them widens the block).
        place(g, x - inner.result!.width / 2, y - inner.height / 2 + pad + label);
      } else if (it.id === "__proto__") {
        Object.defineProperty(positions, it.id, { value: { x, y }, enumerable: true, writable: true, configurable: true });
      } else {
        positions[it.id] = { x, y };
      }
    }
  };
  place(TOP, 0, 0);
  const top = levels.get(TOP)!.result ?? { width: 0, height: 0, ranks: 0 };
  return { positions, width: top.width, height: top.height, ranks: top.ranks, blocks };
}

function finite(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

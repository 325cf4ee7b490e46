// Group-aware layout (webview/layout-groups.ts): on random graphs with random nested groups, every
// group's block holds all its members, no other box touches it, sibling blocks do not overlap and
// nested blocks sit inside their parents; the frames the drawings draw (scene.ts's groupFrames) lie
// inside the blocks; bad group trees (cycles, unknown parents, ids shared with boxes) still lay
// out; the result does not depend on the order of the input.
import { describe, expect, it } from "vitest";
import type { LayoutEdge, LayoutOptions } from "../../webview/layout";
import { groupedLayout, type FrameRoom, type GroupedLayoutNode, type GroupedLayoutResult, type LayoutGroup } from "../../webview/layout-groups";
import { groupFrames, type Drawn, type SceneGroup } from "../../webview/scene";
import { BOX } from "../../webview/box";
import { rng } from "../helpers/gradcheck";

const ROOM: FrameRoom = { pad: BOX.groupPad, label: BOX.groupLabel };
const EPS = 1e-6;

interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
const rectOf = (p: { x: number; y: number }, w: number, h: number): Rect => ({ x1: p.x - w / 2, y1: p.y - h / 2, x2: p.x + w / 2, y2: p.y + h / 2 });
const overlaps = (a: Rect, b: Rect) => a.x1 < b.x2 - EPS && b.x1 < a.x2 - EPS && a.y1 < b.y2 - EPS && b.y1 < a.y2 - EPS;
const inside = (a: Rect, b: Rect) => a.x1 >= b.x1 - EPS && a.y1 >= b.y1 - EPS && a.x2 <= b.x2 + EPS && a.y2 <= b.y2 + EPS;

/** A random DAG (edges forward in creation order) and a random tree of groups holding contiguous runs of nodes. */
function randomGrouped(seed: number) {
  const rand = rng(seed * 104729);
  const count = 4 + Math.floor(rand() * 120);
  const nodes: GroupedLayoutNode[] = [];
  const groups: LayoutGroup[] = [];
  const stack: string[] = [];
  for (let i = 0; i < count; i++) {
    // Open or close groups as we go, like scene.ts's visit of a fold tree.
    if (rand() < 0.15) {
      const id = `G${groups.length}`;
      groups.push({ id, ...(stack.length ? { parent: stack[stack.length - 1]! } : {}), labelWidth: Math.floor(rand() * 200) });
      stack.push(id);
    } else if (stack.length && rand() < 0.12) stack.pop();
    const op = rand() < 0.5;
    nodes.push({ id: `n${i}`, width: op ? 60 + rand() * 80 : 50 + rand() * 100, height: op ? 24 : 40, order: i, ...(stack.length ? { parent: stack[stack.length - 1]! } : {}) });
  }
  const edges: LayoutEdge[] = [];
  for (let i = 1; i < count; i++) {
    const k = 1 + Math.floor(rand() * 2);
    for (let j = 0; j < k; j++) {
      const s = Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, rand() < 0.8 ? 4 : 40)));
      edges.push({ source: `n${s}`, target: `n${i}` });
    }
  }
  return { nodes, edges, groups };
}

/** Members (all depths) of each group. */
function membersOf(nodes: readonly GroupedLayoutNode[], groups: readonly LayoutGroup[]): Map<string, Set<string>> {
  const parent = new Map(groups.map((g) => [g.id, g.parent]));
  const out = new Map(groups.map((g) => [g.id, new Set<string>()]));
  for (const n of nodes) for (let g = n.parent; g !== undefined; g = parent.get(g)) out.get(g)?.add(n.id);
  return out;
}

function expectGroupsKept(nodes: readonly GroupedLayoutNode[], groups: readonly LayoutGroup[], r: GroupedLayoutResult, label: string) {
  const members = membersOf(nodes, groups);
  const box = new Map(nodes.map((n) => [n.id, rectOf(r.positions[n.id]!, n.width, n.height)]));
  for (const n of nodes) expect(r.positions[n.id], `${label}: ${n.id} placed`).toBeDefined();
  // No two boxes overlap.
  const boxes = [...box.entries()];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]![1], boxes[j]![1]), `${label}: ${boxes[i]![0]} / ${boxes[j]![0]}`).toBe(false);
  const blocks = new Map(Object.entries(r.blocks).map(([id, b]) => [id, rectOf(b, b.width, b.height)]));
  for (const g of groups) {
    const mine = members.get(g.id)!;
    const block = blocks.get(g.id);
    if (mine.size === 0) continue;
    expect(block, `${label}: ${g.id} has a block`).toBeDefined();
    expect(block!.x2 - block!.x1 + EPS, `${label}: ${g.id} fits its label`).toBeGreaterThanOrEqual((g.labelWidth ?? 0) + 2 * ROOM.pad);
    for (const [id, b] of box) {
      if (mine.has(id)) expect(inside(b, block!), `${label}: ${id} inside ${g.id}`).toBe(true);
      else expect(overlaps(b, block!), `${label}: ${id} is not in ${g.id} but touches it`).toBe(false);
    }
    // Nested blocks inside their parent's; other blocks apart.
    for (const h of groups) {
      const other = blocks.get(h.id);
      if (h.id === g.id || !other) continue;
      const theirs = members.get(h.id)!;
      const nested = [...theirs].every((m) => mine.has(m)) || [...mine].every((m) => theirs.has(m));
      if (!nested) expect(overlaps(block!, other), `${label}: ${g.id} / ${h.id}`).toBe(false);
      else if (h.parent === g.id) expect(inside(other, block!), `${label}: ${h.id} inside ${g.id}`).toBe(true);
    }
  }
  // The frames drawn (label strip inside) lie inside the blocks.
  const drawn = nodes.map((n) => ({ id: n.id, width: n.width, height: n.height, ...(n.parent !== undefined ? { parent: n.parent } : {}) }) as Drawn);
  const sceneGroups = new Map<string, SceneGroup>(groups.map((g) => [g.id, { label: "", labelWidth: g.labelWidth ?? 0, members: [...members.get(g.id)!], ...(g.parent !== undefined ? { parent: g.parent } : {}) }]));
  const frames = groupFrames({ nodes: drawn, groups: sceneGroups }, (id) => {
    const n = nodes.find((x) => x.id === id)!;
    return { ...r.positions[id]!, width: n.width, height: n.height };
  });
  for (const [id, f] of frames) expect(inside(f, blocks.get(id)!), `${label}: frame of ${id} inside its block`).toBe(true);
}

describe("group-aware layout", () => {
  it("keeps every group's members in its block and every other box out (property test over seeds)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { nodes, edges, groups } = randomGrouped(seed);
      for (const direction of ["LR", "TB"] as const) {
        const options: LayoutOptions = { direction, nodeSep: 14, rankSep: 28 };
        const r = groupedLayout(nodes, edges, groups, options, ROOM);
        expectGroupsKept(nodes, groups, r, `seed ${seed} ${direction}`);
      }
    }
  });

  it("draws edges forward between members of one group", () => {
    const nodes: GroupedLayoutNode[] = [
      { id: "x", width: 40, height: 30, order: 0 },
      { id: "op", width: 60, height: 24, order: 1, parent: "call" },
      { id: "y", width: 40, height: 30, order: 2, parent: "call" },
      { id: "z", width: 40, height: 30, order: 3 },
    ];
    const edges = [{ source: "x", target: "op" }, { source: "op", target: "y" }, { source: "y", target: "z" }];
    const r = groupedLayout(nodes, edges, [{ id: "call" }], { direction: "LR" }, ROOM);
    const p = r.positions;
    expect(p["x"]!.x).toBeLessThan(p["op"]!.x);
    expect(p["op"]!.x).toBeLessThan(p["y"]!.x);
    expect(p["y"]!.x).toBeLessThan(p["z"]!.x);
    const b = r.blocks["call"]!;
    expect(b.width).toBeCloseTo(p["y"]!.x + 20 - (p["op"]!.x - 30) + 2 * ROOM.pad);
    expect(r.width).toBeGreaterThanOrEqual(b.width + 80);
  });

  it("survives group cycles, unknown parents, empty groups and ids shared with boxes", () => {
    const nodes: GroupedLayoutNode[] = [
      { id: "a", width: 40, height: 30, order: 0, parent: "A" },
      { id: "b", width: 40, height: 30, order: 1, parent: "B" },
      { id: "c", width: 40, height: 30, order: 2, parent: "nowhere" },
      { id: "A", width: 40, height: 30, order: 3, parent: "C" },
      { id: "__proto__", width: 40, height: 30, order: 4, parent: "A" },
    ];
    const groups: LayoutGroup[] = [
      { id: "A", parent: "B" },
      { id: "B", parent: "A" },
      { id: "C", parent: "missing" },
      { id: "empty" },
      { id: "A", parent: "C" },
      { id: "", parent: "A" },
    ];
    const edges = [{ source: "a", target: "b" }, { source: "b", target: "c" }, { source: "c", target: "A" }, { source: "A", target: "__proto__" }, { source: "a", target: "ghost" }];
    for (const direction of ["LR", "TB"] as const) {
      const r = groupedLayout(nodes, edges, groups, { direction }, ROOM);
      for (const n of nodes) expect(Object.hasOwn(r.positions, n.id), n.id).toBe(true);
      expect(Object.getPrototypeOf(r.positions)).toBe(Object.prototype);
      expect(Number.isFinite(r.width) && Number.isFinite(r.height)).toBe(true);
      expect(r.blocks["empty"]).toBeUndefined();
    }
  });

  it("is deterministic, whatever the order of the input arrays", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { nodes, edges, groups } = randomGrouped(seed + 100);
      const a = groupedLayout(nodes, edges, groups, { direction: "LR" }, ROOM);
      const rand = rng(seed);
      const shuffle = <T>(xs: readonly T[]) => xs.map((x) => [rand(), x] as const).sort((p, q) => p[0] - q[0]).map(([, x]) => x);
      expect(groupedLayout(shuffle(nodes), shuffle(edges), shuffle(groups), { direction: "LR" }, ROOM)).toEqual(a);
    }
  });
});

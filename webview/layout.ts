// A layered ("Sugiyama") layout for autograd graphs, in plain TypeScript: no DOM, no cytoscape.
// The graph view hands the positions to cytoscape's `preset` layout; layout-worker.ts runs the
// same function in a Web Worker for big graphs.
//
// The graph is a DAG in data-flow direction (leaf tensors → grad_fn ops → result tensors → … →
// output), narrow and deep, and every node carries its creation order. The phases:
//
//   1. Cycles. A DFS from the sources (in creation order) reverses its back edges, so a cyclic
//      input still lays out, deterministically. Self-loops, duplicate edges and edges to unknown
//      ids are dropped.
//   2. Ranks, "as late as possible": rank = (longest path in the graph) − (longest path from the
//      node to a sink). Every sink lands on the last rank, every edge goes strictly forward, and a
//      node sits one rank before its first consumer, so a leaf used only near the end (a bias, the
//      constant of a `sub`) is drawn next to that use instead of at rank 0. Isolated nodes go to
//      rank 0.
//   3. Virtual nodes split edges longer than one rank (shortest edges first, within a budget of
//      about two per real node so a graph full of very long edges stays linear). They take part in
//      ordering and coordinates and are never returned.
//   4. Order within ranks: creation order first, then barycenter sweeps down and up (a node with no
//      neighbour on the fixed side keeps its slot); crossings are counted after each sweep with a
//      Fenwick tree (O(E log V)) and the best order is kept.
//   5. Coordinates across ranks: Brandes–Köpf. Four median alignments (up/down × left/right), each
//      compacted on its block graph with node sizes and nodeSep (longest path, then blocks pulled
//      towards their successors), aligned to the narrowest, and balanced: each node takes the mean
//      of its two middle candidates. Every candidate keeps the separations, so the balanced result
//      does too (no overlaps). Segments have priorities: a chain link (the only edge out of its
//      source and the only edge into its target, e.g. op → its result) beats the inside of a long
//      edge, which beats the rest; a segment crossing one of higher priority is never aligned. So
//      chains come out in one straight row, and whole unary chains (x → Pow → x² → Mul → …) too.
//   6. Coordinates along ranks: each rank is as thick as its thickest node, ranks are rankSep
//      apart, and the drawing is shifted so its bounding box starts at (0, 0).
//
// Phases 1, 2 and 6 are here, 3 and 4 in layout-order.ts, 5 in layout-coords.ts.
// Every phase is linear or near-linear (sorts of small neighbour lists and of each rank). The
// phases are separate small functions over typed arrays, so V8 optimizes each one quickly: the
// first call, the one that matters in the view, is not much slower than later ones.

import { crossCoordinates } from "./layout-coords";
import { adjacency, identity, reduceCrossings, splitLongEdges, type Dag } from "./layout-order";

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  /** Creation order: increasing in the order the snippet made the nodes. */
  order: number;
}

/** Data-flow direction: input → consumer. */
export interface LayoutEdge {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** LR: ranks from left to right (rows of chains); TB: from top to bottom. */
  direction: "LR" | "TB";
  /** Gap between consecutive ranks. */
  rankSep?: number;
  /** Gap between neighbouring nodes of one rank. */
  nodeSep?: number;
}

export interface LayoutResult {
  /** Node centres, with the bounding box of all nodes starting at (0, 0). */
  positions: Record<string, { x: number; y: number }>;
  width: number;
  height: number;
  /** Number of ranks used. */
  ranks: number;
}

export const DEFAULT_RANK_SEP = 48;
export const DEFAULT_NODE_SEP = 24;


export function layeredLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: LayoutOptions,
): LayoutResult {
  const rankSep = nonNegative(options.rankSep, DEFAULT_RANK_SEP);
  const nodeSep = nonNegative(options.nodeSep, DEFAULT_NODE_SEP);
  const lr = options.direction !== "TB";

  const { list, from, to } = indexGraph(nodes, edges);
  const n = list.length;
  if (n === 0) return { positions: {}, width: 0, height: 0, ranks: 0 };
  const dag = breakCycles(n, from, to);
  const rank = rankNodes(n, dag);
  const g = splitLongEdges(n, rank, dag);
  reduceCrossings(g);

  // Sizes across and along the ranks; virtual nodes are points.
  const crossSize = new Float64Array(g.total);
  const alongSize = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const nd = list[v]!;
    crossSize[v] = sizeOf(lr ? nd.height : nd.width);
    alongSize[v] = sizeOf(lr ? nd.width : nd.height);
  }
  const cross = crossCoordinates(g, crossSize, nodeSep);

  // Along the ranks: each rank as thick as its thickest node, rankSep apart.
  const thickness = new Float64Array(g.rankCount);
  for (let v = 0; v < n; v++) thickness[g.rank[v]!] = Math.max(thickness[g.rank[v]!]!, alongSize[v]!);
  const centre = new Float64Array(g.rankCount);
  for (let r = 0, at = 0; r < g.rankCount; r++) {
    centre[r] = at + thickness[r]! / 2;
    at += thickness[r]! + rankSep;
  }
  let minAlong = Infinity, maxAlong = -Infinity, minCross = Infinity, maxCross = -Infinity;
  for (let v = 0; v < n; v++) {
    const c = centre[g.rank[v]!]!;
    minAlong = Math.min(minAlong, c - alongSize[v]! / 2);
    maxAlong = Math.max(maxAlong, c + alongSize[v]! / 2);
    minCross = Math.min(minCross, cross[v]! - crossSize[v]! / 2);
    maxCross = Math.max(maxCross, cross[v]! + crossSize[v]! / 2);
  }
  const positions: Record<string, { x: number; y: number }> = {};
  for (let v = 0; v < n; v++) {
    const along = centre[g.rank[v]!]! - minAlong, across = cross[v]! - minCross;
    const p = lr ? { x: along, y: across } : { x: across, y: along };
    const id = list[v]!.id;
    // An id of "__proto__" would set the prototype of a plain object instead of a property.
    if (id === "__proto__") Object.defineProperty(positions, id, { value: p, enumerable: true, writable: true, configurable: true });
    else positions[id] = p;
  }
  return {
    positions,
    width: lr ? maxAlong - minAlong : maxCross - minCross,
    height: lr ? maxCross - minCross : maxAlong - minAlong,
    ranks: g.rankCount,
  };
}

function nonNegative(v: number | undefined, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : fallback;
}
function sizeOf(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}
function orderKey(v: number): number {
  return Number.isNaN(v) ? Infinity : v;
}

/**
 * Nodes indexed by (order, id), so the result does not depend on the order of the input arrays;
 * edges between known distinct nodes, without duplicates, sorted.
 */
function indexGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]) {
  const unique = new Map<string, LayoutNode>();
  for (const nd of nodes) if (!unique.has(nd.id)) unique.set(nd.id, nd);
  const list = [...unique.values()].sort((a, b) => {
    const oa = orderKey(a.order), ob = orderKey(b.order);
    if (oa !== ob) return oa < ob ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const n = list.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(list[i]!.id, i);
  const keys = new Float64Array(edges.length);
  let m = 0;
  for (const e of edges) {
    const s = index.get(e.source), t = index.get(e.target);
    if (s !== undefined && t !== undefined && s !== t) keys[m++] = s * n + t;
  }
  const sorted = keys.subarray(0, m).sort();
  const from: number[] = [], to: number[] = [];
  for (let i = 0; i < m; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    from.push(Math.floor(sorted[i]! / n));
    to.push(sorted[i]! % n);
  }
  return { list, from: Int32Array.from(from), to: Int32Array.from(to) };
}

/** Reverses the back edges of a DFS from the sources (then from anything left), in index order. */
function breakCycles(n: number, es: Int32Array, et: Int32Array): Dag {
  const m = es.length;
  const out = adjacency(n, es, identity(m), m);
  const indeg = new Int32Array(n);
  for (let i = 0; i < m; i++) indeg[et[i]!]!++;
  const color = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const ptr = new Int32Array(n);
  const stack = new Int32Array(n);
  const postorder = new Int32Array(n);
  const reversed = new Uint8Array(m);
  let postLen = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let root = 0; root < n; root++) {
      if (color[root] !== 0 || (pass === 0 && indeg[root] !== 0)) continue;
      let sp = 0;
      stack[sp++] = root;
      color[root] = 1;
      ptr[root] = out.start[root]!;
      while (sp > 0) {
        const u = stack[sp - 1]!;
        if (ptr[u]! < out.start[u + 1]!) {
          const id = out.list[ptr[u]!++]!;
          const w = et[id]!;
          if (color[w] === 0) {
            color[w] = 1;
            ptr[w] = out.start[w]!;
            stack[sp++] = w;
          } else if (color[w] === 1) reversed[id] = 1;
        } else {
          color[u] = 2;
          postorder[postLen++] = u;
          sp--;
        }
      }
    }
  }
  // A reversed edge b → a duplicates a forward edge b → a when both were there: keep one.
  const reversedKeys = new Set<number>();
  for (let i = 0; i < m; i++) if (reversed[i]) reversedKeys.add(et[i]! * n + es[i]!);
  const from: number[] = [], to: number[] = [];
  for (let i = 0; i < m; i++) {
    if (reversed[i]) {
      from.push(et[i]!);
      to.push(es[i]!);
    } else if (reversedKeys.size === 0 || !reversedKeys.has(es[i]! * n + et[i]!)) {
      from.push(es[i]!);
      to.push(et[i]!);
    }
  }
  return { from: Int32Array.from(from), to: Int32Array.from(to), postorder };
}

/** As late as possible: (longest path overall) − (longest path to a sink); isolated nodes at 0. */
function rankNodes(n: number, dag: Dag): Int32Array {
  const m = dag.from.length;
  const out = adjacency(n, dag.from, dag.to, m);
  const height = new Int32Array(n);
  let maxHeight = 0;
  for (let i = 0; i < n; i++) {
    const u = dag.postorder[i]!;
    let h = 0;
    for (let j = out.start[u]!; j < out.start[u + 1]!; j++) h = Math.max(h, height[out.list[j]!]! + 1);
    height[u] = h;
    if (h > maxHeight) maxHeight = h;
  }
  const connected = new Uint8Array(n);
  for (let i = 0; i < m; i++) connected[dag.from[i]!] = connected[dag.to[i]!] = 1;
  const rank = new Int32Array(n);
  for (let v = 0; v < n; v++) rank[v] = connected[v] ? maxHeight - height[v]! : 0;
  return rank;
}


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
// Every phase is linear or near-linear (sorts of small neighbour lists and of each rank). The
// phases are separate small functions over typed arrays, so V8 optimizes each one quickly: the
// first call, the one that matters in the view, is not much slower than later ones.

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

/** Most ordering rounds (a down sweep and an up sweep each); fewer without crossings or progress. */
const MAX_SWEEP_ROUNDS = 6;

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

/** Compressed adjacency: the neighbours of v are list[start[v] .. start[v + 1]). */
interface Adjacency {
  start: Int32Array;
  list: Int32Array;
}

function adjacency(count: number, from: ArrayLike<number>, to: ArrayLike<number>, edgeCount: number): Adjacency {
  const start = new Int32Array(count + 1);
  for (let i = 0; i < edgeCount; i++) start[from[i]! + 1]!++;
  for (let v = 0; v < count; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, count);
  const list = new Int32Array(edgeCount);
  for (let i = 0; i < edgeCount; i++) list[fill[from[i]!]!++] = to[i]!;
  return { start, list };
}

function identity(count: number): Int32Array {
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = i;
  return ids;
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

interface Dag {
  from: Int32Array;
  to: Int32Array;
  /** DFS finishing order: every edge's target comes before its source. */
  postorder: Int32Array;
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

/** Real and virtual nodes on their ranks, joined by unit-length segments. */
interface Layered {
  /** Real nodes are 0 .. n − 1, virtual ones n .. total − 1. */
  n: number;
  total: number;
  rankCount: number;
  rank: Int32Array;
  /** Rank r is layer[layerStart[r] .. layerStart[r + 1]), in order. */
  layerStart: Int32Array;
  layer: Int32Array;
  /** Slot of each node within its rank. */
  pos: Int32Array;
  pred: Adjacency;
  succ: Adjacency;
  widest: number;
}

function splitLongEdges(n: number, realRank: Int32Array, dag: Dag): Layered {
  const { from, to } = dag;
  const m = from.length;
  let rankCount = 1;
  for (let v = 0; v < n; v++) rankCount = Math.max(rankCount, realRank[v]! + 1);
  const span = (i: number) => realRank[to[i]!]! - realRank[from[i]!]!;
  // Shortest long edges first, while the budget lasts; longer ones are left out of ordering and
  // coordinates altogether (they are still drawn, as straight lines).
  const long: number[] = [];
  for (let i = 0; i < m; i++) if (span(i) > 1) long.push(i);
  long.sort((x, y) => span(x) - span(y) || x - y);
  const budget = 2 * n + 1000;
  let virtualCount = 0, chained = 0;
  for (; chained < long.length; chained++) {
    const extra = span(long[chained]!) - 1;
    if (virtualCount + extra > budget) break;
    virtualCount += extra;
  }
  const total = n + virtualCount;
  const rank = new Int32Array(total);
  rank.set(realRank);
  const sortKey = new Float64Array(total); // the initial order within a rank: creation order
  for (let v = 0; v < n; v++) sortKey[v] = v;
  const ua: number[] = [], ub: number[] = [];
  for (let i = 0; i < m; i++) {
    if (span(i) === 1) {
      ua.push(from[i]!);
      ub.push(to[i]!);
    }
  }
  let next = n;
  for (let c = 0; c < chained; c++) {
    const a = from[long[c]!]!, b = to[long[c]!]!;
    let prev = a;
    for (let r = realRank[a]! + 1; r < realRank[b]!; r++) {
      const v = next++;
      rank[v] = r;
      sortKey[v] = a + 0.5; // just after its source's creation
      ua.push(prev);
      ub.push(v);
      prev = v;
    }
    ua.push(prev);
    ub.push(b);
  }
  const succ = adjacency(total, ua, ub, ua.length);
  const pred = adjacency(total, ub, ua, ua.length);

  const layerStart = new Int32Array(rankCount + 1);
  for (let v = 0; v < total; v++) layerStart[rank[v]! + 1]!++;
  for (let r = 0; r < rankCount; r++) layerStart[r + 1]! += layerStart[r]!;
  const layer = new Int32Array(total);
  const fill = layerStart.slice(0, rankCount);
  for (let v = 0; v < total; v++) layer[fill[rank[v]!]!++] = v;
  const pos = new Int32Array(total);
  let widest = 0;
  for (let r = 0; r < rankCount; r++) {
    const s = layerStart[r]!, e = layerStart[r + 1]!;
    layer.subarray(s, e).sort((x, y) => sortKey[x]! - sortKey[y]! || x - y);
    for (let i = s; i < e; i++) pos[layer[i]!] = i - s;
    widest = Math.max(widest, e - s);
  }
  return { n, total, rankCount, rank, layerStart, layer, pos, pred, succ, widest };
}

/** Scratch space for the sweeps. */
interface SweepScratch {
  bary: Float64Array;
  movable: Int32Array;
  packed: Float64Array;
  copy: Int32Array;
  /** 2^bits > the widest rank; 0 if too wide to pack (then a comparator sort). */
  indexScale: number;
  fenwick: Int32Array;
  targets: Int32Array;
}

/**
 * Sorts rank r by the barycenter of each node's neighbours in `adj` (the fixed rank); a node with
 * no such neighbour keeps its slot, ties keep their order. The sort key packs the barycenter (to
 * 2^-16) and the node's index among the movable ones into one exact float, so the native numeric
 * sort of a Float64Array does the work.
 */
function sweepRank(g: Layered, r: number, adj: Adjacency, s: SweepScratch) {
  const { layer, pos } = g;
  const first = g.layerStart[r]!, end = g.layerStart[r + 1]!;
  let k = 0;
  for (let i = first; i < end; i++) {
    const v = layer[i]!;
    const a = adj.start[v]!, b = adj.start[v + 1]!;
    if (a === b) continue;
    let sum = 0;
    for (let j = a; j < b; j++) sum += pos[adj.list[j]!]!;
    s.bary[v] = sum / (b - a);
    s.movable[k++] = v;
  }
  if (k <= 1) return;
  s.copy.set(s.movable.subarray(0, k));
  if (s.indexScale > 0) {
    for (let i = 0; i < k; i++) s.packed[i] = Math.round(s.bary[s.copy[i]!]! * 65536) * s.indexScale + i;
    const keys = s.packed.subarray(0, k).sort();
    for (let i = 0; i < k; i++) s.movable[i] = s.copy[keys[i]! % s.indexScale]!;
  } else {
    const sorted = Array.from(s.copy.subarray(0, k)).sort((x, y) => s.bary[x]! - s.bary[y]! || pos[x]! - pos[y]!);
    s.movable.set(sorted);
  }
  let j = 0;
  for (let i = first; i < end; i++) {
    const v = layer[i]!;
    if (adj.start[v] !== adj.start[v + 1]) layer[i] = s.movable[j++]!;
  }
  for (let i = first; i < end; i++) pos[layer[i]!] = i - first;
}

/** Crossings between all consecutive ranks, each pair counted in O(E log V) with a Fenwick tree. */
function countCrossings(g: Layered, s: SweepScratch): number {
  const { layer, pos, succ, layerStart } = g;
  const { fenwick, targets } = s;
  let crossings = 0;
  for (let r = 0; r + 1 < g.rankCount; r++) {
    const below = layerStart[r + 2]! - layerStart[r + 1]!;
    fenwick.fill(0, 0, below + 1);
    let inserted = 0;
    for (let i = layerStart[r]!; i < layerStart[r + 1]!; i++) {
      const v = layer[i]!;
      const a = succ.start[v]!, d = succ.start[v + 1]! - a;
      for (let j = 0; j < d; j++) {
        // insertion sort: out-degrees are small
        const p = pos[succ.list[a + j]!]!;
        let q = j;
        for (; q > 0 && targets[q - 1]! > p; q--) targets[q] = targets[q - 1]!;
        targets[q] = p;
      }
      for (let j = 0; j < d; j++) {
        const p = targets[j]!;
        let atMost = 0; // edges inserted so far that end at or before p
        for (let q = p + 1; q > 0; q -= q & -q) atMost += fenwick[q]!;
        crossings += inserted - atMost;
        for (let q = p + 1; q <= below; q += q & -q) fenwick[q]!++;
        inserted++;
      }
    }
  }
  return crossings;
}

/** Barycenter sweeps down and up from the creation order, keeping the order with fewest crossings. */
function reduceCrossings(g: Layered) {
  let maxOut = 0;
  for (let v = 0; v < g.total; v++) maxOut = Math.max(maxOut, g.succ.start[v + 1]! - g.succ.start[v]!);
  const bits = Math.max(1, Math.ceil(Math.log2(g.widest + 1)));
  const scratch: SweepScratch = {
    bary: new Float64Array(g.total),
    movable: new Int32Array(g.widest),
    packed: new Float64Array(g.widest),
    copy: new Int32Array(g.widest),
    // barycenter < 2^bits, times 2^16, times 2^bits: exact below 2^53
    indexScale: bits <= 18 ? 2 ** bits : 0,
    fenwick: new Int32Array(g.widest + 1),
    targets: new Int32Array(maxOut),
  };
  let best = countCrossings(g, scratch);
  const bestLayer = g.layer.slice();
  for (let round = 0, stale = 0; round < MAX_SWEEP_ROUNDS && best > 0 && stale < 2; round++) {
    let improved = false;
    for (let half = 0; half < 2; half++) {
      if (half === 0) for (let r = 1; r < g.rankCount; r++) sweepRank(g, r, g.pred, scratch);
      else for (let r = g.rankCount - 2; r >= 0; r--) sweepRank(g, r, g.succ, scratch);
      const c = countCrossings(g, scratch);
      if (c < best) {
        best = c;
        bestLayer.set(g.layer);
        improved = true;
      }
    }
    stale = improved ? 0 : stale + 1;
  }
  g.layer.set(bestLayer);
  for (let r = 0; r < g.rankCount; r++) {
    for (let i = g.layerStart[r]!; i < g.layerStart[r + 1]!; i++) g.pos[g.layer[i]!] = i - g.layerStart[r]!;
  }
  sortByPos(g, g.pred);
  sortByPos(g, g.succ);
}

/** Neighbour lists in slot order, for the median alignment (insertion sort: degrees are small). */
function sortByPos(g: Layered, adj: Adjacency) {
  const { pos } = g;
  const list = adj.list;
  for (let v = 0; v < g.total; v++) {
    const a = adj.start[v]!, b = adj.start[v + 1]!;
    if (b - a > 32) {
      list.set(Array.from(list.subarray(a, b)).sort((x, y) => pos[x]! - pos[y]!), a);
      continue;
    }
    for (let i = a + 1; i < b; i++) {
      const w = list[i]!, p = pos[w]!;
      let j = i;
      for (; j > a && pos[list[j - 1]!]! > p; j--) list[j] = list[j - 1]!;
      list[j] = w;
    }
  }
}

/**
 * Segment priority: 2 for a chain link (the only edge out of its upper end and the only edge into
 * its lower end, e.g. op → its result), 1 for the inside of a long edge (virtual → virtual), 0
 * otherwise.
 */
function segmentLevel(g: Layered, u: number, w: number): number {
  if (u >= g.n && w >= g.n) return 1;
  return g.succ.start[u + 1]! - g.succ.start[u]! === 1 && g.pred.start[w + 1]! - g.pred.start[w]! === 1 ? 2 : 0;
}

function pairKey(g: Layered, a: number, b: number): number {
  return a < b ? a * g.total + b : b * g.total + a;
}

/**
 * Segments that cross a segment of higher priority (Brandes–Köpf's type-1 marking, once per
 * level: a scan of each rank between consecutive nodes whose only incoming segment has that level).
 */
function markConflicts(g: Layered): Set<number> {
  const { layer, pos, pred, layerStart } = g;
  const conflicts = new Set<number>();
  for (let top = 2; top >= 1; top--) {
    for (let r = 1; r < g.rankCount; r++) {
      const s = layerStart[r]!, e = layerStart[r + 1]!;
      const above = layerStart[r]! - layerStart[r - 1]!;
      let k0 = 0, scan = s;
      for (let i = s; i < e; i++) {
        const v = layer[i]!;
        let upper = -1;
        if (pred.start[v + 1]! - pred.start[v]! === 1) {
          const u = pred.list[pred.start[v]!]!;
          if (segmentLevel(g, u, v) === top) upper = u;
        }
        if (upper < 0 && i !== e - 1) continue;
        const k1 = upper >= 0 ? pos[upper]! : above;
        for (let j = scan; j <= i; j++) {
          const w = layer[j]!;
          for (let q = pred.start[w]!; q < pred.start[w + 1]!; q++) {
            const u = pred.list[q]!;
            if ((pos[u]! < k0 || k1 < pos[u]!) && segmentLevel(g, u, w) < top) conflicts.add(pairKey(g, u, w));
          }
        }
        scan = i + 1;
        k0 = k1;
      }
    }
  }
  return conflicts;
}

/** Vertical alignment: each node joins the block of a median neighbour (up: predecessors). */
function alignBlocks(g: Layered, conflicts: Set<number>, up: boolean, left: boolean): Int32Array {
  const { layer, pos, layerStart } = g;
  const root = identity(g.total);
  const adj = up ? g.pred : g.succ;
  for (let step = 0; step < g.rankCount; step++) {
    const r = up ? step : g.rankCount - 1 - step;
    const other = up ? r - 1 : r + 1;
    if (other < 0 || other >= g.rankCount) continue;
    const otherLast = layerStart[other + 1]! - layerStart[other]! - 1;
    const s = layerStart[r]!, e = layerStart[r + 1]!;
    let prevIdx = -1;
    for (let t = 0; t < e - s; t++) {
      const v = layer[left ? s + t : e - 1 - t]!;
      const a = adj.start[v]!, d = adj.start[v + 1]! - a;
      if (d === 0) continue;
      for (let mi = (d - 1) >> 1; mi <= d >> 1; mi++) {
        const w = adj.list[left ? a + mi : a + d - 1 - mi]!;
        const pw = left ? pos[w]! : otherLast - pos[w]!;
        if (prevIdx < pw && !conflicts.has(pairKey(g, v, w))) {
          root[v] = root[w]!;
          prevIdx = pw;
          break;
        }
      }
    }
  }
  return root;
}

/**
 * Horizontal compaction of one alignment on its block graph (consecutive nodes of a rank keep
 * their blocks at least their separation apart): longest path from the left, then each block
 * pulled as far towards its successors as they allow. Null if the block graph has a cycle.
 */
function compactBlocks(g: Layered, root: Int32Array, left: boolean, separation: (a: number, b: number) => number): Float64Array | null {
  const { layer, layerStart, total } = g;
  const from = new Int32Array(total), to = new Int32Array(total), weight = new Float64Array(total);
  let count = 0;
  for (let r = 0; r < g.rankCount; r++) {
    const s = layerStart[r]!, e = layerStart[r + 1]!;
    for (let t = 1; t < e - s; t++) {
      const a = layer[left ? s + t - 1 : e - t]!, b = layer[left ? s + t : e - 1 - t]!;
      from[count] = root[a]!;
      to[count] = root[b]!;
      weight[count++] = separation(a, b);
    }
  }
  const ids = identity(count);
  const outE = adjacency(total, from, ids, count);
  const inE = adjacency(total, to, ids, count);
  const inCount = new Int32Array(total);
  for (let i = 0; i < count; i++) inCount[to[i]!]!++;
  const order = new Int32Array(total);
  let blocks = 0, roots = 0;
  for (let v = 0; v < total; v++) {
    if (root[v] !== v) continue;
    roots++;
    if (inCount[v] === 0) order[blocks++] = v;
  }
  for (let h = 0; h < blocks; h++) {
    const b = order[h]!;
    for (let j = outE.start[b]!; j < outE.start[b + 1]!; j++) {
      const t = to[outE.list[j]!]!;
      if (--inCount[t]! === 0) order[blocks++] = t;
    }
  }
  if (blocks !== roots) return null;
  const xs = new Float64Array(total);
  for (let h = 0; h < blocks; h++) {
    const b = order[h]!;
    let x = 0;
    for (let j = inE.start[b]!; j < inE.start[b + 1]!; j++) {
      const id = inE.list[j]!;
      x = Math.max(x, xs[from[id]!]! + weight[id]!);
    }
    xs[b] = x;
  }
  for (let h = blocks - 1; h >= 0; h--) {
    const b = order[h]!;
    let x = Infinity;
    for (let j = outE.start[b]!; j < outE.start[b + 1]!; j++) {
      const id = outE.list[j]!;
      x = Math.min(x, xs[to[id]!]! - weight[id]!);
    }
    if (x !== Infinity && x > xs[b]!) xs[b] = x;
  }
  const result = new Float64Array(total);
  for (let v = 0; v < total; v++) result[v] = left ? xs[root[v]!]! : -xs[root[v]!]!;
  return result;
}

/** Brandes–Köpf: four alignments, compacted, aligned to the narrowest, balanced (real nodes only). */
function crossCoordinates(g: Layered, crossSize: Float64Array, nodeSep: number): Float64Array {
  const n = g.n;
  const separation = (a: number, b: number) =>
    (crossSize[a]! + crossSize[b]!) / 2 + (a < n && b < n ? nodeSep : nodeSep / 2);
  const conflicts = markConflicts(g);
  const layouts: Float64Array[] = [];
  const mins: number[] = [], maxs: number[] = [];
  for (let k = 0; k < 4; k++) {
    const up = k < 2, left = k % 2 === 0;
    const xs = compactBlocks(g, alignBlocks(g, conflicts, up, left), left, separation) ??
      compactBlocks(g, identity(g.total), left, separation)!;
    let min = Infinity, max = -Infinity;
    for (let v = 0; v < g.total; v++) {
      min = Math.min(min, xs[v]! - crossSize[v]! / 2);
      max = Math.max(max, xs[v]! + crossSize[v]! / 2);
    }
    layouts.push(xs);
    mins.push(min);
    maxs.push(max);
  }
  let narrowest = 0;
  for (let k = 1; k < 4; k++) if (maxs[k]! - mins[k]! < maxs[narrowest]! - mins[narrowest]!) narrowest = k;
  for (let k = 0; k < 4; k++) {
    const delta = k % 2 === 0 ? mins[narrowest]! - mins[k]! : maxs[narrowest]! - maxs[k]!;
    const xs = layouts[k]!;
    if (delta !== 0) for (let v = 0; v < g.total; v++) xs[v]! += delta;
  }
  const [l0, l1, l2, l3] = layouts as [Float64Array, Float64Array, Float64Array, Float64Array];
  const cross = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const a = l0[v]!, b = l1[v]!, c = l2[v]!, d = l3[v]!;
    // the mean of the two middle values of four
    cross[v] = (a + b + c + d - Math.min(a, b, c, d) - Math.max(a, b, c, d)) / 2;
  }
  return cross;
}

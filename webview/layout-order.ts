// The layered layout's (layout.ts) middle phases: long edges split by virtual nodes (phase 3),
// and the order within ranks by barycenter sweeps with crossings counted by a Fenwick tree
// (phase 4). Also the compressed adjacency lists every phase uses.

/** Most ordering rounds (a down sweep and an up sweep each); fewer without crossings or progress. */
const MAX_SWEEP_ROUNDS = 6;

/** Compressed adjacency: the neighbours of v are list[start[v] .. start[v + 1]). */
export interface Adjacency {
  start: Int32Array;
  list: Int32Array;
}

export function adjacency(count: number, from: ArrayLike<number>, to: ArrayLike<number>, edgeCount: number): Adjacency {
  const start = new Int32Array(count + 1);
  for (let i = 0; i < edgeCount; i++) start[from[i]! + 1]!++;
  for (let v = 0; v < count; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, count);
  const list = new Int32Array(edgeCount);
  for (let i = 0; i < edgeCount; i++) list[fill[from[i]!]!++] = to[i]!;
  return { start, list };
}

export function identity(count: number): Int32Array {
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = i;
  return ids;
}

export interface Dag {
  from: Int32Array;
  to: Int32Array;
  /** DFS finishing order: every edge's target comes before its source. */
  postorder: Int32Array;
}

/** Real and virtual nodes on their ranks, joined by unit-length segments. */
export interface Layered {
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

export function splitLongEdges(n: number, realRank: Int32Array, dag: Dag): Layered {
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
export function reduceCrossings(g: Layered) {
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


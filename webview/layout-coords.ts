// The layered layout's (layout.ts) coordinates across ranks (phase 5): Brandes–Köpf. Four median
// alignments, each compacted on its block graph, aligned to the narrowest and balanced; segments
// have priorities so chains come out straight (see layout.ts's overview).
import { adjacency, identity, type Layered } from "./layout-order";

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
export function crossCoordinates(g: Layered, crossSize: Float64Array, nodeSep: number): Float64Array {
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

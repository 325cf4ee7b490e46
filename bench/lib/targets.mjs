// Correctness references and the performance targets: which (case, size) must reach what,
// and the verdict for one run's results.
import { CHAIN, CONV, ELEMENTWISE_N, EMB, RUNNER_GRAPH_NODES, SNAPSHOT_CHAIN, SNAPSHOT_LOOP, TRAIN, VIEW_GRAPH_NODES } from './common.mjs';
import { REPLAY_GRAPH_NODES } from './replay.mjs';
import { fmtMs, fmtNum } from './format.mjs';

/** Float64 ground truth for case (c): y = Σ(0.4x² − 5), dy/dx = 0.8x. */
export function elementwiseReference(x) {
  let y = 0;
  for (let i = 0; i < x.length; i++) y += 0.4 * x[i] * x[i] - 5;
  return [y, 0.8 * x[0], 0.8 * x[x.length - 1]];
}

/**
 * Does a peer's check vector match the reference? Float32 engines reduce 10⁵–10⁶ terms
 * in a different order than float64 ones, so allow 1e-3 relative to the largest
 * reference value (single values can cancel to near zero).
 */
export function checkAgrees(values, ref) {
  if (!ref || values.length !== ref.length) return true;
  const scale = Math.max(1, ...ref.map(Math.abs));
  return values.every((v, i) => Number.isFinite(v) && Math.abs(v - ref[i]) <= 1e-3 * scale);
}

export const TARGETS = [
  { id: 'a-vs-micrograd', caseId: 'a', size: 100, peer: 'micrograd', maxRatio: 2,
    text: '(a) ours within 2x of plain-JS micrograd' },
  { id: 'a-vs-js-pytorch', caseId: 'a', size: 100, peer: 'js-pytorch', maxRatio: 1 / 4,
    text: '(a) ours >= 4x faster than js-pytorch' },
  ...[256, 512].flatMap((n) => [
    { id: `b${n}-gflops`, caseId: 'b', size: n, minGflops: 15,
      text: `(b) ours >= 15 GFLOP/s fwd+bwd at N=${n}` },
    { id: `b${n}-vs-tfjs`, caseId: 'b', size: n, peer: 'tfjs-cpu', maxRatio: 1 / 2.5,
      text: `(b) ours >= 2.5x tfjs-cpu GFLOP/s at N=${n}` },
  ]),
  { id: 'c-ms', caseId: 'c', size: ELEMENTWISE_N, maxMs: 120, text: '(c) ours under 120 ms' },
  { id: 'c-vs-tfjs', caseId: 'c', size: ELEMENTWISE_N, peer: 'tfjs-cpu', maxRatio: 0.3,
    text: '(c) ours <= 0.3x tfjs-cpu time' },
  { id: 'e-ms', caseId: 'e', size: null, maxMs: 50, text: '(e) textbook example to snapshot under 50 ms, warm' },
  { id: 'f-ms', caseId: 'f', size: RUNNER_GRAPH_NODES, maxMs: 1000,
    text: `(f) ${RUNNER_GRAPH_NODES.toLocaleString('en-US')}-node graph to snapshot under 1 s, warm` },
  { id: 'g-ms', caseId: 'g', size: null, maxMs: 150, text: '(g) textbook example from snapshot to first painted graph under 150 ms' },
  { id: 'h-ms', caseId: 'h', size: VIEW_GRAPH_NODES.h, maxMs: 1000,
    text: `(h) ${VIEW_GRAPH_NODES.h.toLocaleString('en-US')}-node graph from snapshot to first paint under 1 s` },
  { id: 'i-ms', caseId: 'i', size: VIEW_GRAPH_NODES.i, maxMs: 3000,
    text: `(i) ${VIEW_GRAPH_NODES.i.toLocaleString('en-US')}-node graph from snapshot to first paint under 3 s` },
  { id: 'w-ms', caseId: 'w', size: VIEW_GRAPH_NODES.w, maxMs: 50,
    text: `(w) ${VIEW_GRAPH_NODES.w.toLocaleString('en-US')}-node graph: opening or closing a folded group under 50 ms` },
  { id: 'k-ms', caseId: 'k', size: 100, maxMs: 200, text: '(k) textbook function on a 100x100 grid under 200 ms' },
  { id: 'l-ms', caseId: 'l', size: REPLAY_GRAPH_NODES, maxMs: 5000,
    text: `(l) ${REPLAY_GRAPH_NODES.toLocaleString('en-US')}-node graph on a 50x50 grid under 5 s` },
  // Per-op overhead (issue 11): at most PyTorch's time on one thread (the aim is half).
  { id: 'm-vs-pytorch', caseId: 'm', size: TRAIN.samples, peer: 'pytorch', maxRatio: 1,
    text: '(m) MLP training loop, ours <= 1.0x PyTorch time' },
  { id: 'n-vs-pytorch', caseId: 'n', size: CHAIN.ops, peer: 'pytorch', maxRatio: 1,
    text: '(n) 1,000-op chain, ours <= 1.0x PyTorch time' },
  // nn layers (issue 12): at most 3x PyTorch's time, at most half of tfjs-cpu's.
  ...['o', 'p'].flatMap((caseId) => {
    const size = caseId === 'o' ? CONV.batch : EMB.batch;
    const what = caseId === 'o' ? '(o) Conv2d fwd+bwd' : '(p) embedding + cross-entropy step';
    return [
      { id: `${caseId}-vs-pytorch`, caseId, size, peer: 'pytorch', maxRatio: 3, text: `${what}, ours <= 3x PyTorch time` },
      { id: `${caseId}-vs-tfjs`, caseId, size, peer: 'tfjs-cpu', maxRatio: 0.5, text: `${what}, ours <= 0.5x tfjs-cpu time` },
    ];
  }),
  // Compact snapshots (issue 13): the snapshot as it travels (JSON of the wire form).
  { id: 'q-ms', caseId: 'q', size: SNAPSHOT_LOOP.iterations, maxMs: 1000,
    text: '(q) 300-iteration training loop to snapshot under 1 s, warm' },
  { id: 'q-bytes', caseId: 'q', size: SNAPSHOT_LOOP.iterations, maxBytes: 2 * 2 ** 20,
    text: '(q) 300-iteration training loop: snapshot <= 2 MB' },
  { id: 'r-bytes', caseId: 'r', size: SNAPSHOT_CHAIN.ops, maxBytes: 5 * 2 ** 20,
    text: '(r) 3,000-op chain: snapshot <= 5 MB' },
  // Painted times of issue 13: the default (last) call of the training loop of (q), the chain of (r).
  { id: 't-ms', caseId: 't', size: SNAPSHOT_LOOP.iterations, maxMs: 300,
    text: '(t) 300-iteration training loop from snapshot to the painted one-call view under 300 ms' },
  { id: 'u-ms', caseId: 'u', size: SNAPSHOT_CHAIN.ops, maxMs: 1000,
    text: '(u) 3,000-op chain from snapshot to first paint under 1 s' },
  { id: 'v-ms', caseId: 'v', size: SNAPSHOT_LOOP.iterations, maxMs: 100,
    text: '(v) 300-iteration training loop: switching to another call painted under 100 ms' },
  { id: 'j-ms', caseId: 'j', size: VIEW_GRAPH_NODES.j, maxMs: 16,
    text: `(j) ${VIEW_GRAPH_NODES.j.toLocaleString('en-US')}-node graph, one backward step under 16 ms` },
];

export function evaluateTarget(t, find) {
  const ours = find('ours', t.caseId, t.size);
  const threshold = t.minGflops !== undefined ? { minGflops: t.minGflops }
    : t.maxBytes !== undefined ? { maxBytes: t.maxBytes }
    : t.maxMs !== undefined ? { maxMs: t.maxMs }
    : { peer: t.peer, maxOursOverPeer: t.maxRatio };
  const base = { id: t.id, target: t.text, status: 'n/a', threshold };
  if (!ours) return { ...base, note: 'ours not run' };
  // Not built is not a verdict on the engine (run.mjs was called without `npm run build`).
  if (!ours.ok) return { ...base, status: ours.blocked ? 'n/a' : 'FAIL', note: `ours failed: ${ours.error}` };
  if (t.minGflops !== undefined) {
    return { ...base, status: ours.gflops >= t.minGflops ? 'PASS' : 'FAIL', value: ours.gflops,
      note: `ours ${fmtNum(ours.gflops)} GFLOP/s (needs >= ${t.minGflops}; absolute, machine-dependent)` };
  }
  if (t.maxBytes !== undefined) {
    const bytes = ours.snapshot?.jsonBytes;
    if (bytes === undefined) return { ...base, note: 'no snapshot size recorded' };
    return { ...base, status: bytes <= t.maxBytes ? 'PASS' : 'FAIL', value: bytes,
      note: `ours ${(bytes / 2 ** 20).toFixed(2)} MB (needs <= ${(t.maxBytes / 2 ** 20).toFixed(0)} MB)` };
  }
  if (t.maxMs !== undefined) {
    return { ...base, status: ours.medianMs < t.maxMs ? 'PASS' : 'FAIL', value: ours.medianMs,
      note: `ours ${fmtMs(ours.medianMs)} (needs < ${t.maxMs} ms; absolute, machine-dependent)` };
  }
  const peer = find(t.peer, t.caseId, t.size);
  if (!peer?.ok) return { ...base, note: `${t.peer} ${peer ? `failed: ${peer.error}` : 'not run'}` };
  const ratio = ours.medianMs / peer.medianMs;
  const best = t.peer === 'pytorch' ? `; best of 5: ${fmtNum(ours.best5Ms / peer.best5Ms)}` : '';
  return { ...base, status: ratio <= t.maxRatio ? 'PASS' : 'FAIL', value: ratio,
    note: `ours/${t.peer} time = ${fmtNum(ratio)} (needs <= ${fmtNum(t.maxRatio)})${best}` };
}

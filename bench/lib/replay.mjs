// The replay cases (k)–(l) of issue 6 (the loss landscape): a traced program re-evaluated with
// engine/replay over a grid of two varied leaves. Kept apart from common.mjs; run.mjs merges
// REPLAY_CASES into its case list. The snapshot comes from the real runner (untimed, in the job);
// the timed part is replay.evaluateBatch on a fresh copy of snapshot.program (so the plan and
// the reference run at the recorded point, which a first draw pays for, are timed too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEXTBOOK_FILE, graphSource, graphTerms } from './snippets.mjs';

/** Snapshot nodes of the generated graph of case (l). */
export const REPLAY_GRAPH_NODES = 10_000;
/** Node and step caps for (l): above the 5,000-node default; the (untimed) run may take its time. */
export const REPLAY_LIMITS = { nodeCap: 12_000, stepCap: 12_000, timeoutMs: 60_000 };

export const REPLAY_CASES = {
  k: {
    id: 'k',
    kind: 'replay',
    fn: 'grid',
    title: '(k) replay: textbook, 100x100 grid',
    sizes: [100],
    peers: ['ours'],
  },
  l: {
    id: 'l',
    kind: 'replay',
    fn: 'grid',
    title: '(l) replay: 10,000-node graph, 50x50 grid',
    sizes: [REPLAY_GRAPH_NODES],
    peers: ['ours'],
  },
};

/** Grid side, the two varied leaves (by name) and the ranges of each case. */
function gridOf(caseId) {
  // Textbook: x1, x2 ∈ [−4, 4]. Line fit: w ∈ [−1, 2], b ∈ [−1, 1.5].
  return caseId === 'k'
    ? { n: 100, names: ['x1', 'x2'], lo: [-4, -4], hi: [4, 4] }
    : { n: 50, names: ['w', 'b'], lo: [-1, -1], hi: [2, 1.5] };
}

/** Grid points, row-major, point-major pairs (x varies fastest). */
export function gridPoints({ n, lo, hi }) {
  const pts = new Float64Array(n * n * 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      pts[(i * n + j) * 2] = lo[0] + ((hi[0] - lo[0]) * j) / (n - 1);
      pts[(i * n + j) * 2 + 1] = lo[1] + ((hi[1] - lo[1]) * i) / (n - 1);
    }
  }
  return pts;
}

/** The job's data: the run request and the grid. */
export function replayData(caseId, size, root) {
  const grid = gridOf(caseId);
  if (caseId === 'k') {
    const fileName = join(root, TEXTBOOK_FILE);
    return { request: { source: readFileSync(fileName, 'utf8'), language: 'typescript', fileName }, grid, minNodes: 1 };
  }
  return {
    request: { source: graphSource(size), language: 'typescript', fileName: join(root, `generated-graph-${size}.ts`), limits: REPLAY_LIMITS },
    grid,
    minNodes: size,
  };
}

/** Which grid entries the check reads: first, middle, last. */
export function checkIndices(n) {
  return [0, Math.floor((n * n) / 2) + Math.floor(n / 2), n * n - 1];
}

/** Float64 ground truth of f at the check points. */
export function replayReference(caseId, size) {
  const grid = gridOf(caseId);
  const pts = gridPoints(grid);
  const f = caseId === 'k'
    ? (x, y) => 0.2 * x * x + 0.2 * y * y - 5
    : (w, b) => {
      const n = graphTerms(size);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const e = w * (i / n) + b - Math.sin(i);
        loss += e * e;
      }
      return loss / n;
    };
  return checkIndices(grid.n).map((k) => f(pts[2 * k], pts[2 * k + 1]));
}

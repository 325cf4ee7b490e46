// The replay cases (k)–(l), run by worker.mjs in its own process. Untimed: the snippet goes
// through the real runner (runner/sandbox.ts bundled by run.mjs) to get its snapshot. Timed:
// replay.evaluateBatch (dist/engine.js) over the grid, on a fresh JSON copy of the program per
// rep so the per-program work (slice, reference run, decoding values) is part of every rep.
// Also measured: how long a cancel takes to take effect (shouldStop flips to true mid-run).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { checkIndices, gridPoints } from './lib/replay.mjs';

const require = createRequire(import.meta.url);

export async function runReplayJob(job) {
  const { SnippetRunner } = require(job.ctx.sandboxBundle);
  const { replay } = require(job.ctx.enginePath);
  const { request, grid } = job.data;
  const runner = new SnippetRunner({ distDir: job.ctx.distDir });
  let snapshot;
  try {
    snapshot = await runner.run(request);
  } finally {
    runner.dispose();
  }
  if (snapshot.error) throw new Error(`the snapshot has an error: ${snapshot.error.message.split('\n')[0]}`);
  const program = snapshot.program;
  if (!program || program.unavailable) throw new Error(`no program: ${program?.unavailable ?? 'missing'}`);
  if (snapshot.nodes.length < job.data.minNodes) throw new Error(`the snapshot has ${snapshot.nodes.length} nodes, expected ${job.data.minNodes}`);
  const output = snapshot.output;
  const cands = replay.candidateInputs(program, output);
  const vary = grid.names.map((name) => {
    const c = cands.find((x) => x.label === name);
    if (!c) throw new Error(`no candidate input ${name} (have ${cands.map((x) => x.label).join(', ')})`);
    return { leaf: c.leaf, index: c.index };
  });
  const problem = replay.landscapeProblem(program, output, vary);
  if (problem) throw new Error(problem);
  const json = JSON.stringify(program);
  const points = gridPoints(grid);
  const count = grid.n * grid.n;

  const plan = job.plan;
  let last = null;
  const rep = () => {
    const p = JSON.parse(json);
    globalThis.gc?.();
    const t0 = performance.now();
    last = replay.evaluateBatch(p, output, vary, points, count);
    return performance.now() - t0;
  };
  const warmupMs = [];
  for (let i = 0; i < plan.warmupReps; i++) warmupMs.push(rep());
  const samples = [];
  let spent = 0;
  for (let i = 0; i < plan.maxReps; i++) {
    if (i >= plan.minReps && (i >= plan.reps || spent >= plan.budgetMs) && spent >= plan.minTimedMs) break;
    const ms = rep();
    samples.push(ms);
    spent += ms;
  }
  // Cancel latency: shouldStop turns true after half the median; time from then to the throw.
  const half = samples.slice().sort((a, b) => a - b)[samples.length >> 1] / 2;
  let flippedAt = 0;
  let cancelMs = null;
  const p = JSON.parse(json);
  const t0 = performance.now();
  try {
    replay.evaluateBatch(p, output, vary, points, count, () => {
      if (flippedAt) return true;
      if (performance.now() - t0 >= half) {
        flippedAt = performance.now();
        return true;
      }
      return false;
    });
  } catch (e) {
    if (!(e instanceof replay.ReplayCancelled)) throw e;
    cancelMs = performance.now() - flippedAt;
  }
  return {
    ok: true,
    samples,
    warmupMs,
    check: checkIndices(grid.n).map((k) => last[k]),
    nodes: snapshot.nodes.length,
    version: 'engine/replay',
    replay: { ops: program.ops.length, points: count, programJsonBytes: json.length, cancelMs, cancelAfterMs: half },
  };
}

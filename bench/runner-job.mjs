// The runner cases (d)–(f), run by worker.mjs in its own process: this process plays the
// extension host. It loads runner/sandbox.ts (bundled by run.mjs) and times one run from
// the call with the source text to the resolved GraphSnapshot: IPC both ways, the
// transpile, the snippet, the recording and the snapshot's (de)serialization included.
//
//   cold (d): runSnippet(), which forks a fresh child per run: process start and boot
//             (engine load, transpiler warm-up) are part of every rep.
//   warm (e, f): one SnippetRunner. Each run consumes its booted spare; the next one
//             boots (and warms up) once the run is over; between reps the harness waits
//             until that spare has booted, so every timed run finds a warm child, as a
//             user's second click does.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tensor named `name` in the snapshot, its gradient's first value (NaN if absent). */
function gradOf(snapshot, name) {
  const t = snapshot.tensors.find((x) => x.name === name);
  const v = t?.grad?.values?.[0];
  return typeof v === 'number' ? v : Number.NaN;
}

/** Throws unless the snapshot is a complete, error-free trace of the snippet. */
function validate(snapshot, data) {
  if (snapshot.error) {
    throw new Error(`the snapshot has an error (${snapshot.error.kind}): ${snapshot.error.message.split('\n')[0]}`);
  }
  if (snapshot.nodesTruncated) throw new Error(`recording stopped at the node cap (${snapshot.limits.nodeCap})`);
  if (snapshot.nodes.length < data.minNodes) {
    throw new Error(`the snapshot has ${snapshot.nodes.length} nodes, expected at least ${data.minNodes}`);
  }
}

export async function runRunnerJob(job) {
  const { SnippetRunner, runSnippet, encodeSnapshot } = require(job.ctx.sandboxBundle);
  const { distDir } = job.ctx;
  const { request } = job.data;
  const plan = job.plan;
  const cold = job.fn === 'cold';

  const runner = cold ? null : new SnippetRunner({ distDir });
  // The spare boots in about 100–150 ms on 2 cores (process start, engine, warm-up); wait at least
  // pauseMs, and longer if the child that served the last run says its boot was slow.
  // The pause also lets the previous child exit and its snapshot be collected.
  const settle = async () => {
    await sleep(Math.max(plan.pauseMs, 3 * (runner?.lastBootMs ?? 0)));
    globalThis.gc?.();
  };

  let last = null;
  const durations = []; // the child's own durationMs: transpile + run + recording
  const bootMs = [];
  const rep = async () => {
    await settle();
    const t0 = performance.now();
    const snapshot = cold ? await runSnippet(request, { distDir }) : await runner.run(request);
    const ms = performance.now() - t0;
    validate(snapshot, job.data);
    last = snapshot;
    durations.push(snapshot.durationMs);
    if (runner?.lastBootMs !== undefined) bootMs.push(runner.lastBootMs);
    return ms;
  };

  try {
    const warmupMs = [];
    for (let i = 0; i < plan.warmupReps; i++) warmupMs.push(await rep());
    durations.length = 0;
    bootMs.length = 0;
    const samples = [];
    let spent = 0;
    for (let i = 0; i < plan.reps; i++) {
      if (i >= plan.minReps && spent >= plan.budgetMs) break;
      const ms = await rep();
      samples.push(ms);
      spent += ms + plan.pauseMs;
    }

    // The snapshot as it travels (version 2: values in a base64 table), as the host posts it.
    const json = JSON.stringify(encodeSnapshot ? encodeSnapshot(last) : last);
    const call = last.backward[0];
    return {
      ok: true,
      samples,
      warmupMs,
      check: [call?.loss ?? Number.NaN, ...job.data.checkNames.map((name) => gradOf(last, name))],
      nodes: last.nodes.length,
      snapshot: {
        tensors: last.tensors.length,
        nodes: last.nodes.length,
        edges: last.edges.length,
        // The steps of the last call: the one the view opens at (earlier calls keep only a summary).
        backwardSteps: last.backward.at(-1)?.steps.length ?? 0,
        stepsTruncated: last.backward.at(-1)?.stepsTruncated ?? false,
        jsonBytes: Buffer.byteLength(json),
      },
      childDurationsMs: durations,
      bootMs,
      version: require('../package.json').version,
    };
  } finally {
    runner?.dispose();
  }
}

// One benchmark job = one process: run.mjs forks this file for every (peer, case, size)
// so that JIT state, heap size and leaked memory of one library cannot colour another's
// numbers. The job (including the input data, as typed arrays) arrives over IPC; the
// result goes back the same way. The runner cases (d)–(f) time something else (source
// text to snapshot, through child processes of their own) and live in runner-job.mjs; the
// replay cases (k)–(l) in replay-job.mjs.
import { performance } from 'node:perf_hooks';

async function runJob(job) {
  if (job.kind === 'runner') return (await import('./runner-job.mjs')).runRunnerJob(job);
  if (job.kind === 'graph') return (await import('./graph-job.mjs')).runGraphJob(job);
  if (job.kind === 'replay') return (await import('./replay-job.mjs')).runReplayJob(job);
  const peer = await import(`./peers/${job.peer}.mjs`);
  // A peer outside Node (PyTorch) runs and times the whole job itself, by the same rules.
  if (peer.runJob) return peer.runJob(job);
  const factory = peer.cases[job.fn];
  if (!factory) throw new Error(`peer ${job.peer} has no case ${job.fn}`);
  const lib = await peer.load(job.ctx);
  const bench = factory(lib, job.data);

  // One repetition: fresh inputs (untimed), then forward+backward (timed). gc() first,
  // when --expose-gc is on, so a rep does not pay for the previous rep's garbage.
  // Each rep also records the CPU time the process spent (all its threads), which other
  // processes on a shared machine disturb much less than the wall-clock time.
  let state = null;
  const cpuMs = [];
  const rep = () => {
    if (state && bench.teardown) bench.teardown(state);
    globalThis.gc?.();
    state = bench.setup();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    bench.run(state);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
    return ms;
  };

  // Warm-up lets the JIT settle; see PLANS in run.mjs for the knobs. Slow peers stop
  // warming after a quarter of the time budget (but always warm up at least once).
  const plan = job.plan;
  const warmupMs = [];
  let spent = 0;
  for (let i = 0; ; i++) {
    const more = i < plan.warmupReps || (spent < plan.warmupMs && i < plan.maxReps);
    if (i > 0 && (!more || spent > plan.budgetMs / 4)) break;
    const ms = rep();
    warmupMs.push(ms);
    spent += ms;
  }
  const samples = [];
  const firstTimed = cpuMs.length;
  spent = 0;
  for (let i = 0; i < plan.maxReps; i++) {
    const more = i < plan.minReps || (i < plan.reps && spent < plan.budgetMs) || spent < plan.minTimedMs;
    if (!more) break;
    const ms = rep();
    samples.push(ms);
    spent += ms;
  }
  // Every rep starts from fresh leaves, so the last rep's state is as good as any for
  // the correctness check and the node count; both are computed untimed.
  const check = bench.check ? bench.check(state).map(Number) : [];
  const nodes = bench.nodes ? bench.nodes(state) : undefined;
  if (bench.teardown) bench.teardown(state);
  return { ok: true, samples, cpuSamples: cpuMs.slice(firstTimed), warmupMs, check, nodes, version: lib.version };
}

process.once('message', (job) => {
  runJob(job).then(
    (result) => process.send(result, () => process.exit(0)),
    (err) =>
      process.send(
        { ok: false, error: err?.message ?? String(err), stack: err?.stack },
        () => process.exit(1),
      ),
  );
});

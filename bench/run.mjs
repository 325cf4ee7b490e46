#!/usr/bin/env node
// `npm run bench` (= `npm run build && node bench/run.mjs`): times our engine against
// the libraries a user might pick instead, on the three cases of the performance issue
// (a–c), our snippet runner from source text to snapshot (d–f, ours only) and the graph
// view in Chromium (g–j, ours only), the re-evaluation of a traced program over a grid (k–l,
// ours only) and tutorial-size work against real PyTorch (m–n), each (peer, case, size) in its
// own child process, and prints medians, ours/peer ratios and PASS/FAIL against the targets.
// Everything also goes to bench/results/latest.json.
//
//   node bench/run.mjs            full run (about 5 minutes on 2 cores)
//   node bench/run.mjs --quick    1 warm-up, ≤ 3 reps: a smoke test
//   node bench/run.mjs --only=a,b          cases to run (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x)
//   node bench/run.mjs --peers=ours,tfjs-cpu   peers to run
//   node bench/run.mjs --rounds=3 run the job list 3 times over, round-robin (a shared machine)
//   node bench/run.mjs --strict   exit 1 if a target FAILs
//
// The peers (tfjs, js-pytorch, esbuild to bundle tfjs and the runner) live in
// bench/package.json so the root `npm ci` stays clean and fast; they are installed here
// on first use. PyTorch is /usr/bin/python3's torch (peers/pytorch.mjs), skipped when absent.

import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_PEERS,
  CASES,
  PER_OP_CASES,
  makeData,
  matmulFlops,
  median,
} from './lib/common.mjs';
import { graphViewData, graphViewReference, runnerData, runnerReference } from './lib/snippets.mjs';
import { REPLAY_CASES, replayData, replayReference } from './lib/replay.mjs';
import { chainReference, trainReference } from './lib/per-op.mjs';
import { buildHtmlBundle, buildSandboxBundle, buildTfjsBundle, ensurePeersInstalled, resolvePlaywright } from './lib/setup.mjs';
import { TARGETS, checkAgrees, elementwiseReference, evaluateTarget } from './lib/targets.mjs';
import { fmtMs, fmtNum, log, sizeLabel } from './lib/format.mjs';
import { formatReport } from './lib/report.mjs';
import { probe as probePytorch } from './peers/pytorch.mjs';

// The replay cases (k)–(l) (issue 6) are defined in lib/replay.mjs and join the case list
// here, then the per-op cases (m)–(n) against PyTorch (issue 11).
Object.assign(CASES, REPLAY_CASES, PER_OP_CASES);

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const ENGINE = join(ROOT, 'dist', 'engine.js');
const RESULTS = join(BENCH_DIR, 'results', 'latest.json');
// The runner cases (d)–(f) fork the runner's child from `npm run build`; the graph-view
// cases (g)–(j) also load dist/webview.js in Chromium, driven by the root's playwright-core.
// The bundles they need are built by lib/setup.mjs.
const DIST = join(ROOT, 'dist');
const RUNNER_CHILD = join(DIST, 'runner-child.js');
const WEBVIEW_BUNDLE = join(DIST, 'webview.js');
const CHROMIUM = '/usr/bin/chromium';

// How many repetitions a job runs (see worker.mjs). Warm-up: at least warmupReps and
// until warmupMs has passed, so millisecond-sized cases get past the JIT tiers too.
// Timed: `reps` reps, but never fewer than minReps nor more than maxReps; slow peers
// (seconds per rep) stop once budgetMs is spent, fast ones go on until minTimedMs.
const PLANS = {
  full: { warmupReps: 3, warmupMs: 500, reps: 10, minReps: 3, maxReps: 100, minTimedMs: 500, budgetMs: 10_000 },
  quick: { warmupReps: 1, warmupMs: 50, reps: 3, minReps: 1, maxReps: 3, minTimedMs: 0, budgetMs: 2_000 },
};
const JOB_TIMEOUT_MS = { full: 300_000, quick: 120_000 };
// Runner cases (see runner-job.mjs): warmupReps discarded runs, then `reps` timed ones
// (at least minReps; no new rep once budgetMs is spent), each after a pause of at least
// pauseMs so the runner's next child has booted (and the last one exited).
const RUNNER_PLANS = {
  full: { warmupReps: 1, reps: 15, minReps: 5, budgetMs: 20_000, pauseMs: 500 },
  quick: { warmupReps: 1, reps: 3, minReps: 1, budgetMs: 5_000, pauseMs: 500 },
};
// Graph-view cases (see graph-job.mjs): load (g–i): warmupReps discarded loads (each: the standalone
// page, then a snapshot posted to a fresh webview page), then
// `reps` timed ones (at least minReps; no new one once budgetMs is spent). step (j): one
// load, then stepWarmup discarded → presses and `steps` − stepWarmup timed ones.
// Replay cases (see replay-job.mjs): warmupReps discarded, then `reps` timed (at least
// minReps, at most maxReps; no new one once budgetMs is spent unless minTimedMs is not reached).
const REPLAY_PLANS = {
  full: { warmupReps: 2, reps: 10, minReps: 3, maxReps: 50, minTimedMs: 500, budgetMs: 20_000 },
  quick: { warmupReps: 1, reps: 3, minReps: 1, maxReps: 3, minTimedMs: 0, budgetMs: 5_000 },
};
const GRAPH_PLANS = {
  full: { warmupReps: 1, reps: 7, minReps: 3, budgetMs: 30_000, steps: 60, stepWarmup: 10 },
  quick: { warmupReps: 1, reps: 3, minReps: 1, budgetMs: 10_000, steps: 12, stepWarmup: 2 },
};

// ---------------------------------------------------------------------------- options

function parseArgs(argv) {
  const opts = { quick: false, strict: false, only: Object.keys(CASES), peers: [...ALL_PEERS], rounds: 1 };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=');
    const list = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (key === '--quick') opts.quick = true;
    else if (key === '--strict') opts.strict = true;
    else if (key === '--only') opts.only = list;
    else if (key === '--peers') opts.peers = list;
    else if (key === '--rounds') {
      opts.rounds = Number(value);
      if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error(`--rounds needs a whole number >= 1, got "${value}"`);
    }
    else if (key === '--help' || key === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--only=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x] [--peers=ours,micrograd,...] [--rounds=N] [--strict]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  // (s): the Python tracer's overhead (bench/python.mjs, its own script: it times processes, not jobs).
  opts.python = opts.only.includes('s') || !argv.some((a) => a.startsWith('--only'));
  // (x): the host's peak memory receiving a result at the cap (bench/parent-memory.mjs, its own script).
  opts.memory = opts.only.includes('x') || !argv.some((a) => a.startsWith('--only'));
  opts.only = opts.only.filter((c) => c !== 's' && c !== 'x');
  for (const c of opts.only) if (!CASES[c]) throw new Error(`unknown case "${c}" (cases: ${Object.keys(CASES).join(', ')})`);
  for (const p of opts.peers) if (!ALL_PEERS.includes(p)) throw new Error(`unknown peer "${p}" (${ALL_PEERS.join(', ')})`);
  return opts;
}

/** Why a peer cannot run at all (so every job of it is n/a), or null. */
function peerBlocker(peer, env, c) {
  if (peer === 'ours' && !existsSync(ENGINE)) return `${relative(ROOT, ENGINE)} not found: run \`npm run build\``;
  if (c.kind === 'runner' || c.kind === 'replay') {
    if (!existsSync(RUNNER_CHILD)) return `${relative(ROOT, RUNNER_CHILD)} not found: run \`npm run build\``;
    return env.sandboxError ?? null;
  }
  if (c.kind === 'graph') {
    for (const f of [RUNNER_CHILD, WEBVIEW_BUNDLE]) if (!existsSync(f)) return `${relative(ROOT, f)} not found: run \`npm run build\``;
    if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found`;
    return env.sandboxError ?? env.htmlError ?? env.playwrightError ?? null;
  }
  if (peer === 'tfjs-cpu') return env.installError ?? env.tfjsError ?? null;
  if (peer === 'js-pytorch') return env.installError ?? null;
  if (peer === 'pytorch') return env.pytorchError ?? null;
  return null;
}

// ------------------------------------------------------------------------ child jobs

/**
 * One job's results over the rounds as one: the samples (and CPU times, warm-ups) of every
 * round together, each round's median, best of 5 and load average; the last round's check.
 * The first failing round makes the job n/a.
 */
function mergeRounds(raws) {
  const failed = raws.find((r) => !r.ok);
  if (failed) return failed;
  const last = raws[raws.length - 1];
  const loads = raws.map((r) => r.loadAvg1);
  return {
    ...last,
    samples: raws.flatMap((r) => r.samples),
    cpuSamples: raws.flatMap((r) => r.cpuSamples ?? []),
    warmupMs: raws.flatMap((r) => r.warmupMs),
    best5PerRound: raws.map((r) => Math.min(...r.samples.slice(0, 5))),
    roundMediansMs: raws.map((r) => median(r.samples)),
    roundLoads: loads,
    loadAvg1: +(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(2),
  };
}

/** Runs one job in a fresh `node --expose-gc worker.mjs`; never rejects. */
function runInChild(job, timeoutMs) {
  return new Promise((done) => {
    const child = fork(join(BENCH_DIR, 'worker.mjs'), [], {
      cwd: BENCH_DIR,
      execArgv: ['--expose-gc'],
      // 'advanced' = structured clone, so the Float32Array inputs cross as typed arrays.
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = ''; // peers' own chatter (tfjs greets Node users); shown only on failure
    const keep = (chunk) => {
      output = (output + chunk).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let result = null;
    child.on('message', (msg) => {
      result = msg;
    });
    const timer = setTimeout(() => {
      result = { ok: false, error: `timed out after ${timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      result ??= { ok: false, error: err.message };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!result) {
        const tail = output.trim().split('\n').slice(-3).join(' | ');
        result = { ok: false, error: `worker exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}` };
      }
      done(result);
    });
    child.send(job);
  });
}

// ------------------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.quick ? 'quick' : 'full';
  const env = {
    installError: null, tfjsError: null, tfjsBundle: null, sandboxBundle: null, sandboxError: null,
    htmlBundle: null, htmlError: null, playwrightCore: null, playwrightError: null, pytorchError: null,
  };

  // Peers that take part in a selected case (the runner cases need none installed).
  const running = new Set(opts.only.flatMap((id) => CASES[id].peers).filter((p) => opts.peers.includes(p)));
  const wantsPeers = running.has('tfjs-cpu') || running.has('js-pytorch');
  if (wantsPeers) {
    try {
      env.installError = ensurePeersInstalled();
    } catch (err) {
      env.installError = `installing bench peers failed: ${err.message}`;
    }
    if (!env.installError && running.has('tfjs-cpu')) {
      try {
        env.tfjsBundle = await buildTfjsBundle();
      } catch (err) {
        env.tfjsError = `bundling tfjs failed: ${err.message}`;
      }
    }
  }
  // PyTorch is optional: without /usr/bin/python3 + torch its jobs are n/a with this note.
  if (running.has('pytorch')) {
    env.pytorchError = probePytorch();
    if (env.pytorchError) log(`note: skipping the pytorch peer: ${env.pytorchError}`);
  }
  const ourKinds = opts.peers.includes('ours') ? new Set(opts.only.map((id) => CASES[id].kind)) : new Set();
  if (ourKinds.has('runner') || ourKinds.has('graph') || ourKinds.has('replay')) {
    try {
      env.sandboxBundle = await buildSandboxBundle();
    } catch (err) {
      env.sandboxError = `bundling runner/sandbox.ts failed: ${err.message}`;
    }
  }
  if (ourKinds.has('graph')) {
    try {
      env.htmlBundle = await buildHtmlBundle();
    } catch (err) {
      env.htmlError = `bundling runner/html.ts failed: ${err.message}`;
    }
    try {
      env.playwrightCore = resolvePlaywright();
    } catch (err) {
      env.playwrightError = `playwright-core not found (run \`npm ci\` in the root): ${err.message}`;
    }
  }

  // The job list: every selected case × size × peer that takes part in that case.
  const jobs = [];
  for (const caseId of opts.only) {
    const c = CASES[caseId];
    for (const size of c.sizes) {
      const data = c.kind === 'runner' ? runnerData(caseId, size, ROOT)
        : c.kind === 'graph' ? graphViewData(size, ROOT, c.fn, c.snippet)
        : c.kind === 'replay' ? replayData(caseId, size, ROOT)
        : makeData(caseId, size);
      for (const peer of c.peers.filter((p) => opts.peers.includes(p))) jobs.push({ c, size, peer, data });
    }
  }

  const cpus = os.cpus();
  // Single-threaded timings on a 2-core box are only as good as the box is idle: say so
  // when something else is running, and keep the load average of every job in the JSON.
  const loadAtStart = os.loadavg()[0];
  if (loadAtStart > 0.7) log(`warning: load average is ${loadAtStart.toFixed(2)}; other processes will slow the timings`);
  log(`Autograd Lens bench (${mode}): ${jobs.length} jobs, each in its own process; ${cpus.length} x ${cpus[0]?.model ?? '?'}, Node ${process.version}`);
  // --rounds=N runs the whole job list N times over (round-robin), so each peer is sampled
  // across the same stretch of time and a change in the machine's load hits all of them.
  const rounds = jobs.map(() => []);
  for (let round = 0; round < opts.rounds; round++) {
    for (const [i, { c, size, peer, data }] of jobs.entries()) {
      const label = `[${i + 1}/${jobs.length}${opts.rounds > 1 ? `, round ${round + 1}/${opts.rounds}` : ''}] ${peer} ${c.title.split(' ')[0]} ${sizeLabel(c.id, size)}`;
      const blocker = peerBlocker(peer, env, c);
      if (blocker && round > 0) continue;
      const raw = blocker
        ? { ok: false, error: blocker }
        : await runInChild(
          {
            peer,
            kind: c.kind,
            fn: c.fn,
            data,
            plan: { runner: RUNNER_PLANS, graph: GRAPH_PLANS, replay: REPLAY_PLANS }[c.kind]?.[mode] ?? PLANS[mode],
            ctx: {
              enginePath: ENGINE,
              tfjsBundle: env.tfjsBundle,
              tfjsError: env.tfjsError,
              sandboxBundle: env.sandboxBundle,
              htmlBundle: env.htmlBundle,
              playwrightCore: env.playwrightCore,
              distDir: DIST,
            },
          },
          JOB_TIMEOUT_MS[mode],
        );
      raw.blocked = Boolean(blocker);
      raw.loadAvg1 = +os.loadavg()[0].toFixed(2);
      rounds[i].push(raw);
      if (raw.ok) {
        const ms = median(raw.samples);
        const gflops = c.id === 'b' ? `, ${fmtNum(matmulFlops(size) / (ms * 1e6))} GFLOP/s` : '';
        log(`${label}: ${fmtMs(ms)} median of ${raw.samples.length}${gflops}${raw.nodes ? `, ${raw.nodes} nodes` : ''}`);
      }
      else log(`${label}: n/a — ${raw.error}`);
    }
  }
  const results = [];
  for (const [i, { c, size, peer }] of jobs.entries()) {
    const raw = mergeRounds(rounds[i]);
    const r = { caseId: c.id, case: c.title, size, peer, ok: raw.ok };
    if (raw.blocked) r.blocked = true;
    else r.loadAvg1 = raw.loadAvg1;
    if (raw.ok) {
      r.medianMs = +median(raw.samples).toFixed(4);
      r.minMs = +Math.min(...raw.samples).toFixed(4);
      // Best of the first five timed reps (the median of that over rounds): what a shared
      // machine's load disturbs least.
      r.best5Ms = +median(raw.best5PerRound).toFixed(4);
      if (raw.cpuSamples?.length) r.cpuMedianMs = +median(raw.cpuSamples).toFixed(4);
      if (raw.roundMediansMs.length > 1) {
        r.roundMediansMs = raw.roundMediansMs.map((x) => +x.toFixed(4));
        r.roundLoadAvg1 = raw.roundLoads;
      }
      r.reps = raw.samples.length;
      r.samplesMs = raw.samples.map((x) => +x.toFixed(3));
      r.warmupMs = raw.warmupMs.map((x) => +x.toFixed(3));
      if (c.id === 'b') r.gflops = +(matmulFlops(size) / (r.medianMs * 1e6)).toFixed(4);
      r.check = raw.check;
      if (raw.nodes !== undefined) r.nodes = raw.nodes;
      if (raw.snapshot) {
        r.snapshot = raw.snapshot;
        // What the child itself took of the time above (transpile, run, record), and, for
        // the warm cases, how long the children that served the runs took to boot (before
        // the runs, so not part of the time).
        if (raw.childDurationsMs) r.childMedianMs = +median(raw.childDurationsMs).toFixed(3);
        if (raw.bootMs?.length) r.bootMedianMs = +median(raw.bootMs).toFixed(3);
      }
      // (g)–(i): the same first paint, timed from the standalone page's navigation start.
      if (raw.pageMs?.length) {
        r.pageMedianMs = +median(raw.pageMs).toFixed(3);
        r.pageSamplesMs = raw.pageMs.map((x) => +x.toFixed(3));
      }
      if (raw.frameMs?.length) r.frameMedianMs = +median(raw.frameMs).toFixed(3);
      if (raw.browser) r.browser = raw.browser;
      if (raw.replay) r.replay = raw.replay;
      r.version = raw.version;
    } else {
      r.error = raw.error;
      if (raw.stack) r.stack = raw.stack;
    }
    results.push(r);
  }

  const find = (peer, caseId, size) => results.find((r) => r.peer === peer && r.caseId === caseId && r.size === size);

  // Correctness: everyone's loss / gradient samples against a reference (micrograd for
  // (a), plain JS for (b), float64 ground truth for (c) and (f), the textbook's values
  // for (d) and (e), read from the snapshot). A timing of a wrong answer is worthless,
  // so mismatches are reported loudly, though they do not stop the run.
  const checks = [];
  for (const caseId of opts.only) {
    for (const size of CASES[caseId].sizes) {
      const refPeer = { a: 'micrograd', b: 'plainjs', o: 'pytorch', p: 'pytorch' }[caseId];
      let ref = refPeer ? find(refPeer, caseId, size) : null;
      ref = ref?.ok ? ref.check : null;
      if (caseId === 'c') ref = elementwiseReference(makeData('c', size).x);
      if (caseId === 'm') ref = trainReference(makeData('m', size));
      if (caseId === 'n') ref = chainReference(makeData('n', size));
      if (CASES[caseId].kind === 'runner') ref = runnerReference(caseId, size);
      if (CASES[caseId].kind === 'graph') ref = graphViewReference(size, CASES[caseId].fn, CASES[caseId].snippet);
      if (CASES[caseId].kind === 'replay') ref = replayReference(caseId, size);
      for (const r of results.filter((x) => x.caseId === caseId && x.size === size && x.ok)) {
        r.checkOk = checkAgrees(r.check, ref);
        if (!r.checkOk) checks.push({ peer: r.peer, caseId, size, got: r.check, expected: ref });
      }
    }
  }

  // Ratios ours/peer of median times, per case and size: < 1 means ours is faster.
  const ratios = [];
  for (const r of results) {
    if (r.peer === 'ours' || !r.ok) continue;
    const ours = find('ours', r.caseId, r.size);
    if (ours?.ok) ratios.push({ caseId: r.caseId, size: r.size, peer: r.peer, oursOverPeer: ours.medianMs / r.medianMs });
  }
  const targets = TARGETS.filter((t) => opts.only.includes(t.caseId)).map((t) => evaluateTarget(t, find));

  const machine = `${mode}; ${cpus.length} x ${cpus[0]?.model ?? '?'}, Node ${process.version}`;
  const out = formatReport({ opts, results, find, ratios, targets, checks, machine });

  // ---- JSON
  const versions = {};
  for (const r of results) if (r.ok && r.version) versions[r.peer] = r.version;
  const report = {
    generatedAt: new Date().toISOString(),
    mode,
    args: process.argv.slice(2),
    rounds: opts.rounds,
    machine: {
      cpuModel: cpus[0]?.model,
      cpus: cpus.length,
      totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      loadAvg1AtStart: +loadAtStart.toFixed(2),
      loadAvg1AtEnd: +os.loadavg()[0].toFixed(2),
    },
    plan: PLANS[mode],
    runnerPlan: RUNNER_PLANS[mode],
    graphPlan: GRAPH_PLANS[mode],
    replayPlan: REPLAY_PLANS[mode],
    versions,
    setup: {
      installError: env.installError, tfjsError: env.tfjsError, sandboxError: env.sandboxError, pytorchError: env.pytorchError,
      htmlError: env.htmlError, playwrightError: env.playwrightError,
    },
    notes: {
      ratio: 'oursOverPeer = median time of ours / median time of peer; < 1 means ours is faster',
      cpu: 'cpuMedianMs = median CPU time of the job process (all threads) per timed rep: process.cpuUsage in Node, '
        + 'time.process_time in Python; less disturbed by other processes than the wall-clock medianMs',
      best5: 'best5Ms = the fastest of the first 5 timed reps (m, n compare it too: a busy machine disturbs it least)',
      pytorch: '(m)-(n) pytorch = /usr/bin/python3 with torch, one thread, timed inside Python with time.perf_counter '
        + 'by the same warm-up/rep rules as worker.mjs (peers/pytorch_peer.py)',
      gflops: '(b) counts 3 matmuls (forward, dA, dB) = 6*N^3 flops per forward+backward',
      runner: '(d)-(f) time SnippetRunner.run()/runSnippet() from the call to the resolved snapshot; '
        + 'childMedianMs = median of the snapshot\'s own durationMs (in the child), bootMedianMs = '
        + 'median boot time of the warm children that served the runs, before the run; '
        + 'snapshot.jsonBytes = size of the snapshot as it travels (JSON of encodeSnapshot(snapshot))',
      graph: '(g)-(i) time, in Chromium, a snapshot posted to a freshly loaded, idle webview page '
        + '(buildWebviewHtml) until its lens:graph-painted mark (the first frame showing the graph has '
        + 'been rendered); pageMedianMs = the standalone page (buildStandaloneHtml, snapshot embedded) '
        + 'from navigation start to the same mark; (j) times one ArrowRight keydown on the body: its '
        + 'handlers plus the rendering of the frame that shows the step; frameMedianMs = keydown to two '
        + 'animation frames later; snapshot.htmlBytes = size of the standalone page; (t), (u) as (g) on the '
        + 'snapshots of (q) and (r); (v) times PageUp/PageDown (another backward call) on the standalone '
        + 'page of (q) until the frame after GraphView\'s lens:painted mark has been rendered, and '
        + 'frameMedianMs there = keydown to the lens:painted mark',
      replay: '(k)-(l) time replay.evaluateBatch over the grid on a fresh JSON copy of the runner\'s '
        + 'snapshot.program (slice, reference run and the batched pass included); replay.cancelMs = '
        + 'time from shouldStop turning true (after half the median) to ReplayCancelled',
    },
    results,
    ratios,
    targets,
    checkMismatches: checks,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  out.push(`\nwrote ${relative(process.cwd(), RESULTS) || RESULTS}`);
  console.log(out.join('\n'));

  let pythonFailed = false;
  if (opts.python) {
    console.log('\n(s) Python tracer overhead (bench/python.mjs; rows also in bench/results/python.json)');
    const py = spawnSync(process.execPath, [join(BENCH_DIR, 'python.mjs'), `--reps=${opts.quick ? 1 : 5}`], { stdio: 'inherit' });
    pythonFailed = py.status !== 0;
  }
  let memoryFailed = false;
  if (opts.memory) {
    console.log('\n(x) the parent\'s peak memory receiving a result as large as it accepts (bench/parent-memory.mjs)');
    const mem = spawnSync(process.execPath, ['--expose-gc', join(BENCH_DIR, 'parent-memory.mjs')], { stdio: 'inherit' });
    memoryFailed = mem.status !== 0;
  }
  if (opts.strict && (pythonFailed || memoryFailed || targets.some((t) => t.status === 'FAIL'))) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(2);
});

#!/usr/bin/env node
// `npm run bench` (= `npm run build && node bench/run.mjs`): times our engine against
// the libraries a user might pick instead, on the three cases of the performance issue
// (a–c), our snippet runner from source text to snapshot (d–f, ours only) and the graph
// view in Chromium (g–j, ours only), the re-evaluation of a traced program over a grid (k–l,
// ours only), each (peer, case, size) in its own child process, and prints medians, ours/peer ratios and
// PASS/FAIL against the targets. Everything also goes to bench/results/latest.json.
//
//   node bench/run.mjs            full run (about 4 minutes on 2 cores)
//   node bench/run.mjs --quick    1 warm-up, ≤ 3 reps: a smoke test
//   node bench/run.mjs --only=a,b          cases to run (a, b, c, d, e, f, g, h, i, j, k, l)
//   node bench/run.mjs --peers=ours,tfjs-cpu   peers to run
//   node bench/run.mjs --strict   exit 1 if a target FAILs
//
// The peers (tfjs, js-pytorch, esbuild to bundle tfjs and the runner) live in
// bench/package.json so the root `npm ci` stays clean and fast; they are installed here
// on first use.

import { spawnSync, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_PEERS,
  CASES,
  ELEMENTWISE_N,
  RUNNER_GRAPH_NODES,
  VIEW_GRAPH_NODES,
  makeData,
  matmulFlops,
  median,
} from './lib/common.mjs';
import { graphViewData, graphViewReference, runnerData, runnerReference } from './lib/snippets.mjs';
import { REPLAY_CASES, REPLAY_GRAPH_NODES, replayData, replayReference } from './lib/replay.mjs';

// The replay cases (k)–(l) (issue 6) are defined in lib/replay.mjs and join the case list here.
Object.assign(CASES, REPLAY_CASES);

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const ENGINE = join(ROOT, 'dist', 'engine.js');
// Derived files live under bench/node_modules so a reinstall wipes them with the rest,
// and git and eslint already ignore them.
const CACHE = join(BENCH_DIR, 'node_modules', '.cache', 'autograd-lens-bench');
const RESULTS = join(BENCH_DIR, 'results', 'latest.json');
const INSTALL_STAMP = join(BENCH_DIR, 'node_modules', '.autograd-lens-bench-installed');
const TFJS_ENTRY = join(BENCH_DIR, 'peers', 'tfjs-entry.mjs');
const TFJS_BUNDLE = join(CACHE, 'tfjs-cpu.cjs');
// Runner cases (d)–(f): the parent side of the sandbox, bundled from source here (the
// build only bundles it into dist/cli.js), and the child it forks, from `npm run build`.
const SANDBOX_SRC = join(ROOT, 'runner', 'sandbox.ts');
const SANDBOX_BUNDLE = join(CACHE, 'sandbox.cjs');
const DIST = join(ROOT, 'dist');
const RUNNER_CHILD = join(DIST, 'runner-child.js');
// Graph-view cases (g)–(j): runner/html.ts (buildStandaloneHtml, buildWebviewHtml) bundled like the sandbox,
// dist/webview.js from `npm run build`, Chromium driven by the root's playwright-core.
const HTML_SRC = join(ROOT, 'runner', 'html.ts');
const HTML_BUNDLE = join(CACHE, 'html.cjs');
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
  const opts = { quick: false, strict: false, only: Object.keys(CASES), peers: [...ALL_PEERS] };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=');
    const list = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (key === '--quick') opts.quick = true;
    else if (key === '--strict') opts.strict = true;
    else if (key === '--only') opts.only = list;
    else if (key === '--peers') opts.peers = list;
    else if (key === '--help' || key === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--only=a,b,c,d,e,f,g,h,i,j,k,l] [--peers=ours,micrograd,...] [--strict]');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  for (const c of opts.only) if (!CASES[c]) throw new Error(`unknown case "${c}" (cases: ${Object.keys(CASES).join(', ')})`);
  for (const p of opts.peers) if (!ALL_PEERS.includes(p)) throw new Error(`unknown peer "${p}" (${ALL_PEERS.join(', ')})`);
  return opts;
}

// ------------------------------------------------------------------ peer installation

function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

const readOr = (file, fallback = '') => (existsSync(file) ? readFileSync(file, 'utf8') : fallback);

/**
 * Installs bench/node_modules when it is missing or was installed from another
 * package.json/lockfile. --ignore-scripts because js-pytorch pulls in `gl`, whose
 * native build fails here, and none of the peers needs an install script (esbuild's
 * binary comes as an optional dependency package). Returns an error string or null.
 */
function ensurePeersInstalled() {
  const lock = join(BENCH_DIR, 'package-lock.json');
  const stamp = sha256(readOr(join(BENCH_DIR, 'package.json')), readOr(lock));
  if (existsSync(join(BENCH_DIR, 'node_modules')) && readOr(INSTALL_STAMP) === stamp) return null;

  const args = [existsSync(lock) ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund'];
  log(`installing benchmark peers: (cd bench && npm ${args.join(' ')})`);
  const r = spawnSync('npm', args, {
    cwd: BENCH_DIR,
    // npm's chatter goes to stderr so stdout carries only the report.
    stdio: ['ignore', process.stderr, process.stderr],
    shell: process.platform === 'win32', // npm is npm.cmd there
  });
  if (r.error || r.status !== 0) return `npm ${args[0]} in bench/ failed: ${r.error?.message ?? `exit code ${r.status}`}`;
  writeFileSync(INSTALL_STAMP, stamp);
  return null;
}

/**
 * Bundles tfjs-core's ESM entry (all gradients and chained ops registered) plus the CPU
 * backend into one CommonJS file; rebuilt when the install or the entry changes.
 */
async function buildTfjsBundle() {
  const stampFile = `${TFJS_BUNDLE}.stamp`;
  const stamp = sha256(readOr(INSTALL_STAMP), readOr(TFJS_ENTRY));
  if (existsSync(TFJS_BUNDLE) && readOr(stampFile) === stamp) return TFJS_BUNDLE;
  const esbuild = createRequire(join(BENCH_DIR, 'package.json'))('esbuild');
  mkdirSync(CACHE, { recursive: true });
  await esbuild.build({
    entryPoints: [TFJS_ENTRY],
    outfile: TFJS_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Prefer the packages' ESM builds: that is where the gradient registrations live.
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  writeFileSync(stampFile, stamp);
  return TFJS_BUNDLE;
}

/**
 * esbuild for bundling the runner: bench's own (as for tfjs), else the root's, which
 * `npm run build` needs anyway, so the runner cases work without installing the peers.
 */
function loadEsbuild() {
  try {
    return createRequire(join(BENCH_DIR, 'package.json'))('esbuild');
  } catch {
    return createRequire(join(ROOT, 'package.json'))('esbuild');
  }
}

/**
 * Bundles runner/sandbox.ts (SnippetRunner, runSnippet) into one CommonJS file. Rebuilt
 * on every run that has a runner case: it takes a fraction of a second and can then
 * never be stale against runner/ or shared/.
 */
async function buildSandboxBundle() {
  mkdirSync(CACHE, { recursive: true });
  await loadEsbuild().build({
    entryPoints: [SANDBOX_SRC],
    outfile: SANDBOX_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  return SANDBOX_BUNDLE;
}

/**
 * Bundles runner/html.ts (buildStandaloneHtml) into one CommonJS file, rebuilt every run
 * as the sandbox is. html.ts finds webview/index.html relative to its own folder, so the
 * bundle's __dirname is pointed back at runner/.
 */
async function buildHtmlBundle() {
  mkdirSync(CACHE, { recursive: true });
  await loadEsbuild().build({
    entryPoints: [HTML_SRC],
    outfile: HTML_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: `__dirname = ${JSON.stringify(dirname(HTML_SRC))};` },
    logLevel: 'error',
  });
  return HTML_BUNDLE;
}

/** The root's playwright-core (a devDependency), or throws. */
function resolvePlaywright() {
  return createRequire(join(ROOT, 'package.json')).resolve('playwright-core');
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
  return null;
}

// ------------------------------------------------------------------------ child jobs

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

// -------------------------------------------------------------------------- analysis

/** Float64 ground truth for case (c): y = Σ(0.4x² − 5), dy/dx = 0.8x. */
function elementwiseReference(x) {
  let y = 0;
  for (let i = 0; i < x.length; i++) y += 0.4 * x[i] * x[i] - 5;
  return [y, 0.8 * x[0], 0.8 * x[x.length - 1]];
}

/**
 * Does a peer's check vector match the reference? Float32 engines reduce 10⁵–10⁶ terms
 * in a different order than float64 ones, so allow 1e-3 relative to the largest
 * reference value (single values can cancel to near zero).
 */
function checkAgrees(values, ref) {
  if (!ref || values.length !== ref.length) return true;
  const scale = Math.max(1, ...ref.map(Math.abs));
  return values.every((v, i) => Number.isFinite(v) && Math.abs(v - ref[i]) <= 1e-3 * scale);
}

const TARGETS = [
  { id: 'a-vs-micrograd', caseId: 'a', size: 100, peer: 'micrograd', maxRatio: 3,
    text: '(a) ours within 3x of plain-JS micrograd' },
  { id: 'a-vs-js-pytorch', caseId: 'a', size: 100, peer: 'js-pytorch', maxRatio: 1 / 4,
    text: '(a) ours >= 4x faster than js-pytorch' },
  ...[256, 512].flatMap((n) => [
    { id: `b${n}-gflops`, caseId: 'b', size: n, minGflops: 2.5,
      text: `(b) ours >= 2.5 GFLOP/s fwd+bwd at N=${n}` },
    { id: `b${n}-vs-tfjs`, caseId: 'b', size: n, peer: 'tfjs-cpu', maxRatio: 1 / 2.5,
      text: `(b) ours >= 2.5x tfjs-cpu GFLOP/s at N=${n}` },
  ]),
  { id: 'c-ms', caseId: 'c', size: ELEMENTWISE_N, maxMs: 120, text: '(c) ours under 120 ms' },
  { id: 'c-vs-tfjs', caseId: 'c', size: ELEMENTWISE_N, peer: 'tfjs-cpu', maxRatio: 1 / 2,
    text: '(c) ours >= 2x faster than tfjs-cpu' },
  { id: 'e-ms', caseId: 'e', size: null, maxMs: 50, text: '(e) textbook example to snapshot under 50 ms, warm' },
  { id: 'f-ms', caseId: 'f', size: RUNNER_GRAPH_NODES, maxMs: 1000,
    text: `(f) ${RUNNER_GRAPH_NODES.toLocaleString('en-US')}-node graph to snapshot under 1 s, warm` },
  { id: 'g-ms', caseId: 'g', size: null, maxMs: 150, text: '(g) textbook example from snapshot to first painted graph under 150 ms' },
  { id: 'h-ms', caseId: 'h', size: VIEW_GRAPH_NODES.h, maxMs: 1000,
    text: `(h) ${VIEW_GRAPH_NODES.h.toLocaleString('en-US')}-node graph from snapshot to first paint under 1 s` },
  { id: 'i-ms', caseId: 'i', size: VIEW_GRAPH_NODES.i, maxMs: 3000,
    text: `(i) ${VIEW_GRAPH_NODES.i.toLocaleString('en-US')}-node graph from snapshot to first paint under 3 s` },
  { id: 'k-ms', caseId: 'k', size: 100, maxMs: 200, text: '(k) textbook function on a 100x100 grid under 200 ms' },
  { id: 'l-ms', caseId: 'l', size: REPLAY_GRAPH_NODES, maxMs: 5000,
    text: `(l) ${REPLAY_GRAPH_NODES.toLocaleString('en-US')}-node graph on a 50x50 grid under 5 s` },
  { id: 'j-ms', caseId: 'j', size: VIEW_GRAPH_NODES.j, maxMs: 16,
    text: `(j) ${VIEW_GRAPH_NODES.j.toLocaleString('en-US')}-node graph, one backward step under 16 ms` },
];

function evaluateTarget(t, find) {
  const ours = find('ours', t.caseId, t.size);
  const threshold = t.minGflops !== undefined ? { minGflops: t.minGflops }
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
  if (t.maxMs !== undefined) {
    return { ...base, status: ours.medianMs < t.maxMs ? 'PASS' : 'FAIL', value: ours.medianMs,
      note: `ours ${fmtMs(ours.medianMs)} (needs < ${t.maxMs} ms; absolute, machine-dependent)` };
  }
  const peer = find(t.peer, t.caseId, t.size);
  if (!peer?.ok) return { ...base, note: `${t.peer} ${peer ? `failed: ${peer.error}` : 'not run'}` };
  const ratio = ours.medianMs / peer.medianMs;
  return { ...base, status: ratio <= t.maxRatio ? 'PASS' : 'FAIL', value: ratio,
    note: `ours/${t.peer} time = ${fmtNum(ratio)} (needs <= ${fmtNum(t.maxRatio)})` };
}

// -------------------------------------------------------------------------- printing

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function fmtNum(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}
const fmtMs = (ms) => `${fmtNum(ms)} ms`;

function sizeLabel(caseId, size) {
  if (caseId === 'b') return `N=${size}`;
  if (caseId === 'c') return size === 1e6 ? '1e6' : String(size);
  if (caseId === 'k') return `${size}x${size} grid`;
  if (CASES[caseId]?.kind === 'runner' || CASES[caseId]?.kind === 'graph' || CASES[caseId]?.kind === 'replay') return size === null ? 'textbook' : `${size} nodes`;
  return `${size} samples`;
}

const fmtBytes = (n) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

// ------------------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.quick ? 'quick' : 'full';
  const env = {
    installError: null, tfjsError: null, tfjsBundle: null, sandboxBundle: null, sandboxError: null,
    htmlBundle: null, htmlError: null, playwrightCore: null, playwrightError: null,
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
        : c.kind === 'graph' ? graphViewData(size, ROOT)
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
  const results = [];
  for (const [i, { c, size, peer, data }] of jobs.entries()) {
    const label = `[${i + 1}/${jobs.length}] ${peer} ${c.title.split(' ')[0]} ${sizeLabel(c.id, size)}`;
    const blocker = peerBlocker(peer, env, c);
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
    const r = { caseId: c.id, case: c.title, size, peer, ok: raw.ok };
    if (blocker) r.blocked = true;
    else r.loadAvg1 = +os.loadavg()[0].toFixed(2);
    if (raw.ok) {
      r.medianMs = +median(raw.samples).toFixed(4);
      r.minMs = +Math.min(...raw.samples).toFixed(4);
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
      log(`${label}: ${fmtMs(r.medianMs)} median of ${r.reps}${r.gflops ? `, ${fmtNum(r.gflops)} GFLOP/s` : ''}${r.nodes ? `, ${r.nodes} nodes` : ''}`);
    } else {
      r.error = raw.error;
      if (raw.stack) r.stack = raw.stack;
      log(`${label}: n/a — ${raw.error}`);
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
      const refPeer = { a: 'micrograd', b: 'plainjs' }[caseId];
      let ref = refPeer ? find(refPeer, caseId, size) : null;
      ref = ref?.ok ? ref.check : null;
      if (caseId === 'c') ref = elementwiseReference(makeData('c', size).x);
      if (CASES[caseId].kind === 'runner') ref = runnerReference(caseId, size);
      if (CASES[caseId].kind === 'graph') ref = graphViewReference(size);
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

  // ---- report (stdout)
  const isRunner = (caseId) => CASES[caseId].kind === 'runner';
  const isGraph = (caseId) => CASES[caseId].kind === 'graph';
  const isReplay = (caseId) => CASES[caseId].kind === 'replay';
  const engineCases = opts.only.filter((id) => !isRunner(id) && !isGraph(id) && !isReplay(id));
  const replayCases = opts.only.filter(isReplay);
  const runnerCases = opts.only.filter(isRunner);
  const graphCases = opts.only.filter(isGraph);
  const peers = ALL_PEERS.filter((p) => opts.peers.includes(p) && results.some((r) => r.peer === p && engineCases.includes(r.caseId)));
  const rowsOf = (cell) => {
    const rows = [];
    for (const caseId of engineCases) {
      for (const size of CASES[caseId].sizes) {
        const label = caseId === 'b' ? `${CASES[caseId].title} ${sizeLabel(caseId, size)}` : CASES[caseId].title;
        rows.push([label, ...peers.map((p) => cell(find(p, caseId, size), p))]);
      }
    }
    return rows;
  };
  const out = [];
  const machine = `${mode}; ${cpus.length} x ${cpus[0]?.model ?? '?'}, Node ${process.version}`;
  if (peers.length) {
    out.push(`\nmedian time of forward+backward (${machine})`);
    out.push(table([['case', ...peers], ...rowsOf((r) => {
      if (!r) return '-';
      if (!r.ok) return 'n/a';
      return `${fmtMs(r.medianMs)}${r.gflops ? ` (${fmtNum(r.gflops)} GF/s)` : ''}${r.checkOk === false ? ' !check' : ''}`;
    })]));
  }
  if (peers.includes('ours') && peers.length > 1) {
    out.push('\nours/peer time ratio (< 1: ours is faster)');
    out.push(table([['case', ...peers.filter((p) => p !== 'ours')], ...rowsOf((r, p) => {
      if (p === 'ours') return null;
      if (!r) return '-';
      const x = ratios.find((q) => q.peer === p && q.caseId === r.caseId && q.size === r.size);
      return x ? `${fmtNum(x.oursOverPeer)}x` : 'n/a';
    }).map((row) => row.filter((cell) => cell !== null))]));
  }
  const oursA = find('ours', 'a', 100);
  if (oursA?.nodes) out.push(`\n(a) graph size for ours: ${oursA.nodes} nodes`);
  const mgA = find('micrograd', 'a', 100);
  if (mgA?.nodes) out.push(`(a) graph size for micrograd: ${mgA.nodes} Values (incl. wrapped constants)`);
  // Our own cases (runner, graph view, replay): one row per (case, size) that ran, the median, min
  // and reps, then the columns of that kind of case.
  const oursTable = (caseIds, heading, heads, cells) => {
    const rows = caseIds.flatMap((caseId) => CASES[caseId].sizes.map((size) => [CASES[caseId].title, find('ours', caseId, size)]))
      .filter(([, r]) => r);
    if (!rows.length) return;
    out.push(`\n${heading}`);
    out.push(table([['case', 'median', 'min', 'reps', ...heads], ...rows.map(([title, r]) => {
      if (!r.ok) return [title, 'n/a', '', '', ...heads.map(() => '')];
      return [title, `${fmtMs(r.medianMs)}${r.checkOk === false ? ' !check' : ''}`, fmtMs(r.minMs), String(r.reps), ...cells(r)];
    })]));
  };
  // "in child": the child's own share (transpile, run, record); the rest is process
  // start and boot (cold only), IPC and (de)serializing the snapshot.
  oursTable(runnerCases, `runner, ours: median time from source text to snapshot (${machine})`, ['in child', 'graph', 'snapshot JSON'], (r) => {
    const g = r.snapshot;
    return [
      fmtMs(r.childMedianMs),
      `${g.nodes} nodes, ${g.tensors} tensors, ${g.backwardSteps} steps${g.stepsTruncated ? ' (truncated)' : ''}`,
      fmtBytes(g.jsonBytes),
    ];
  });
  // (g)–(i): snapshot posted to a loaded page → first painted graph, and "with page load": the
  // standalone page's navigation start → the same; (j): one → key's main-thread work.
  const browser = graphCases.flatMap((caseId) => CASES[caseId].sizes.map((size) => find('ours', caseId, size)?.browser)).find(Boolean) ?? 'chromium';
  oursTable(graphCases, `graph view, ours: median time from snapshot to first paint / per backward step (${machine}; ${browser})`, ['with page load', 'graph', 'page'], (r) => {
    const g = r.snapshot;
    return [r.pageMedianMs === undefined ? '' : fmtMs(r.pageMedianMs), `${g.nodes} nodes, ${g.edges} edges, ${g.backwardSteps} steps${g.stepsTruncated ? ' (truncated)' : ''}`, fmtBytes(g.htmlBytes)];
  });
  // Per rep: evaluateBatch on a fresh copy of the program (slice, reference run, batched pass);
  // cancel: from shouldStop turning true (half-way) to ReplayCancelled.
  oursTable(replayCases, `replay, ours: median time of evaluateBatch over the grid (${machine})`, ['program', 'points', 'cancel'], (r) => {
    const x = r.replay;
    return [`${x.ops} ops, ${fmtBytes(x.programJsonBytes)}`, String(x.points), x.cancelMs === null ? 'finished first' : fmtMs(x.cancelMs)];
  });
  if (targets.length) {
    out.push('\ntargets');
    out.push(table(targets.map((t) => [t.status, t.target, t.note ?? ''])));
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    out.push('\nn/a');
    for (const r of failed) out.push(`  ${r.peer} ${r.caseId} ${sizeLabel(r.caseId, r.size)}: ${r.error}`);
  }
  if (checks.length) {
    out.push('\nCHECK MISMATCHES (loss/gradient samples differ from the reference)');
    for (const m of checks) out.push(`  ${m.peer} ${m.caseId} ${sizeLabel(m.caseId, m.size)}: got [${m.got.map(fmtNum)}] expected [${m.expected.map(fmtNum)}]`);
  } else {
    out.push('\nchecks: every peer that ran agrees with the reference losses/gradients');
  }

  // ---- JSON
  const versions = {};
  for (const r of results) if (r.ok && r.version) versions[r.peer] = r.version;
  const report = {
    generatedAt: new Date().toISOString(),
    mode,
    args: process.argv.slice(2),
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
      installError: env.installError, tfjsError: env.tfjsError, sandboxError: env.sandboxError,
      htmlError: env.htmlError, playwrightError: env.playwrightError,
    },
    notes: {
      ratio: 'oursOverPeer = median time of ours / median time of peer; < 1 means ours is faster',
      gflops: '(b) counts 3 matmuls (forward, dA, dB) = 6*N^3 flops per forward+backward',
      runner: '(d)-(f) time SnippetRunner.run()/runSnippet() from the call to the resolved snapshot; '
        + 'childMedianMs = median of the snapshot\'s own durationMs (in the child), bootMedianMs = '
        + 'median boot time of the warm children that served the runs, before the run; '
        + 'snapshot.jsonBytes = size of JSON.stringify(snapshot)',
      graph: '(g)-(i) time, in Chromium, a snapshot posted to a freshly loaded, idle webview page '
        + '(buildWebviewHtml) until its lens:graph-painted mark (the first frame showing the graph has '
        + 'been rendered); pageMedianMs = the standalone page (buildStandaloneHtml, snapshot embedded) '
        + 'from navigation start to the same mark; (j) times one ArrowRight keydown on the body: its '
        + 'handlers plus the rendering of the frame that shows the step; frameMedianMs = keydown to two '
        + 'animation frames later; snapshot.htmlBytes = size of the standalone page',
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

  if (opts.strict && targets.some((t) => t.status === 'FAIL')) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(2);
});

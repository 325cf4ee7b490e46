#!/usr/bin/env node
// Where our per-op time goes on the per-op cases (m) and (n): runs our side of a case in this
// process (after a warm-up), samples it with V8's CPU profiler (node:inspector), and prints
// self and inclusive time per function and self time per engine source file, in µs per op
// and in % of the profiled time. Then a few single-op timings on [4]-element tensors, with
// and without recording, as a floor to compare the profile with.
//
//   npm run build && node bench/profile.mjs             both cases
//   node bench/profile.mjs --case=m --reps=20 --top=30
//   node bench/profile.mjs --save=/tmp/m.cpuprofile     also write the profile (DevTools opens it)
//   node bench/profile.mjs --engine=/elsewhere/dist/engine.js   another build of the engine
//
// Function names come from dist/engine.js (not minified); each is attributed to the engine
// file it came from by the `// engine/….ts` markers esbuild writes into the bundle.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makeData, median, PER_OP_CASES } from './lib/common.mjs';
import { fmtNum, table } from './lib/format.mjs';
import * as ours from './peers/ours.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_ENGINE = join(ROOT, 'dist', 'engine.js');

/** Ops one rep of each case runs (forward ops + the update's ops; backward nodes counted apart). */
const OPS = {
  // per step: mm add clamp mm add sub pow sum (8 recorded) + 4 × (mul, sub_, zero_) under noGrad
  m: (d) => ({ recorded: 8 * d.steps, unrecorded: 12 * d.steps, backwardNodes: 8 * d.steps }),
  // 1,000 chain ops + sum, all recorded; backward runs one node per op
  n: (d) => ({ recorded: d.ops + 1, unrecorded: 0, backwardNodes: d.ops + 1 }),
};

function parseArgs(argv) {
  const opts = { cases: ['m', 'n'], reps: null, top: 25, save: null, interval: 50, engine: DEFAULT_ENGINE };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=');
    if (key === '--case') opts.cases = value.split(',').filter(Boolean);
    else if (key === '--reps') opts.reps = Number(value);
    else if (key === '--top') opts.top = Number(value);
    else if (key === '--save') opts.save = value;
    else if (key === '--interval') opts.interval = Number(value);
    else if (key === '--engine') opts.engine = resolve(value);
    else throw new Error(`unknown option ${arg} (see the comment at the top of bench/profile.mjs)`);
  }
  for (const c of opts.cases) if (!OPS[c]) throw new Error(`unknown case ${c} (m or n)`);
  return opts;
}

/**
 * Bundle line (0-based) → engine source file, from esbuild's `// engine/x.ts` module markers,
 * and, for the gradient formulas (engine/gradients/), the grad_fn they belong to: the nearest
 * `name: "…Backward…"` above the line, so the backward pass reads by node (MmBackward0 …).
 */
function sourceFiles(bundlePath) {
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  const starts = [];
  const specs = [];
  const decls = []; // top-level declarations: a spec's name does not reach past the next one
  lines.forEach((line, i) => {
    const m = /^\/\/ ((?:engine|shared)\/\S+\.ts)$/.exec(line);
    if (m) starts.push([i, m[1]]);
    const g = /^\s*name: "(\w+Backward\w*)"/.exec(line);
    if (g) specs.push([i, g[1]]);
    if (/^(?:var|let|const|function|async function|class) /.test(line)) decls.push([i]);
  });
  const last = (list, line) => {
    let found = null;
    for (const entry of list) {
      if (entry[0] > line) break;
      found = entry;
    }
    return found;
  };
  return (line) => {
    const file = last(starts, line)?.[1] ?? '(bundle prelude)';
    const spec = file.startsWith('engine/gradients/') ? last(specs, line) : null;
    const inSpec = spec && spec[0] > last(starts, line)[0] && !(last(decls, line)?.[0] > spec[0]);
    return inSpec ? `${file} (${spec[1]})` : file;
  };
}

/** Self and inclusive µs per function, self µs per file, from a V8 .cpuprofile. */
function analyse(profile, fileOf) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    if (f.url.endsWith('dist/engine.js')) return `${f.functionName || '(anonymous)'}  ${fileOf(f.lineNumber)}:${f.lineNumber + 1}`;
    if (!f.url) return f.functionName; // (garbage collector), (program), (idle), natives
    const short = f.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    return `${f.functionName || '(anonymous)'}  ${short}:${f.lineNumber + 1}`;
  };
  const fileKey = (n) => {
    const f = n.callFrame;
    if (f.url.endsWith('dist/engine.js')) return fileOf(f.lineNumber).replace(/ \(.*\)$/, '');
    if (!f.url) return f.functionName;
    return f.url.startsWith('node:') ? 'node internals' : f.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
  };
  const self = new Map();
  const incl = new Map();
  const files = new Map();
  const add = (map, k, v) => map.set(k, (map.get(k) ?? 0) + v);
  let total = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // The time from this sample to the next is spent where this sample landed.
    const dt = timeDeltas[i + 1] ?? 0;
    total += dt;
    let node = byId.get(samples[i]);
    add(self, keyOf(node), dt);
    add(files, fileKey(node), dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      node = byId.get(id);
      const k = keyOf(node);
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      add(incl, k, dt);
    }
  }
  return { self, incl, files, total };
}

/** µs per op of `fn` over [4]-element float32 tensors, median of 5 runs of `n` calls. */
function perCall(n, fn) {
  const runs = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(((performance.now() - t0) * 1000) / n);
  }
  return median(runs.slice(1)); // the first run is warm-up
}

function singleOps(torch) {
  const a = torch.tensor([0.1, 0.2, 0.3, 0.4]);
  const b = torch.tensor([0.5, 0.6, 0.7, 0.8]);
  const leaf = torch.tensor([0.1, 0.2, 0.3, 0.4], { requiresGrad: true });
  const n = 200_000;
  const rows = [
    ['a.add(b), no tensor requires grad', perCall(n, () => a.add(b))],
    ['leaf.add(b), recorded (AddBackward0)', perCall(n, () => leaf.add(b))],
    ['leaf.add(b) inside torch.noGrad (one closure per call)', perCall(n, () => torch.noGrad(() => leaf.add(b)))],
    ['a.tanh(), no grad', perCall(n, () => a.tanh())],
    ['leaf.tanh(), recorded (TanhBackward0)', perCall(n, () => leaf.tanh())],
    ['leaf.mul(2), recorded (MulBackward0, scalar)', perCall(n, () => leaf.mul(2))],
    ['torch.tensor([4 numbers])', perCall(n, () => torch.tensor([1, 2, 3, 4]))],
  ];
  // Backward per node: a 100-op chain on a fresh leaf, minus its forward.
  const chain = (back) => () => {
    const x = torch.tensor([0.1, 0.2, 0.3, 0.4], { requiresGrad: true });
    let h = x;
    for (let i = 0; i < 100; i++) h = h.tanh();
    if (back) h.sum().backward();
    else h.sum();
  };
  const fwd = perCall(2000, chain(false));
  const both = perCall(2000, chain(true));
  rows.push(['backward, per node (100-tanh chain: fwd+bwd − fwd, / 101)', (both - fwd) / 101]);
  return rows;
}

async function profileCase(caseId, lib, opts, session, fileOf) {
  const c = PER_OP_CASES[caseId];
  const data = makeData(caseId, c.sizes[0]);
  const bench = ours.cases[c.fn](lib, data);
  const rep = () => {
    const state = bench.setup();
    const t0 = performance.now();
    bench.run(state);
    return performance.now() - t0;
  };
  // Warm-up as the harness does (≥ 3 reps and ≥ 500 ms), so the profile shows optimized code.
  for (let i = 0, spent = 0; i < 3 || spent < 500; i++) spent += rep();
  const reps = opts.reps ?? (caseId === 'm' ? 10 : 300);
  await session.post('Profiler.setSamplingInterval', { interval: opts.interval });
  await session.post('Profiler.start');
  const times = [];
  for (let i = 0; i < reps; i++) times.push(rep());
  const { profile } = await session.post('Profiler.stop');
  if (opts.save) writeFileSync(opts.save.replace(/(\.cpuprofile)?$/, `-${caseId}.cpuprofile`), JSON.stringify(profile));

  const ops = OPS[caseId](data);
  const perRepOps = ops.recorded + ops.unrecorded;
  const { self, incl, files, total } = analyse(profile, fileOf);
  const usPerOp = (us) => fmtNum(us / reps / perRepOps);
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
  const top = (map) => [...map].sort((p, q) => q[1] - p[1]).slice(0, opts.top);
  const out = [];
  out.push(`\n${c.title}: ${reps} reps, median ${fmtNum(median(times))} ms; ${perRepOps} ops a rep `
    + `(${ops.recorded} recorded, ${ops.unrecorded} under noGrad) and ${ops.backwardNodes} backward nodes; `
    + `${fmtNum((median(times) * 1000) / perRepOps)} µs per op all in (backward included); profiled ${fmtNum(total / 1000)} ms`);
  out.push('\nself time by engine file');
  out.push(table([['file', 'µs/op', '%'], ...top(files).map(([k, us]) => [k, usPerOp(us), pct(us)])]));
  out.push('\nself time by function');
  out.push(table([['function', 'µs/op', '%'], ...top(self).map(([k, us]) => [k, usPerOp(us), pct(us)])]));
  out.push('\ninclusive time by function (callees included)');
  out.push(table([['function', 'µs/op', '%'], ...top(incl).map(([k, us]) => [k, usPerOp(us), pct(us)])]));
  return out.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const lib = await ours.load({ enginePath: opts.engine });
  const fileOf = sourceFiles(opts.engine);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  console.log(`our engine (${opts.engine}), Node ${process.version}; sampling every ${opts.interval} µs`);
  for (const caseId of opts.cases) console.log(await profileCase(caseId, lib, opts, session, fileOf));
  session.disconnect();
  console.log('\nsingle ops on [4]-element float32 tensors (µs per call, median of 5 × 200,000)');
  console.log(table([['op', 'µs'], ...singleOps(lib.torch).map(([k, us]) => [k, fmtNum(us)])]));
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});

#!/usr/bin/env node
// `npm run bench:python`: the Python tracer's overhead, as a ratio to the same script run untraced
// by the same interpreter (issue 15's target: traced ≤ 2× untraced, plus the snapshot write), on
// the textbook example and on a 300-iteration two-layer training loop. Two ratios per case:
//   program   time inside the process from the first line of the file to its end (untraced:
//             runpy.run_path timed by perf_counter after `import torch` and one tiny backward call,
//             as the tracer makes before the program for its hook self-test, so that the autograd
//             engine's start-up is outside both spans; traced: the snapshot's durationMs, which
//             stops before the snapshot is built);
//   end to end  wall time of the whole process as the editor waits for it (untraced: `python file`;
//             traced: runPython from spawn to the checked snapshot: interpreter start, torch import,
//             tracing, snapshot build, JSON write, parse and check).
//   CPU time    the same program span in CPU time (time.process_time: steadier on a shared machine);
//             traced through the tracer's own entry point with its snapshot builder timed apart.
//   mode only   the program inside a TorchFunctionMode that records nothing, over untraced: the
//             floor of a tracer that would see every torch call this way (the tracer does not).
// Medians of REPS runs, printed and written to bench/results/python.json. `npm run bench` runs it
// as case (s).
//
//   node bench/python.mjs [--python=/usr/bin/python3] [--reps=5]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const PYTHON = args.python ?? process.env.AUTOGRAD_LENS_TEST_PYTHON ?? '/usr/bin/python3';
const REPS = Number(args.reps ?? 5);
const TARGET = 2;

if (spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
  console.log(`bench:python skipped: ${PYTHON} cannot import torch`);
  process.exit(0);
}

// runner/python-runner.ts, bundled for Node here (the build only bundles it into the CLI and the extension).
const tmp = mkdtempSync(join(os.tmpdir(), 'lens-bench-py-'));
const require = createRequire(import.meta.url);
const esbuild = require(join(ROOT, 'node_modules', 'esbuild'));
const bundle = join(tmp, 'python-runner.cjs');
esbuild.buildSync({ entryPoints: [join(ROOT, 'runner', 'python-runner.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
const { runPython } = require(bundle);
const tracerDir = join(ROOT, 'runner', 'python');

const training = readFileSync(join(ROOT, 'examples', 'training-loop.py'), 'utf8').replace('range(100)', 'range(300)');
if (!training.includes('range(300)')) throw new Error('examples/training-loop.py no longer loops over range(100)');
const cases = [
  { id: 'textbook', file: join(ROOT, 'examples', 'autograd-basics.py') },
  { id: 'training loop, 300 iterations (2 layers, SGD)', file: join(tmp, 'training_loop_300.py'), text: training },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// argv[2] == "mode": inside a TorchFunctionMode that only calls through (what any tracer built on
// one pays before it records anything: the floor of this design, reported as its own ratio).
const TIMER = `import sys, time, runpy, io, contextlib, torch
path = sys.argv[1]
sys.path.insert(0, __import__("os").path.dirname(path))
class Through(torch.overrides.TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))
mode = Through() if sys.argv[2:] == ["mode"] else contextlib.nullcontext()
# One tiny backward first, as the tracer's hook self-test does before the program starts: the
# autograd engine's one-time start-up is then outside both timed spans.
(torch.ones(1, requires_grad=True) * 2).sum().backward()
buf = io.StringIO()
c = time.process_time()
t = time.perf_counter()
with contextlib.redirect_stdout(buf), mode:
    runpy.run_path(path, run_name="__main__")
print("@@MS", (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)`;

// The tracer's CPU time from the program's first line to the snapshot build (argv: tracer dir, file).
const TRACED_CPU = `import sys, os, time, json
sys.path.insert(0, sys.argv[1])
import autograd_lens_snapshot as S, autograd_lens_trace as T
build, message, t = S.build, T.Output.message, {}
def timed_build(*a, **k):
    os.write(2, ("@@CPU %f\\n" % ((time.process_time() - t["c"]) * 1000)).encode())
    return build(*a, **k)
def timed_message(self, kind):
    if kind == "running":
        t["c"] = time.process_time()
    return message(self, kind)
S.build, T.Output.message = timed_build, timed_message
fd = os.open(os.devnull, os.O_WRONLY)
sys.argv = ["trace", "--file", sys.argv[2], "--limits", sys.argv[3], "--result-fd", str(fd)]
sys.stdin = open(sys.argv[2], encoding="utf-8")
T.main()`;

function tracedCpu(file) {
  const limits = JSON.stringify({ timeoutMs: 120_000, nodeCap: 20_000, valueCap: 1000, stepCap: 30_000, memoryMb: 1024 });
  const r = spawnSync(PYTHON, ['-c', TRACED_CPU, tracerDir, file, limits], { encoding: 'utf8' });
  const m = /@@CPU ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`timing the tracer's CPU on ${file} failed: ${r.stderr}`);
  return Number(m[1]);
}

function modeFloor(file) {
  const timed = spawnSync(PYTHON, ['-c', TIMER, file, 'mode'], { encoding: 'utf8' });
  const m = /@@MS ([\d.]+)/.exec(timed.stdout);
  if (!m) throw new Error(`timing ${file} in a TorchFunctionMode failed: ${timed.stderr}`);
  return Number(m[1]);
}

function untraced(file) {
  const t0 = performance.now();
  const plain = spawnSync(PYTHON, [file], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (plain.status !== 0) throw new Error(`${file} failed: ${plain.stderr}`);
  const timed = spawnSync(PYTHON, ['-c', TIMER, file], { encoding: 'utf8' });
  const m = /@@MS ([\d.]+) ([\d.]+)/.exec(timed.stdout);
  if (!m) throw new Error(`timing ${file} failed: ${timed.stderr}`);
  return { program: Number(m[1]), cpu: Number(m[2]), wall };
}

async function traced(file) {
  const t0 = performance.now();
  const s = await runPython({ source: readFileSync(file, 'utf8'), fileName: file, python: PYTHON, limits: { timeoutMs: 120_000 } }, { tracerDir });
  const wall = performance.now() - t0;
  if (s.error) throw new Error(`tracing ${file} failed: ${s.error.message}`);
  return { program: s.durationMs, wall, bytes: Buffer.byteLength(JSON.stringify(s)), nodes: s.nodes.length, calls: s.backward.length };
}

const rows = [];
for (const c of cases) {
  if (c.text) writeFileSync(c.file, c.text);
  await traced(c.file); // warm the disk cache for both
  untraced(c.file);
  const u = [];
  const t = [];
  const f = [];
  const tc = [];
  for (let i = 0; i < REPS; i++) {
    u.push(untraced(c.file));
    t.push(await traced(c.file));
    tc.push(tracedCpu(c.file));
    f.push(modeFloor(c.file));
  }
  const row = {
    case: c.id,
    untracedProgramMs: median(u.map((x) => x.program)),
    tracedProgramMs: median(t.map((x) => x.program)),
    untracedCpuMs: median(u.map((x) => x.cpu)),
    tracedCpuMs: median(tc),
    modeOnlyProgramMs: median(f),
    untracedWallMs: median(u.map((x) => x.wall)),
    tracedWallMs: median(t.map((x) => x.wall)),
    snapshotBytes: t[0].bytes,
    nodes: t[0].nodes,
    backwardCalls: t[0].calls,
  };
  row.programRatio = row.tracedProgramMs / row.untracedProgramMs;
  row.wallRatio = row.tracedWallMs / row.untracedWallMs;
  row.cpuRatio = row.tracedCpuMs / row.untracedCpuMs;
  row.modeOnlyRatio = row.modeOnlyProgramMs / row.untracedProgramMs;
  row.pass = row.programRatio <= TARGET;
  rows.push(row);
}
rmSync(tmp, { recursive: true, force: true });

const version = spawnSync(PYTHON, ['-c', 'import torch, sys; print(torch.__version__, sys.version.split()[0])'], { encoding: 'utf8' }).stdout.trim();
console.log(`\nPython tracer overhead (${PYTHON}: torch, python ${version}; median of ${REPS}; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
console.log('case'.padEnd(48) + 'program untraced → traced (ratio)'.padEnd(40) + 'CPU time'.padEnd(30) + 'end to end untraced → traced (ratio)'.padEnd(42) + 'mode only'.padEnd(12) + 'snapshot');
for (const r of rows) {
  const prog = `${r.untracedProgramMs.toFixed(1)} → ${r.tracedProgramMs.toFixed(1)} ms (${r.programRatio.toFixed(2)}×) ${r.pass ? 'PASS' : 'FAIL'} ≤ ${TARGET}×`;
  const wall = `${r.untracedWallMs.toFixed(0)} → ${r.tracedWallMs.toFixed(0)} ms (${r.wallRatio.toFixed(2)}×)`;
  const cpu = `${r.untracedCpuMs.toFixed(1)} → ${r.tracedCpuMs.toFixed(1)} ms (${r.cpuRatio.toFixed(2)}×)`;
  console.log(r.case.padEnd(48) + prog.padEnd(40) + cpu.padEnd(30) + wall.padEnd(42) + `${r.modeOnlyRatio.toFixed(2)}×`.padEnd(12) + `${(r.snapshotBytes / 1024).toFixed(0)} KB, ${r.nodes} nodes, ${r.backwardCalls} calls`);
}
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
writeFileSync(join(BENCH_DIR, 'results', 'python.json'), `${JSON.stringify({ python: PYTHON, version, reps: REPS, at: new Date().toISOString(), rows }, null, 2)}\n`);

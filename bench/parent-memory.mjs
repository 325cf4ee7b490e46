// Issue 14's row: the parent's peak memory while receiving a capped-maximum result (target: at most
// twice the 64 MB cap). This process plays the extension host: one SnippetRunner (runner/sandbox.ts,
// bundled as the runner cases are) runs a child that sends a valid result just under the cap, and
// the host's resident memory is sampled every 2 ms from before the run to the resolved snapshot.
// The child is a stand-in (a script in a temporary dist/, as test/runner/channel.test.ts does): the
// real child caps console and values far below 64 MB, so only a stand-in reaches the cap. Shapes:
//   strings  console lines (text, as most of the version-2 wire form is: base64 values, names)
//   values   the value table: tensors whose values fill the cap (the parent decodes them to numbers)
//   graph    nodes, tensors and edges (many small objects: the parsed form is larger than its JSON)
//   partials 16 MB checkpoints first (the child's "partial" messages), then the strings result
// Run with `node --expose-gc bench/parent-memory.mjs` after `npm run build` (quiet machine).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSandboxBundle } from './lib/setup.mjs';

const require = createRequire(import.meta.url);
const CAP = 64 * 2 ** 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const base = {
  version: 2, file: '/x.ts', language: 'typescript', tracedAt: '2026-01-01T00:00:00.000Z', durationMs: 1,
  limits: { timeoutMs: 60000, nodeCap: 10, valueCap: 10, stepCap: 10, memoryMb: 64 },
  console: [], warnings: [], values: [], tensors: [], nodes: [], edges: [], backward: [], nodesTruncated: false,
};

/** The fake child's body: builds the result in its own process and writes it to fd 3. */
function childBody(shape) {
  const lines = `const lines = Array.from({ length: 300 }, (_, i) => ({ level: "log", text: String(i % 10).repeat(200000) }));`;
  const strings = `const s = { ...${JSON.stringify(base)}, console: lines.slice(0, Math.floor((${CAP} - 4096) / 200030)) };`;
  const values = `const n = 1 << 20; const data = Buffer.alloc(n * 4, 7).toString("base64");
const count = Math.floor((${CAP} - 4096) / (data.length + 400));
const s = { ...${JSON.stringify(base)},
  values: Array.from({ length: count }, () => ({ shape: [n], dtype: "float32", count: n, data })),
  tensors: Array.from({ length: count }, (_, i) => ({ id: "t" + i, label: "x" + i, kind: "leaf", shape: [n], dtype: "float32", value: i, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null })) };`;
  // A graph at the cap: nodes, tensors and edges as the recorder writes them (small objects, short strings).
  const graph = `const one = { shape: [1], dtype: "float32", count: 1, data: "AACAPw==" };
const per = 620; const count = Math.floor((${CAP} - 4096) / per);
const s = { ...${JSON.stringify(base)}, values: [one],
  nodes: Array.from({ length: count }, (_, i) => ({ id: "n" + i, name: "AddBackward0", kind: "function", sequenceNr: i, tensor: "t" + i, inputs: i ? ["n" + (i - 1)] : [], formulas: ["grad_self = grad"], saved: [], released: false, range: { line: 3 + (i % 50), column: 4, endLine: 3 + (i % 50), endColumn: 20 } })),
  tensors: Array.from({ length: count }, (_, i) => ({ id: "t" + i, label: "add @ L" + (3 + (i % 50)), kind: "intermediate", shape: [1], dtype: "float32", value: 0, grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n" + i })),
  edges: Array.from({ length: count - 1 }, (_, i) => ({ from: "n" + (i + 1), to: "n" + i, index: 0, inputNr: 0 })) };`;
  const partials = `const p = JSON.stringify({ type: "partial", snapshot: { ...${JSON.stringify(base)}, console: lines.slice(0, 80) } }) + "\\n"; for (let i = 0; i < 4; i++) write(p);`;
  return `${lines}\n${shape === 'values' ? values : shape === 'graph' ? graph : strings}\n${shape === 'partials' ? partials : ''}\nwrite(JSON.stringify({ type: "result", snapshot: s }) + "\\n"); process.exit(0);`;
}

function fakeDist(body) {
  const dir = mkdtempSync(join(tmpdir(), 'lens-bench-mem-'));
  writeFileSync(join(dir, 'engine.js'), '');
  writeFileSync(join(dir, 'runner-child.js'),
    `const fs = require("fs");\nconst write = (s) => { const b = Buffer.from(s); let o = 0; while (o < b.length) { try { o += fs.writeSync(3, b, o); } catch (e) { if (e.code !== "EAGAIN") throw e; } } };\nwrite(JSON.stringify({ type: "ready", bootMs: 1 }) + "\\n");\nprocess.stdin.once("data", () => {\n${body}\n});\n`);
  return dir;
}

const shapeArg = process.argv.find((a) => a.startsWith('--shape='))?.slice(8);
if (!shapeArg) {
  // Each shape in a fresh process: the kernel's high-water mark (maxRSS) then belongs to that run
  // alone, and catches the peak inside the synchronous parse, which no timer could sample.
  const bundle = await buildSandboxBundle();
  console.log(`parent peak memory (growth of the peak RSS) while receiving a result at the 64 MB cap; target <= 2x the cap (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  const rows = [];
  for (const shape of ['strings', 'values', 'graph', 'partials']) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), `--shape=${shape}`, `--bundle=${bundle}`], { encoding: 'utf8' });
    const lines = r.stdout.split('\n');
    const row = lines.find((l) => l.startsWith('  row '));
    const shown = lines.filter((l) => l && !l.startsWith('  row ')).join('\n');
    console.log(row ? shown : `  ${shape}: failed: ${r.stderr.slice(-500)}`);
    rows.push(row ? JSON.parse(row.slice(6)) : { shape, status: 'FAIL', error: r.stderr.slice(-500) });
  }
  const results = join(dirname(fileURLToPath(import.meta.url)), 'results', 'parent-memory.json');
  mkdirSync(dirname(results), { recursive: true });
  writeFileSync(results, `${JSON.stringify({ capBytes: CAP, target: 'peak RSS growth <= 2x the cap', loadavg: os.loadavg(), rows }, null, 2)}\n`);
  console.log(`wrote ${results}`);
  if (rows.some((r) => r.status !== 'PASS')) process.exitCode = 1;
} else {
  const bundle = process.argv.find((a) => a.startsWith('--bundle='))?.slice(9);
  const { SnippetRunner } = require(bundle);
  const dir = fakeDist(childBody(shapeArg));
  const runner = new SnippetRunner({ distDir: dir, keepWarm: false });
  try {
    globalThis.gc?.();
    await sleep(200);
    const before = Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const t0 = performance.now();
    const s = await runner.run({ source: '1', language: 'typescript', fileName: '/x.ts', limits: { timeoutMs: 60_000 } });
    const ms = performance.now() - t0;
    const peak = process.resourceUsage().maxRSS * 1024 - before;
    const got = s.error ? `error: ${s.error.message.slice(0, 80)}` : `${s.console.length} console lines, ${s.tensors.length} tensors`;
    const ratio = peak / CAP;
    const status = ratio <= 2 ? 'PASS' : 'FAIL';
    console.log(`  ${shapeArg.padEnd(9)} ${(peak / 2 ** 20).toFixed(0).padStart(5)} MB = ${ratio.toFixed(2)}x the cap  ${status}  (${ms.toFixed(0)} ms; ${got})`);
    console.log(`  row ${JSON.stringify({ shape: shapeArg, peakGrowthBytes: peak, ratio, status, ms, got })}`);
  } finally {
    runner.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

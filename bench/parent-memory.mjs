// Issue 14's row: the parent's peak memory while receiving a result (target: at most twice the
// 64 MB byte cap). This process plays the extension host: one SnippetRunner (runner/sandbox.ts,
// bundled as the runner cases are) runs a child that sends a result as large as the parent accepts,
// and each shape runs in a fresh process whose kernel high-water mark (maxRSS) is read. The parent
// bounds a message by its bytes (64 MB) and by what it will cost in memory once parsed
// (runner/message-cost.ts, MAX_MESSAGE_COST in runner/channel.ts). The children are stand-ins (a
// script in a temporary dist/, as test/runner/channel.test.ts does: the real child caps console and
// values far below the caps), except trace20k. Shapes:
//   strings    console lines (text, as most of the version-2 wire form is: base64 values, names)
//   values     the value table: tensors whose values fill the byte cap (base64, decoded when read)
//   graph      the largest graph the parent accepts: nodes, tensors and edges as the recorder writes
//              them (many small objects), as many as fit the cost budget
//   graph-over the graph at the byte cap (about twice the cost budget): refused as it arrives
//   junk       a valid snapshot carrying an unknown field of empty arrays up to the cost budget (the
//              kind of JSON whose parsed form is largest for its bytes; dropped by the validator)
//   partials   16 MB checkpoints first (the child's "partial" messages), then the strings result
//   trace20k   the real child: a 20,000-op program at the default caps (values of 1,000 elements),
//              the largest result a real run sends at the defaults (needs `npm run build`)
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

// A graph as the recorder writes it: nodes, tensors and edges (small objects, short strings).
const GRAPH = `function graph(count) {
  const one = { shape: [1], dtype: "float32", count: 1, data: "AACAPw==" };
  return { ...${JSON.stringify(base)}, values: [one],
    nodes: Array.from({ length: count }, (_, i) => ({ id: "n" + i, name: "AddBackward0", kind: "function", sequenceNr: i, tensor: "t" + i, inputs: i ? ["n" + (i - 1)] : [], formulas: ["grad_self = grad"], saved: [], released: false, range: { line: 3 + (i % 50), column: 4, endLine: 3 + (i % 50), endColumn: 20 } })),
    tensors: Array.from({ length: count }, (_, i) => ({ id: "t" + i, label: "add @ L" + (3 + (i % 50)), kind: "intermediate", shape: [1], dtype: "float32", value: 0, grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n" + i })),
    edges: Array.from({ length: count - 1 }, (_, i) => ({ from: "n" + (i + 1), to: "n" + i, index: 0, inputNr: 0 })) };
}`;
// An unknown field holding `count` empty arrays.
const JUNK = `function junk(count) {
  return { ...${JSON.stringify(base)}, junk: Array.from({ length: count }, () => []) };
}`;

/** The largest `count` whose `make(count)` result line the parent accepts (its cost within the budget). */
function largestAccepted(make, bundle) {
  const { messageCost, MAX_MESSAGE_BYTES, MAX_MESSAGE_COST } = require(bundle);
  const gen = new Function(`${make}\nreturn (n) => JSON.stringify({ type: "result", snapshot: ${make.match(/function (\w+)/)[1]}(n) });`)();
  const costOf = (n) => {
    const text = gen(n);
    const bytes = Buffer.byteLength(text);
    return bytes > MAX_MESSAGE_BYTES ? Infinity : messageCost(Buffer.from(text)).cost;
  };
  let n = 10_000;
  for (let i = 0; i < 4; i++) n = Math.floor((n * (MAX_MESSAGE_COST - 4096)) / costOf(n));
  while (costOf(n) > MAX_MESSAGE_COST) n = Math.floor(n * 0.999);
  return n;
}

/** The real program of trace20k: 20,000 recorded ops on 1,000-element tensors, one backward. */
const TRACE_20K = `import { torch } from "autograd-lens";
const x = torch.randn([1000], { requiresGrad: true });
let y = x;
for (let i = 0; i < 9999; i++) y = y.mul(1.0001).add(0.001);
y.mul(1).sum().backward();
`;

/** The fake child's body: builds the result in its own process and writes it to fd 3. */
function childBody(shape, count) {
  const lines = `const lines = Array.from({ length: 300 }, (_, i) => ({ level: "log", text: String(i % 10).repeat(200000) }));`;
  const strings = `const s = { ...${JSON.stringify(base)}, console: lines.slice(0, Math.floor((${CAP} - 4096) / 200030)) };`;
  const values = `const n = 1 << 20; const data = Buffer.alloc(n * 4, 7).toString("base64");
const count = Math.floor((${CAP} - 4096) / (data.length + 400));
const s = { ...${JSON.stringify(base)},
  values: Array.from({ length: count }, () => ({ shape: [n], dtype: "float32", count: n, data })),
  tensors: Array.from({ length: count }, (_, i) => ({ id: "t" + i, label: "x" + i, kind: "leaf", shape: [n], dtype: "float32", value: i, grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null })) };`;
  const graph = `${GRAPH}\nconst s = graph(${count});`;
  const junk = `${JUNK}\nconst s = junk(${count});`;
  const partials = `const p = JSON.stringify({ type: "partial", snapshot: { ...${JSON.stringify(base)}, console: lines.slice(0, 80) } }) + "\\n"; for (let i = 0; i < 4; i++) write(p);`;
  const body = shape === 'values' ? values : shape.startsWith('graph') ? graph : shape === 'junk' ? junk : strings;
  return `${lines}\n${body}\n${shape === 'partials' ? partials : ''}\nwrite(JSON.stringify({ type: "result", snapshot: s }) + "\\n"); process.exit(0);`;
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
  console.log(`parent peak memory (growth of the peak RSS) while receiving a result as large as the parent accepts; target <= 2x the 64 MB cap (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  const rows = [];
  const counts = { graph: largestAccepted(GRAPH, bundle), 'graph-over': Math.floor((CAP - 4096) / 620), junk: largestAccepted(JUNK, bundle) };
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  for (const shape of ['strings', 'values', 'graph', 'graph-over', 'junk', 'partials', 'trace20k']) {
    if (only && !only.includes(shape)) continue;
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), `--shape=${shape}`, `--bundle=${bundle}`, `--count=${counts[shape] ?? 0}`], { encoding: 'utf8' });
    const lines = r.stdout.split('\n');
    const row = lines.find((l) => l.startsWith('  row '));
    const shown = lines.filter((l) => l && !l.startsWith('  row ')).join('\n');
    console.log(row ? shown : `  ${shape}: failed: ${r.stderr.slice(-500)}`);
    rows.push(row ? JSON.parse(row.slice(6)) : { shape, status: 'FAIL', error: r.stderr.slice(-500) });
  }
  const results = join(dirname(fileURLToPath(import.meta.url)), 'results', 'parent-memory.json');
  mkdirSync(dirname(results), { recursive: true });
  writeFileSync(results, `${JSON.stringify({ capBytes: CAP, target: 'peak RSS growth <= 2x the cap', counts, loadavg: os.loadavg(), rows }, null, 2)}\n`);
  console.log(`wrote ${results}`);
  if (rows.some((r) => r.status === 'FAIL')) process.exitCode = 1;
} else {
  const bundle = process.argv.find((a) => a.startsWith('--bundle='))?.slice(9);
  const count = Number(process.argv.find((a) => a.startsWith('--count='))?.slice(8) ?? 0);
  const { SnippetRunner } = require(bundle);
  const real = shapeArg === 'trace20k';
  const dir = real ? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist') : fakeDist(childBody(shapeArg, count));
  const runner = new SnippetRunner({ distDir: dir, keepWarm: false });
  try {
    globalThis.gc?.();
    await sleep(200);
    const before = Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const t0 = performance.now();
    const s = await runner.run({ source: real ? TRACE_20K : '1', language: 'typescript', fileName: '/x.ts', limits: { timeoutMs: real ? 300_000 : 60_000 } });
    const ms = performance.now() - t0;
    const peak = process.resourceUsage().maxRSS * 1024 - before;
    const got = s.error ? `error: ${s.error.message.slice(0, 160)}` : `${s.console.length} console lines, ${s.tensors.length} tensors, ${s.nodes.length} nodes`;
    const ratio = peak / CAP;
    // graph-over must be refused (as too costly); every other shape accepted whole.
    const expected = shapeArg === 'graph-over' ? /would take more than/.test(s.error?.message ?? '') : !s.error && (!shapeArg.startsWith('graph') || s.tensors.length === count);
    // The real child has 10 s to build its snapshot once the program ends; on a loaded machine a
    // 20,000-op trace can take longer (the parent then receives no result): not a memory result.
    const slow = real && /building its graph took too long/.test(s.error?.message ?? '');
    const status = slow ? 'SKIP' : ratio <= 2 && expected ? 'PASS' : 'FAIL';
    console.log(`  ${shapeArg.padEnd(10)} ${(peak / 2 ** 20).toFixed(0).padStart(5)} MB = ${ratio.toFixed(2)}x the cap  ${status}  (${ms.toFixed(0)} ms; ${got})`);
    console.log(`  row ${JSON.stringify({ shape: shapeArg, count, peakGrowthBytes: peak, ratio, status, ms, got })}`);
  } finally {
    runner.dispose();
    if (!real) rmSync(dir, { recursive: true, force: true });
  }
}

// Setting up the peers and our bundles before any job runs (run.mjs calls these once):
// installing bench/node_modules, bundling tfjs, the runner's sandbox and html.ts with
// esbuild, finding playwright-core.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './format.mjs';

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(BENCH_DIR, '..');
// Derived files live under bench/node_modules so a reinstall wipes them with the rest,
// and git and eslint already ignore them.
const CACHE = join(BENCH_DIR, 'node_modules', '.cache', 'autograd-lens-bench');
const INSTALL_STAMP = join(BENCH_DIR, 'node_modules', '.autograd-lens-bench-installed');
const TFJS_ENTRY = join(BENCH_DIR, 'peers', 'tfjs-entry.mjs');
const TFJS_BUNDLE = join(CACHE, 'tfjs-cpu.cjs');
// Runner cases (d)–(f): the parent side of the sandbox, bundled from source here (the
// build only bundles it into dist/cli.js).
const SANDBOX_SRC = join(ROOT, 'runner', 'sandbox.ts');
const SANDBOX_BUNDLE = join(CACHE, 'sandbox.cjs');
// Graph-view cases (g)–(j): runner/html.ts (buildStandaloneHtml, buildWebviewHtml) bundled like the sandbox.
const HTML_SRC = join(ROOT, 'runner', 'html.ts');
const HTML_BUNDLE = join(CACHE, 'html.cjs');

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
export function ensurePeersInstalled() {
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
export async function buildTfjsBundle() {
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
export async function buildSandboxBundle() {
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
export async function buildHtmlBundle() {
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
export function resolvePlaywright() {
  return createRequire(join(ROOT, 'package.json')).resolve('playwright-core');
}


// The graph-view cases (g)–(j), run by worker.mjs in its own process. The snapshot comes
// from the real runner (runner/sandbox.ts, bundled by run.mjs), the pages from runner/html.ts
// (bundled likewise). Chromium (playwright-core) loads them from file://.
//
//   load (g–i): the time from the snapshot to the first painted graph, two ways, each in a freshly
//               loaded page (a new renderer process: nothing of our code has run or been compiled):
//     ms        the snapshot posted to the VS Code form of the page (buildWebviewHtml, with a
//               stand-in acquireVsCodeApi) once it has loaded, said `ready` and gone idle, until the
//               graph has painted. This is what the extension does: the panel's page loads, says
//               `ready`, and the host posts each snapshot to it. The clock starts just before
//               window.postMessage, so the message's (de)serialisation counts.
//     pageMs    navigation start of the standalone page (`autograd-lens trace --html`, the snapshot
//               embedded) until the graph has painted: the same plus loading the page (parsing
//               the 780 KB of inlined script and the snapshot, starting the renderer).
//               Informational: the target is from the snapshot.
//               "Painted" is the page's own mark `lens:graph-painted` (App.showSnapshot sets it once
//               GraphView.setGraph has resolved: the frame that first shows the graph, with its
//               selection and step, has been rendered). The harness reads the mark's time rather
//               than the time it noticed it, which would add its polling latency.
//   fold (w):   the standalone page of a 5,000-node unrolled loop (folded: x, "× 2500", sum); the
//               search box selects a node inside the loop, then "+" on the graph opens its group
//               and "-" closes it again, alternately. Each sample is one of them: keydown until
//               the page's own `lens:fold-painted` mark (GraphView.toggleGroup: the frame showing
//               the group opened or closed has been rendered).
//   step (j):   one → key press on the body (the stepper's next backward step): the main
//               thread's time for it, i.e. the key's handlers plus the rendering (animation
//               frame callbacks, style, layout, paint) of the frame that shows the step, without
//               the idle wait for that frame's vsync. A step is "under 16 ms" when it fits in one
//               60 Hz frame. (Timing the key press until two animation frames later, as this
//               case first did, cannot go below 33.3 ms however little a step costs: the second
//               frame is always two vsyncs away. That number is still recorded, as frameMs.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/* global window, document, requestAnimationFrame, requestIdleCallback, KeyboardEvent -- the functions below run in the page */

/** Runs in the page: the time of the last `lens:graph-painted` mark at or after `since`, else false. */
function paintedSince(since) {
  const marks = performance.getEntriesByName('lens:graph-painted', 'mark').filter((m) => m.startTime >= since);
  return marks.length ? marks[marks.length - 1].startTime : false;
}

/** Runs in the page (VS Code form): true once the page has said `ready` and is idle. */
function readyAndIdle() {
  if (!window.__posted.some((m) => m.type === 'ready')) return false;
  return new Promise((resolve) => requestIdleCallback(() => resolve(true), { timeout: 1000 }));
}

/** Runs in the page: posts the snapshot as the extension host does; returns the time just before. */
function postSnapshot() {
  const t0 = performance.now();
  window.postMessage({ type: 'snapshot', snapshot: window.__snapshot }, '*');
  return t0;
}

/** Runs in the page: "+" or "-" on the graph; the time until the next `lens:fold-painted` mark. */
async function foldOnce(key) {
  const canvas = document.querySelector('.graph-canvas');
  const before = performance.getEntriesByName('lens:fold-painted', 'mark').length;
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const t0 = performance.now();
  canvas.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  for (;;) {
    const marks = performance.getEntriesByName('lens:fold-painted', 'mark');
    if (marks.length > before) return marks[marks.length - 1].startTime - t0;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Runs in the page: PageUp or PageDown on the body (the stepper's previous or next backward call,
 * App.switchCall). Returns the time from the keydown until the frame after the page's own
 * `lens:painted` mark has been rendered: the mark is GraphView's (the frame that first shows the
 * other call's graph); the frame after it shows that call's replay (its step and gradients, set
 * once the graph is drawn).
 */
async function switchOnce(key) {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame();
  const before = performance.getEntriesByName('lens:painted', 'mark').length;
  const t0 = performance.now();
  document.body.dispatchEvent(new KeyboardEvent('keydown', { key, code: key, bubbles: true, cancelable: true }));
  while (performance.getEntriesByName('lens:painted', 'mark').length <= before) {
    if (performance.now() - t0 > 20_000) throw new Error(`${key} painted no other call within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const painted = performance.getEntriesByName('lens:painted', 'mark').slice(-1)[0].startTime - t0;
  const done = await new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  }));
  return { ms: done - t0, painted };
}

/** The stand-in for VS Code's webview API (the page talks to it as to the extension host). */
const VSCODE_STANDIN = `window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });`;

/**
 * Runs in the page: one → on the body. Returns { ms, frameMs }: ms = the key's handlers + the
 * rendering of the next frame (from its first animation frame callback until that frame's
 * rendering is done), frameMs = the key press until two animation frames later.
 */
async function stepOnce() {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame(); // start on a frame boundary, not in the middle of the last step's work
  let frameStart = 0;
  // Registered before the key's handlers run, so it is the first callback of the step's frame; a
  // task posted from it runs once that frame's rendering (style, layout, paint) is done.
  const rendered = new Promise((resolve) => requestAnimationFrame(() => {
    frameStart = performance.now();
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  }));
  const t0 = performance.now();
  document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', code: 'ArrowRight', bubbles: true, cancelable: true }));
  const handled = performance.now();
  const done = await rendered;
  await frame();
  return { ms: handled - t0 + (done - frameStart), frameMs: performance.now() - t0 };
}

export async function runGraphJob(job) {
  const { SnippetRunner, encodeSnapshot } = require(job.ctx.sandboxBundle);
  const { buildStandaloneHtml, buildWebviewHtml, makeNonce } = require(job.ctx.htmlBundle);
  const { chromium } = require(job.ctx.playwrightCore);
  const plan = job.plan;

  const runner = new SnippetRunner({ distDir: job.ctx.distDir });
  let snapshot;
  try {
    snapshot = await runner.run(job.data.request);
  } finally {
    runner.dispose();
  }
  if (snapshot.error) throw new Error(`the snapshot has an error (${snapshot.error.kind}): ${snapshot.error.message.split('\n')[0]}`);
  if (snapshot.nodesTruncated) throw new Error(`recording stopped at the node cap (${snapshot.limits.nodeCap})`);
  if (snapshot.nodes.length < job.data.minNodes) throw new Error(`the snapshot has ${snapshot.nodes.length} nodes, expected at least ${job.data.minNodes}`);
  // The call the view opens on (the last); the check reads the first call's loss.
  const call = snapshot.backward[snapshot.backward.length - 1];

  const dir = mkdtempSync(join(os.tmpdir(), 'autograd-lens-bench-'));
  const file = join(dir, 'graph.html');
  const html = buildStandaloneHtml(snapshot, { distDir: job.ctx.distDir });
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const webviewFile = join(dir, 'webview.html');
  writeFileSync(webviewFile, buildWebviewHtml({
    scriptUri: pathToFileURL(join(job.ctx.distDir, 'webview.js')).href,
    styleUri: pathToFileURL(join(job.ctx.distDir, 'webview.css')).href,
    cspSource: 'file:',
    nonce: makeNonce(),
  }));
  const webviewUrl = pathToFileURL(webviewFile).href;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const webview = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await webview.addInitScript(VSCODE_STANDIN);
    const pageErrors = [];
    for (const p of [page, webview]) p.on('pageerror', (e) => pageErrors.push(e.message));
    const painted = async (p, since) => (await p.waitForFunction(paintedSince, since, { polling: 'raf', timeout: 60_000 })).jsonValue();
    // Navigation start to the first painted graph, in the standalone page.
    const loadPage = async () => {
      await page.goto('about:blank');
      await page.goto(url, { waitUntil: 'commit' });
      return painted(page, 0);
    };
    // The snapshot posted to a loaded, idle webview page until the first painted graph.
    const postToFreshPage = async () => {
      await webview.goto('about:blank');
      await webview.goto(webviewUrl, { waitUntil: 'commit' });
      await webview.waitForFunction(readyAndIdle, undefined, { polling: 'raf', timeout: 60_000 });
      // As the extension host posts it (panel.ts): the version-2 wire form.
      await webview.evaluate((s) => { window.__snapshot = s; }, encodeSnapshot(snapshot));
      const t0 = await webview.evaluate(postSnapshot);
      return (await painted(webview, t0)) - t0;
    };
    const load = async () => {
      const pageMs = await loadPage();
      const ms = await postToFreshPage();
      if (pageErrors.length) throw new Error(`page error: ${pageErrors[0]}`);
      return { ms, pageMs };
    };

    const warmupMs = [];
    const samples = [];
    const pageMs = [];
    const frameMs = [];
    const steps = job.fn === 'step';
    const fold = job.fn === 'fold';
    const switching = job.fn === 'switch';
    if (!fold && !switching) for (let i = 0; i < plan.warmupReps; i++) warmupMs.push((await load()).ms);
    if (fold) {
      await loadPage();
      await page.locator('input.search').fill(job.data.search);
      await page.locator('input.search').press('Enter');
      const n = Math.max(plan.steps, 2 * plan.reps);
      const discard = Math.min(plan.stepWarmup, n - 2);
      for (let i = 0; i < n; i++) {
        const ms = await page.evaluate(foldOnce, i % 2 === 0 ? '+' : '-');
        (i < discard ? warmupMs : samples).push(ms);
      }
      if (pageErrors.length) throw new Error(`page error: ${pageErrors[0]}`);
    } else if (switching) {
      // The page opens on the last call: PageUp and PageDown alternately switch to the one
      // before it and back.
      await loadPage();
      if (snapshot.backward.length < 2) throw new Error(`the snapshot has ${snapshot.backward.length} backward calls, nothing to switch`);
      const n = Math.max(plan.steps, 2 * plan.reps);
      const discard = Math.min(plan.stepWarmup, n - 2);
      for (let i = 0; i < n; i++) {
        const r = await page.evaluate(switchOnce, i % 2 === 0 ? 'PageUp' : 'PageDown');
        (i < discard ? warmupMs : samples).push(r.ms);
        if (i >= discard) frameMs.push(r.painted);
      }
      if (pageErrors.length) throw new Error(`page error: ${pageErrors[0]}`);
    } else if (!steps) {
      let spent = 0;
      for (let i = 0; i < plan.reps; i++) {
        if (i >= plan.minReps && spent >= plan.budgetMs) break;
        const r = await load();
        samples.push(r.ms);
        pageMs.push(r.pageMs);
        spent += r.pageMs;
      }
    } else {
      await loadPage();
      // The last load left the page at step 0 of the last backward call; step forward.
      const available = call?.steps.length ?? 0;
      const n = Math.min(plan.steps, available - 1);
      if (n < 1) throw new Error(`the snapshot has ${available} backward steps, nothing to step through`);
      const discard = Math.min(plan.stepWarmup, n - 1);
      for (let i = 0; i < n; i++) {
        const r = await page.evaluate(stepOnce);
        (i < discard ? warmupMs : samples).push(r.ms);
        if (i >= discard) frameMs.push(r.frameMs);
      }
      if (pageErrors.length) throw new Error(`page error: ${pageErrors[0]}`);
    }

    return {
      ok: true,
      samples,
      warmupMs,
      ...(steps || switching ? { frameMs } : fold ? {} : { pageMs }),
      check: [snapshot.backward[0]?.loss ?? Number.NaN],
      ...(snapshot.backward.length > 1 ? { calls: snapshot.backward.length } : {}),
      nodes: snapshot.nodes.length,
      snapshot: {
        tensors: snapshot.tensors.length,
        nodes: snapshot.nodes.length,
        edges: snapshot.edges.length,
        backwardSteps: call?.steps.length ?? 0,
        stepsTruncated: call?.stepsTruncated ?? false,
        htmlBytes: Buffer.byteLength(html),
      },
      browser: `chromium ${browser.version()}`,
      version: require('../package.json').version,
    };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// "pytorch": real PyTorch (Debian's python3-torch, 1.13.1 here) on one thread, the library
// our API copies. The cases run in Python (pytorch_peer.py), timed there with
// time.perf_counter exactly as worker.mjs times the Node peers; this module hands the job
// to a `python3 pytorch_peer.py` child and passes its result back. The interpreter is
// /usr/bin/python3 (the `python3` on PATH may be another one, without torch) unless
// BENCH_PYTHON names another.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pytorch_peer.py');
// One thread for OpenMP/MKL too (the script also calls torch.set_num_threads(1)).
const ENV = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

/**
 * Why the peer cannot run (no interpreter, no torch), or null. Run once by run.mjs before
 * any job, so a machine without PyTorch skips the peer with this note instead of failing.
 */
export function probe() {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { env: ENV, encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${PYTHON} not runnable (${r.error.code ?? r.error.message}); set BENCH_PYTHON to a Python with torch`;
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    return `${PYTHON} has no torch (${last}); on Debian: apt-get install python3-torch`;
  }
  return null;
}

/** Typed arrays do not survive JSON.stringify as lists; everything else in the data does. */
function plain(data) {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v) : v]));
}

/** Runs one job in Python; resolves to worker.mjs's result shape (ok, samples, …, or ok: false). */
export function runJob(job) {
  return new Promise((done) => {
    const child = spawn(PYTHON, [SCRIPT], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (err = (err + s).slice(-4000)));
    child.on('error', (e) => done({ ok: false, error: `${PYTHON}: ${e.message}` }));
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        done(JSON.parse(line));
      } catch {
        const tail = err.trim().split('\n').slice(-3).join(' | ');
        done({ ok: false, error: `${PYTHON} pytorch_peer.py exited (${signal ?? `code ${code}`}) without a result${tail ? `: ${tail}` : ''}` });
      }
    });
    child.stdin.end(JSON.stringify({ fn: job.fn, data: plain(job.data), plan: job.plan }));
  });
}

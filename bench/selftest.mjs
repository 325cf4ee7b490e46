// Sanity checks for the two hand-written references, which the bench trusts as ground
// truth for its correctness checks: the plain-JS matmul kernels against a naive triple
// loop (odd sizes exercise the unroll remainders) and micrograd against finite
// differences. `node bench/selftest.mjs`; no dependencies, takes well under a second.
import assert from 'node:assert/strict';
import { matmul, matmulNT, matmulTN } from './peers/plainjs.mjs';
import { Value } from './peers/micrograd.mjs';
import { mulberry32, uniform } from './lib/common.mjs';

const rand = mulberry32(42);

function naive(a, b, m, k, n, transA = false, transB = false) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

function close(got, want, what) {
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [9, 6, 13], [16, 16, 16]]) {
  const a = uniform(rand, m * k);
  const b = uniform(rand, k * n);
  close(matmul(a, b, m, k, n), naive(a, b, m, k, n), `A·B ${m}x${k}x${n}`);
  // G (m×n) · Bᵀ with B k×n → m×k
  const g = uniform(rand, m * n);
  close(matmulNT(g, b, m, n, k), naive(g, b, m, n, k, false, true), `G·Bᵀ ${m}x${k}x${n}`);
  // Aᵀ (k×m) · G (m×n) → k×n
  close(matmulTN(a, g, m, k, n), naive(a, g, k, m, n, true, false), `Aᵀ·G ${m}x${k}x${n}`);
}

// micrograd: f(x, y) = relu(x·y + x − 0.5)·tanh(y) + (x − y)², gradient vs central differences.
const f = (x, y) => {
  const X = x instanceof Value ? x : new Value(x);
  const Y = y instanceof Value ? y : new Value(y);
  const d = X.sub(Y);
  return X.mul(Y).add(X).sub(0.5).relu().mul(Y.tanh()).add(d.mul(d));
};
for (const [x0, y0] of [[0.7, -0.3], [1.2, 0.9], [-0.4, 0.2]]) {
  const x = new Value(x0);
  const y = new Value(y0);
  f(x, y).backward();
  const h = 1e-6;
  const dx = (f(x0 + h, y0).data - f(x0 - h, y0).data) / (2 * h);
  const dy = (f(x0, y0 + h).data - f(x0, y0 - h).data) / (2 * h);
  assert.ok(Math.abs(x.grad - dx) < 1e-5, `d/dx at (${x0}, ${y0}): ${x.grad} vs ${dx}`);
  assert.ok(Math.abs(y.grad - dy) < 1e-5, `d/dy at (${x0}, ${y0}): ${y.grad} vs ${dy}`);
}

console.log('bench selftest: plain-JS matmul kernels and micrograd gradients OK');

// "plainjs": hand-written Float32Array matmul forward and backward, no autograd at all.
// It is the reference for case (b): what a straightforward single-threaded JS kernel
// (loop orders that stream contiguous rows, unrolled by four)
// reaches on this machine. Only runs case (b).
//
// The kernels are checked against a naive triple loop by bench/selftest.mjs.

/**
 * C (m×n) = A (m×k) · B (k×n), row-major. i-k-j order so the inner loop streams rows
 * of B and C; k is unrolled by four so each pass over a row of C folds in four rows
 * of B (a quarter of the C loads/stores of the naive i-k-j loop).
 */
export function matmul(a, b, m, k, n, c = new Float32Array(m * n)) {
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    let p = 0;
    for (; p < k4; p += 4) {
      const s0 = a[ai + p];
      const s1 = a[ai + p + 1];
      const s2 = a[ai + p + 2];
      const s3 = a[ai + p + 3];
      const b0 = p * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        c[ci + j] += s0 * b[b0 + j] + s1 * b[b1 + j] + s2 * b[b2 + j] + s3 * b[b3 + j];
      }
    }
    for (; p < k; p++) {
      const s = a[ai + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += s * b[bp + j];
    }
  }
  return c;
}

/** C (m×k) = G (m×n) · Bᵀ where B is k×n: dot products of two contiguous rows. */
export function matmulNT(g, b, m, n, k, c = new Float32Array(m * k)) {
  const n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    const gi = i * n;
    for (let p = 0; p < k; p++) {
      const bp = p * n;
      // Four accumulators break the add dependency chain so the loop can pipeline.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < n4; j += 4) {
        s0 += g[gi + j] * b[bp + j];
        s1 += g[gi + j + 1] * b[bp + j + 1];
        s2 += g[gi + j + 2] * b[bp + j + 2];
        s3 += g[gi + j + 3] * b[bp + j + 3];
      }
      for (; j < n; j++) s0 += g[gi + j] * b[bp + j];
      c[i * k + p] = s0 + s1 + s2 + s3;
    }
  }
  return c;
}

/** C (k×n) = Aᵀ · G where A is m×k and G is m×n: four rows of G folded per pass. */
export function matmulTN(a, g, m, k, n, c = new Float32Array(k * n)) {
  const m4 = m - (m % 4);
  for (let p = 0; p < k; p++) {
    const cp = p * n;
    let i = 0;
    for (; i < m4; i += 4) {
      const s0 = a[i * k + p];
      const s1 = a[(i + 1) * k + p];
      const s2 = a[(i + 2) * k + p];
      const s3 = a[(i + 3) * k + p];
      const g0 = i * n;
      const g1 = g0 + n;
      const g2 = g1 + n;
      const g3 = g2 + n;
      for (let j = 0; j < n; j++) {
        c[cp + j] += s0 * g[g0 + j] + s1 * g[g1 + j] + s2 * g[g2 + j] + s3 * g[g3 + j];
      }
    }
    for (; i < m; i++) {
      const s = a[i * k + p];
      const gi = i * n;
      for (let j = 0; j < n; j++) c[cp + j] += s * g[gi + j];
    }
  }
  return c;
}

export async function load() {
  return { version: 'bench/peers/plainjs.mjs' };
}

export const cases = {
  matmul(_lib, data) {
    const n = data.n;
    return {
      setup() {
        return { a: Float32Array.from(data.a), b: Float32Array.from(data.b) };
      },
      run(state) {
        const { a, b } = state;
        // Forward C = A·B, then loss = C.sum(), so the upstream gradient is all ones.
        const c = matmul(a, b, n, n, n);
        let loss = 0;
        for (let i = 0; i < c.length; i++) loss += c[i];
        const g = new Float32Array(n * n).fill(1);
        state.c = c;
        state.loss = loss;
        state.da = matmulNT(g, b, n, n, n); // dA = G · Bᵀ
        state.db = matmulTN(a, g, n, n, n); // dB = Aᵀ · G
      },
      check({ loss, c, da, db }) {
        return [loss, c[0], c[c.length - 1], da[0], db[db.length - 1]];
      },
    };
  },
};

import { describe, expect, it, vi } from "vitest";
import { gemm, gemmBackend, type FloatArray } from "../engine/kernels/gemm";

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic values in [-1, 1) so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function filled(T: Ctor, n: number, next: () => number): FloatArray {
  const a = new T(n);
  for (let i = 0; i < n; i++) a[i] = next();
  return a;
}

/**
 * Naive triple loop in float64 on the stored (already rounded) inputs. Also returns
 * Σ|a·b| + |c₀| per entry: any summation order of K products is off by at most about
 * K·eps times that, so tolerances scale with K.
 */
function reference(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: FloatArray, B: FloatArray, C0: FloatArray | null,
): { value: Float64Array; magnitude: Float64Array } {
  const value = new Float64Array(M * N);
  const magnitude = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = C0 ? C0[i * N + j] : 0;
      let m = Math.abs(s);
      for (let k = 0; k < K; k++) {
        const p = A[transA ? k * M + i : i * K + k] * B[transB ? j * K + k : k * N + j];
        s += p;
        m += Math.abs(p);
      }
      value[i * N + j] = s;
      magnitude[i * N + j] = m;
    }
  }
  return { value, magnitude };
}

/** Largest |C - ref| / (Σ|a·b| + |c₀|) / (K + 2), in units of the type's epsilon. */
function errorInEps(C: FloatArray, ref: { value: Float64Array; magnitude: Float64Array }, K: number, T: Ctor): number {
  const eps = T === Float32Array ? 2 ** -23 : 2 ** -52;
  let worst = 0;
  for (let i = 0; i < ref.value.length; i++) {
    const err = Math.abs(C[i] - ref.value[i]);
    if (!(err <= (K + 2) * eps * ref.magnitude[i] + 1e-300)) {
      worst = Math.max(worst, Number.isNaN(err) ? Infinity : err / (eps * ref.magnitude[i] + 1e-300) / (K + 2));
    }
  }
  return worst;
}

/** Runs one product on fresh data and checks it against the reference. */
function check(T: Ctor, transA: boolean, transB: boolean, M: number, N: number, K: number, accumulate: boolean): void {
  const next = random(M * 1_000_003 + N * 1009 + K * 7 + (transA ? 1 : 0) + (transB ? 2 : 0));
  const A = filled(T, M * K, next);
  const B = filled(T, K * N, next);
  const C0 = filled(T, M * N, next);
  const C = C0.slice();
  gemm(transA, transB, M, N, K, A, B, C, accumulate);
  const ref = reference(transA, transB, M, N, K, A, B, accumulate ? C0 : null);
  expect(errorInEps(C, ref, K, T), `${T.name} ${M}×${N}×${K} tA=${transA} tB=${transB} acc=${accumulate}`).toBe(0);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 40, 1], // 1×N
  [40, 1, 1], // N×1
  [1, 300, 70], // row vector × matrix (wasm path)
  [300, 1, 70], // matrix × column vector (wasm path)
  [2, 3, 2000], // near-dot-product (JS path)
  [3, 5, 7],
  [17, 33, 9],
  [65, 63, 130],
  [130, 130, 1], // outer product, K = 1 (wasm path)
  [100, 32, 1], // outer product, K = 1 (JS path: a small network's backward)
  [100, 1, 32], // matrix × vector, N = 1 (JS path)
  [32, 1, 100], // N = 1 with K > M (JS path; with transA, bᵀ·A streamed)
  [7, 1, 13],
  [260, 37, 515], // crosses the 256-row and 256-k blocks with remainders
  [256, 256, 256],
];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe("gemm", () => {
  for (const T of [Float32Array, Float64Array]) {
    describe(T.name, () => {
      for (const [M, N, K] of SHAPES) {
        it(`${M}×${N}×${K}, all transposes, overwrite and accumulate`, () => {
          for (const [transA, transB] of TRANSPOSES) {
            for (const accumulate of [false, true]) check(T, transA, transB, M, N, K, accumulate);
          }
        });
      }
    });
  }

  it("uses wasm SIMD for large float32 products", () => {
    const n = 128;
    const next = random(1);
    const A = filled(Float32Array, n * n, next);
    const B = filled(Float32Array, n * n, next);
    const C = new Float32Array(n * n);
    expect(gemmBackend()).toBe("wasm-simd"); // what the next call will use
    gemm(false, false, n, n, n, A, B, C, false);
    expect(gemmBackend()).toBe("wasm-simd"); // what that call used
    const ref = reference(false, false, n, n, n, A, B, null);
    expect(errorInEps(C, ref, n, Float32Array)).toBe(0);
  });

  it("works on subarray views with a non-zero byteOffset and leaves the rest of the buffer alone", () => {
    for (const T of [Float32Array, Float64Array]) {
      for (const [M, N, K] of [[3, 5, 7], [65, 63, 130]] as const) {
        for (const [transA, transB] of TRANSPOSES) {
          for (const accumulate of [false, true]) {
            const next = random(M + N + K);
            // One shared buffer, operands at odd element offsets (byteOffset not 16-aligned),
            // each view longer than needed: only the first M·K / K·N / M·N elements count.
            const big = filled(T, 3 + M * K + 5 + K * N + 2 + M * N + 11, next);
            const original = big.slice();
            const A = big.subarray(3, 3 + M * K + 1);
            const B = big.subarray(3 + M * K + 5, 3 + M * K + 5 + K * N + 1);
            const cStart = 3 + M * K + 5 + K * N + 2;
            const C = big.subarray(cStart, cStart + M * N + 4);
            expect(C.byteOffset).toBeGreaterThan(0);
            const ref = reference(transA, transB, M, N, K, A, B, accumulate ? C.slice() : null);
            gemm(transA, transB, M, N, K, A, B, C, accumulate);
            expect(errorInEps(C, ref, K, T)).toBe(0);
            // Everything outside C[0 .. M·N) is untouched (including C's own tail).
            let changed = 0;
            for (let i = 0; i < big.length; i++) {
              if ((i < cStart || i >= cStart + M * N) && !Object.is(big[i], original[i])) changed++;
            }
            expect(changed).toBe(0);
          }
        }
      }
    }
  });

  it("handles empty dimensions", () => {
    const C = new Float32Array([1, 2, 3, 4, 5, 6]);
    gemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C, true);
    expect(Array.from(C)).toEqual([1, 2, 3, 4, 5, 6]);
    gemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C, false);
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
    gemm(false, false, 0, 3, 4, new Float32Array(0), new Float32Array(12), new Float32Array(0), false);
  });

  it("rejects arrays that are too short and bad sizes", () => {
    const a = new Float64Array(6);
    expect(() => gemm(false, false, 2, 2, 3, a, a, new Float64Array(3), false)).toThrow(RangeError);
    expect(() => gemm(false, false, 2, 3, 3, a, new Float64Array(8), a, false)).toThrow(RangeError);
    expect(() => gemm(false, false, 2.5, 2, 2, a, a, a, false)).toThrow(RangeError);
  });

  it("keeps working (in JS) when WebAssembly is unavailable", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const fresh = await import("../engine/kernels/gemm");
      expect(fresh.gemmBackend()).toBe("js");
      for (const T of [Float32Array, Float64Array]) {
        for (const [transA, transB] of TRANSPOSES) {
          const next = random(7);
          const [M, N, K] = [65, 63, 130];
          const A = filled(T, M * K, next);
          const B = filled(T, K * N, next);
          const C = filled(T, M * N, next);
          const ref = reference(transA, transB, M, N, K, A, B, C.slice());
          fresh.gemm(transA, transB, M, N, K, A, B, C, true);
          expect(errorInEps(C, ref, K, T)).toBe(0);
        }
      }
      expect(fresh.gemmBackend()).toBe("js");
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

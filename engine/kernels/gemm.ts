// gemm: the matrix-multiply kernel behind matmul (forward and both backward products).
//
//   C[M×N] (+)= op(A)·op(B)   with op(X) = X or Xᵀ, everything row-major and contiguous.
//
// The backward pass of C = A·B needs dA = dC·Bᵀ and dB = Aᵀ·dC, so the transposed forms are
// first-class here: callers never materialise a transpose.
//
// Two implementations:
//   - WebAssembly SIMD (gemm.wat, embedded by gemm-wasm.ts) for float32 and float64 products
//     big enough that copying the operands into wasm memory is cheap next to the O(M·N·K)
//     work. It packs op(A)/op(B) into cache-friendly panels and runs a register-blocked 4×8
//     (f32) / 4×4 (f64) micro-kernel: 25-33 GFLOP/s f32 and ~13 f64 on one core, versus
//     ~3 (f32) and ~2 (f64) for the plain-JS loops below.
//   - Plain JS loops for small products, mixed array types, and engines without
//     WebAssembly SIMD. The wasm module is instantiated lazily, and any failure there
//     (no WebAssembly, no SIMD, out of memory) silently selects the JS path.

import { gemmWasmBytes } from "./gemm-wasm";
import type { WasmMemory, WebAssemblyApi } from "./wasm-env";

export type FloatArray = Float32Array | Float64Array;

/**
 * Products with M·N·K below this run in JS. Measured (Node 20, per call, f32 / f64):
 *   8×8×8     wasm 0.25 / 0.5 µs   JS 0.45 / 0.45 µs
 *   16×16×16  wasm 0.6  / 1.0 µs   JS 3.1  / 4.8  µs
 *   32×32×32  wasm 3.0  / 6.0 µs   JS 24   / 42   µs
 * The copies in and out of wasm memory are plain memcpy, so the crossover is low;
 * 4096 (16³) leaves margin for call overhead on slower machines.
 */
const WASM_MIN_WORK = 4096;

/**
 * ...and M·N below this too: a near-dot-product (1×1×K, 2×3×K) fills only a corner of
 * the 4×8 register tile, and JS, with no copies, is about twice as fast there.
 */
const WASM_MIN_OUTPUTS = 8;

/** Largest wasm heap we ask for: 2 GiB keeps every byte offset below 2³¹, a positive int32. */
const WASM_MAX_BYTES = 2 ** 31;

/** Byte offset of the packed operands; bytes 0..127 are the kernel's scratch tile. */
const WASM_HEAP_START = 128;

interface GemmWasm {
  memory: WasmMemory;
  /** See gemm.wat: packs a rows×K operand (element (r,k) at src + ((r*sR + k*sK) << sh)) into W-wide panels. */
  pack(src: number, dst: number, rows: number, K: number, W: number, sR: number, sK: number, sh: number): void;
  /** See gemm.wat: C (+)= packed A · packed B. acc and f64 are 0/1 flags. */
  gemm(M: number, N: number, K: number, ap: number, bp: number, c: number, acc: number, f64: number): void;
  /** Views over memory.buffer, recreated after the memory grows (growing detaches the old buffer). */
  f32: Float32Array;
  f64: Float64Array;
}

/** undefined: not tried yet; null: unavailable (every call uses JS). */
let wasm: GemmWasm | null | undefined;
/** Backend of the most recent float32 call large enough for wasm. */
let lastLargeF32: "wasm-simd" | "js" | undefined;

function loadWasm(): GemmWasm | null {
  if (wasm !== undefined) return wasm;
  wasm = null;
  try {
    const api = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (api === undefined) return null;
    // Synchronous compile: the module is 1.6 KB, well under the 4 KB limit browsers
    // impose on synchronous compilation on the main thread. Throws without SIMD support.
    const { exports } = new api.Instance(new api.Module(gemmWasmBytes()), {});
    const memory = exports.memory as WasmMemory | undefined;
    if (typeof exports.pack !== "function" || typeof exports.gemm !== "function" || memory === undefined) {
      return null;
    }
    wasm = {
      memory,
      pack: exports.pack as GemmWasm["pack"],
      gemm: exports.gemm as GemmWasm["gemm"],
      f32: new Float32Array(memory.buffer),
      f64: new Float64Array(memory.buffer),
    };
  } catch {
    wasm = null;
  }
  return wasm;
}

/** Grows the wasm memory to at least `bytes`. False if that is impossible. */
function ensureWasmBytes(w: GemmWasm, bytes: number): boolean {
  const have = w.memory.buffer.byteLength;
  if (bytes > have) {
    if (bytes > WASM_MAX_BYTES) return false;
    try {
      w.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false;
    }
  }
  if (w.f32.buffer !== w.memory.buffer) {
    w.f32 = new Float32Array(w.memory.buffer);
    w.f64 = new Float64Array(w.memory.buffer);
  }
  return true;
}

/** Which implementation the last/next large float32 call uses (for the benchmark report). */
export function gemmBackend(): "wasm-simd" | "js" {
  return lastLargeF32 ?? (loadWasm() ? "wasm-simd" : "js");
}

/**
 * C[M×N] (+)= op(A) · op(B), all row-major and contiguous.
 * op(A) is M×K: A is stored M×K, or K×M when transA. op(B) is K×N: B is stored K×N, or N×K when transB.
 * When accumulate is false C is overwritten, otherwise added to. A, B, C share one array type.
 * Only the first M·K / K·N / M·N elements of A / B / C are used (subarray views are fine).
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: FloatArray, B: FloatArray, C: FloatArray, accumulate: boolean,
): void {
  checkArgs(M, N, K, A, B, C);
  if (M === 0 || N === 0) return;
  if (K === 0) {
    // An empty sum: C = 0 (or unchanged when accumulating).
    if (!accumulate) C.fill(0, 0, M * N);
    return;
  }

  const isF32 = A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array;
  const isF64 = A instanceof Float64Array && B instanceof Float64Array && C instanceof Float64Array;
  if ((isF32 || isF64) && M * N * K >= WASM_MIN_WORK && M * N >= WASM_MIN_OUTPUTS) {
    const ok = gemmWasm(transA, transB, M, N, K, A, B, C, accumulate, isF64);
    if (isF32) lastLargeF32 = ok ? "wasm-simd" : "js";
    if (ok) return;
  }
  gemmJs(transA, transB, M, N, K, A, B, C, accumulate);
}

function checkArgs(M: number, N: number, K: number, A: FloatArray, B: FloatArray, C: FloatArray): void {
  checkDim("M", M);
  checkDim("N", N);
  checkDim("K", K);
  if (A.length < M * K) throw new RangeError(`gemm: A has ${A.length} elements, needs ${M}×${K}`);
  if (B.length < K * N) throw new RangeError(`gemm: B has ${B.length} elements, needs ${K}×${N}`);
  if (C.length < M * N) throw new RangeError(`gemm: C has ${C.length} elements, needs ${M}×${N}`);
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
}

/**
 * The wasm path. Memory layout (bytes): [scratch tile | packed A | packed B | staging], where
 * staging first receives raw A, then raw B (each packed out of it in turn), then C.
 * Returns false, having touched nothing, when wasm is unavailable.
 */
function gemmWasm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: FloatArray, B: FloatArray, C: FloatArray, accumulate: boolean, isF64: boolean,
): boolean {
  const w = loadWasm();
  if (w === null) return false;
  const size = isF64 ? 8 : 4; // bytes per element
  const sh = isF64 ? 3 : 2; // log2(size), for the wasm side
  const MR = 4;
  const NR = isF64 ? 4 : 8; // both give 32-byte panel steps; see gemm.wat
  // Plain multiplications (not <<): sizes may exceed int32 before ensureWasmBytes rejects them.
  const ap = WASM_HEAP_START;
  const bp = ap + Math.ceil(M / MR) * MR * K * size;
  const staging = bp + Math.ceil(N / NR) * NR * K * size;
  const end = staging + Math.max(M * K, K * N, M * N) * size;
  if (!ensureWasmBytes(w, end)) return false;
  const heap = isF64 ? w.f64 : w.f32;
  const s = staging / size; // staging as an element index

  // op(A) as rows = M, k: element (i, k) is A[i*K + k], or A[k*M + i] when transposed.
  heap.set(A.length === M * K ? A : A.subarray(0, M * K), s);
  w.pack(staging, ap, M, K, MR, transA ? 1 : K, transA ? M : 1, sh);
  // op(B) as rows = N columns: element (k, j) is B[k*N + j], or B[j*K + k] when transposed.
  heap.set(B.length === K * N ? B : B.subarray(0, K * N), s);
  w.pack(staging, bp, N, K, NR, transB ? K : 1, transB ? 1 : N, sh);

  if (accumulate) heap.set(C.length === M * N ? C : C.subarray(0, M * N), s);
  w.gemm(M, N, K, ap, bp, staging, accumulate ? 1 : 0, isF64 ? 1 : 0);
  C.set(heap.subarray(s, s + M * N));
  return true;
}

// ---------------------------------------------------------------------------------------
// Plain-JS path
// ---------------------------------------------------------------------------------------

/** Reused buffers for transposing B in the (rare) transA && transB case. */
let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

function gemmJs(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: FloatArray, B: FloatArray, C: FloatArray, accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, 0, M * N);
  // Vector shapes, common in the backward of a small network (a bias column, an output layer of
  // one unit): each gets a loop over contiguous memory instead of a degenerate matrix loop.
  if (K === 1) {
    // An outer product: op(A) is a column of M values, op(B) a row of N, whatever the transposes.
    outerJs(M, N, A, B, C);
    return;
  }
  if (N === 1) {
    // op(B) is a K-vector either way. op(A)·b: dot products of A's rows, or, with A stored K×M,
    // the 1×M row bᵀ·A streamed over A's rows.
    if (transA) rowStreamJs(1, M, K, B, 0, 1, A, C);
    else dotRowsJs(M, 1, K, A, B, C);
    return;
  }
  if (transB && !transA) {
    dotRowsJs(M, N, K, A, B, C);
    return;
  }
  if (transB) {
    // Aᵀ·Bᵀ: transpose B (N×K) into a K×N scratch so the row-streaming loop applies.
    let t: FloatArray;
    if (B instanceof Float64Array) {
      if (scratch64.length < K * N) scratch64 = new Float64Array(K * N);
      t = scratch64;
    } else {
      if (scratch32.length < K * N) scratch32 = new Float32Array(K * N);
      t = scratch32;
    }
    for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) t[k * N + j] = B[j * K + k];
    B = t;
  }
  rowStreamJs(M, N, K, A, transA ? 1 : K, transA ? M : 1, B, C);
}

/** C[i,j] += a[i] · b[j]. */
function outerJs(M: number, N: number, a: FloatArray, b: FloatArray, C: FloatArray): void {
  for (let i = 0; i < M; i++) {
    const ai = a[i]!;
    const c0 = i * N;
    for (let j = 0; j < N; j++) C[c0 + j] += ai * b[j]!;
  }
}

/**
 * C[i,:] += Σ_k op(A)[i,k] · B[k,:] with B row-major K×N (i-k-j order): the inner loop walks
 * rows of B and C contiguously. Four k at a time, so each C element is loaded and stored
 * once per four multiply-adds. op(A)[i,k] = A[i*sAi + k*sAk].
 */
function rowStreamJs(
  M: number, N: number, K: number, A: FloatArray, sAi: number, sAk: number, B: FloatArray, C: FloatArray,
): void {
  for (let i = 0; i < M; i++) {
    const c0 = i * N;
    const a = i * sAi;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const a0 = A[a + k * sAk], a1 = A[a + (k + 1) * sAk];
      const a2 = A[a + (k + 2) * sAk], a3 = A[a + (k + 3) * sAk];
      const b0 = k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        C[c0 + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
      }
    }
    for (; k < K; k++) {
      const ak = A[a + k * sAk];
      const bk = k * N;
      for (let j = 0; j < N; j++) C[c0 + j] += ak * B[bk + j];
    }
  }
}

/**
 * C[i,j] += A[i,:] · B[j,:] for A M×K and B N×K (the transB case): both rows are contiguous,
 * so each entry is a dot product; four partial sums break the add dependency chain.
 */
function dotRowsJs(M: number, N: number, K: number, A: FloatArray, B: FloatArray, C: FloatArray): void {
  for (let i = 0; i < M; i++) {
    const a = i * K;
    for (let j = 0; j < N; j++) {
      const b = j * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        s0 += A[a + k] * B[b + k];
        s1 += A[a + k + 1] * B[b + k + 1];
        s2 += A[a + k + 2] * B[b + k + 2];
        s3 += A[a + k + 3] * B[b + k + 3];
      }
      for (; k < K; k++) s0 += A[a + k] * B[b + k];
      C[i * N + j] += s0 + s1 + s2 + s3;
    }
  }
}

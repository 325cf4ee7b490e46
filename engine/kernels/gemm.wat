;; gemm.wat: WebAssembly SIMD128 matrix-multiply kernels used by engine/kernels/gemm.ts.
;;
;; Compiled by `node scripts/build-wasm.mjs` into engine/kernels/gemm-wasm.ts (module bytes
;; as base64). Edit this file, then run the script and commit both.
;;
;; The module computes C[M×N] (+)= op(A)·op(B) in the GotoBLAS/BLIS style:
;;
;;   1. `pack` copies op(A) into row panels of 4 rows and op(B) into column panels of NR
;;      columns (8 for f32, 4 for f64), interleaved so that one step of k is contiguous:
;;        A panel: a(0,k) a(1,k) a(2,k) a(3,k) | a(0,k+1) ...
;;        B panel: b(k,0) ... b(k,NR-1)        | b(k+1,0) ...
;;      Transposes are handled here (only the strides differ), so the micro-kernel
;;      sees a single layout. Panels are zero-padded past the matrix edge.
;;   2. `gemm` walks C in 4×NR tiles. For each tile a micro-kernel keeps the whole tile in
;;      8 v128 registers and streams one A panel and one B panel through it:
;;      per k step it does 2 vector loads of B, 4 broadcast loads of A and 8 mul+add pairs.
;;      8 accumulators + 2 B vectors + 1 broadcast = 11 of the 16 xmm registers V8 has on
;;      x64, so nothing spills. (Measured: 4×8 f32 beat 4×12, 4×16, 6×8, 8×8 and unrolling k.)
;;
;; Blocking (all in elements):
;;   KC = 256: a B micro-panel is KC×8 f32 = 8 KB, an A micro-panel 4 KB, so both sit in
;;             the 32 KB L1 data cache for the whole k loop.
;;   MC = 256: the A block streamed once per B micro-panel is MC×KC = 256 KB f32
;;             (512 KB f64), which stays in L2.
;;   C tiles are read-modify-written once per KC block, i.e. K/256 times.
;;
;; Memory is owned by the module and grown by the caller. Bytes 0..127 are a scratch tile
;; used to store the accumulators of partial tiles at the right/bottom edge.
(module
  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------------------------
  ;; pack(src, dst, rows, K, W, sR, sK, sh)
  ;;
  ;; Packs a rows×K operand whose element (r, k) lives at src + ((r*sR + k*sK) << sh)
  ;; into ceil(rows/W) panels of W×K elements at dst (panel p, step k: the W elements
  ;; (p*W .. p*W+W-1, k) contiguous). sh = log2(element bytes): 2 for f32, 3 for f64.
  ;; W << sh must be 16 or 32 bytes (true for W = 4, 8 with f32 and W = 4 with f64).
  ;;
  ;;   A (M×K, row-major):  sR = K, sK = 1     A stored K×M (transA): sR = 1, sK = M
  ;;   B (K×N, row-major):  sR = 1, sK = N     B stored N×K (transB): sR = K, sK = 1
  ;;   (for B, "rows" are the N columns of op(B))
  ;; ---------------------------------------------------------------------------------
  (func $pack (export "pack")
    (param $src i32) (param $dst i32) (param $rows i32) (param $K i32)
    (param $W i32) (param $sR i32) (param $sK i32) (param $sh i32)
    (local $p i32) (local $w i32) (local $r i32) (local $k i32)
    (local $s i32) (local $d i32)
    (local $stepBytes i32) (local $panelBytes i32) (local $sKBytes i32)
    (local.set $stepBytes (i32.shl (local.get $W) (local.get $sh)))
    (local.set $panelBytes (i32.mul (local.get $stepBytes) (local.get $K)))
    (local.set $sKBytes (i32.shl (local.get $sK) (local.get $sh)))
    (block $panelsDone (loop $panels
      (br_if $panelsDone (i32.ge_u (local.get $p) (local.get $rows)))
      ;; w = rows in this panel (W except possibly the last one)
      (local.set $w (i32.sub (local.get $rows) (local.get $p)))
      (if (i32.gt_u (local.get $w) (local.get $W)) (then (local.set $w (local.get $W))))

      (if (i32.and (i32.eq (local.get $sR) (i32.const 1)) (i32.eq (local.get $w) (local.get $W)))
        (then
          ;; Fast path: the W elements of one k step are adjacent in src (B untransposed,
          ;; A transposed), so each step is one or two 16-byte vector copies.
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $p) (local.get $sh))))
          (local.set $d (local.get $dst))
          (local.set $k (local.get $K))
          (loop $steps
            (v128.store (local.get $d) (v128.load (local.get $s)))
            (if (i32.eq (local.get $stepBytes) (i32.const 32)) (then
              (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))))
            (local.set $s (i32.add (local.get $s) (local.get $sKBytes)))
            (local.set $d (i32.add (local.get $d) (local.get $stepBytes)))
            (br_if $steps (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else
          ;; General path: one source row at a time (contiguous reads when sK = 1),
          ;; scattered into every W-th slot of the panel. A partial last panel is
          ;; zero-filled first so the micro-kernel can treat every panel as full.
          (if (i32.lt_u (local.get $w) (local.get $W)) (then
            (memory.fill (local.get $dst) (i32.const 0) (local.get $panelBytes))))
          (local.set $r (i32.const 0))
          (loop $rowsOfPanel
            (local.set $s (i32.add (local.get $src)
              (i32.shl (i32.mul (i32.add (local.get $p) (local.get $r)) (local.get $sR)) (local.get $sh))))
            (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $r) (local.get $sh))))
            (local.set $k (local.get $K))
            (if (i32.eq (local.get $sh) (i32.const 3))
              (then (loop $k64
                (i64.store (local.get $d) (i64.load (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $sKBytes)))
                (local.set $d (i32.add (local.get $d) (local.get $stepBytes)))
                (br_if $k64 (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
              (else (loop $k32
                (i32.store (local.get $d) (i32.load (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $sKBytes)))
                (local.set $d (i32.add (local.get $d) (local.get $stepBytes)))
                (br_if $k32 (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
            (br_if $rowsOfPanel (i32.lt_u
              (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $w))))))

      (local.set $dst (i32.add (local.get $dst) (local.get $panelBytes)))
      (local.set $p (i32.add (local.get $p) (local.get $W)))
      (br $panels)))
  )

  ;; ---------------------------------------------------------------------------------
  ;; edge(c, ldc, rows, cols, acc, sh): write the valid rows×cols corner of the scratch
  ;; tile at address 0 (row stride 32 bytes) into C, adding to C when acc is set.
  ;; Only partial tiles at the matrix border come here; scalar code is fine.
  ;; ---------------------------------------------------------------------------------
  (func $edge (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32)
              (param $acc i32) (param $sh i32)
    (local $r i32) (local $q i32) (local $cp i32) (local $tp i32)
    (loop $rowLoop
      (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $tp (i32.shl (local.get $r) (i32.const 5)))
      (local.set $q (i32.const 0))
      (loop $colLoop
        (if (i32.eq (local.get $sh) (i32.const 3))
          (then (f64.store (local.get $cp)
            (f64.add (f64.load (local.get $tp))
              (if (result f64) (local.get $acc) (then (f64.load (local.get $cp))) (else (f64.const 0))))))
          (else (f32.store (local.get $cp)
            (f32.add (f32.load (local.get $tp))
              (if (result f32) (local.get $acc) (then (f32.load (local.get $cp))) (else (f32.const 0)))))))
        (local.set $cp (i32.add (local.get $cp) (i32.shl (i32.const 1) (local.get $sh))))
        (local.set $tp (i32.add (local.get $tp) (i32.shl (i32.const 1) (local.get $sh))))
        (br_if $colLoop (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $cols))))
      (br_if $rowLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))
  )

  ;; ---------------------------------------------------------------------------------
  ;; kernel32(a, b, kc, c, ldc, rows, cols, acc): the f32 4×8 micro-kernel.
  ;;   a: A micro-panel (4 floats per k), b: B micro-panel (8 floats per k), kc ≥ 1 steps.
  ;;   c: top-left of the C tile, ldc: C row stride in bytes.
  ;;   Accumulator $cR_V holds C[R][4V .. 4V+3].
  ;; ---------------------------------------------------------------------------------
  (func $kernel32
    (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (param $rows i32) (param $cols i32) (param $acc i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c0_0 v128) (local $c0_1 v128) (local $c1_0 v128) (local $c1_1 v128)
    (local $c2_0 v128) (local $c2_1 v128) (local $c3_0 v128) (local $c3_1 v128)
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $c0_0 (f32x4.add (local.get $c0_0) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c0_1 (f32x4.add (local.get $c0_1) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c1_0 (f32x4.add (local.get $c1_0) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c1_1 (f32x4.add (local.get $c1_1) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c2_0 (f32x4.add (local.get $c2_0) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c2_1 (f32x4.add (local.get $c2_1) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c3_0 (f32x4.add (local.get $c3_0) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c3_1 (f32x4.add (local.get $c3_1) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))

    (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
      (then
        ;; Full tile: vector read-modify-write of C, one row at a time.
        (call $store32 (local.get $c) (local.get $c0_0) (local.get $c0_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store32 (local.get $c) (local.get $c1_0) (local.get $c1_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store32 (local.get $c) (local.get $c2_0) (local.get $c2_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store32 (local.get $c) (local.get $c3_0) (local.get $c3_1) (local.get $acc)))
      (else
        ;; Partial tile: park the accumulators in the scratch tile, copy the valid part.
        (v128.store offset=0 (i32.const 0) (local.get $c0_0))
        (v128.store offset=16 (i32.const 0) (local.get $c0_1))
        (v128.store offset=32 (i32.const 0) (local.get $c1_0))
        (v128.store offset=48 (i32.const 0) (local.get $c1_1))
        (v128.store offset=64 (i32.const 0) (local.get $c2_0))
        (v128.store offset=80 (i32.const 0) (local.get $c2_1))
        (v128.store offset=96 (i32.const 0) (local.get $c3_0))
        (v128.store offset=112 (i32.const 0) (local.get $c3_1))
        (call $edge (local.get $c) (local.get $ldc) (local.get $rows) (local.get $cols)
                    (local.get $acc) (i32.const 2))))
  )

  ;; One row of a full f32 tile: C[row][0..7] = (acc ? C : 0) + (v0, v1).
  (func $store32 (param $p i32) (param $v0 v128) (param $v1 v128) (param $acc i32)
    (if (local.get $acc) (then
      (local.set $v0 (f32x4.add (local.get $v0) (v128.load (local.get $p))))
      (local.set $v1 (f32x4.add (local.get $v1) (v128.load offset=16 (local.get $p))))))
    (v128.store (local.get $p) (local.get $v0))
    (v128.store offset=16 (local.get $p) (local.get $v1))
  )

  ;; ---------------------------------------------------------------------------------
  ;; kernel64: the same micro-kernel for f64, 4 rows × 4 columns (two f64x2 per row),
  ;; so the register budget and the 32-byte panel steps are the same as for f32.
  ;; ---------------------------------------------------------------------------------
  (func $kernel64
    (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32)
    (param $rows i32) (param $cols i32) (param $acc i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c0_0 v128) (local $c0_1 v128) (local $c1_0 v128) (local $c1_1 v128)
    (local $c2_0 v128) (local $c2_1 v128) (local $c3_0 v128) (local $c3_1 v128)
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load64_splat (local.get $a)))
      (local.set $c0_0 (f64x2.add (local.get $c0_0) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c0_1 (f64x2.add (local.get $c0_1) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=8 (local.get $a)))
      (local.set $c1_0 (f64x2.add (local.get $c1_0) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c1_1 (f64x2.add (local.get $c1_1) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=16 (local.get $a)))
      (local.set $c2_0 (f64x2.add (local.get $c2_0) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c2_1 (f64x2.add (local.get $c2_1) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load64_splat offset=24 (local.get $a)))
      (local.set $c3_0 (f64x2.add (local.get $c3_0) (f64x2.mul (local.get $x) (local.get $b0))))
      (local.set $c3_1 (f64x2.add (local.get $c3_1) (f64x2.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))

    (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 4)))
      (then
        (call $store64 (local.get $c) (local.get $c0_0) (local.get $c0_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store64 (local.get $c) (local.get $c1_0) (local.get $c1_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store64 (local.get $c) (local.get $c2_0) (local.get $c2_1) (local.get $acc))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (call $store64 (local.get $c) (local.get $c3_0) (local.get $c3_1) (local.get $acc)))
      (else
        (v128.store offset=0 (i32.const 0) (local.get $c0_0))
        (v128.store offset=16 (i32.const 0) (local.get $c0_1))
        (v128.store offset=32 (i32.const 0) (local.get $c1_0))
        (v128.store offset=48 (i32.const 0) (local.get $c1_1))
        (v128.store offset=64 (i32.const 0) (local.get $c2_0))
        (v128.store offset=80 (i32.const 0) (local.get $c2_1))
        (v128.store offset=96 (i32.const 0) (local.get $c3_0))
        (v128.store offset=112 (i32.const 0) (local.get $c3_1))
        (call $edge (local.get $c) (local.get $ldc) (local.get $rows) (local.get $cols)
                    (local.get $acc) (i32.const 3))))
  )

  (func $store64 (param $p i32) (param $v0 v128) (param $v1 v128) (param $acc i32)
    (if (local.get $acc) (then
      (local.set $v0 (f64x2.add (local.get $v0) (v128.load (local.get $p))))
      (local.set $v1 (f64x2.add (local.get $v1) (v128.load offset=16 (local.get $p))))))
    (v128.store (local.get $p) (local.get $v0))
    (v128.store offset=16 (local.get $p) (local.get $v1))
  )

  ;; ---------------------------------------------------------------------------------
  ;; gemm(M, N, K, ap, bp, c, acc, f64)
  ;;   ap, bp: packed op(A) (4-row panels) and op(B) (NR-column panels), from `pack`.
  ;;   c: C, row-major M×N. acc: add to C instead of overwriting. f64: element type.
  ;;   M, N, K ≥ 1.
  ;; ---------------------------------------------------------------------------------
  (func (export "gemm")
    (param $M i32) (param $N i32) (param $K i32) (param $ap i32) (param $bp i32)
    (param $c i32) (param $acc i32) (param $f64 i32)
    (local $sh i32) (local $nr i32) (local $ldc i32)
    (local $pc i32) (local $kc i32) (local $ic i32) (local $iEnd i32)
    (local $i i32) (local $j i32) (local $rows i32) (local $cols i32)
    (local $aPanel i32) (local $bPanel i32) (local $cTile i32) (local $accBlock i32)
    (local.set $sh (select (i32.const 3) (i32.const 2) (local.get $f64)))
    (local.set $nr (select (i32.const 4) (i32.const 8) (local.get $f64)))
    (local.set $ldc (i32.shl (local.get $N) (local.get $sh)))
    ;; KC loop: a slice of k; after the first slice C always accumulates.
    (loop $pcLoop
      (local.set $kc (i32.sub (local.get $K) (local.get $pc)))
      (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
      (local.set $accBlock (i32.or (local.get $acc) (i32.ne (local.get $pc) (i32.const 0))))
      ;; MC loop: a block of up to 256 rows of A (its k slice stays in L2).
      (local.set $ic (i32.const 0))
      (loop $icLoop
        (local.set $iEnd (i32.add (local.get $ic) (i32.const 256)))
        (if (i32.gt_u (local.get $iEnd) (local.get $M)) (then (local.set $iEnd (local.get $M))))
        ;; NR loop: one B micro-panel (stays in L1) ...
        (local.set $j (i32.const 0))
        (loop $jLoop
          (local.set $cols (i32.sub (local.get $N) (local.get $j)))
          (if (i32.gt_u (local.get $cols) (local.get $nr)) (then (local.set $cols (local.get $nr))))
          ;; panel j/nr starts at element j*K; the slice starts pc steps of nr into it
          (local.set $bPanel (i32.add (local.get $bp) (i32.shl
            (i32.add (i32.mul (local.get $j) (local.get $K)) (i32.mul (local.get $pc) (local.get $nr)))
            (local.get $sh))))
          ;; ... against every A micro-panel of the block.
          (local.set $i (local.get $ic))
          (loop $iLoop
            (local.set $rows (i32.sub (local.get $iEnd) (local.get $i)))
            (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
            (local.set $aPanel (i32.add (local.get $ap) (i32.shl
              (i32.add (i32.mul (local.get $i) (local.get $K)) (i32.shl (local.get $pc) (i32.const 2)))
              (local.get $sh))))
            (local.set $cTile (i32.add (local.get $c) (i32.shl
              (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j))
              (local.get $sh))))
            (if (local.get $f64)
              (then (call $kernel64 (local.get $aPanel) (local.get $bPanel) (local.get $kc)
                      (local.get $cTile) (local.get $ldc) (local.get $rows) (local.get $cols)
                      (local.get $accBlock)))
              (else (call $kernel32 (local.get $aPanel) (local.get $bPanel) (local.get $kc)
                      (local.get $cTile) (local.get $ldc) (local.get $rows) (local.get $cols)
                      (local.get $accBlock))))
            (br_if $iLoop (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4)))
                                    (local.get $iEnd))))
          (br_if $jLoop (i32.lt_u (local.tee $j (i32.add (local.get $j) (local.get $nr)))
                                  (local.get $N))))
        (br_if $icLoop (i32.lt_u (local.tee $ic (local.get $iEnd)) (local.get $M))))
      (br_if $pcLoop (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (i32.const 256)))
                               (local.get $K))))
  )
)

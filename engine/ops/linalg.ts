// Matrix products. The arithmetic is kernels/gemm.ts (WebAssembly SIMD for float32 when available);
// this file handles shapes, torch's matmul dispatch rules and the graph.
import { Tensor } from "../tensor";
import { allocate, isFloating, type Storage } from "../dtype";
import { broadcastShapes, formatShape, numel } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/linalg";
import { SqueezeBackward4 } from "../gradients/shape";
import { gemm } from "../kernels/gemm";
import { expandData, toDType } from "./elementwise";
import { expand, reshape, squeeze, t, transpose, unsafeView, unsqueeze } from "./shape_ops";

function checkTensor(x: unknown, op: string, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}.`);
}

const TORCH_TYPE: Record<string, string> = { float32: "Float", float64: "Double", int64: "Long" };

/** Matrix products need one dtype (PyTorch does not promote here); int64 is computed as float32. */
function sameDType(a: Tensor, b: Tensor, op: string): [Tensor, Tensor] {
  if (a.dtype !== b.dtype) {
    const c = (d: string) => (d === "float32" ? "float" : d === "float64" ? "double" : "long");
    throw new TypeError(
      `${op}: expected m1 and m2 to have the same dtype, but got: ${c(a.dtype)} != ${c(b.dtype)} ` +
        `(PyTorch 1.13: expected scalar type ${TORCH_TYPE[a.dtype]} but found ${TORCH_TYPE[b.dtype]}); convert one with .float() or .double().`,
    );
  }
  if (isFloating(a.dtype)) return [a, b];
  return [toDType(a, "float32"), toDType(b, "float32")];
}

/**
 * @internal op(A)·op(B) for 2-D values, no graph. With transA, `a` is stored K×M; with transB, `b` is N×K.
 */
export function mmValues(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const M = transA ? a.shape[1]! : a.shape[0]!;
  const K = transA ? a.shape[0]! : a.shape[1]!;
  const N = transB ? b.shape[0]! : b.shape[1]!;
  const out = allocate(a.dtype, M * N);
  const [da, ta] = operand(a);
  const [db, tb] = operand(b);
  gemm(transA !== ta, transB !== tb, M, N, K, da, db, out, false);
  return new Tensor(out, [M, N], a.dtype);
}

/**
 * A matrix's values for gemm without a copy where the layout allows: row-major as is, or the
 * transpose of a row-major matrix (w.t(), as every Linear passes) read with gemm's transpose flag.
 */
function operand(m: Tensor): [Storage, boolean] {
  if (m._flat !== null) return [m._flat, false];
  const [rows, cols] = m.shape as [number, number];
  if (m._strides[0] === 1 && m._strides[1] === rows) return [m._storage.subarray(m._offset, m._offset + rows * cols), true];
  return [m._values, false];
}

export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, "mm", "mat2");
  if (a.shape.length !== 2) throw new RangeError(`mm: self must be a matrix (got a ${a.shape.length}-d tensor of shape ${formatShape(a.shape)}).`);
  if (b.shape.length !== 2) throw new RangeError(`mm: mat2 must be a matrix (got a ${b.shape.length}-d tensor of shape ${formatShape(b.shape)}).`);
  if (a.shape[1] !== b.shape[0]) {
    throw new RangeError(
      `mm: mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]}); ` +
        `the columns of the first (${a.shape[1]}) must equal the rows of the second (${b.shape[0]}).`,
    );
  }
  const [x, y] = sameDType(a, b, "mm");
  const out = mmValues(x, y, false, false);
  return record(out, G.MmBackward0, [x, y], () => ({ self: y.requiresGrad ? x : undefined, mat2: x.requiresGrad ? y : undefined }));
}

export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, "dot", "other");
  if (a.shape.length !== 1 || b.shape.length !== 1) {
    throw new RangeError(`dot: 1D tensors expected, but got ${a.shape.length}D and ${b.shape.length}D tensors.`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`dot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements.`);
  }
  const [x, y] = sameDType(a, b, "dot");
  let s = 0;
  for (let i = 0; i < x._values.length; i++) s += x._values[i]! * y._values[i]!;
  const out = allocate(x.dtype, 1);
  out[0] = s;
  return record(new Tensor(out, [], x.dtype), G.DotBackward0, [x, y], () => ({ self: x, tensor: y }));
}

export function mv(a: Tensor, v: Tensor): Tensor {
  checkTensor(v, "mv", "vec");
  if (a.shape.length !== 2 || v.shape.length !== 1) {
    throw new RangeError(`mv: vector + matrix @ vector expected, got ${a.shape.length}, ${v.shape.length}.`);
  }
  if (a.shape[1] !== v.shape[0]) {
    throw new RangeError(`matmul: size mismatch, got input (${a.shape[0]}x${a.shape[1]}) and vector (${v.shape[0]}); the matrix's columns must equal the vector's length.`);
  }
  const [x, y] = sameDType(a, v, "mv");
  const col = new Tensor(y._values, [y.shape[0]!, 1], y.dtype);
  const r = mmValues(x, col, false, false);
  return record(new Tensor(r._values, [x.shape[0]!], x.dtype), G.MvBackward0, [x, y], () => ({ self: x, vec: y }));
}

/** bmm: [B, n, m] @ [B, m, p], one BmmBackward0 node. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, "bmm", "mat2");
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new RangeError(`bmm: batch1 and batch2 must be 3D tensors (got ${a.shape.length}D and ${b.shape.length}D).`);
  }
  const [x, y] = sameDType(a, b, "bmm");
  const [B, n, m] = x.shape as [number, number, number];
  const [B2, m2, p] = y.shape as [number, number, number];
  if (B !== B2 || m !== m2) {
    throw new RangeError(
      `bmm: Expected size for first two dimensions of batch2 tensor to be: [${B}, ${m}] but got: [${B2}, ${m2}] (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}).`,
    );
  }
  const xs = x._values;
  const ys = y._values;
  const out = allocate(x.dtype, B * n * p);
  for (let i = 0; i < B; i++) {
    gemm(false, false, n, p, m, xs.subarray(i * n * m, (i + 1) * n * m), ys.subarray(i * m * p, (i + 1) * m * p), out.subarray(i * n * p, (i + 1) * n * p), false);
  }
  return record(new Tensor(out, [B, n, p], x.dtype), G.BmmBackward0, [x, y], () => ({ self: x, mat2: y }));
}

/** ATen's should_fold: fold the batch dims of the larger operand into an mm/mv. */
function shouldFold(a: Tensor, b: Tensor): boolean {
  const aLarger = a.shape.length >= b.shape.length;
  const t1 = aLarger ? a : transpose(b, -2, -1);
  const dimT2 = aLarger ? b.shape.length : a.shape.length;
  if (!(t1.shape.length >= 3 && dimT2 <= 2)) return false;
  if ((aLarger ? b : a).requiresGrad) return true;
  if (a.shape.length === 2) return false;
  if (t1.numel() === 0) return true;
  for (let i = 0; i < t1.shape.length - 2; i++) if (t1._strides[i] !== t1._strides[i + 1]! * t1.shape[i + 1]!) return false;
  return true;
}

/**
 * torch.matmul, dispatched as PyTorch 2.x's _matmul_impl does, so the graph has its nodes: dot, mv,
 * mm (1-d operands get a dim added then squeezed), the larger operand's batch dims folded into one
 * mm/mv (ViewBackward0 → MmBackward0 → UnsafeViewBackward0), or an expanded, reshaped bmm.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, "matmul", "other");
  const da = a.shape.length, db = b.shape.length;
  if (da === 0 || db === 0) {
    throw new RangeError(`matmul: both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D.`);
  }
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) {
    if (a.shape[0] !== b.shape[0]) {
      throw new RangeError(`matmul: mat1 and mat2 shapes cannot be multiplied (1x${a.shape[0]} and ${b.shape[0]}x${b.shape[1]}).`);
    }
    // Named as PyTorch's graph shows it: ATen squeezes in place here (SqueezeBackward4), see gradients/shape.ts.
    const r = mm(unsqueeze(a, 0), b);
    return record(new Tensor(r._values, [r.shape[1]!], r.dtype), SqueezeBackward4, [r], () => ({ dim: 0, selfShape: r.shape }));
  }
  if (da === 2 && db === 2) return mm(a, b);
  if (shouldFold(a, b)) {
    const trans = db > da;
    const t1 = trans ? transpose(b, -2, -1) : a;
    const t2 = !trans ? b : da === 2 ? t(a) : a;
    const outShape = t1.shape.slice(0, -1);
    const folded = outShape.reduce((p, v) => p * v, 1);
    const last = t1.shape[t1.shape.length - 1]!;
    const t1f = reshape(t1, [folded, last]);
    if (t2.shape.length === 2) {
      if (last !== t2.shape[0]) {
        throw new RangeError(`matmul: mat1 and mat2 shapes cannot be multiplied (${folded}x${last} and ${t2.shape[0]}x${t2.shape[1]}).`);
      }
      const out = unsafeView(mm(t1f, t2), [...outShape, t2.shape[1]!]);
      return trans ? transpose(out, -2, -1).contiguous() : out;
    }
    return unsafeView(mv(t1f, t2), outShape);
  }
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  const n = da > 1 ? a.shape[da - 2]! : 1;
  const m1 = a.shape[da - 1]!;
  const batch1 = a.shape.slice(0, Math.max(da - 2, 0));
  const m2 = db > 1 ? b.shape[db - 2]! : b.shape[0]!;
  const p = db > 1 ? b.shape[db - 1]! : 1;
  const batch2 = b.shape.slice(0, Math.max(db - 2, 0));
  if (da === 3 && db === 3 && batch1[0] !== batch2[0]) {
    if (batch1[0] === 1 && a.requiresGrad) return matmul(squeeze(a, 0), b);
    if (batch2[0] === 1 && b.requiresGrad) return matmul(a, squeeze(b, 0));
  }
  if (m1 !== m2) {
    throw new RangeError(
      `matmul: Expected size for first two dimensions of batch2 tensor to be compatible: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${m1} vs ${m2}).`,
    );
  }
  const outShape = broadcastShapes(batch1, batch2, "matmul");
  const B = numel(outShape);
  const a3 = reshape(expand(a, [...outShape, n, m1]), [B, n, m1]);
  const vectorRhs = db === 1;
  const b2 = expand(b, vectorRhs ? [...outShape, m2] : [...outShape, m2, p]);
  const b3 = vectorRhs ? unsqueeze(reshape(b2, [B, m2]), 2) : reshape(b2, [B, m2, p]);
  if (da > 1) outShape.push(n);
  if (db > 1) outShape.push(p);
  const r = bmm(a3, b3);
  return unsafeView(vectorRhs ? squeeze(r, -1) : r, outShape);
}

/** bias + mat1 @ mat2 in one node (what nn.Linear uses for 2-D input, as torch). */
export function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  if (mat1.shape.length !== 2 || mat2.shape.length !== 2 || mat1.shape[1] !== mat2.shape[0]) {
    throw new RangeError(
      `addmm: mat1 and mat2 shapes cannot be multiplied (${mat1.shape.join("x")} and ${mat2.shape.join("x")}).`,
    );
  }
  const [x, y] = sameDType(mat1, mat2, "addmm");
  const prod = mmValues(x, y, false, false);
  const M = prod.shape[0]!, N = prod.shape[1]!;
  const bs = expandData(bias, [M, N], prod.dtype);
  const o = prod._values;
  for (let i = 0; i < o.length; i++) o[i]! += bs[i]!;
  return record(prod, G.AddmmBackward0, [bias, x, y], () => ({ mat1: y.requiresGrad ? x : undefined, mat2: x.requiresGrad ? y : undefined }));
}

// Matrix products. The arithmetic is kernels/gemm.ts (WebAssembly SIMD for float32 when available);
// this file handles shapes, torch's matmul dispatch rules and the graph.
import { Tensor } from "../tensor";
import { allocate, promote } from "../dtype";
import { broadcastShapes, formatShape, numel } from "../shape";
import { record } from "../autograd/record";
import * as G from "../gradients/linalg";
import { SqueezeBackward4 } from "../gradients/shape";
import { gemm } from "../kernels/gemm";
import { expandData, toDType } from "./elementwise";
import { squeeze, unsqueeze } from "./shape_ops";

function checkTensor(x: unknown, op: string, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}.`);
}

function sameDType(a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (a.dtype === b.dtype && a.dtype !== "int64") return [a, b];
  const dt = promote(a.dtype, b.dtype) === "int64" ? "float32" : promote(a.dtype, b.dtype);
  return [a.dtype === dt ? a : toDType(a, dt), b.dtype === dt ? b : toDType(b, dt)];
}

/**
 * @internal op(A)·op(B) for 2-D values, no graph. With transA, `a` is stored K×M; with transB, `b` is N×K.
 */
export function mmValues(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const M = transA ? a.shape[1]! : a.shape[0]!;
  const K = transA ? a.shape[0]! : a.shape[1]!;
  const N = transB ? b.shape[0]! : b.shape[1]!;
  const out = allocate(a.dtype, M * N);
  gemm(transA, transB, M, N, K, a.data, b.data, out, false);
  return new Tensor(out, [M, N], a.dtype);
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
  const [x, y] = sameDType(a, b);
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
  const [x, y] = sameDType(a, b);
  let s = 0;
  for (let i = 0; i < x.data.length; i++) s += x.data[i]! * y.data[i]!;
  const out = allocate(x.dtype, 1);
  out[0] = s;
  return record(new Tensor(out, [], x.dtype), G.DotBackward0, [x, y], () => ({ self: x, tensor: y }));
}

function mv(a: Tensor, v: Tensor): Tensor {
  if (a.shape[1] !== v.shape[0]) {
    throw new RangeError(`matmul: size mismatch, got input (${a.shape[0]}x${a.shape[1]}) and vector (${v.shape[0]}); the matrix's columns must equal the vector's length.`);
  }
  const [x, y] = sameDType(a, v);
  const col = new Tensor(y.data, [y.shape[0]!, 1], y.dtype);
  const r = mmValues(x, col, false, false);
  return record(new Tensor(r.data, [x.shape[0]!], x.dtype), G.MvBackward0, [x, y], () => ({ self: x, vec: y }));
}

/** Batched product with broadcast batch dims: [..., n, m] @ [..., m, p]. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [x, y] = sameDType(a, b);
  const n = x.shape[x.shape.length - 2]!, m = x.shape[x.shape.length - 1]!;
  const m2 = y.shape[y.shape.length - 2]!, p = y.shape[y.shape.length - 1]!;
  if (m !== m2) {
    throw new RangeError(
      `matmul: Expected size for first two dimensions of batch2 tensor to be compatible: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${m} vs ${m2}).`,
    );
  }
  const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2), "matmul");
  const xs = expandData(x, [...batch, n, m]);
  const ys = expandData(y, [...batch, m, p]);
  const B = numel(batch);
  const out = allocate(x.dtype, B * n * p);
  for (let i = 0; i < B; i++) {
    gemm(false, false, n, p, m, xs.subarray(i * n * m, (i + 1) * n * m), ys.subarray(i * m * p, (i + 1) * m * p), out.subarray(i * n * p, (i + 1) * n * p), false);
  }
  return record(new Tensor(out, [...batch, n, p], x.dtype), G.BmmBackward0, [x, y], () => ({ self: x, mat2: y }));
}

/** torch.matmul's dispatch: dot, mv, mm, or a batched product (1-d operands get a dim added then removed). */
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
    return record(new Tensor(r.data, [r.shape[1]!], r.dtype), SqueezeBackward4, [r], () => ({ dim: 0, selfShape: r.shape }));
  }
  if (da === 2 && db === 2) return mm(a, b);
  const a3 = da === 1 ? unsqueeze(a, 0) : a;
  const b3 = db === 1 ? unsqueeze(b, 1) : b;
  let r = bmm(a3, b3);
  if (da === 1) r = squeeze(r, -2);
  if (db === 1) r = squeeze(r, -1);
  return r;
}

/** bias + mat1 @ mat2 in one node (what nn.Linear uses for 2-D input, as torch). */
export function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  if (mat1.shape.length !== 2 || mat2.shape.length !== 2 || mat1.shape[1] !== mat2.shape[0]) {
    throw new RangeError(
      `addmm: mat1 and mat2 shapes cannot be multiplied (${mat1.shape.join("x")} and ${mat2.shape.join("x")}).`,
    );
  }
  const [x, y] = sameDType(mat1, mat2);
  const prod = mmValues(x, y, false, false);
  const M = prod.shape[0]!, N = prod.shape[1]!;
  const bs = expandData(bias, [M, N], prod.dtype);
  const o = prod.data;
  for (let i = 0; i < o.length; i++) o[i]! += bs[i]!;
  return record(prod, G.AddmmBackward0, [bias, x, y], () => ({ mat1: y.requiresGrad ? x : undefined, mat2: x.requiresGrad ? y : undefined }));
}

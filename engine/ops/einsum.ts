// torch.einsum, computed the way ATen's einsum (aten/src/ATen/native/Linear.cpp) does, with the
// engine's own ops, so the graph has PyTorch's nodes: each operand takes the diagonal of repeated
// labels, gets size-1 dims for the labels it lacks (UnsqueezeBackward0) and is permuted to one
// common order (PermuteBackward0); a single operand then sums its contracted dims (SumBackward1);
// several are multiplied left to right, each pair by sumproduct_pair (permute → reshape → bmm →
// view → permute → view) or a plain mul when nothing is contracted.
import { Tensor } from "../tensor";
import { formatShape } from "../shape";
import { bmm, dot } from "./linalg";
import { mul } from "./elementwise";
import { sum } from "./reduce";
import { diagonal, flatten, permute, reshape, squeeze, unsqueeze, view } from "./shape_ops";

const TOTAL_LABELS = 52;

/** A-Z are labels 0..25, a-z 26..51 (PyTorch's order: the implicit output lists uppercase first). */
function labelOf(c: string, eq: string): number {
  const code = c.charCodeAt(0);
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 97 + 26;
  if (c === ".") throw new SyntaxError(`einsum: ellipsis ("...") is not supported yet in ${JSON.stringify(eq)}; write the dims out with letters.`);
  throw new SyntaxError(`einsum: invalid subscript ${JSON.stringify(c)} in ${JSON.stringify(eq)}; subscripts must be letters [a-zA-Z].`);
}

/** movedim(-1, dim): the last dim moved to position `dim` (a permute, as ATen records it). */
function moveLastTo(x: Tensor, dim: number): Tensor {
  const n = x.shape.length;
  const order: number[] = [];
  for (let i = 0; i < n - 1; i++) order.push(i);
  order.splice(dim, 0, n - 1);
  return permute(x, order);
}

/** ATen's sumproduct_pair: left · right summed over sumDims, through one bmm. Dims of equal rank, aligned. */
function sumproductPair(left0: Tensor, right0: Tensor, sumDims: readonly number[]): Tensor {
  let left = left0, right = right0;
  const dim = left.shape.length;
  const isSum = new Array<boolean>(dim).fill(false);
  for (const d of sumDims) isSum[d] = true;
  const lro: number[] = [], lo: number[] = [], ro: number[] = [];
  let lroSize = 1, loSize = 1, roSize = 1, sumSize = 1;
  for (let i = 0; i < dim; i++) {
    const sl = left.shape[i]! > 1;
    const sr = right.shape[i]! > 1;
    if (isSum[i]) {
      if (sl && sr) {
        if (left.shape[i] !== right.shape[i]) throw new RangeError("einsum: non-broadcast dimensions must match.");
        sumSize *= left.shape[i]!;
      } else if (sl) left = sum(left, i, true);
      else if (sr) right = sum(right, i, true);
    } else if (sl && sr) {
      if (left.shape[i] !== right.shape[i]) throw new RangeError("einsum: non-broadcast dimensions must match.");
      lro.push(i);
      lroSize *= left.shape[i]!;
    } else if (sl) {
      lo.push(i);
      loSize *= left.shape[i]!;
    } else {
      ro.push(i);
      roSize *= right.shape[i]!;
    }
  }
  const outSize = [...lro.map((d) => left.shape[d]!), ...lo.map((d) => left.shape[d]!), ...sumDims.map(() => 1), ...ro.map((d) => right.shape[d]!)];
  const lperm = [...lro, ...lo, ...sumDims, ...ro];
  const rperm = [...lro, ...sumDims, ...ro, ...lo];
  const operm = new Array<number>(dim).fill(-1);
  let k = 0;
  for (const d of [...lro, ...lo, ...sumDims, ...ro]) operm[d] = k++;
  const l = reshape(permute(left, lperm), [lroSize, loSize, sumSize]);
  const r = reshape(permute(right, rperm), [lroSize, sumSize, roSize]);
  let result = permute(view(bmm(l, r), outSize), operm);
  const sizes = result.shape.filter((_, i) => !isSum[i]);
  result = view(result, sizes);
  return result;
}

/** torch.einsum("ij,jk->ik", a, b): sums of products over the repeated subscripts. */
export function einsum(equation: string, ...args: Array<Tensor | readonly Tensor[]>): Tensor {
  if (typeof equation !== "string") throw new TypeError("einsum: the first argument must be the equation string, like \"ij,jk->ik\".");
  const operands: Tensor[] = args.length === 1 && Array.isArray(args[0]) ? (args[0] as Tensor[]).slice() : (args as Tensor[]);
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`einsum: operand ${i} is not a Tensor.`);
  });
  if (operands.length === 0) throw new RangeError("einsum: must provide at least one operand.");
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const terms = lhs.split(",");
  if (terms.length !== operands.length) {
    throw new RangeError(`einsum: ${terms.length} operand subscript${terms.length === 1 ? "" : "s"} in ${JSON.stringify(equation)} but ${operands.length} operand${operands.length === 1 ? "" : "s"} given.`);
  }
  const opLabels = terms.map((t) => Array.from(t, (c) => labelOf(c, equation)));
  opLabels.forEach((labels, i) => {
    if (labels.length !== operands[i]!.shape.length) {
      throw new RangeError(`einsum: the number of subscripts in the equation (${labels.length}) does not match the number of dimensions (${operands[i]!.shape.length}) for operand ${i} (shape ${formatShape(operands[i]!.shape)}).`);
    }
  });
  const count = new Array<number>(TOTAL_LABELS).fill(0);
  const lastOp = new Array<number>(TOTAL_LABELS).fill(-1);
  opLabels.forEach((labels, i) => labels.forEach((l) => {
    count[l]!++;
    lastOp[l] = i;
  }));
  // Output labels: as written, or (implicit) those appearing once, in label order.
  let outLabels: number[];
  if (arrow >= 0) {
    outLabels = Array.from(eq.slice(arrow + 2), (c) => labelOf(c, equation));
    const seen = new Set<number>();
    for (const l of outLabels) {
      if (seen.has(l)) throw new SyntaxError(`einsum: output subscript ${String.fromCharCode(l < 26 ? l + 65 : l - 26 + 97)} appears more than once in the output of ${JSON.stringify(equation)}.`);
      if (count[l] === 0) throw new SyntaxError(`einsum: output subscript ${String.fromCharCode(l < 26 ? l + 65 : l - 26 + 97)} does not appear in the equation for any input operand (${JSON.stringify(equation)}).`);
      seen.add(l);
    }
  } else {
    outLabels = [];
    for (let l = 0; l < TOTAL_LABELS; l++) if (count[l] === 1) outLabels.push(l);
  }
  const permIndex = new Array<number>(TOTAL_LABELS).fill(-1);
  let perm = 0;
  for (const l of outLabels) permIndex[l] = perm++;
  const outSize = perm;
  for (let l = 0; l < TOTAL_LABELS; l++) if (count[l]! > 0 && permIndex[l] === -1) permIndex[l] = perm++;
  const dimLastOp = new Array<number>(perm).fill(0);
  for (let l = 0; l < TOTAL_LABELS; l++) if (permIndex[l]! >= 0) dimLastOp[permIndex[l]!] = lastOp[l]!;

  // Each operand: diagonals of repeated labels, size-1 dims for missing ones, permuted to the common order.
  const size = new Array<number>(TOTAL_LABELS).fill(-1);
  const permuted = operands.map((t, i) => {
    let x = t;
    const permShape = new Array<number>(perm).fill(-1);
    const labelDim = new Array<number>(TOTAL_LABELS).fill(-1);
    let j = 0;
    opLabels[i]!.forEach((l, k) => {
      const s = t.shape[k]!;
      if (size[l] !== -1 && size[l] !== s && size[l] !== 1 && s !== 1) {
        throw new RangeError(`einsum: subscript ${String.fromCharCode(l < 26 ? l + 65 : l - 26 + 97)} has size ${s} for operand ${i} which does not broadcast with previously seen size ${size[l]}.`);
      }
      if (size[l] === -1 || size[l] === 1) size[l] = s;
      if (labelDim[l] !== -1) {
        const d = labelDim[l]!;
        x = moveLastTo(diagonal(x, 0, d, j), d);
      } else {
        labelDim[l] = j;
        permShape[permIndex[l]!] = j++;
      }
    });
    for (let p = 0; p < permShape.length; p++) {
      if (permShape[p] === -1) {
        x = unsqueeze(x, -1);
        permShape[p] = j++;
      }
    }
    return permute(x, permShape);
  });

  let result = permuted[0]!;
  if (operands.length === 1) {
    const sumDims: number[] = [];
    for (let d = outSize; d < perm; d++) sumDims.push(d);
    return sumDims.length > 0 ? sum(result, sumDims) : result;
  }
  // Dims only operand 0 has (and the output does not): sum them out now.
  let dim = outSize;
  for (let i = outSize; i < perm; i++, dim++) {
    if (dimLastOp[i] === 0) {
      result = result.shape[dim] === 1 ? squeeze(result, dim) : sum(result, dim);
      dim--;
    }
  }
  for (let i = 1; i < operands.length; i++) {
    let operand = permuted[i]!;
    const sumDims: number[] = [];
    dim = outSize;
    for (let j = outSize; j < perm; j++, dim++) {
      if (dimLastOp[j]! < i) {
        operand = squeeze(operand, dim);
        dim--;
      } else if (dimLastOp[j] === i) {
        if (result.shape[dim] === 1) {
          operand = sum(operand, dim);
          result = squeeze(result, dim);
          dim--;
        } else {
          sumDims.push(dim);
        }
      }
    }
    if (sumDims.length === 0) result = mul(result, operand);
    else if (sumDims.length === result.shape.length) result = dot(flatten(result), flatten(operand));
    else result = sumproductPair(result, operand, sumDims);
  }
  return result;
}

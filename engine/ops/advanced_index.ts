// Advanced indexing as PyTorch pairs it: `x.index(rows, cols)` ≡ `x[rows, cols]`. After the basic
// components (numbers, slices, null, "...") have made a view, the index tensors/arrays left are
// broadcast together to one shape B and read element by element: out[b] = view[i₁[b], i₂[b], …].
// The dims they index are replaced by B — in place when those dims are adjacent, at the front
// otherwise (NumPy's and PyTorch's rule). A bool mask indexes as the positions of its true elements.
// One IndexBackward0 node reads the view through a table of flat positions.
import { Tensor, type IndexSpec, type NestedArray } from "../tensor";
import { tensor } from "./creation";
import { broadcastShapes, formatShape, numel } from "../shape";
import { checkIndexTable } from "../dtype";
import { gatherFlat } from "./indexing";
import { expandData } from "./elementwise";
import * as G from "../gradients/indexing";

/** One advanced component: the dim of the view it starts at, and what was written. */
export type AdvancedSpec = Tensor | readonly number[] | readonly boolean[] | readonly (readonly number[])[];

export interface AdvancedIndex {
  dim: number;
  spec: AdvancedSpec;
}

/** How many dims of the view an index component consumes: a bool mask its ndim, anything else 1. */
export function advancedWidth(spec: AdvancedSpec): number {
  return spec instanceof Tensor && isBool(spec) ? Math.max(spec.shape.length, 1) : 1;
}

function isBool(t: Tensor): boolean {
  // The bool dtype (issue 12a) is compared as a string so this file does not depend on it.
  return (t.dtype as string) === "bool";
}

/** Index values of a component as numbers with a shape (a bool mask: one list per dim it covers). */
function componentLists(spec: AdvancedSpec, size: number): Array<{ values: ArrayLike<number>; shape: readonly number[] }> {
  if (!(spec instanceof Tensor)) {
    if (spec.every((v) => typeof v === "number")) return [{ values: spec as readonly number[], shape: [spec.length] }];
    if (spec.every((v) => typeof v === "boolean")) {
      // A list of booleans is a mask over one dim (Python's x[[True, False, True]]).
      if (spec.length !== size) throw new RangeError(`index: The shape of the mask [${spec.length}] at index 0 does not match the shape of the indexed tensor's dim of size ${size}.`);
      const at: number[] = [];
      spec.forEach((b, i) => {
        if (b) at.push(i);
      });
      return [{ values: at, shape: [at.length] }];
    }
    // Nested arrays: an index of their shape (torch.tensor checks they are rectangular numbers).
    const t = tensor(spec as NestedArray, { dtype: "float64" });
    return [{ values: t._values, shape: t.shape }];
  }
  if (!isBool(spec)) {
    const dt = spec.dtype as string;
    if (dt !== "int64" && dt !== "int32") {
      // PyTorch refuses float indices; reading 0/1 floats (a comparison's result) as positions would
      // silently pick rows 0 and 1 instead of masking.
      throw new TypeError(
        `index: tensors used as indices must be long, int or bool tensors (got ${dt}). For positions make them with { dtype: "int64" } ` +
          `(or torch.arange); to select where a condition holds use x.maskedSelect(mask), x.maskedFill(mask, v) or torch.where.`,
      );
    }
    return [{ values: spec._values, shape: spec.shape }];
  }
  // nonzero(): the coordinates of the true elements, one list per dim.
  const m = spec._values;
  const shape = spec.shape;
  const nd = Math.max(shape.length, 1);
  let count = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) count++;
  const lists = Array.from({ length: nd }, () => new Float64Array(count));
  let k = 0;
  for (let i = 0; i < m.length; i++) {
    if (m[i] === 0) continue;
    let rem = i;
    for (let d = nd - 1; d >= 0; d--) {
      const size = shape.length === 0 ? 1 : shape[d]!;
      lists[d]![k] = rem % size;
      rem = Math.floor(rem / size);
    }
    k++;
  }
  return lists.map((values) => ({ values, shape: [count] }));
}

/** Flat offsets (in row-major units of `shape`) of every element of the sub-grid over `dims`, row-major. */
function offsetsOver(shape: readonly number[], strides: readonly number[], dims: readonly number[]): Int32Array {
  let n = 1;
  for (const d of dims) n *= shape[d]!;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const idx = new Array<number>(dims.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let j = dims.length - 1; j >= 0; j--) {
      const d = dims[j]!;
      idx[j]!++;
      off += strides[d]!;
      if (idx[j]! < shape[d]!) break;
      off -= strides[d]! * idx[j]!;
      idx[j] = 0;
    }
  }
  return out;
}

/** `view` indexed by the advanced components (dims ascending, as index() finds them). */
export function advancedIndex(view: Tensor, comps: readonly AdvancedIndex[]): Tensor {
  const shape = view.shape;
  // Expand bool masks into one integer list per dim they cover.
  const dims: number[] = [];
  const lists: Array<{ values: ArrayLike<number>; shape: readonly number[] }> = [];
  for (const c of comps) {
    const parts = componentLists(c.spec, shape[c.dim] ?? 0);
    const spec = c.spec;
    if (spec instanceof Tensor && isBool(spec)) {
      spec.shape.forEach((s, j) => {
        if (shape[c.dim + j] !== s) {
          throw new RangeError(`index: The shape of the mask ${formatShape(spec.shape)} at index ${j} does not match the shape of the indexed tensor ${formatShape(shape)} at index ${c.dim + j}.`);
        }
      });
    }
    parts.forEach((p, j) => {
      dims.push(c.dim + j);
      lists.push(p);
    });
  }
  let B: number[] = [];
  for (const l of lists) B = broadcastShapes(B, l.shape, "index (shape mismatch: indexing tensors could not be broadcast together)");
  const nB = numel(B);
  checkIndexTable(nB);
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  // Offset of every b in B: Σ_j index_j[b] · stride(dim_j), each index checked against its dim.
  const adv = new Int32Array(nB);
  lists.forEach((l, j) => {
    const d = dims[j]!;
    const size = shape[d]!;
    const vals = l.shape.length === B.length && l.shape.every((s, i) => s === B[i]) ? l.values : expandData(new Tensor(Float64Array.from(l.values), l.shape.slice(), "float64"), B);
    const st = strides[d]!;
    for (let b = 0; b < nB; b++) {
      let v = vals[b]!;
      if (!Number.isInteger(v)) throw new TypeError(`index: index ${v} is not an integer; index tensors hold integer positions (use .long()).`);
      if (v < -size || v >= size) throw new RangeError(`index: index ${v} is out of bounds for dimension ${d} with size ${size}.`);
      if (v < 0) v += size;
      adv[b] = adv[b]! + v * st;
    }
  });
  const rest = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const adjacent = dims.every((d, j) => j === 0 || d === dims[j - 1]! + 1);
  const first = dims[0]!;
  const before = adjacent ? rest.filter((d) => d < first) : [];
  const after = adjacent ? rest.filter((d) => d > first) : rest;
  const outShape = [...before.map((d) => shape[d]!), ...B, ...after.map((d) => shape[d]!)];
  const offB = offsetsOver(shape, strides, before);
  const offA = offsetsOver(shape, strides, after);
  checkIndexTable(offB.length * nB * offA.length);
  const map = new Int32Array(offB.length * nB * offA.length);
  let k = 0;
  for (let i = 0; i < offB.length; i++) {
    const ob = offB[i]!;
    for (let b = 0; b < nB; b++) {
      const o = ob + adv[b]!;
      for (let a = 0; a < offA.length; a++) map[k++] = o + offA[a]!;
    }
  }
  return gatherFlat(view, map, outShape, G.IndexBackward0, {});
}

/** True for an index component that is advanced (a tensor with dims or an array). */
export function isAdvanced(s: IndexSpec): s is AdvancedSpec {
  return (s instanceof Tensor && !(s.shape.length === 0 && s.dtype === "int64")) || Array.isArray(s);
}

// Shape arithmetic shared by every op: sizes, strides, broadcasting, dim normalisation.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** NumPy/PyTorch broadcasting; the error text is torch's, prefixed with the op. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}. ` +
          `Shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together; reshape or unsqueeze one of them.`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Wrap a possibly negative dim into [0, ndim); torch's IndexError text. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1); // 0-dim tensors accept dim 0 / -1 like torch
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(
      `${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim}).`,
    );
  }
  return dim < 0 ? dim + n : dim;
}

export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: expected a shape (array of sizes), got ${typeof shape}.`);
  for (const s of shape) {
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0) {
      throw new RangeError(`${op}: invalid size ${String(s)} in shape ${JSON.stringify(shape)}; sizes are non-negative integers.`);
    }
  }
  return shape.slice() as number[];
}

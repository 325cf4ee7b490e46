// Derivatives of cat and stack: each input gets its own slice of the gradient.
import type { GradientSpec } from "../autograd/node";

export const CatBackward0: GradientSpec<{ dim: number; sizes: readonly number[] }> = {
  name: "CatBackward0",
  inputs: ["tensors"],
  formulas: (s, n) => Array.from({ length: n }, (_, i) => {
    const start = s.sizes.slice(0, i).reduce((a, b) => a + b, 0);
    return `grad.narrow(${s.dim}, ${start}, ${s.sizes[i]})`;
  }),
  gradFunc: (g, s, needs) => {
    let off = 0;
    return s.sizes.map((size, i) => {
      const part = needs[i] ? g.narrow(s.dim, off, size) : null;
      off += size;
      return part;
    });
  },
};

export const StackBackward0: GradientSpec<{ dim: number; count: number }> = {
  name: "StackBackward0",
  inputs: ["tensors"],
  formulas: (s, n) => Array.from({ length: n }, (_, i) => `grad.select(${s.dim}, ${i})`),
  gradFunc: (g, s, needs) => Array.from({ length: s.count }, (_, i) => (needs[i] ? g.select(s.dim, i) : null)),
};

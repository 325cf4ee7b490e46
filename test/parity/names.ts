// PyTorch 1.13 (Debian's python3-torch, our reference here) → PyTorch 2.x node names. The product
// follows 2.x; where 1.13 records another node for the same program, its name is rewritten to 2.x's
// before comparing. Every entry says what 2.x does and why (checked against PyTorch 2.x's
// tools/autograd/derivatives.yaml and aten/src/ATen/native/TensorShape.cpp, LinearAlgebra.cpp).
import type { GraphNode } from "./capture";

/** A 1.13 graph node as harness.py reports it (ReshapeAlias nodes carry their input's contiguity). */
export type TorchNode = GraphNode & { inputContiguous?: boolean | null };

/**
 * Unconditional renames. derivatives.yaml numbers the overloads of one op in file order; 2.x added
 * `squeeze.dims(Tensor self, int[] dim)` (x.squeeze((0, 1))), which took number 2 and shifted the
 * in-place ones by one. 1.13 has no squeeze.dims, so its numbers 2 and 3 can only be the in-place ones.
 */
export const RENAMES_113_TO_2X: Readonly<Record<string, string>> = {
  // x.squeeze_(): 1.13 squeeze_(Tensor self) is SqueezeBackward2; 2.x lists squeeze.dims before it → SqueezeBackward3.
  SqueezeBackward2: "SqueezeBackward3",
  // x.squeeze_(d): 1.13 squeeze_.dim is SqueezeBackward3; 2.x → SqueezeBackward4.
  SqueezeBackward3: "SqueezeBackward4",
  // x.norm(p) / torch.norm: 1.13 records norm.ScalarOpt_dim (NormBackward1); 2.x's torch.norm
  // (torch/functional.py) calls torch.linalg.vector_norm for a numeric p → LinalgVectorNormBackward0.
  NormBackward1: "LinalgVectorNormBackward0",
};

/**
 * reshape: 1.13's at::reshape returns `_reshape_alias` (ReshapeAliasBackward0) whenever the new
 * shape can be a view. 2.x's reshape_symint first takes a fast path — `if (self.is_contiguous())
 * return self.view_symint(proposed_shape);` — so a viewable reshape (and flatten, and matmul's
 * folding reshape, which call it) of a contiguous tensor records ViewBackward0; only a viewable
 * reshape of a non-contiguous tensor still goes through _reshape_alias (ReshapeAliasBackward0 in
 * 2.x too). harness.py tells whether the input was contiguous (from the leaf or a named tensor, through
 * the transposes, permutes and no-op expands matmul inserts); when it cannot tell, the name is kept
 * and shows as a difference.
 */
function reshapeAlias(node: TorchNode): string {
  return node.inputContiguous === true ? "ViewBackward0" : node.name;
}

/*
 * Differences of graph *shape* between 1.13 and 2.x that no rename fixes; the random generator
 * avoids these programs (see random.ts), and hand-written cases do not use them:
 * - matmul of two 3-D tensors whose batch sizes differ with one of them 1: 2.x's _matmul_impl first
 *   squeezes the size-1 batch of an operand that requires grad (`tensor1.squeeze(0)`) and folds,
 *   1.13 expands it and calls bmm.
 * - matmul of a ≥3-D tensor with a 1-D/2-D one: 1.13 always folds the ≥3-D operand into one mm/mv
 *   (UnsafeView → Mm → View); 2.x's should_fold folds only when the 1-D/2-D operand requires grad or
 *   the ≥3-D one's strides allow it, and otherwise expands and calls bmm. The random programs give
 *   the 1-D/2-D operand requires_grad in these cases, where both versions fold.
 */

export function normaliseNode(node: TorchNode): GraphNode {
  const name = node.name === "ReshapeAliasBackward0" ? reshapeAlias(node) : (RENAMES_113_TO_2X[node.name] ?? node.name);
  const out: GraphNode = { name, next: node.next };
  if (node.leaf !== undefined) out.leaf = node.leaf;
  return out;
}

export function normaliseGraph(graph: readonly TorchNode[] | null): GraphNode[] | null {
  return graph === null ? null : graph.map(normaliseNode);
}

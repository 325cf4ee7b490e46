// THE list of what our engine does not match in PyTorch yet, each with the reason. The suite asserts
// that each listed case still differs (vitest `it.fails`): when the engine is fixed, that test fails
// and says to remove the entry here. Keys are case names from cases.ts.
// `PARITY_UPDATE_EXPECTED=1 npx vitest run test/parity` rewrites the random list below.
// The engine follows PyTorch 2.x: entries that are 1.13's own ways (TORCH1_ONLY, and random programs
// whose gist names 1.13) apply only when the reference is PyTorch 1.x (CI's Debian python3-torch);
// against 2.x (checked with 2.6) those cases must match.

export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {
  // 2.x's repeat_interleave(int repeats) is unsqueeze → expand → clone → flatten (Repeat.cpp,
  // repeat_interleave_symint); 1.13 built an index and called index_select (IndexSelectBackward0).
  "x.repeat_interleave(2, 1)": "graph: ours ViewBackward0 ← CloneBackward0 ← ExpandBackward0 ← UnsqueezeBackward0 (2.x) where 1.13 has IndexSelectBackward0",
  // sumproduct_pair reshapes a permuted operand that is contiguous in PyTorch's sense (a size-1
  // dim out of place): 1.13 records ReshapeAliasBackward0, 2.x's reshape views it (ViewBackward0),
  // as for random programs 48/79/123 below.
  // PyTorch's SplitBackward0 has one output per piece (an edge from piece k carries input number k);
  // ours gives each piece its own node with one output (README, Limits), so edges say 0.
  "x.chunk(2, 1): both pieces": "graph: the edge from the second piece is (SplitBackward0, 0) where PyTorch has (SplitBackward0, 1)",
  "torch.einsum('bij,bjk->bik')": "graph: ours ViewBackward0 where PyTorch 1.13 has ReshapeAliasBackward0 (2.x: ViewBackward0)",
};

/** Cases of EXPECTED_FAILURES that differ from PyTorch 1.13 only (they match 2.x). */
export const TORCH1_ONLY: ReadonlySet<string> = new Set(["x.repeat_interleave(2, 1)", "torch.einsum('bij,bjk->bik')"]);

/** Whether an expected difference applies to the reference PyTorch (1.x or 2.x). */
export function expectedFor(reason: string | undefined, key: string | number, torch1x: boolean): string | undefined {
  if (reason === undefined || torch1x) return reason;
  const only1x = typeof key === "string" ? TORCH1_ONLY.has(key) : /PyTorch 1\.13 has/.test(reason);
  return only1x ? undefined : reason;
}

/**
 * Random programs (index at the default seed and count of random.ts) that differ from PyTorch today,
 * with the gist of the first difference. Listed programs may differ; one that matches now fails the
 * suite until it is removed here; an unlisted one that differs fails it with a repro. Rewrite it
 * from the engine as it is with `PARITY_UPDATE_EXPECTED=1 npx vitest run test/parity`.
 */
export const RANDOM_EXPECTED_TO_DIFFER: Readonly<Record<number, string>> = {
  // All three: reshape of an intermediate that is contiguous in PyTorch's sense (a transposed
  // size-1 dim, e.g. l4.mT of a [2, 4, 1] inside matmul's fold). 1.13 has no contiguous fast path
  // and records ReshapeAliasBackward0; 2.x's reshape views a contiguous input (ViewBackward0, what
  // we record). names.ts can only rename when it can tell the input's contiguity, not here.
  48: "graph: ours ViewBackward0 where PyTorch 1.13 has ReshapeAliasBackward0 (2.x: ViewBackward0)",
  79: "graph: ours ViewBackward0 where PyTorch 1.13 has ReshapeAliasBackward0 (2.x: ViewBackward0)",
  123: "graph: ours ViewBackward0 where PyTorch 1.13 has ReshapeAliasBackward0 (2.x: ViewBackward0)",
  // F.linear of a 1-D input with a bias: 2.x's _flatten_nd_linear views it [1, in] around one addmm
  // (ViewBackward0 ← AddmmBackward0 ← ViewBackward0, what we record); 1.13 ran matmul, then add.
  153: "graph: ours ViewBackward0 where PyTorch 1.13 has AddBackward0 (2.x: ViewBackward0 ← AddmmBackward0)",
  216: "graph: ours ViewBackward0 where PyTorch 1.13 has AddBackward0 (2.x: ViewBackward0 ← AddmmBackward0)",
};

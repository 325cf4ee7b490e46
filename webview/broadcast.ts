// Broadcasting in backward, in words: when an input was broadcast to the result's shape, its
// gradient is the incoming gradient summed over the broadcast dimensions. The step text and the
// inspector say so ("b was broadcast from [2] to [4×2], so its gradient is summed over dim 0 (4
// rows): [4×2] → [2]") — the step learners most often get wrong.
import { formatShape } from "./format";

/** The dimensions (of `out`) a gradient of `out`'s shape is summed over to get `input`'s, or null when `input` was not broadcast to `out`. */
export function broadcastDims(out: readonly number[], input: readonly number[]): number[] | null {
  if (input.length > out.length) return null;
  const dims: number[] = [];
  const lead = out.length - input.length;
  for (let i = 0; i < out.length; i++) {
    const o = out[i]!;
    if (i < lead) {
      dims.push(i);
      continue;
    }
    const d = input[i - lead]!;
    if (d === o) continue;
    if (d === 1) dims.push(i);
    else return null;
  }
  return dims.length ? dims : null;
}

function dimWords(out: readonly number[], d: number): string {
  const n = out[d]!;
  if (out.length === 2) return `${n} ${d === 0 ? (n === 1 ? "row" : "rows") : n === 1 ? "column" : "columns"}`;
  return `size ${n}`;
}

/**
 * "b was broadcast from [2] to [4×2], so its gradient is summed over dim 0 (4 rows): [4×2] → [2]";
 * null when the gradient sent has the incoming gradient's shape (nothing was summed).
 */
export function broadcastNote(name: string, incoming: readonly number[], sent: readonly number[]): string | null {
  const dims = broadcastDims(incoming, sent);
  if (!dims) return null;
  const over = dims.length === 1 ? `dim ${dims[0]} (${dimWords(incoming, dims[0]!)})` : `dims ${dims.join(", ")} (${dims.map((d) => dimWords(incoming, d)).join(", ")})`;
  return `${name} was broadcast from ${formatShape(sent)} to ${formatShape(incoming)}, so its gradient is summed over ${over}: ${formatShape(incoming)} → ${formatShape(sent)}`;
}

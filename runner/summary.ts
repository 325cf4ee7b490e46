// A short text summary of a snapshot, for the command line.
import type { GraphSnapshot } from "../shared/protocol";
import { formatScalar } from "../shared/dot";

export function summarize(s: GraphSnapshot, file: string): string {
  const graphTensors = s.tensors.filter((t) => t.kind !== "constant");
  const acc = s.nodes.filter((n) => n.kind === "accumulate").length;
  const steps = s.backward.reduce((a, c) => a + c.steps.length, 0);
  const lines = [
    `${file}: traced in ${Math.round(s.durationMs)} ms · ${graphTensors.length} tensors · ${s.nodes.length} grad_fn nodes (${acc} AccumulateGrad) · ` +
      `${s.backward.length} backward call${s.backward.length === 1 ? "" : "s"} (${steps} steps)`,
  ];
  const out = s.tensors.find((t) => t.id === s.output);
  if (out) lines.push(`output ${out.label} = ${formatScalar(out.value)}${out.gradFn ? ` (grad_fn ${s.nodes.find((n) => n.id === out.gradFn)?.name ?? "?"})` : ""}`);
  const named = graphTensors.filter((t) => t.name !== undefined).slice(0, 12);
  if (named.length > 0) {
    lines.push(...named.map((t) => `  ${t.name!.padEnd(8)} ${t.kind.padEnd(12)} value ${formatScalar(t.value).padEnd(10)} grad ${formatScalar(t.grad)}`));
  }
  const losses = s.backward.map((c) => c.loss).filter((l): l is number => l !== undefined);
  if (losses.length > 1) lines.push(`loss: ${formatScalar({ shape: [], dtype: "float64", numel: 1, values: [losses[0]!], truncated: false })} → ${formatScalar({ shape: [], dtype: "float64", numel: 1, values: [losses[losses.length - 1]!], truncated: false })} over ${losses.length} calls`);
  if (s.nodesEvicted) lines.push(`note: the graphs of the earliest backward calls (${s.nodesEvicted} grad_fn nodes) were left out to stay within the node cap (${s.limits.nodeCap}); the newest calls are whole`);
  if (s.nodesTruncated) lines.push(`note: recording stopped at the node cap (${s.limits.nodeCap}); the snippet itself ran to the end`);
  return lines.join("\n");
}

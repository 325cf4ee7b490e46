// GraphSnapshot → Graphviz DOT: tensors as boxes, grad_fn nodes as ellipses, edges in the
// direction gradients flow (as torchviz draws them). Pure; used by the CLI and the graph view.
import { formatNumber, formatShape, SHORT_DIGITS } from "./format";
import type { GraphSnapshot, TensorInfo, ValueSummary } from "./protocol";

/** Quote a string for DOT (names come from user code). */
function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** A value in a DOT box or the CLI's summary: the number of a one-element value, else its shape. */
export function formatScalar(v: ValueSummary | null | undefined): string {
  if (!v) return "—";
  if (v.numel === 1) return formatNumber(v.values[0]!, SHORT_DIGITS);
  return formatShape(v.shape);
}

export function toDot(s: GraphSnapshot): string {
  const lines = [`digraph autograd {`, `  rankdir=RL;`, `  node [fontname="Helvetica", fontsize=11];`];
  const byId = new Map<string, TensorInfo>(s.tensors.map((t) => [t.id, t]));
  for (const t of s.tensors) {
    if (t.kind === "constant") continue;
    const color = t.kind === "leaf" ? "lightblue" : t.kind === "output" ? "darkolivegreen1" : "white";
    const label = `${t.label}\\nvalue ${formatScalar(t.value)}\\ngrad ${formatScalar(t.grad)}`;
    lines.push(`  ${q(t.id)} [shape=box, style=filled, fillcolor=${color}, label=${q(label).replace(/\\\\n/g, "\\n")}];`);
  }
  for (const n of s.nodes) {
    lines.push(`  ${q(n.id)} [shape=ellipse, label=${q(n.name)}];`);
    // A tensor and the node that made it: gradient flows from the tensor into its grad_fn;
    // an AccumulateGrad hands its gradient to the leaf's .grad.
    if (n.tensor && byId.has(n.tensor)) {
      if (n.kind === "accumulate") lines.push(`  ${q(n.id)} -> ${q(n.tensor)} [style=dashed];`);
      else lines.push(`  ${q(n.tensor)} -> ${q(n.id)} [style=dashed];`);
    }
  }
  for (const e of s.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(String(e.index))}];`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

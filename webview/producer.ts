// What made the graph, for the header's badge (issue 15): real PyTorch ("pytorch 1.13.1", a Python
// trace) or our own engine ("autograd-lens"); absent in snapshots from before the field existed.
import type { GraphSnapshot } from "../shared/protocol";

export interface ProducerBadge {
  text: string;
  title: string;
}

export function producerBadge(s: GraphSnapshot): ProducerBadge | null {
  const p = s.producer?.trim();
  if (!p) return null;
  const torch = /^pytorch\s+(\S+)$/i.exec(p);
  if (torch) {
    return {
      text: `PyTorch ${torch[1]}`,
      title: `Recorded by PyTorch ${torch[1]} running your Python file: the grad_fn names, values, gradients and the order of the backward steps are PyTorch's own.`,
    };
  }
  const python = /^python\s+(\S+)$/i.exec(p);
  if (python) return { text: `Python ${python[1]}`, title: `Run by Python ${python[1]}, which did not get as far as importing PyTorch.` };
  if (p === "autograd-lens") {
    return { text: "Autograd Lens engine", title: "Recorded by Autograd Lens's own PyTorch-like engine running your snippet." };
  }
  return { text: p, title: `Recorded by ${p}.` };
}

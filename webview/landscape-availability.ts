// Whether the Landscape tab is offered for a snapshot (the output is a scalar made by an op, the
// program was recorded, and it depends on a leaf that requires grad), shown disabled with the
// reason (the program cannot be replayed), or absent.
import type { GraphSnapshot, ProgramInfo } from "../shared/protocol";
import * as replay from "../engine/replay/index";
import { formatShape } from "../shared/format";

type Candidate = replay.Candidate;

/** Whether the tab is offered for a snapshot, and what with. */
export type Availability =
  | { kind: "absent"; reason: string }
  | { kind: "disabled"; reason: string }
  | { kind: "ok"; program: ProgramInfo; output: string; outputLabel: string; candidates: Candidate[] };

/** The tab's availability for a snapshot (the contract's section 3). */
export function landscapeAvailability(s: GraphSnapshot): Availability {
  const outId = s.output;
  const out = outId ? s.tensors.find((t) => t.id === outId) : undefined;
  if (!outId || !out) return { kind: "absent", reason: "The trace has no output tensor." };
  if (out.value.numel !== 1) return { kind: "absent", reason: `The output ${out.label} is not a scalar (shape ${formatShape(out.shape)}).` };
  if (!out.gradFn) return { kind: "absent", reason: `The output ${out.label} is not made by an op.` };
  const program = s.program;
  if (!program) return { kind: "absent", reason: "This trace has no recorded program (traced by an older version)." };
  if (program.unavailable) return { kind: "disabled", reason: `The landscape cannot be drawn: ${program.unavailable}` };
  let raw: Candidate[];
  try {
    raw = replay.candidateInputs(program, outId);
  } catch (e) {
    return { kind: "disabled", reason: `The landscape cannot be drawn: ${(e as Error).message}` };
  }
  if (!raw.length) {
    // No candidates: either nothing to vary, or the program cannot re-run the output (a missing rule).
    const problem = replay.landscapeProblem(program, outId, []);
    if (problem === null || /choose at least one input/.test(problem)) return { kind: "absent", reason: `The output ${out.label} depends on no leaf that requires grad.` };
    return { kind: "disabled", reason: `The landscape cannot be drawn: ${problem}` };
  }
  return { kind: "ok", program, output: outId, outputLabel: out.label, candidates: raw };
}


// Test helper: record a computation written against the engine in-process with the runner's own
// Recorder (no sandbox), so engine tests get a real GraphSnapshot.program of what they ran.
import * as engine from "../../engine/index";
import { Recorder, type EngineModule } from "../../runner/recorder";
import type { GraphSnapshot, ProgramInfo, RunLimits } from "../../shared/protocol";

type Torch = typeof engine.torch;
type Tensor = engine.Tensor;

export interface Traced {
  program: ProgramInfo;
  /** Tensor id of what fn returned (else the snapshot's output). */
  output: string;
  snapshot: GraphSnapshot;
  /** Tensor id of a named tensor (`torch.tensor(v, { name })` or `t.name = …`). */
  id(name: string): string;
}

export function trace(fn: (torch: Torch) => Tensor | void, limits: Partial<RunLimits> = {}): Traced {
  const rec = new Recorder(engine as unknown as EngineModule, {
    fileName: "inline.ts",
    language: "typescript",
    limits: { timeoutMs: 5000, nodeCap: 5000, valueCap: 1_000_000, stepCap: 2000, memoryMb: 4096, ...limits },
  });
  rec.install();
  let out: Tensor | void;
  let snapshot: GraphSnapshot;
  try {
    out = fn(engine.torch);
  } finally {
    snapshot = rec.snapshot(0);
    engine.setAllocationLimit(Number.POSITIVE_INFINITY);
  }
  const output = out ? `t${out.id}` : snapshot.output!;
  return {
    program: snapshot.program!,
    output,
    snapshot,
    id(name: string) {
      const t = snapshot.tensors.find((x) => x.name === name || x.label === name);
      if (!t) throw new Error(`no tensor named ${name}`);
      return t.id;
    },
  };
}

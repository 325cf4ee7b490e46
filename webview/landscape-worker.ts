// Web Worker entry of the Landscape tab: re-evaluates the traced program (the engine's replay) off
// the main thread. esbuild bundles this file with the engine into one script that is inlined into
// the webview bundle as a string (__LANDSCAPE_WORKER_SOURCE__) and started from a Blob URL, like
// the layout worker.
//
// The page sends the program once ("program"), then grid / grad / descend requests; each answer
// carries the request's id. A grid is evaluated in chunks with a "progress" message after each and
// stops with `cancelled` when its time budget runs out. The page cancels by terminating the worker.
import * as replay from "../engine/replay/index";
import type { ProgramInfo } from "../shared/protocol";

type Varied = replay.Varied;
export type DescentMethod = replay.DescentMethod;

export type LandscapeRequest =
  | { id: number; kind: "program"; program: ProgramInfo }
  | { id: number; kind: "grid"; output: string; vary: Varied[]; points: Float64Array; count: number; budgetMs: number }
  | { id: number; kind: "grad"; output: string; vary: Varied[]; point: number[] }
  | { id: number; kind: "descend"; output: string; vary: Varied[]; start: number[]; method: DescentMethod; lr: number; steps: number };

export type LandscapeResponse =
  | { id: number; kind: "progress"; done: number; count: number }
  | { id: number; kind: "grid"; ok: true; values: Float64Array; ms: number }
  | { id: number; kind: "grad"; ok: true; value: number; grad: number[] }
  | { id: number; kind: "descend"; ok: true; steps: replay.DescentStep[]; diverged: boolean; reason?: string }
  | { id: number; kind: "error"; ok: false; error: string; cancelled: boolean; /** The error's class name ("ReplayError": the program cannot do it). */ name: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<LandscapeRequest>) => void) | null;
  postMessage(message: LandscapeResponse, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
let program: ProgramInfo | undefined;

/** Points per chunk: about 20 progress messages per grid, at least 64 points each. */
const chunkSize = (count: number) => Math.max(64, Math.ceil(count / 20));

function handle(req: LandscapeRequest): void {
  if (req.kind === "program") {
    program = req.program;
    return;
  }
  if (!program) throw new Error("no program was sent to the worker");
  switch (req.kind) {
    case "grid": {
      const started = performance.now();
      const deadline = started + req.budgetMs;
      const n = req.vary.length;
      const values = new Float64Array(req.count);
      const stop = () => performance.now() > deadline;
      const size = chunkSize(req.count);
      for (let from = 0; from < req.count; from += size) {
        const count = Math.min(size, req.count - from);
        const part = replay.evaluateBatch(program, req.output, req.vary, req.points.subarray(from * n, (from + count) * n), count, stop);
        values.set(part, from);
        if (from + count < req.count) {
          if (stop()) throw new replay.ReplayCancelled();
          scope.postMessage({ id: req.id, kind: "progress", done: from + count, count: req.count });
        }
      }
      scope.postMessage({ id: req.id, kind: "grid", ok: true, values, ms: performance.now() - started }, [values.buffer]);
      return;
    }
    case "grad": {
      const r = replay.evaluateWithGrad(program, req.output, req.vary, req.point);
      scope.postMessage({ id: req.id, kind: "grad", ok: true, value: r.value, grad: r.grad });
      return;
    }
    case "descend": {
      const r = replay.descend(program, req.output, req.vary, req.start, { method: req.method, lr: req.lr, steps: req.steps });
      scope.postMessage({ id: req.id, kind: "descend", ok: true, steps: r.steps, diverged: r.diverged, reason: r.reason });
      return;
    }
  }
}

scope.onmessage = (event) => {
  const req = event.data;
  try {
    handle(req);
  } catch (e) {
    const cancelled = e instanceof replay.ReplayCancelled;
    scope.postMessage({ id: req.id, kind: "error", ok: false, error: e instanceof Error ? e.message : String(e), cancelled, name: e instanceof Error ? e.name : "Error" });
  }
};

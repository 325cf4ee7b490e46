// Web Worker entry: runs layeredLayout off the main thread, so a big graph does not freeze the
// view. The UI posts a LayoutRequest and gets back a LayoutResponse with the same `id` (a newer
// request can supersede an older one: the UI ignores answers whose id is not its latest).
//
//   const worker = new Worker(workerUrl);
//   worker.onmessage = (e: MessageEvent<LayoutResponse>) => { if (e.data.id === latest) apply(e.data) };
//   worker.postMessage({ id: ++latest, nodes, edges, options } satisfies LayoutRequest);
import { layeredLayout, type LayoutEdge, type LayoutNode, type LayoutOptions, type LayoutResult } from "./layout";

export interface LayoutRequest {
  id: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  options: LayoutOptions;
}

export type LayoutResponse =
  | { id: number; ok: true; result: LayoutResult; /** Time spent in layeredLayout. */ ms: number }
  | { id: number; ok: false; error: string };

/** What this entry uses of DedicatedWorkerGlobalScope (that type lives in the webworker lib). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(message: LayoutResponse): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, nodes, edges, options } = event.data;
  try {
    const started = performance.now();
    const result = layeredLayout(nodes, edges, options);
    scope.postMessage({ id, ok: true, result, ms: performance.now() - started });
  } catch (e) {
    scope.postMessage({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};

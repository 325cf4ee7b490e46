// Web Worker entry: runs the layout (groupedLayout: layeredLayout per open group) off the main thread,
// so a big graph does not freeze the
// view. The UI posts a LayoutRequest and gets back a LayoutResponse with the same `id` (a newer
// request can supersede an older one: the UI ignores answers whose id is not its latest).
//
//   const worker = new Worker(workerUrl);
//   worker.onmessage = (e: MessageEvent<LayoutResponse>) => { if (e.data.id === latest) apply(e.data) };
//   worker.postMessage({ id: ++latest, nodes, edges, options } satisfies LayoutRequest);
import type { LayoutEdge, LayoutOptions } from "./layout";
import { groupedLayout, type FrameRoom, type GroupedLayoutNode, type GroupedLayoutResult, type LayoutGroup } from "./layout-groups";

export interface LayoutRequest {
  id: number;
  nodes: GroupedLayoutNode[];
  edges: LayoutEdge[];
  /** Open groups, laid out as blocks (layout-groups.ts); none: one layered layout. */
  groups?: LayoutGroup[];
  room?: FrameRoom;
  options: LayoutOptions;
}

export type LayoutResponse =
  | { id: number; ok: true; result: GroupedLayoutResult; /** Time spent in groupedLayout. */ ms: number }
  | { id: number; ok: false; error: string };

/** What this entry uses of DedicatedWorkerGlobalScope (that type lives in the webworker lib). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(message: LayoutResponse): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, nodes, edges, groups, room, options } = event.data;
  try {
    const started = performance.now();
    const result = groupedLayout(nodes, edges, groups ?? [], options, room ?? { pad: 0, label: 0 });
    scope.postMessage({ id, ok: true, result, ms: performance.now() - started });
  } catch (e) {
    scope.postMessage({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};

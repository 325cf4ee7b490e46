// Where the graph view's layouts run: layout.ts on the page, or in a Web Worker (layout-worker.ts,
// bundled and inlined by the build, started from a Blob URL) for big graphs, falling back to the
// page when the worker cannot start or fails.
import { BOX } from "./box";
import type { LayoutEdge, LayoutOptions } from "./layout";
import { groupedLayout, type FrameRoom, type GroupedLayoutNode, type GroupedLayoutResult as LayoutResult, type LayoutGroup } from "./layout-groups";
import type { LayoutRequest, LayoutResponse } from "./layout-worker";
import type { Scene } from "./scene";

/** The layout worker's bundled source, injected by the build (esbuild `define`); undefined when not built in. */
declare const __LAYOUT_WORKER_SOURCE__: string | undefined;

/**
 * Lay out in a Web Worker above this many drawn nodes. Below it the layout takes a few hundred
 * milliseconds at most on the page, less than starting a worker costs: a fresh worker compiles
 * and runs the layout cold, which for ~2,000 nodes took twice as long as the page's warm run.
 */
export const WORKER_NODES = 2500;

/** What a group's frame takes around its members (scene.ts's groupFrames draws it there). */
export const FRAME_ROOM: FrameRoom = { pad: BOX.groupPad, label: BOX.groupLabel };

export class LayoutRunner {
  private worker: Worker | null | undefined;
  private workerUrl: string | null = null;
  private workerSeq = 0;
  private readonly pending = new Map<number, { resolve(r: LayoutResult): void; reject(e: Error): void }>();
  private disposed = false;

  constructor(readonly workerNodes: number = WORKER_NODES) {}

  private layoutOptions(direction: "LR" | "TB"): LayoutOptions {
    return direction === "LR" ? { direction: "LR", rankSep: 28, nodeSep: 14 } : { direction: "TB", rankSep: 18, nodeSep: 16 };
  }

  /**
   * Positions for the scene: in the worker for big graphs (when it can be created), else here.
   * Open groups are laid out as blocks (layout-groups.ts), each as big as its frame.
   */
  async run(scene: Scene, direction: "LR" | "TB"): Promise<{ result: LayoutResult; ranIn: "worker" | "main" | "none"; ms: number }> {
    const nodes: GroupedLayoutNode[] = scene.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height, order: n.order, ...(n.parent !== undefined ? { parent: n.parent } : {}) }));
    const edges: LayoutEdge[] = scene.edges.map((e) => ({ source: e.source, target: e.target }));
    const groups: LayoutGroup[] = [...scene.groups].map(([id, g]) => ({ id, labelWidth: g.labelWidth, ...(g.parent !== undefined ? { parent: g.parent } : {}) }));
    const options = this.layoutOptions(direction);
    const started = performance.now();
    if (nodes.length === 0) {
      return { result: { positions: {}, width: 0, height: 0, ranks: 0, blocks: {} }, ranIn: "none", ms: 0 };
    }
    if (nodes.length > this.workerNodes) {
      const worker = this.ensureWorker();
      if (worker) {
        try {
          const result = await this.layoutInWorker(worker, { id: 0, nodes, edges, groups, room: FRAME_ROOM, options });
          return { result, ranIn: "worker", ms: performance.now() - started };
        } catch {
          if (this.disposed) return { result: { positions: {}, width: 0, height: 0, ranks: 0, blocks: {} }, ranIn: "none", ms: 0 };
          // The worker failed (it could not start, or threw): lay out here instead.
          this.dropWorker();
        }
      }
      // Let the page paint whatever it shows meanwhile before the long synchronous run.
      await new Promise((r) => setTimeout(r, 0));
    }
    const result = groupedLayout(nodes, edges, groups, options, FRAME_ROOM);
    return { result, ranIn: "main", ms: performance.now() - started };
  }

  /** Starts the worker now (a big graph is coming: it boots while the scene is measured). */
  ensureWorker(): Worker | null {
    if (this.worker !== undefined) return this.worker;
    this.worker = null;
    const source = typeof __LAYOUT_WORKER_SOURCE__ === "string" ? __LAYOUT_WORKER_SOURCE__ : undefined;
    if (!source || typeof Worker !== "function" || typeof Blob !== "function" || typeof URL.createObjectURL !== "function") return null;
    try {
      this.workerUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      const worker = new Worker(this.workerUrl);
      worker.onmessage = (e: MessageEvent<LayoutResponse>) => {
        const p = this.pending.get(e.data.id);
        if (!p) return;
        this.pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.result);
        else p.reject(new Error(e.data.error));
      };
      const fail = () => {
        for (const p of this.pending.values()) p.reject(new Error("layout worker failed"));
        this.pending.clear();
        this.dropWorker();
      };
      worker.onerror = (e) => {
        e.preventDefault();
        fail();
      };
      worker.onmessageerror = fail;
      this.worker = worker;
    } catch {
      // Typically a Content-Security-Policy without `worker-src blob:`.
      this.dropWorker();
    }
    return this.worker;
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
    if (this.workerUrl) URL.revokeObjectURL(this.workerUrl);
    this.workerUrl = null;
  }

  private layoutInWorker(worker: Worker, req: LayoutRequest): Promise<LayoutResult> {
    const id = ++this.workerSeq;
    return new Promise<LayoutResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...req, id } satisfies LayoutRequest);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.pending.values()) p.reject(new Error("disposed"));
    this.pending.clear();
    this.dropWorker();
  }
}

// The graph view's public types (webview/graph-view.ts): its options, directions, viewport and timings.

export interface GraphViewOptions {
  container: HTMLElement;
  direction: Direction;
  flow: "data" | "gradient";
  onSelect(id: string | null): void;
  /** Double click, or Enter on the selected node. */
  onActivate?(id: string): void;
  /** Lay out in a worker above this many drawn nodes (default WORKER_NODES). */
  workerNodes?: number;
  /** Fold module calls and repeated structure into boxes (fold.ts); default off. */
  folding?: boolean;
}

/** "auto": whichever of LR and TB shows the graph larger in the pane. */
export type Direction = "LR" | "TB" | "auto";

export interface Viewport {
  zoom: number;
  pan: { x: number; y: number };
}

/** How long the last setGraph/re-layout took, for status lines and tests. */
export interface GraphViewTimings {
  layoutMs: number;
  /** "worker", "main" (synchronous on the page), or "none" (empty graph). */
  layoutIn: "worker" | "main" | "none";
  /** setGraph call → first paint. */
  firstPaintMs: number;
  /** The last setReplay call's own time. */
  replayMs: number;
  /** The last toggleGroup: click → the frame showing the group opened or closed painted. */
  foldMs: number;
}

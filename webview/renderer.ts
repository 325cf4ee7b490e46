// What graph-view.ts asks of a drawing, so the view's logic (layout, replay state, selection,
// search, fit) is written once over both: cytoscape for ordinary graphs (cy-renderer.ts) and our
// own canvas for big ones (canvas-renderer.ts). A renderer reads the view's state through
// RenderContext when it draws, and reports clicks back through it.
import type { ValueSummary } from "../shared/protocol";
import type { Scene } from "./scene";
import type { Theme } from "./theme";
import type { StepMarks } from "./step-overlay";
import { settleWithin } from "./settle";

export type Point = { x: number; y: number };

/** The visible window: zoom, pan (rendered px of model origin), pane size and the zoom limits. */
export interface ViewportState {
  zoom: number;
  pan: Point;
  w: number;
  h: number;
  min: number;
  max: number;
}

/** The drawing's extent in model coordinates. */
export interface Extent {
  x1: number;
  y1: number;
  w: number;
  h: number;
}

/** The view's state as renderers read it at draw time, and where they report the user's clicks. */
export interface RenderContext {
  readonly container: HTMLElement;
  scene(): Scene | null;
  positions(): Record<string, Point>;
  theme(): Theme;
  flow(): "data" | "gradient";
  /** The direction the current layout has (edge labels sit above LR edges). */
  direction(): "LR" | "TB";
  /** The grad a tensor box shows now (the replay's, or the final one). */
  gradOf(id: string): ValueSummary | null;
  /** The drawn id of the selection (a collapsed group when its member is selected). */
  selectedDrawn(): string | null;
  /** The drawn ids of the search matches. */
  matchedDrawn(): ReadonlySet<string>;
  /** The current backward step as drawn (node and edges, with their values). */
  currentStep(): StepMarks;
  /** A click on a node (its view id) or on the background (null). */
  tapped(viewId: string | null): void;
  /** Double click on a node (not a group). */
  activated(viewId: string): void;
  /** A click on a closed group (opens it), a double click on a group's frame (closes it). */
  toggleGroup(id: string): void;
}

export interface Renderer {
  readonly kind: "cytoscape" | "canvas";
  viewport(): ViewportState | null;
  setViewport(zoom: number, pan: Point): void;
  /** Draws the context's scene anew (after a layout). */
  show(): void;
  /** The positions changed (another direction): moves what is drawn. */
  move(): void;
  /** Theme, flow or direction changed. */
  restyle(): void;
  /** The replay changed: the grads in the boxes and the current step. */
  showReplay(): void;
  /** The current step only (the grads are unchanged). */
  showStep(): void;
  /** The selection changed; `center`: bring it into view. */
  showSelection(center: boolean): void;
  showMatches(): void;
  /** Where a drawn node's centre is on the container (CSS pixels), or null. */
  renderedPosition(id: string): Point | null;
  zoomBy(factor: number): void;
  /** Resolves once the next frame of this drawing has been rendered. */
  nextFrame(): Promise<void>;
  /** The whole drawing as a PNG data URL body (base64), or "" when there is nothing. */
  exportPng(extent: Extent | null): string;
  /** The container's size changed. */
  resize(): void;
  destroy(): void;
}

/** The biggest PNG side and area Chromium's canvas handles comfortably. */
const PNG_MAX_SIDE = 16000;
const PNG_MAX_AREA = 120_000_000;
/** Room around the graph in PNG exports (model units). */
export const PNG_MARGIN = 16;

/** Scale of a PNG export of `w × h` model units: 2, less for huge graphs. */
export function pngScale(w: number, h: number): number {
  return Math.min(2, PNG_MAX_SIDE / w, PNG_MAX_SIDE / h, Math.sqrt(PNG_MAX_AREA / (w * h)));
}

/**
 * Resolves once the drawing's next frame has been rendered: it draws in an animation frame
 * callback (cytoscape's or the canvas view's), and a task posted from there runs after that
 * frame's style, layout and paint. After a second it resolves anyway (a hidden page has no frames).
 */
export function framePainted(drawing: Renderer): Promise<void> {
  return settleWithin(1000, (finish) => {
    void drawing.nextFrame().then(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = finish;
      channel.port2.postMessage(null);
    });
  });
}

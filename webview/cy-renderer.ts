// Ordinary graphs drawn by cytoscape. A cytoscape node has one label with one font and colour, so a
// tensor box's name is its label and its other texts (value, grad, …) are label-only "tag" nodes
// that cannot be clicked, placed where box.ts says (cy-style.ts builds the elements and the stylesheet). The
// step, the selection and the search matches are classes on the elements; only what changed is
// touched.
import cytoscape from "cytoscape";
import type { Core, EventObject, NodeSingular } from "cytoscape";
import type { ValueSummary } from "../shared/protocol";
import { tooltipOf } from "./box";
import { boxTags, cyElements, cyStylesheet, NO_FLOW, tagClasses, tuneRenderer } from "./cy-style";
import { PNG_MARGIN, pngScale, type Extent, type Point, type RenderContext, type Renderer, type ViewportState } from "./renderer";

export class CyRenderer implements Renderer {
  readonly kind = "cytoscape";
  readonly cy: Core;
  /** The layout direction the stylesheet was made for (edge labels sit above LR edges). */
  private styledFor: "LR" | "TB";
  /** Tensor boxes drawn, and the grad each shows. */
  private readonly shownGrad = new Map<string, ValueSummary | null>();
  private markedStep: string[] = [];
  private markedEdges: string[] = [];
  private markedSelection: string | null = null;
  private markedMatches: string[] = [];
  /** What the last two clicks hit (view ids, or a group's id): cytoscape reports any two quick clicks as a double click. */
  private lastTap: string | null = null;
  private previousTap: string | null = null;

  constructor(private readonly ctx: RenderContext) {
    this.styledFor = ctx.direction();
    const cy = cytoscape({
      container: ctx.container,
      elements: [],
      style: cyStylesheet(ctx.theme(), ctx.flow(), this.styledFor),
      layout: { name: "preset" },
      minZoom: 0.01,
      maxZoom: 5,
      boxSelectionEnabled: false,
      autounselectify: true,
      autoungrabify: true,
      motionBlur: false,
    });
    tuneRenderer(cy);
    cy.on("tap", (e: EventObject) => {
      if (e.target !== cy) return;
      this.previousTap = this.lastTap;
      this.lastTap = null;
      ctx.tapped(null);
    });
    cy.on("tap", "node", (e: EventObject) => {
      const id = this.viewIdOf(e.target as NodeSingular);
      this.previousTap = this.lastTap;
      this.lastTap = id ?? (e.target as NodeSingular).id();
      if (id) ctx.tapped(id);
      // A click opens a closed group.
      else if ((e.target as NodeSingular).hasClass("collapsed")) ctx.toggleGroup((e.target as NodeSingular).id());
    });
    // The full name (boxes elide long ones) and value as the tooltip.
    cy.on("mouseover", "node", (e: EventObject) => {
      const id = this.viewIdOf(e.target as NodeSingular);
      const d = id ? ctx.scene()?.byId.get(id) : undefined;
      ctx.container.title = d ? (d.box ? tooltipOf(d.box) : d.label) : "";
    });
    cy.on("mouseout", "node", () => {
      ctx.container.title = "";
    });
    cy.on("dbltap", "node", (e: EventObject) => {
      const node = e.target as NodeSingular;
      if (this.previousTap !== this.lastTap) return;
      if (node.hasClass("group")) {
        ctx.toggleGroup(node.id());
        return;
      }
      if (node.hasClass("collapsed")) return;
      const id = this.viewIdOf(node);
      if (id) ctx.activated(id);
    });
    this.cy = cy;
  }

  /** The view node a drawn node stands for (null for groups). */
  private viewIdOf(node: NodeSingular): string | null {
    const box = node.data("box") as string | undefined;
    if (box) return box;
    if (node.hasClass("group") || node.hasClass("collapsed")) return null;
    return node.id();
  }

  viewport(): ViewportState {
    const cy = this.cy;
    return { zoom: cy.zoom(), pan: cy.pan(), w: cy.width(), h: cy.height(), min: cy.minZoom(), max: cy.maxZoom() };
  }

  setViewport(zoom: number, pan: Point): void {
    this.cy.viewport({ zoom, pan });
  }

  show(): void {
    const scene = this.ctx.scene();
    if (!scene) return;
    // The panes around the graph were filled while the layout ran, which may have changed its size:
    // refresh cytoscape's now, so the fit and the first frame use the real one (the ResizeObserver
    // would only do it after that frame, and resizing clears the canvases).
    this.resize();
    if (this.styledFor !== this.ctx.direction()) this.restyle();
    this.shownGrad.clear();
    this.markedStep = [];
    this.markedEdges = [];
    this.markedSelection = null;
    this.markedMatches = [];
    const elements = cyElements(scene, this.ctx.positions(), (id) => {
      const grad = this.ctx.gradOf(id);
      this.shownGrad.set(id, grad);
      return grad;
    });
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().remove();
      cy.add(elements);
      this.markStep();
      this.markSelection();
      this.markMatches();
    });
  }

  move(): void {
    const scene = this.ctx.scene();
    if (!scene) return;
    const positions = this.ctx.positions();
    const cy = this.cy;
    this.restyle();
    cy.batch(() => {
      for (const n of scene.nodes) {
        const p = positions[n.id];
        if (!p) continue;
        cy.getElementById(n.id).position(p);
        if (scene.rich) for (const tag of boxTags(n, p, null)) cy.getElementById(tag.id).position(tag.position);
      }
    });
  }

  restyle(): void {
    this.styledFor = this.ctx.direction();
    this.cy.style(cyStylesheet(this.ctx.theme(), this.ctx.flow(), this.styledFor));
  }

  showReplay(): void {
    const cy = this.cy;
    const scene = this.ctx.scene();
    cy.batch(() => {
      for (const [id, shown] of this.shownGrad) {
        const want = this.ctx.gradOf(id);
        if (shown === want) continue;
        this.shownGrad.set(id, want);
        const n = scene?.byId.get(id);
        if (!n) continue;
        // Every tag whose text or tone changes with the grad (box.ts decides which).
        for (const tag of boxTags(n, { x: 0, y: 0 }, want)) {
          const ele = cy.getElementById(tag.id);
          const label = tag.text.text || NO_FLOW;
          if (ele.data("label") !== label) ele.data("label", label);
          const classes = tagClasses(tag.text);
          if (ele.classes().join(" ") !== classes) ele.classes(classes);
        }
      }
      this.markStep();
    });
  }

  showStep(): void {
    this.cy.batch(() => this.markStep());
  }

  /** The node being run and the edges carrying gradient (dashed, labelled with the value). Call inside a batch. */
  private markStep(): void {
    const cy = this.cy;
    for (const id of this.markedStep) cy.getElementById(id).removeClass("step");
    for (const id of this.markedEdges) cy.getElementById(id).removeClass("current incoming").data("flow", NO_FLOW);
    this.markedStep = [];
    this.markedEdges = [];
    const cur = this.ctx.currentStep();
    if (cur.node) {
      cy.getElementById(cur.node).addClass("step");
      this.markedStep.push(cur.node);
    }
    for (const e of cur.edges) {
      cy.getElementById(e.id).data("flow", e.flow).addClass(e.incoming ? "incoming" : "current");
      this.markedEdges.push(e.id);
    }
  }

  showSelection(center: boolean): void {
    const cy = this.cy;
    cy.batch(() => this.markSelection());
    if (center && this.markedSelection) {
      if (cy.zoom() < 0.6) cy.zoom(1);
      cy.center(cy.getElementById(this.markedSelection));
    }
  }

  private markSelection(): void {
    const cy = this.cy;
    if (this.markedSelection) cy.getElementById(this.markedSelection).removeClass("sel");
    this.markedSelection = null;
    const id = this.ctx.selectedDrawn();
    if (!id) return;
    const ele = cy.getElementById(id);
    if (ele.empty()) return;
    ele.addClass("sel");
    this.markedSelection = id;
  }

  showMatches(): void {
    this.cy.batch(() => this.markMatches());
  }

  private markMatches(): void {
    const cy = this.cy;
    for (const id of this.markedMatches) cy.getElementById(id).removeClass("match");
    this.markedMatches = [...this.ctx.matchedDrawn()];
    for (const id of this.markedMatches) cy.getElementById(id).addClass("match");
  }

  renderedPosition(id: string): Point | null {
    const ele = this.cy.getElementById(id);
    if (ele.empty()) return null;
    const p = ele.renderedPosition();
    return { x: p.x, y: p.y };
  }

  zoomBy(factor: number): void {
    const cy = this.cy;
    if (!(factor > 0)) return;
    const level = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), cy.zoom() * factor));
    cy.zoom({ level, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  nextFrame(): Promise<void> {
    return new Promise((resolve) => this.cy.one("render", () => resolve()));
  }

  exportPng(_extent: Extent | null): string {
    const cy = this.cy;
    if (cy.elements().empty()) return "";
    const bb = cy.elements().boundingBox();
    // cy.png crops to the elements: two invisible corner nodes give the picture a margin.
    const pad = cy.add([
      { group: "nodes", data: { id: "png:pad1", label: NO_FLOW }, classes: "pad", position: { x: bb.x1 - PNG_MARGIN, y: bb.y1 - PNG_MARGIN } },
      { group: "nodes", data: { id: "png:pad2", label: NO_FLOW }, classes: "pad", position: { x: bb.x2 + PNG_MARGIN, y: bb.y2 + PNG_MARGIN } },
    ]);
    try {
      // cytoscape multiplies the scale by its pixel ratio.
      const scale = pngScale(bb.w + 2 * PNG_MARGIN, bb.h + 2 * PNG_MARGIN) / (window.devicePixelRatio || 1);
      return cy.png({ output: "base64", full: true, scale, bg: this.ctx.theme().background });
    } finally {
      pad.remove();
    }
  }

  /** Cytoscape caches its container's size: tell it when that changed (only then: cy.resize() redraws everything). */
  resize(): void {
    const cy = this.cy;
    const c = this.ctx.container;
    if (cy.width() !== c.clientWidth || cy.height() !== c.clientHeight) cy.resize();
  }

  destroy(): void {
    this.cy.destroy();
  }
}

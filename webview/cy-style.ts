// Cytoscape as the graph view uses it (ordinary graphs; big ones are drawn by canvas-view.ts): its
// stylesheet, built from the theme and box.ts's sizes, the elements of a scene (a tensor box's name
// is its node's label; every other text box.ts gives it — value, grad, … — is a label-only tag node
// placed where box.ts says, in its font and tone), and two changes to its renderer.
import type { Core, ElementDefinition, StylesheetJson } from "cytoscape";
import { BOX, nameSlot, tensorBoxTexts, type BoxText, type BoxTone } from "./box";
import type { Drawn, Scene } from "./scene";
import type { Theme } from "./theme";
import type { ValueSummary } from "../shared/protocol";

/** The label-only node of a tensor box's text of `role` ("value", "grad", …). */
export const tagId = (id: string, role: string) => `tag:${role}:${id}`;

/** A tag's classes: its font and its tone (the stylesheet has a rule for each). */
export const tagClasses = (b: BoxText) => `tag ${b.font} tone-${b.tone}`;

const TONES: BoxTone[] = ["foreground", "grad", "muted", "opText"];

/**
 * The label of an edge outside the current step: a zero-width space, never empty (nor blank) — a
 * label turning empty or non-empty makes cytoscape re-sort every element by z-order on the next frame.
 */
export const NO_FLOW = "\u200b";

/** Up to this many elements (nodes, edges, tags) cytoscape draws each frame directly. */
const DIRECT_DRAW_MAX = 150;

/**
 * Two changes to cytoscape's canvas renderer (internal API: 3.34, pinned in package.json; a method
 * that is not there is left alone), both for the first frame, which on the benchmark machine took
 * over 100 ms for the textbook's 14 nodes:
 *
 * - Small graphs are drawn element by element straight onto the canvas, not through the texture
 *   caches. The caches pay off when hundreds of elements are panned, but building them costs a fresh
 *   off-screen canvas per element and per layer: 30–40 ms of that frame. Cytoscape's own fallback
 *   (when no layer is cached) draws the same way; this takes that path from the start.
 * - The drag and selection-box layers (canvases 1 and 0) get no pixels. Nothing can be dragged or
 *   box-selected here (autoungrabify, boxSelectionEnabled: false), yet the renderer clears both every
 *   frame, which allocated them (about 7 ms each) and had them composited again. At 0×0 they cost
 *   nothing; style.css hides them too.
 */
export function tuneRenderer(cy: Core): void {
  type Fn = (...args: unknown[]) => unknown;
  // The renderer is not part of cytoscape's typings (cy.renderer() is internal API).
  const r = (cy as unknown as { renderer?: () => Record<string, unknown> }).renderer?.();
  if (!r) return;
  const layered = r.drawLayeredElements;
  const underlay = r.drawElementUnderlay;
  const element = r.drawElement;
  if (typeof layered === "function" && typeof underlay === "function" && typeof element === "function") {
    r.drawLayeredElements = function (context: unknown, eles: ArrayLike<unknown>, ...rest: unknown[]) {
      if (eles.length > DIRECT_DRAW_MAX) return (layered as Fn).call(r, context, eles, ...rest);
      for (let i = 0; i < eles.length; i++) {
        (underlay as Fn).call(r, context, eles[i]);
        (element as Fn).call(r, context, eles[i]);
      }
    };
  }
  const match = r.matchCanvasSize;
  const canvases = (r.data as { canvases?: unknown } | undefined)?.canvases;
  if (typeof match === "function" && Array.isArray(canvases)) {
    const unused = canvases.slice(0, 2).filter((c): c is HTMLCanvasElement => c instanceof HTMLCanvasElement);
    const empty = () => {
      for (const c of unused) if (c.width || c.height) c.width = c.height = 0;
    };
    r.matchCanvasSize = function (...args: unknown[]) {
      const result = (match as Fn).apply(r, args);
      empty();
      return result;
    };
    empty();
  }
}

/** Cytoscape's style (ordinary graphs only: big ones are drawn by canvas-view.ts). */
export function cyStylesheet(t: Theme, flow: "data" | "gradient", direction: "LR" | "TB"): StylesheetJson {
  const arrow = flow === "gradient" ? "source" : "target";
  const rules: Array<{ selector: string; style: Record<string, string | number | number[]> }> = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        shape: "round-rectangle",
        "corner-radius": 6,
        "background-color": t.boxFill,
        "border-width": t.borderWidth,
        "border-color": t.boxBorder,
        color: t.foreground,
        "font-family": t.fontUi,
        "font-size": BOX.textSize,
        "text-valign": "center",
        "text-halign": "center",
      },
    },
    { selector: "node[w]", style: { width: "data(w)", height: "data(h)" } },
    { selector: "node.pad", style: { width: 1, height: 1, "background-opacity": 0, "border-width": 0, events: "no" } },
    {
      selector: "node.tensor",
      style: { "font-weight": "bold", "font-size": BOX.nameSize, "text-margin-x": "data(lmx)", "text-margin-y": "data(lmy)" },
    },
    { selector: "node.leaf", style: { "border-color": t.leaf, "border-width": t.borderWidth + 0.8 } },
    { selector: "node.output", style: { "border-color": t.output, "border-width": t.borderWidth + 0.8 } },
    {
      selector: "node.op",
      style: {
        "corner-radius": BOX.pillHeight / 2,
        "background-color": t.opFill,
        "border-color": t.opBorder,
        color: t.opText,
      },
    },
    { selector: "node.op.user", style: { "border-style": "dashed", "border-width": t.borderWidth + 0.8 } },
    {
      selector: "node.tag",
      style: {
        width: 1,
        height: 1,
        "background-opacity": 0,
        "border-width": 0,
        events: "no",
        "text-halign": "right",
        "text-valign": "center",
        "font-family": t.fontMono,
        "font-size": BOX.textSize,
        color: t.foreground,
      },
    },
    { selector: "node.tag.ui", style: { "font-family": t.fontUi } },
    { selector: "node.tag.name", style: { "font-family": t.fontUi, "font-weight": "bold", "font-size": BOX.nameSize } },
    ...TONES.map((tone) => ({ selector: `node.tag.tone-${tone}`, style: { color: t[tone] } })),
    {
      selector: "node.group",
      style: {
        shape: "round-rectangle",
        "corner-radius": 8,
        "background-color": t.groupFill,
        "border-width": 1,
        "border-style": "dashed",
        "border-color": t.groupBorder,
        padding: BOX.groupPad,
        label: "data(label)",
        color: t.muted,
        "font-size": BOX.groupFont,
        "font-family": t.fontMono,
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -2,
      },
    },
    {
      selector: "node.collapsed",
      style: {
        "border-style": "dashed",
        "border-width": 1.5,
        "border-color": t.muted,
        "background-color": t.groupFill,
        color: t.muted,
        "font-family": t.fontMono,
        "text-margin-x": "data(lmx)",
        "text-margin-y": "data(lmy)",
      },
    },
    { selector: "node.step", style: { "border-width": 3.5, "border-color": t.step } },
    {
      selector: "node.sel",
      style: { "outline-width": 2.5, "outline-color": t.selection, "outline-offset": 3, "outline-opacity": 1 },
    },
    {
      selector: "node.match",
      style: { "underlay-color": t.match, "underlay-opacity": t.matchOpacity, "underlay-padding": 6, "underlay-shape": "round-rectangle" },
    },
    {
      selector: "edge",
      style: {
        width: 1.3,
        "line-color": t.edge,
        "curve-style": "bezier",
        [`${arrow}-arrow-shape`]: "triangle",
        [`${arrow}-arrow-color`]: t.edge,
        "arrow-scale": 0.8,
        label: "data(flow)",
        "font-family": t.fontMono,
        "font-size": BOX.textSize,
      },
    },
    {
      selector: "edge.current, edge.incoming",
      style: {
        "curve-style": "straight",
        "line-color": t.step,
        "line-style": "dashed",
        "line-dash-pattern": [7, 4],
        width: 2.5,
        "target-arrow-shape": "none",
        "mid-target-arrow-shape": "none",
        "mid-source-arrow-shape": "none",
        "source-arrow-shape": "triangle",
        "source-arrow-color": t.step,
        "arrow-scale": 1.3,
        color: t.step,
        "font-weight": "bold",
        "text-background-color": t.background,
        "text-background-opacity": 1,
        "text-background-padding": "2",
        "text-background-shape": "roundrectangle",
        // Above a left-to-right edge, so the dashes stay visible.
        ...(direction === "LR" ? { "text-margin-y": -11 } : {}),
        // No z-index here: a z-order change makes cytoscape re-sort every element on the next frame.
      },
    },
    { selector: "edge.incoming", style: { width: 1.8, "arrow-scale": 1.1 } },
  ];
  return rules as unknown as StylesheetJson;
}

/** A tensor box's tags (every text but its name) at the box's position p, showing `grad`. */
export function boxTags(n: Drawn, p: { x: number; y: number }, grad: ValueSummary | null): Array<{ id: string; text: BoxText; position: { x: number; y: number } }> {
  if (!n.box) return [];
  return tensorBoxTexts(n.box, grad)
    .filter((t) => t.role !== "name" && t.role !== "group")
    .map((t) => ({ id: tagId(n.id, t.role), text: t, position: { x: p.x + t.x, y: p.y + t.y } }));
}

/** The cytoscape elements of a scene: group frames, boxes with their value and grad tags, pills, edges (`gradOf`: the grad a box shows now). */
export function cyElements(scene: Scene, positions: Record<string, { x: number; y: number }>, gradOf: (id: string) => ValueSummary | null): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  for (const [id, grp] of scene.groups) out.push({ group: "nodes", data: { id, label: grp.label, ...(grp.parent ? { parent: grp.parent } : {}) }, classes: "group" });
  for (const n of scene.nodes) {
    const position = positions[n.id] ?? { x: 0, y: 0 };
    const parent = n.parent;
    if (n.kind === "op") {
      // A user-defined autograd.Function's node: drawn dashed (its backward is the user's code).
      const classes = n.view?.node?.userDefined ? "op user" : "op";
      out.push({ group: "nodes", data: { id: n.id, label: n.label, w: n.width, h: n.height, ...(parent ? { parent } : {}) }, classes, position });
      continue;
    }
    // The node's own label is the name, centred by cytoscape: move it to where box.ts puts it.
    const name = n.box ? nameSlot(n.box) : undefined;
    out.push({
      group: "nodes",
      data: { id: n.id, label: name?.text ?? n.label, w: n.width, h: n.height, lmx: name ? name.x + name.width / 2 : 0, lmy: name?.y ?? 0, ...(parent ? { parent } : {}) },
      // A folded group's box: its label (muted, monospace) where the name goes, then its output's lines.
      classes: n.kind === "collapsed" ? "collapsed" : `tensor ${n.kind}`,
      position,
    });
    for (const tag of boxTags(n, position, gradOf(n.id))) {
      out.push({ group: "nodes", data: { id: tag.id, label: tag.text.text || NO_FLOW, box: n.id, ...(parent ? { parent } : {}) }, classes: tagClasses(tag.text), position: tag.position });
    }
  }
  for (const e of scene.edges) out.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, flow: NO_FLOW } });
  return out;
}

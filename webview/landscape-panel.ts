// The Landscape tab's DOM: the tab strip and the panel (plot column, controls column, descent
// table), built once, with the user's actions wired to `actions`. landscape.ts owns the state and
// fills these elements in.
import { el } from "./dom";
import type { PathMethod } from "./landscape-plot";

export const DEFAULT_BUDGET_S = 10;
export const MAX_STEPS = 1000;
export const METHOD_LABELS: Record<PathMethod, string> = { sgd: "SGD", momentum: "SGD with momentum 0.9", adam: "Adam" };

/** What the controls do (landscape.ts). */
export interface LandscapeActions {
  selectTab(key: "graph" | "landscape", focus: boolean): void;
  onTabKey(e: KeyboardEvent): void;
  setKind2d(kind: "contour" | "surface"): void;
  export(format: "png" | "svg"): Promise<void>;
  onPlotKey(e: KeyboardEvent): void;
  onPointerDown(e: PointerEvent): void;
  onPointerMove(e: PointerEvent): void;
  endDrag(): void;
  onPlotClick(e: MouseEvent): void;
  pickInputs(): void;
  compute(): Promise<void>;
  cancel(): void;
  centreRanges(): void;
  resetRanges(): void;
  setMethod(m: PathMethod): void;
  onLrChange(): void;
  descend(k: number): Promise<void>;
  stepCount(): number;
  clearPath(): void;
}

export interface LandscapePanel {
  /** The tab strip and the panel together (the graph pane goes between them: Landscape.wrap). */
  element: HTMLElement;
  tabList: HTMLElement;
  graphTab: HTMLButtonElement;
  landscapeTab: HTMLButtonElement;
  panel: HTMLElement;
  heading: HTMLElement;
  viewButtons: Record<"contour" | "surface", HTMLButtonElement>;
  viewGroup: HTMLElement;
  figure: HTMLElement;
  plotHost: HTMLElement;
  legend: HTMLElement;
  status: HTMLElement;
  progress: HTMLProgressElement;
  pickerBox: HTMLElement;
  xSelect: HTMLSelectElement;
  ySelect: HTMLSelectElement;
  rangeBox: HTMLElement;
  resSelect: HTMLSelectElement;
  budgetInput: HTMLInputElement;
  drawButton: HTMLButtonElement;
  cancelButton: HTMLButtonElement;
  readout: HTMLElement;
  startBox: HTMLElement;
  methodSelect: HTMLSelectElement;
  lrInput: HTMLInputElement;
  stepsInput: HTMLInputElement;
  stepButton: HTMLButtonElement;
  runButton: HTMLButtonElement;
  clearButton: HTMLButtonElement;
  verdict: HTMLElement;
  table: HTMLTableElement;
}

/** Builds the tab strip and the panel; `id` prefixes the element ids (one per Landscape). */
export function buildLandscapePanel(id: string, a: LandscapeActions): LandscapePanel {
    const tab = (key: "graph" | "landscape", text: string) =>
      el("button", {
        type: "button",
        role: "tab",
        id: `${id}-tab-${key}`,
        "aria-selected": "false",
        "aria-controls": `${id}-panel-${key}`,
        tabindex: "-1",
        class: `view-tab view-tab-${key}`,
        on: { click: () => a.selectTab(key, true), keydown: (e) => a.onTabKey(e) },
      }, text);
    const graphTab = tab("graph", "Graph");
    const landscapeTab = tab("landscape", "Landscape");
    const tabList = el("div", { class: "view-tabs", role: "tablist", "aria-label": "View", hidden: true }, graphTab, landscapeTab);

    // ---- plot column
    const heading = el("h2", { class: "ls-heading" });
    const viewSeg = (key: "contour" | "surface", text: string, title: string) =>
      el("button", { type: "button", "aria-pressed": "false", title, on: { click: () => a.setKind2d(key) } }, text);
    const viewButtons = { contour: viewSeg("contour", "Contour", "Contour plot from above"), surface: viewSeg("surface", "Surface", "Shaded 3D surface (drag or arrow keys to turn it)") };
    const viewGroup = el("div", { class: "segmented", role: "group", "aria-label": "Plot type" }, viewButtons.contour, viewButtons.surface);
    const exportPng = el("button", { type: "button", title: "Save the plot as a PNG image", on: { click: () => void a.export("png") } }, "PNG");
    const exportSvg = el("button", { type: "button", title: "Save the plot as an SVG drawing", on: { click: () => void a.export("svg") } }, "SVG");
    const plotHost = el("div", {
      class: "ls-plot-host",
      tabindex: "-1",
      on: { keydown: (e) => a.onPlotKey(e), pointerdown: (e) => a.onPointerDown(e), pointermove: (e) => a.onPointerMove(e), pointerup: () => (a.endDrag()), pointercancel: () => (a.endDrag()), click: (e) => a.onPlotClick(e) },
    });
    const legend = el("div", { class: "ls-legend muted" });
    const figure = el("figure", { class: "ls-figure" }, plotHost, legend);
    const progress = el("progress", { class: "ls-progress", max: "1", value: "0", hidden: true, "aria-label": "Evaluating the grid" });
    const status = el("p", { class: "ls-status", role: "status", "aria-live": "polite" });
    const plotColumn = el(
      "div",
      { class: "ls-main" },
      el("div", { class: "ls-plot-head" }, heading, el("div", { class: "ls-plot-tools" }, viewGroup, el("div", { class: "segmented", role: "group", "aria-label": "Export the plot" }, exportPng, exportSvg))),
      figure,
      el("div", { class: "ls-status-row" }, progress, status),
    );

    // ---- controls column
    const xSelect = el("select", { id: `${id}-x`, on: { change: () => a.pickInputs() } });
    const ySelect = el("select", { id: `${id}-y`, on: { change: () => a.pickInputs() } });
    const pickerBox = el(
      "fieldset",
      { class: "ls-box ls-picker" },
      el("legend", null, "Inputs"),
      el("label", { for: `${id}-x` }, "Horizontal axis"),
      xSelect,
      el("label", { for: `${id}-y` }, "Vertical axis"),
      ySelect,
      el("p", { class: "muted ls-hint" }, "Everything else is held at its traced value."),
    );
    const rangeBox = el("div", { class: "ls-ranges" });
    const resSelect = el("select", { id: `${id}-res`, on: { change: () => void a.compute() } });
    const budgetInput = el("input", { id: `${id}-budget`, type: "number", min: "0.05", max: "600", step: "any", value: String(DEFAULT_BUDGET_S) });
    const drawButton = el("button", { type: "button", class: "primary", on: { click: () => void a.compute() } }, "Draw");
    const cancelButton = el("button", { type: "button", disabled: true, on: { click: () => a.cancel() } }, "Cancel");
    const centre = el("button", { type: "button", title: "Centre the range on the current point", on: { click: () => a.centreRanges() } }, "Centre on point");
    const reset = el("button", { type: "button", title: "Back to the default range and resolution", on: { click: () => a.resetRanges() } }, "Reset");
    const rangeFieldset = el(
      "fieldset",
      { class: "ls-box" },
      el("legend", null, "Range"),
      rangeBox,
      el("div", { class: "ls-row" }, el("label", { for: `${id}-res` }, "Resolution"), resSelect),
      el("div", { class: "ls-row" }, el("label", { for: `${id}-budget` }, "Time limit (s)"), budgetInput),
      el("div", { class: "ls-buttons" }, drawButton, cancelButton, centre, reset),
    );
    const readout = el("dl", { class: "ls-readout" });
    const startBox = el("div", { class: "ls-start" });
    const readoutBox = el(
      "section",
      { class: "ls-box", "aria-label": "Values at the point" },
      el("h3", null, "At the point"),
      startBox,
      readout,
      el("p", { class: "muted ls-hint" }, "Click the contour plot or the curve to move the point."),
    );

    const methodSelect = el(
      "select",
      { id: `${id}-method`, on: { change: () => a.setMethod(methodSelect.value as PathMethod) } },
      ...(Object.keys(METHOD_LABELS) as PathMethod[]).map((m) => el("option", { value: m }, METHOD_LABELS[m])),
    );
    const lrInput = el("input", { id: `${id}-lr`, type: "number", min: "0", step: "any", value: "0.5", on: { change: () => a.onLrChange() } });
    const stepsInput = el("input", { id: `${id}-steps`, type: "number", min: "1", max: String(MAX_STEPS), step: "1", value: "10" });
    const stepButton = el("button", { type: "button", title: "One step x ← x − lr·∇f from the last point", on: { click: () => void a.descend(1) } }, "Step");
    const runButton = el("button", { type: "button", class: "primary", on: { click: () => void a.descend(a.stepCount()) } }, "Run N steps");
    const clearButton = el("button", { type: "button", title: "Forget this method's path", on: { click: () => a.clearPath() } }, "Clear path");
    const verdict = el("p", { class: "ls-verdict", role: "status", "aria-live": "polite" });
    const table = el("table", { class: "ls-table" });
    const descentBox = el(
      "fieldset",
      { class: "ls-box ls-descent" },
      el("legend", null, "Gradient descent"),
      el("div", { class: "ls-row" }, el("label", { for: `${id}-method` }, "Method"), methodSelect),
      el("div", { class: "ls-row" }, el("label", { for: `${id}-lr` }, "Learning rate"), lrInput),
      el("div", { class: "ls-row" }, el("label", { for: `${id}-steps` }, "N (steps)"), stepsInput),
      el("div", { class: "ls-buttons" }, stepButton, runButton, clearButton),
      verdict,
    );
    const tableBox = el("div", { class: "ls-table-box", tabindex: "0", role: "region", "aria-label": "Descent steps" }, table);

    const side = el("div", { class: "ls-side" }, pickerBox, rangeFieldset, readoutBox, descentBox);
    const panel = el(
      "section",
      { class: "landscape-panel", role: "tabpanel", id: `${id}-panel-landscape`, "aria-labelledby": `${id}-tab-landscape`, hidden: true, data: { state: "idle" } },
      el("div", { class: "ls-layout" }, plotColumn, side),
      tableBox,
    );
    const element = el("div", { class: "view-tabs-host" }, tabList, panel);
    return {
      element, tabList, graphTab, landscapeTab, panel, heading, viewButtons, viewGroup, figure, plotHost, legend, status,
      progress, pickerBox, xSelect, ySelect, rangeBox, resSelect, budgetInput, drawButton, cancelButton, readout, startBox,
      methodSelect, lrInput, stepsInput, stepButton, runButton, clearButton, verdict, table,
    };
}

// The Landscape's numbers: the readout at the point (its coordinates, f, the gradient, the grid's
// lowest and highest values) and the table of descent steps with its verdict.
import type * as replay from "../engine/replay/index";
import { el, setChildren, setText } from "./dom";
import { descentVerdict, extent, fmt, fmtPoint, linspace, type Range } from "./landscape-math";
import type { PathMethod } from "./landscape-plot";
import { METHOD_LABELS } from "./landscape-panel";

export interface GridResult {
  values: Float64Array;
  nx: number;
  ny: number;
  ranges: Range[];
  ms: number;
}

/** One method's descent: its learning rate, the steps from the start point, and why the engine stopped the run (null: it did not). */
export interface DescentPath {
  lr: number;
  steps: replay.DescentStep[];
  diverged: boolean;
  stopped: string | null;
}

/** The readout at point `p` over the varied inputs `names` (f and its gradient once evaluated there). */
export function renderReadout(
  dl: HTMLElement,
  names: string[],
  p: number[],
  at: { value: number; grad: number[] } | undefined,
  grid: GridResult | undefined,
): void {
  if (!names.length) return setChildren(dl);
  const one = names.length === 1;
  const label = one ? names[0]! : `(${names.join(", ")})`;
  const items: Array<[string, string, string, unknown]> = [[label, fmtPoint(p).replace(/^\((.*)\)$/, one ? "$1" : "($1)"), "point", p]];
  if (at) {
    const g = at.grad;
    items.push(["f", fmt(at.value), "value", at.value]);
    items.push([one ? "f′ (the slope)" : "∇f", one ? fmt(g[0]!) : fmtPoint(g), "grad", g]);
    items.push([one ? "−f′ (downhill)" : "−∇f (the arrow)", one ? fmt(-g[0]!) : fmtPoint(g.map((v) => -v)), "neg-grad", g.map((v) => -v)]);
  }
  if (grid) {
    const { min, max, argmin } = extent(grid.values);
    if (argmin >= 0) {
      const i = argmin % grid.nx, j = Math.floor(argmin / grid.nx);
      const xs = linspace(grid.ranges[0]!, grid.nx);
      const point = names.length === 2 ? [xs[i]!, linspace(grid.ranges[1]!, grid.ny)[j]!] : [xs[i]!];
      items.push(["Lowest on the grid", `f${fmtPoint(point)} = ${fmt(min)}`, "grid-min", { point, value: min, i, j }]);
      items.push(["Highest on the grid", fmt(max), "grid-max", max]);
    }
  }
  setChildren(dl, ...items.flatMap(([dt, dd, key, raw]) => [el("dt", null, dt), el("dd", { class: "num", data: { key, value: JSON.stringify(raw) } }, dd)]));
}

/** The descent table of `method` and the verdict under the controls. */
export function renderDescent(table: HTMLTableElement, verdict: HTMLElement, names: string[], method: PathMethod, path: DescentPath | undefined): void {
  if (!names.length) return setChildren(table);
  const head = el(
    "tr",
    null,
    el("th", { scope: "col" }, "step"),
    ...names.map((n) => el("th", { scope: "col" }, n)),
    el("th", { scope: "col" }, "f"),
    ...names.map((n) => el("th", { scope: "col" }, `∂f/∂${n}`)),
  );
  if (!path) {
    const empty = el("tr", null, el("td", { colspan: String(2 + 2 * names.length), class: "muted" }, "No steps yet: Step or Run N steps."));
    setChildren(table, el("caption", null, `Descent steps (${METHOD_LABELS[method]})`), el("thead", null, head), el("tbody", null, empty));
    setText(verdict, "");
    verdict.className = "ls-verdict";
    return;
  }
  const rows = path.steps.map((s, k) =>
    el(
      "tr",
      { data: { step: String(k), value: String(s.value) } },
      el("th", { scope: "row" }, String(k)),
      ...s.point.map((v) => el("td", { class: "num" }, fmt(v))),
      el("td", { class: "num ls-f" }, fmt(s.value)),
      ...s.grad.map((v) => el("td", { class: "num" }, fmt(v))),
    ),
  );
  setChildren(table, el("caption", null, `Descent steps (${METHOD_LABELS[method]}, lr ${fmt(path.lr)})`), el("thead", null, head), el("tbody", null, ...rows));
  const v = descentVerdict(path.steps.map((s) => s.value), path.diverged);
  setText(verdict, path.stopped ? `${v.text} Stopped: ${path.stopped}.` : v.text);
  verdict.className = `ls-verdict kind-${v.kind}${v.kind === "diverged" ? " error" : ""}`;
  verdict.dataset.kind = v.kind;
}

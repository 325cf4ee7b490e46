// The outline's items (webview/outline.ts): what one tree item holds, its row (a tensor's name, kind,
// shape, line and gradient; a grad_fn's name), and how its state (selection, current step, focus,
// search match, expanded, gradient) is written to its element.
import type { NodeInfo, TensorInfo, ValueSummary } from "../shared/protocol";
import { el, setText } from "./dom";
import { formatShape, formatValue } from "./format";

export interface Item {
  id: string;
  label: string;
  level: 1 | 2;
  /** Top-level index (its own, or its parent's for a nested item). */
  top: number;
  parent?: Item;
  children: Item[];
  expanded: boolean;
  tensor?: TensorInfo;
  node?: NodeInfo;
  /** The grad the replay shows on this item (tensors only); undefined = none. */
  grad?: ValueSummary;
  // DOM, created when the item is first rendered
  li?: HTMLLIElement;
  row?: HTMLElement;
  gradEl?: HTMLElement;
  group?: HTMLUListElement;
}

/** Writes an item's state to its element (when it is rendered). */
export function paintItem(item: Item, selected: string | null, current: string | null, focused: boolean, match: boolean): void {
  const li = item.li;
  if (!li) return;
  li.setAttribute("aria-selected", String(item.id === selected));
  if (item.id === current) li.setAttribute("aria-current", "step");
  else li.removeAttribute("aria-current");
  li.tabIndex = focused ? 0 : -1;
  li.classList.toggle("match", match);
  if (item.children.length) li.setAttribute("aria-expanded", String(item.expanded));
  if (item.gradEl) paintGrad(item);
}

/** The gradient the replay shows on a tensor's row. */
export function paintGrad(item: Item): void {
  const g = item.grad;
  const text = g ? formatValue(g) : "";
  // The shape is on the row already: a tensor's grad shows its first values only.
  setText(item.gradEl!, g && g.numel > 1 ? text.replace(/^\[[^\]]*\] /, "") : text);
  item.gradEl!.title = text;
  item.li!.classList.toggle("has-grad", !!g);
}

function lineOf(t: { range?: { line: number } }): string {
  return t.range ? `L${t.range.line}` : "";
}

/** A tensor's row; `label` is the view's ("tanh @ L17 #2" when a line made several in the graph). */
export function tensorRow(t: TensorInfo, label: string): HTMLElement {
  const kind = t.kind === "intermediate" ? "" : t.kind;
  const shape = t.shape.length ? formatShape(t.shape) : "";
  return el(
    "span",
    { class: `row tensor kind-${t.kind}` },
    el("span", { class: "twisty", "aria-hidden": "true" }),
    el("span", { class: "name" }, label),
    kind && el("span", { class: "kind" }, kind),
    shape && el("span", { class: "shape" }, shape),
    t.range && !t.label.endsWith(lineOf(t)) ? el("span", { class: "line" }, lineOf(t)) : null,
    el("span", { class: "sr-only grad-label" }, "grad"),
    el("span", { class: "grad" }),
  );
}

export function nodeRow(n: NodeInfo): HTMLElement {
  return el("span", { class: `row op${n.kind === "accumulate" ? " accumulate" : ""}` }, el("span", { class: "name" }, n.name));
}

// The outline: the same graph as the canvas, as an accessible tree in the DOM. One treeitem per
// tensor (name, kind, line, and its gradient once the replay has reached it), with its grad_fn —
// or, for a leaf, its AccumulateGrad — nested under it. This is what keyboards and screen readers
// use: roving tabindex, ↑/↓ move, →/← expand, collapse or go to the child/parent, Home/End,
// typing a letter jumps to the next item starting with it, Enter/Space selects. The selection is
// aria-selected; the node being run in the current step is aria-current="step".
import type { GraphSnapshot, NodeInfo, TensorInfo } from "../shared/protocol";
import { el, setChildren, setText } from "./dom";
import { formatValue, type ReplayState, type ViewGraph } from "./model";

export interface OutlineOptions {
  onSelect(id: string): void;
}

interface Item {
  id: string;
  row: HTMLElement;
  li: HTMLLIElement;
  parent?: Item;
  children: Item[];
  grad?: HTMLElement;
  tensor?: TensorInfo;
  label: string;
}

export class Outline {
  readonly element: HTMLElement;
  private readonly tree: HTMLUListElement;
  private items: Item[] = [];
  private byId = new Map<string, Item>();
  private focused: Item | undefined;
  private selected: string | null = null;
  private current: string | null = null;
  private matches = new Set<string>();

  constructor(private readonly options: OutlineOptions) {
    this.tree = el("ul", { role: "tree", class: "outline-tree", "aria-label": "Graph outline", "aria-multiselectable": "false" });
    this.tree.addEventListener("keydown", (e) => this.onKey(e));
    this.element = el("nav", { class: "outline", "aria-label": "Outline" }, el("h2", { class: "pane-title", id: "outline-title" }, "Outline"), this.tree);
  }

  /** Rebuild the tree for a snapshot (creation order, as the view graph orders its nodes). */
  setGraph(s: GraphSnapshot, g: ViewGraph): void {
    this.items = [];
    this.byId.clear();
    this.focused = undefined;
    this.current = null;
    this.matches.clear();
    const nodes = new Map<string, NodeInfo>(s.nodes.map((n) => [n.id, n]));
    const accumulateOf = new Map<string, NodeInfo>();
    for (const n of s.nodes) if (n.kind === "accumulate" && n.tensor) accumulateOf.set(n.tensor, n);
    const placed = new Set<string>();
    const top: Item[] = [];
    for (const v of g.nodes) {
      if (!v.tensor) continue;
      const t = v.tensor;
      const item = this.makeItem(t.id, tensorRow(t), 1, t.label);
      item.tensor = t;
      item.grad = item.row.querySelector<HTMLElement>(".grad") ?? undefined;
      const fn = (t.gradFn ? nodes.get(t.gradFn) : undefined) ?? accumulateOf.get(t.id);
      if (fn) {
        const child = this.makeItem(fn.id, nodeRow(fn), 2, fn.name);
        child.parent = item;
        item.children.push(child);
        placed.add(fn.id);
      }
      top.push(item);
    }
    // Ops whose result is not in the drawing (e.g. cut off by the node cap) stand on their own.
    for (const v of g.nodes) {
      if (!v.node || placed.has(v.id)) continue;
      top.push(this.makeItem(v.id, nodeRow(v.node), 1, v.node.name));
    }
    const lis: HTMLLIElement[] = [];
    for (const item of top) {
      if (item.children.length) {
        item.li.setAttribute("aria-expanded", "true");
        const group = el("ul", { role: "group" });
        for (const c of item.children) group.appendChild(c.li);
        item.li.appendChild(group);
      }
      lis.push(item.li);
    }
    if (lis.length === 0) lis.push(el("li", { class: "empty", role: "none" }, "No tensors that require grad were recorded."));
    setChildren(this.tree, ...lis);
    this.items = top;
    this.focusItem(top[0], false);
    this.setSelected(this.selected);
  }

  private makeItem(id: string, row: HTMLElement, level: number, label: string): Item {
    // Named by its own row only (not by the nested items of its group).
    row.id = `outline-row-${id}`;
    const li = el("li", { role: "treeitem", "aria-level": String(level), "aria-selected": "false", "aria-labelledby": row.id, tabindex: "-1", data: { id } }, row);
    const item: Item = { id, row, li, children: [], label };
    li.addEventListener("click", (e) => {
      // A click on the twisty toggles; anywhere else selects.
      e.stopPropagation();
      if ((e.target as HTMLElement).closest(".twisty")) this.toggle(item);
      else this.select(item);
    });
    this.byId.set(id, item);
    return item;
  }

  /** The canvas (or anyone) selected `id`: sync aria-selected and bring the row into view. */
  setSelected(id: string | null): void {
    this.selected = id;
    for (const item of this.byId.values()) item.li.setAttribute("aria-selected", String(item.id === id));
    const item = id ? this.byId.get(id) : undefined;
    if (item) {
      if (item.parent && item.parent.li.getAttribute("aria-expanded") === "false") this.setExpanded(item.parent, true);
      this.focusItem(item, false);
      item.row.scrollIntoView({ block: "nearest" });
    }
  }

  /** Grads known at this replay position, and the item of the node being run. */
  setReplay(state: ReplayState | null): void {
    for (const item of this.byId.values()) {
      if (!item.grad) continue;
      const g = state?.grads.get(item.id);
      const text = g ? formatValue(g) : "";
      // The shape is on the row already: a tensor's grad shows its first values only.
      setText(item.grad, g && g.numel > 1 ? text.replace(/^\[[^\]]*\] /, "") : text);
      item.grad.title = text;
      item.li.classList.toggle("has-grad", !!g);
    }
    const current = state?.current?.step.node ?? null;
    if (current !== this.current) {
      if (this.current) this.byId.get(this.current)?.li.removeAttribute("aria-current");
      this.current = current;
      const item = current ? this.byId.get(current) : undefined;
      if (item) {
        item.li.setAttribute("aria-current", "step");
        if (item.parent && item.parent.li.getAttribute("aria-expanded") === "false") this.setExpanded(item.parent, true);
        item.row.scrollIntoView({ block: "nearest" });
      }
    }
  }

  /** Mark search matches (ids of view nodes; an AccumulateGrad shows on its leaf). */
  setMatches(ids: string[]): void {
    this.matches = new Set(ids);
    for (const item of this.byId.values()) item.li.classList.toggle("match", this.matches.has(item.id));
  }

  private select(item: Item): void {
    this.focusItem(item, true);
    this.options.onSelect(item.id);
  }

  private visible(): Item[] {
    const out: Item[] = [];
    for (const item of this.items) {
      out.push(item);
      if (item.children.length && item.li.getAttribute("aria-expanded") !== "false") out.push(...item.children);
    }
    return out;
  }

  private focusItem(item: Item | undefined, focus: boolean): void {
    if (!item) return;
    if (this.focused && this.focused !== item) this.focused.li.tabIndex = -1;
    this.focused = item;
    item.li.tabIndex = 0;
    if (focus) item.li.focus();
  }

  private setExpanded(item: Item, open: boolean): void {
    if (!item.children.length) return;
    item.li.setAttribute("aria-expanded", String(open));
    if (!open && this.focused && this.focused.parent === item) this.focusItem(item, this.tree.contains(document.activeElement));
  }

  private toggle(item: Item): void {
    this.setExpanded(item, item.li.getAttribute("aria-expanded") === "false");
  }

  private onKey(e: KeyboardEvent): void {
    const list = this.visible();
    const cur = this.focused && list.includes(this.focused) ? this.focused : list[0];
    if (!cur) return;
    const i = list.indexOf(cur);
    let handled = true;
    switch (e.key) {
      case "ArrowDown":
        this.focusItem(list[Math.min(i + 1, list.length - 1)], true);
        break;
      case "ArrowUp":
        this.focusItem(list[Math.max(i - 1, 0)], true);
        break;
      case "Home":
        this.focusItem(list[0], true);
        break;
      case "End":
        this.focusItem(list[list.length - 1], true);
        break;
      case "ArrowRight":
        if (cur.children.length) {
          if (cur.li.getAttribute("aria-expanded") === "false") this.setExpanded(cur, true);
          else this.focusItem(cur.children[0], true);
        }
        break;
      case "ArrowLeft":
        if (cur.children.length && cur.li.getAttribute("aria-expanded") !== "false") this.setExpanded(cur, false);
        else if (cur.parent) this.focusItem(cur.parent, true);
        break;
      case "Enter":
      case " ":
        this.select(cur);
        break;
      case "*":
        for (const item of this.items) this.setExpanded(item, true);
        break;
      default:
        if (e.key.length === 1 && /\S/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
          const key = e.key.toLowerCase();
          const rest = [...list.slice(i + 1), ...list.slice(0, i + 1)];
          const hit = rest.find((it) => it.label.toLowerCase().startsWith(key));
          if (hit) this.focusItem(hit, true);
        } else handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }
}

function lineOf(t: { range?: { line: number } }): string {
  return t.range ? `L${t.range.line}` : "";
}

function tensorRow(t: TensorInfo): HTMLElement {
  const kind = t.kind === "intermediate" ? "" : t.kind;
  const shape = t.shape.length ? `[${t.shape.join("×")}]` : "";
  return el(
    "span",
    { class: `row tensor kind-${t.kind}` },
    el("span", { class: "twisty", "aria-hidden": "true" }),
    el("span", { class: "name" }, t.label),
    kind && el("span", { class: "kind" }, kind),
    shape && el("span", { class: "shape" }, shape),
    t.range && !t.label.endsWith(lineOf(t)) ? el("span", { class: "line" }, lineOf(t)) : null,
    el("span", { class: "sr-only grad-label" }, "grad"),
    el("span", { class: "grad" }),
  );
}

function nodeRow(n: NodeInfo): HTMLElement {
  return el("span", { class: `row op${n.kind === "accumulate" ? " accumulate" : ""}` }, el("span", { class: "name" }, n.name));
}

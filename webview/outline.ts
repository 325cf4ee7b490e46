// The outline: the same graph as the canvas, as an accessible tree in the DOM. One treeitem per
// tensor (name, kind, line, and its gradient once the replay has reached it), with its grad_fn —
// or, for a leaf, its AccumulateGrad — nested under it. This is what keyboards and screen readers
// use: roving tabindex, ↑/↓ move, →/← expand, collapse or go to the child/parent, Home/End,
// typing a letter jumps to the next item starting with it, Enter/Space selects. The selection is
// aria-selected; the node being run in the current step is aria-current="step".
//
// Big graphs have thousands of items, so the tree is virtualised: rows have one fixed height, and
// only the top-level items in and near the scrolled view are in the DOM (with their nested item),
// between two spacers that stand for the rest. Every rendered item carries aria-level,
// aria-setsize and aria-posinset, so assistive technology still hears "item 812 of 5,049". The
// items' state (selection, current step, grad, search match, expanded) lives in the model and is
// written to an item's element whenever it is rendered; a change touches only rendered items.
// Whatever the outline is asked to show (the selection, the current step, the item the keyboard
// moves to) is scrolled into the rendered window first.
import type { GraphSnapshot, NodeInfo } from "../shared/protocol";
import { el } from "./dom";
import type { ReplayState, ViewGraph } from "./model";
import { nodeRow, paintGrad, paintItem, tensorRow, type Item } from "./outline-rows";

export interface OutlineOptions {
  onSelect(id: string): void;
}

/** Height of one row in CSS pixels (style.css gives `.outline-tree .row` exactly this height). */
export const OUTLINE_ROW_HEIGHT = 22;
/** Rows rendered above and below the visible ones. */
const OVERSCAN_ROWS = 24;
/** Lists of at most this many top-level items are rendered whole. */
const RENDER_ALL_BELOW = 300;
/** Until the outline has been laid out: the room above the tree (its title) and the pane's height. */
const GUESS_TREE_TOP = 30;

export class Outline {
  readonly element: HTMLElement;
  private readonly tree: HTMLUListElement;
  private readonly topSpacer: HTMLLIElement;
  private readonly midSpacer: HTMLLIElement;
  private readonly bottomSpacer: HTMLLIElement;
  private items: Item[] = [];
  private byId = new Map<string, Item>();
  /** offsets[i]: the y of top-level item i inside the tree (rows above it × row height). */
  private offsets: number[] = [0];
  private focused: Item | undefined;
  private selected: string | null = null;
  private current: string | null = null;
  private matches = new Set<string>();
  /** The rendered top-level items: [first, last), or nothing. */
  private first = 0;
  private last = 0;
  private empty: HTMLLIElement | null = null;
  /** Scroll position the outline has asked for or seen, and the pane's height. */
  private scrollTop = 0;
  private viewHeight = typeof window !== "undefined" ? window.innerHeight : 800;
  private treeTop = GUESS_TREE_TOP;
  private measured = false;
  private pendingScroll: number | null = null;
  private frame = 0;
  /** The top-level index of the focused item kept in the DOM outside the window, or -1. */
  private pinned = -1;

  constructor(private readonly options: OutlineOptions) {
    this.tree = el("ul", { role: "tree", class: "outline-tree", "aria-label": "Graph outline", "aria-multiselectable": "false" });
    this.tree.addEventListener("keydown", (e) => this.onKey(e));
    this.midSpacer = el("li", { class: "outline-spacer", role: "none", "aria-hidden": "true" });
    this.topSpacer = el("li", { class: "outline-spacer", role: "none", "aria-hidden": "true" });
    this.bottomSpacer = el("li", { class: "outline-spacer", role: "none", "aria-hidden": "true" });
    this.element = el("nav", { class: "outline", "aria-label": "Outline" }, el("h2", { class: "pane-title", id: "outline-title" }, "Outline"), this.tree);
    this.element.addEventListener("scroll", () => this.onScroll(), { passive: true });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver((entries) => {
        const h = entries[entries.length - 1]?.contentRect.height;
        if (h && h > 0 && Math.abs(h - this.viewHeight) > 1) {
          this.viewHeight = h;
          this.renderWindow();
        }
      }).observe(this.element);
    }
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
      const item = this.makeItem({ id: t.id, label: v.label, level: 1, top: top.length, children: [], expanded: true, tensor: t });
      const fn = (t.gradFn ? nodes.get(t.gradFn) : undefined) ?? accumulateOf.get(t.id);
      if (fn) {
        item.children.push(this.makeItem({ id: fn.id, label: fn.name, level: 2, top: top.length, parent: item, children: [], expanded: false, node: fn }));
        placed.add(fn.id);
      }
      top.push(item);
    }
    // Ops whose result is not in the drawing (e.g. cut off by the node cap) stand on their own.
    for (const v of g.nodes) {
      if (!v.node || placed.has(v.id)) continue;
      top.push(this.makeItem({ id: v.id, label: v.node.name, level: 1, top: top.length, children: [], expanded: false, node: v.node }));
    }
    this.items = top;
    this.computeOffsets();
    this.first = this.last = 0;
    this.pinned = -1;
    this.scrollTop = 0;
    this.pendingScroll = 0;
    this.scheduleFrame();
    if (top.length === 0) {
      this.empty = el("li", { class: "empty", role: "none" }, "No tensors that require grad were recorded.");
      this.tree.replaceChildren(this.empty);
      return;
    }
    this.empty = null;
    this.renderWindow(true);
    this.focusItem(top[0], false);
    this.setSelected(this.selected);
  }

  private makeItem(item: Item): Item {
    this.byId.set(item.id, item);
    return item;
  }

  /** The item's element, made on first use. */
  private dom(item: Item): HTMLLIElement {
    if (item.li) return item.li;
    const row = item.tensor ? tensorRow(item.tensor, item.label) : nodeRow(item.node!);
    // Named by its own row only (not by the nested items of its group).
    row.id = `outline-row-${item.id}`;
    // Named from its content (the row, and its nested grad_fn item): an aria-labelledby naming it
    // by the row alone leaves visible text out of the name (axe-core: label-content-name-mismatch).
    const li = el("li", { role: "treeitem", "aria-level": String(item.level), tabindex: "-1", data: { id: item.id } }, row);
    if (item.level === 1) {
      li.setAttribute("aria-setsize", String(this.items.length));
      li.setAttribute("aria-posinset", String(item.top + 1));
    } else {
      const siblings = item.parent?.children ?? [item];
      li.setAttribute("aria-setsize", String(siblings.length));
      li.setAttribute("aria-posinset", String(siblings.indexOf(item) + 1));
    }
    li.addEventListener("click", (e) => {
      // A click on the twisty toggles; anywhere else selects.
      e.stopPropagation();
      if ((e.target as HTMLElement).closest(".twisty")) this.toggle(item);
      else this.select(item);
    });
    item.li = li;
    item.row = row;
    item.gradEl = row.querySelector<HTMLElement>(".grad") ?? undefined;
    if (item.children.length) {
      item.group = el("ul", { role: "group" });
      for (const c of item.children) item.group.appendChild(this.dom(c));
      li.appendChild(item.group);
    }
    return li;
  }

  /** Writes the item's state to its element (when it is rendered). */
  private paint(item: Item): void {
    paintItem(item, this.selected, this.current, item === this.focused, this.matches.has(item.id));
  }

  private isRendered(item: Item): boolean {
    return !!item.li && ((item.top >= this.first && item.top < this.last) || item.top === this.pinned) && (item.level === 1 || !!item.parent?.expanded);
  }

  // ---- the window -------------------------------------------------------------------------------

  private computeOffsets(): void {
    const offsets = new Array<number>(this.items.length + 1);
    let y = 0;
    for (let i = 0; i < this.items.length; i++) {
      offsets[i] = y;
      const it = this.items[i]!;
      y += OUTLINE_ROW_HEIGHT * (1 + (it.expanded ? it.children.length : 0));
    }
    offsets[this.items.length] = y;
    this.offsets = offsets;
  }

  /** The first top-level item whose rows reach below y. */
  private indexAt(y: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1]! <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Renders the top-level items in and near the view (all of them for short lists). */
  private renderWindow(force = false): void {
    const n = this.items.length;
    if (n === 0) return;
    let first = 0;
    let last = n;
    if (n > RENDER_ALL_BELOW) {
      const pad = OVERSCAN_ROWS * OUTLINE_ROW_HEIGHT;
      const top = this.scrollTop - this.treeTop;
      first = this.indexAt(Math.max(0, top - pad));
      last = Math.min(n, this.indexAt(top + this.viewHeight + pad) + 1);
    }
    const focusTop = this.focused ? this.focused.top : -1;
    const pinnedTop = focusTop >= 0 && (focusTop < first || focusTop >= last) ? focusTop : -1;
    if (!force && first === this.first && last === this.last && pinnedTop === this.pinned) return;
    const oldFirst = this.first;
    const oldLast = this.last;
    const wasRendered = (i: number) => i >= oldFirst && i < oldLast;
    for (let i = first; i < last; i++) {
      const item = this.items[i]!;
      this.dom(item);
      // Items already on screen are up to date; the others get their state written now.
      if (force || !wasRendered(i)) {
        this.paint(item);
        for (const c of item.children) this.paint(c);
      }
    }
    // The focused item stays in the DOM wherever the window is (the keyboard focus and the tab
    // stop live on it), between spacers that keep every row at its place.
    const pinned = pinnedTop >= 0 ? this.items[pinnedTop]! : null;
    if (pinned && (force || pinned.top !== this.pinned)) {
      this.dom(pinned);
      this.paint(pinned);
      for (const c of pinned.children) this.paint(c);
    }
    const o = this.offsets;
    const want: Node[] = [this.topSpacer];
    if (pinned && pinned.top < first) {
      this.topSpacer.style.height = `${o[pinned.top]}px`;
      this.midSpacer.style.height = `${o[first]! - o[pinned.top + 1]!}px`;
      want.push(pinned.li!, this.midSpacer);
    } else {
      this.topSpacer.style.height = `${o[first]}px`;
    }
    for (let i = first; i < last; i++) want.push(this.items[i]!.li!);
    if (pinned && pinned.top >= last) {
      this.midSpacer.style.height = `${o[pinned.top]! - o[last]!}px`;
      this.bottomSpacer.style.height = `${o[n]! - o[pinned.top + 1]!}px`;
      want.push(this.midSpacer, pinned.li!);
    } else {
      this.bottomSpacer.style.height = `${o[n]! - o[last]!}px`;
    }
    want.push(this.bottomSpacer);
    this.reconcile(want);
    this.first = first;
    this.last = last;
    this.pinned = pinned ? pinned.top : -1;
  }

  /**
   * Makes the tree's children `want`, leaving the rows that stay where they are: moving an element
   * would drop the keyboard focus (and the browser's scroll anchor) with it.
   */
  private reconcile(want: Node[]): void {
    const keep = new Set(want);
    for (let c = this.tree.firstChild; c; ) {
      const next = c.nextSibling;
      if (!keep.has(c)) c.remove();
      c = next;
    }
    let at = this.tree.firstChild;
    for (const node of want) {
      if (at === node) {
        at = at.nextSibling;
        continue;
      }
      this.tree.insertBefore(node, at);
    }
  }

  /** Scroll events come once a frame, before its animation frame callbacks: render the new window right away. */
  private onScroll(): void {
    if (this.pendingScroll !== null) return; // the next frame applies the outline's own scroll
    this.scrollTop = this.element.scrollTop;
    this.renderWindow();
  }

  private scheduleFrame(): void {
    if (this.frame || typeof requestAnimationFrame !== "function") return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.measured && this.items.length) {
        // Laid out by now (a frame has passed): where the tree starts under the title.
        this.treeTop = this.tree.getBoundingClientRect().top - this.element.getBoundingClientRect().top + this.element.scrollTop;
        this.viewHeight = this.element.clientHeight || this.viewHeight;
        this.measured = true;
      }
      if (this.pendingScroll !== null) {
        const want = this.pendingScroll;
        this.pendingScroll = null;
        if (Math.abs(this.element.scrollTop - want) >= 1) this.element.scrollTop = want;
      }
      this.scrollTop = this.element.scrollTop;
      this.renderWindow();
    });
  }

  /** Scrolls so that `item`'s row is in view (nearest edge) and renders the window there now. */
  private reveal(item: Item): void {
    if (this.items.length <= RENDER_ALL_BELOW) {
      if (this.measured || item.row?.isConnected) item.row?.scrollIntoView({ block: "nearest" });
      return;
    }
    const parentIndex = item.parent ? item.parent.children.indexOf(item) + 1 : 0;
    const y = this.treeTop + this.offsets[item.top]! + parentIndex * OUTLINE_ROW_HEIGHT;
    const view = this.pendingScroll ?? this.scrollTop;
    let want = view;
    if (y < view) want = y;
    else if (y + OUTLINE_ROW_HEIGHT > view + this.viewHeight) want = y + OUTLINE_ROW_HEIGHT - this.viewHeight;
    // Far away: centre it rather than leaving it on the edge.
    if (Math.abs(want - view) > this.viewHeight) want = y - this.viewHeight / 2;
    want = Math.max(0, Math.round(want));
    if (want === view) return;
    this.pendingScroll = want;
    this.scrollTop = want;
    this.renderWindow();
    this.scheduleFrame();
  }

  // ---- state from the app -------------------------------------------------------------------------

  /** The canvas (or anyone) selected `id`: sync aria-selected and bring the row into view. */
  setSelected(id: string | null): void {
    const old = this.selected ? this.byId.get(this.selected) : undefined;
    this.selected = id;
    if (old && this.isRendered(old)) old.li!.setAttribute("aria-selected", "false");
    const item = id ? this.byId.get(id) : undefined;
    if (item) {
      if (item.parent && !item.parent.expanded) this.setExpanded(item.parent, true);
      this.reveal(item);
      this.focusItem(item, false);
      if (this.isRendered(item)) item.li!.setAttribute("aria-selected", "true");
    }
  }

  /** Grads known at this replay position, and the item of the node being run. */
  setReplay(state: ReplayState | null): void {
    const grads = state?.grads;
    for (const item of this.byId.values()) {
      if (!item.tensor) continue;
      const g = grads?.get(item.id);
      if (g === item.grad) continue;
      item.grad = g;
      if (item.li && this.isRendered(item)) paintGrad(item);
    }
    const current = state?.current?.step.node ?? null;
    if (current !== this.current) {
      const old = this.current ? this.byId.get(this.current) : undefined;
      this.current = current;
      if (old?.li) old.li.removeAttribute("aria-current");
      const item = current ? this.byId.get(current) : undefined;
      if (item) {
        if (item.parent && !item.parent.expanded) this.setExpanded(item.parent, true);
        this.reveal(item);
        if (this.isRendered(item)) item.li!.setAttribute("aria-current", "step");
      }
    }
  }

  /** Mark search matches (ids of view nodes; an AccumulateGrad shows on its leaf). */
  setMatches(ids: string[]): void {
    const old = this.matches;
    this.matches = new Set(ids);
    for (const id of new Set([...old, ...this.matches])) {
      const item = this.byId.get(id);
      if (item?.li && this.isRendered(item)) item.li.classList.toggle("match", this.matches.has(id));
    }
  }

  /** The ids of the items in the DOM right now, in order (for tests and tools). */
  renderedIds(): string[] {
    return [...this.tree.querySelectorAll<HTMLElement>("[role=treeitem]")].map((li) => li.dataset.id ?? "");
  }

  // ---- keyboard and focus -------------------------------------------------------------------------

  private select(item: Item): void {
    this.focusItem(item, true);
    this.options.onSelect(item.id);
  }

  private visible(): Item[] {
    const out: Item[] = [];
    for (const item of this.items) {
      out.push(item);
      if (item.children.length && item.expanded) out.push(...item.children);
    }
    return out;
  }

  private focusItem(item: Item | undefined, focus: boolean): void {
    if (!item) return;
    if (this.focused && this.focused !== item && this.focused.li) this.focused.li.tabIndex = -1;
    this.focused = item;
    if (focus) this.reveal(item);
    // Not in the window: rendered on its own (see renderWindow).
    if (!this.isRendered(item)) this.renderWindow();
    if (!item.li) return;
    item.li.tabIndex = 0;
    if (focus) item.li.focus({ preventScroll: this.items.length > RENDER_ALL_BELOW });
  }

  private setExpanded(item: Item, open: boolean): void {
    if (!item.children.length || item.expanded === open) return;
    item.expanded = open;
    if (item.li) item.li.setAttribute("aria-expanded", String(open));
    this.computeOffsets();
    if (open) for (const c of item.children) this.paint(c);
    this.renderWindow(this.items.length > RENDER_ALL_BELOW);
    if (!open && this.focused && this.focused.parent === item) this.focusItem(item, this.tree.contains(document.activeElement));
  }

  private toggle(item: Item): void {
    this.setExpanded(item, !item.expanded);
  }

  private onKey(e: KeyboardEvent): void {
    const list = this.visible();
    const at = this.focused ? list.indexOf(this.focused) : -1;
    const cur = at >= 0 ? this.focused : list[0];
    if (!cur) return;
    const i = Math.max(0, at);
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
          if (!cur.expanded) this.setExpanded(cur, true);
          else this.focusItem(cur.children[0], true);
        }
        break;
      case "ArrowLeft":
        if (cur.children.length && cur.expanded) this.setExpanded(cur, false);
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

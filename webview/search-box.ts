// The toolbar's search box: matches node labels (in the graph when it is drawn, else in the view
// graph), shows the count, and steps through the matches with Enter / Shift+Enter.
import { el, setText } from "./dom";
import { plural } from "./format";
import type { ViewGraph } from "./model";

export interface SearchTarget {
  /** The view graph searched, if any. */
  graph(): ViewGraph | undefined;
  /** The drawn graph's search (highlights; returns the matches), or null while it is not drawn. */
  drawnSearch(query: string): string[] | null;
  /** The matches, for the outline. */
  matched(ids: string[]): void;
  /** Enter on a match: select it. */
  pick(id: string): void;
}

export class SearchBox {
  readonly input: HTMLInputElement;
  readonly count: HTMLElement;
  readonly element: HTMLElement;
  private matches: string[] = [];
  private index = -1;

  constructor(private readonly target: SearchTarget) {
    this.input = el("input", {
      type: "search",
      class: "search",
      placeholder: "Search nodes…  /",
      "aria-label": "Search nodes by name or grad_fn (Enter: next match)",
      spellcheck: "false",
      autocomplete: "off",
      on: { input: () => this.run(), keydown: (e) => this.onKey(e) },
    });
    this.count = el("span", { class: "search-count muted", "aria-live": "polite" });
    this.element = el("div", { class: "search-box" }, this.input, this.count);
  }

  /** Searches again (the query, or the graph, changed). */
  run(): void {
    const q = this.input.value.trim();
    const g = this.target.graph();
    if (!q || !g) {
      this.matches = [];
      this.index = -1;
      setText(this.count, "");
      this.element.classList.remove("has-count");
      this.target.matched([]);
      this.target.drawnSearch("");
      return;
    }
    const needle = q.toLowerCase();
    const ids = this.target.drawnSearch(q) ?? g.nodes.filter((n) => n.label.toLowerCase().includes(needle)).map((n) => n.id);
    this.matches = ids;
    this.index = -1;
    this.target.matched(ids);
    setText(this.count, ids.length ? plural(ids.length, "match", "matches") : "no match");
    this.element.classList.add("has-count");
  }

  clear(): void {
    this.input.value = "";
    this.run();
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Enter" && this.matches.length) {
      e.preventDefault();
      const n = this.matches.length;
      this.index = (this.index + (e.shiftKey ? -1 : 1) + n) % n;
      this.target.pick(this.matches[this.index]!);
      setText(this.count, `${this.index + 1} of ${n}`);
    } else if (e.key === "Escape") {
      if (this.input.value) {
        e.preventDefault();
        this.clear();
      } else this.input.blur();
    }
  }
}

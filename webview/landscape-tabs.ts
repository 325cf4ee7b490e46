// The Graph / Landscape tab strip over the graph pane: offered only when the landscape is (else the
// graph pane is what it always was), disabled with its reason when the program cannot be replayed,
// arrow keys / Home / End between the tabs (ARIA tabs pattern). landscape.ts says what is offered.
import type { Availability } from "./landscape-availability";
import type { LandscapePanel } from "./landscape-panel";

export type TabKey = "graph" | "landscape";

export interface TabsOptions {
  ui: LandscapePanel;
  /** The tabs, the graph pane and the panel together. */
  element: HTMLElement;
  availability(): Availability;
  /** The tab strip's title for an offered landscape: "f = loss as a function of its inputs". */
  title(): string;
  note(text: string, error?: boolean): void;
  /** The user picked a tab (to keep it in the host's state). */
  onTab?(tab: TabKey): void;
  /** The Landscape tab was shown. */
  onShowLandscape(): void;
}

export class LandscapeTabs {
  /** The tab the user chose last (kept in the host's state); Landscape shows only when it is offered. */
  selected: TabKey;
  private graphPane: HTMLElement | undefined;

  constructor(private readonly o: TabsOptions, initial: TabKey) {
    this.selected = initial;
  }

  /** Puts the graph pane under the tabs (once, before the element is in the page). */
  wrap(graphPane: HTMLElement): void {
    this.graphPane = graphPane;
    graphPane.id = this.o.ui.graphTab.getAttribute("aria-controls")!;
    this.o.element.insertBefore(graphPane, this.o.ui.panel);
    this.sync();
  }

  sync(): void {
    const { ui } = this.o;
    const a = this.o.availability();
    const offered = a.kind !== "absent";
    ui.tabList.hidden = !offered;
    this.o.element.classList.toggle("has-tabs", offered);
    ui.landscapeTab.setAttribute("aria-disabled", String(a.kind === "disabled"));
    ui.landscapeTab.title = a.kind === "disabled" ? a.reason : a.kind === "ok" ? this.o.title() : "";
    const graph = this.shown() === "graph";
    ui.graphTab.setAttribute("aria-selected", String(graph));
    ui.landscapeTab.setAttribute("aria-selected", String(!graph));
    ui.graphTab.tabIndex = graph ? 0 : -1;
    ui.landscapeTab.tabIndex = graph ? -1 : 0;
    if (this.graphPane) {
      this.graphPane.hidden = !graph;
      // A tab panel only while there are tabs; otherwise the graph pane is what it always was.
      if (offered) {
        this.graphPane.setAttribute("role", "tabpanel");
        this.graphPane.setAttribute("aria-labelledby", ui.graphTab.id);
      } else {
        this.graphPane.removeAttribute("role");
        this.graphPane.removeAttribute("aria-labelledby");
      }
    }
    ui.panel.hidden = graph;
  }

  shown(): TabKey {
    return this.selected === "landscape" && this.o.availability().kind === "ok" ? "landscape" : "graph";
  }

  select(key: TabKey, focus: boolean): void {
    const a = this.o.availability();
    if (key === "landscape" && a.kind !== "ok") {
      if (a.kind === "disabled") this.o.note(a.reason, true);
      return;
    }
    this.selected = key;
    this.o.onTab?.(key);
    this.sync();
    if (focus) (key === "graph" ? this.o.ui.graphTab : this.o.ui.landscapeTab).focus();
    if (key === "landscape") this.o.onShowLandscape();
  }

  onKey(e: KeyboardEvent): void {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft" || e.key === "Home" || e.key === "End") {
      e.preventDefault();
      e.stopPropagation();
      const next = e.key === "Home" ? "graph" : e.key === "End" ? "landscape" : this.shown() === "graph" ? "landscape" : "graph";
      if (next === "landscape" && this.o.availability().kind !== "ok") this.o.ui.graphTab.focus();
      else this.select(next, true);
    }
  }
}

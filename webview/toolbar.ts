// The graph page's toolbar: the search box (search-box.ts), direction and arrow toggles, Fold and Group by line,
// zoom and Fit, and the Export menu (a menu button with arrow-key navigation). It only builds the
// controls and reports what was clicked; app.ts decides what happens.
import type { ExportFormat } from "../shared/protocol";
import { el, type Child } from "./dom";

export type Direction = "LR" | "TB" | "auto";
export type Flow = "data" | "gradient";

export interface ToolbarActions {
  direction(d: Direction): void;
  flow(f: Flow): void;
  folding(): void;
  grouping(): void;
  zoom(factor: number): void;
  fit(): void;
  export(format: ExportFormat): void;
}

/** The toggles' current state, as the toolbar shows it. */
export interface ToolbarState {
  direction: Direction;
  flow: Flow;
  folding: boolean;
  grouping: boolean;
}

/** "Data| flow": the part after "|" is hidden in a narrow panel (style.css), so the toolbar fits one line. */
function narrowText(text: string): Child[] {
  const [short, rest] = text.split("|");
  return rest ? [short!, el("span", { class: "wide-only" }, rest)] : [short!];
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly dirButtons: Record<Direction, HTMLButtonElement>;
  private readonly flowButtons: Record<Flow, HTMLButtonElement>;
  private readonly groupButton: HTMLButtonElement;
  private readonly foldButton: HTMLButtonElement;
  private readonly exportButton: HTMLButtonElement;
  private readonly exportMenu: HTMLElement;

  /** `search`: the search box's element, first in the toolbar. */
  constructor(search: HTMLElement, on: ToolbarActions) {
    const seg = <K extends string>(label: string, options: Array<[K, string, string]>, onPick: (k: K) => void): [HTMLElement, Record<K, HTMLButtonElement>] => {
      const buttons = {} as Record<K, HTMLButtonElement>;
      const group = el("div", { class: "segmented", role: "group", "aria-label": label });
      for (const [key, text, title] of options) {
        buttons[key] = el("button", { type: "button", title, "aria-pressed": "false", on: { click: () => onPick(key) } }, ...narrowText(text));
        group.appendChild(buttons[key]);
      }
      return [group, buttons];
    };
    const [dirGroup, dirButtons] = seg<Direction>(
      "Graph direction",
      [
        ["auto", "Auto", "Lay the graph out the way it shows largest in this pane"],
        ["LR", "→| LR", "Lay the graph out left to right"],
        ["TB", "↓| TB", "Lay the graph out top to bottom"],
      ],
      (d) => on.direction(d),
    );
    const [flowGroup, flowButtons] = seg<Flow>(
      "Arrows show",
      [
        ["data", "Data| flow", "Arrows point the way values flow (forward)"],
        ["gradient", "Grad|ient flow", "Arrows point the way gradients flow (backward)"],
      ],
      (f) => on.flow(f),
    );
    this.dirButtons = dirButtons;
    this.flowButtons = flowButtons;
    this.foldButton = el("button", { type: "button", "aria-pressed": "true", title: "Fold module calls and repeated loop bodies into boxes (click a box to open it)", on: { click: () => on.folding() } }, "Fold");
    this.groupButton = el("button", { type: "button", "aria-pressed": "false", title: "Group the nodes made on one source line", on: { click: () => on.grouping() } }, ...narrowText("Group| by line"));
    const fitButton = el("button", { type: "button", title: "Fit the graph to the view", on: { click: () => on.fit() } }, "Fit");
    const zoomOut = el("button", { type: "button", class: "icon-button", title: "Zoom out", "aria-label": "Zoom out", on: { click: () => on.zoom(1 / 1.25) } }, "−");
    const zoomIn = el("button", { type: "button", class: "icon-button", title: "Zoom in", "aria-label": "Zoom in", on: { click: () => on.zoom(1.25) } }, "+");
    this.exportButton = el(
      "button",
      { type: "button", class: "export-button", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": "export-menu", on: { click: () => this.toggleExportMenu(), keydown: (e) => this.onExportButtonKey(e) } },
      "Export ▾",
    );
    const formats: Array<[ExportFormat, string]> = [
      ["png", "PNG image"],
      ["svg", "SVG drawing"],
      ["dot", "Graphviz DOT"],
      ["json", "Snapshot JSON"],
    ];
    this.exportMenu = el(
      "div",
      { class: "menu", id: "export-menu", role: "menu", "aria-label": "Export", hidden: true, on: { keydown: (e) => this.onMenuKey(e) } },
      ...formats.map(([f, text]) =>
        el("button", {
          type: "button",
          role: "menuitem",
          tabindex: "-1",
          data: { format: f },
          on: {
            click: () => {
              this.closeExportMenu(true);
              on.export(f);
            },
          },
        }, text),
      ),
    );
    this.element = el(
      "div",
      { class: "toolbar", role: "group", "aria-label": "Graph tools" },
      search,
      dirGroup,
      flowGroup,
      this.foldButton,
      this.groupButton,
      el("div", { class: "segmented", role: "group", "aria-label": "Zoom" }, zoomOut, fitButton, zoomIn),
      el("div", { class: "menu-host" }, this.exportButton, this.exportMenu),
    );
    document.addEventListener("click", (e) => {
      if (!this.exportMenu.hidden && !(e.target as HTMLElement).closest(".menu-host")) this.closeExportMenu(false);
    });
  }

  /** Shows the toggles' state (aria-pressed). */
  sync(s: ToolbarState): void {
    for (const d of ["auto", "LR", "TB"] as const) this.dirButtons[d].setAttribute("aria-pressed", String(s.direction === d));
    for (const f of ["data", "gradient"] as const) this.flowButtons[f].setAttribute("aria-pressed", String(s.flow === f));
    this.groupButton.setAttribute("aria-pressed", String(s.grouping));
    this.foldButton.setAttribute("aria-pressed", String(s.folding));
  }

  get exportMenuOpen(): boolean {
    return !this.exportMenu.hidden;
  }

  private toggleExportMenu(): void {
    if (this.exportMenu.hidden) this.openExportMenu();
    else this.closeExportMenu(true);
  }

  private menuItems(): HTMLButtonElement[] {
    return [...this.exportMenu.querySelectorAll<HTMLButtonElement>("[role=menuitem]")];
  }

  private openExportMenu(focusLast = false): void {
    this.exportMenu.hidden = false;
    this.exportButton.setAttribute("aria-expanded", "true");
    const items = this.menuItems();
    (focusLast ? items[items.length - 1] : items[0])?.focus();
  }

  closeExportMenu(focusButton: boolean): void {
    this.exportMenu.hidden = true;
    this.exportButton.setAttribute("aria-expanded", "false");
    if (focusButton) this.exportButton.focus();
  }

  private onExportButtonKey(e: KeyboardEvent): void {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.openExportMenu(e.key === "ArrowUp");
    }
  }

  private onMenuKey(e: KeyboardEvent): void {
    const items = this.menuItems();
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    let handled = true;
    if (e.key === "ArrowDown") items[(i + 1) % items.length]?.focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape") this.closeExportMenu(true);
    else if (e.key === "Tab") {
      this.closeExportMenu(false);
      handled = false;
    } else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }
}

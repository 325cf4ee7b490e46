// The outline and the inspector beside the graph (wide panel) or stacked under it (narrow panel),
// each collapsible from its heading. Unless the user chose, a pane is open in a wide panel and
// collapsed in a narrow one, so that the graph gets most of a half-width panel.
import { el } from "./dom";

/** The panel width below which the panes stack under the graph (style.css has the same). */
export const NARROW_PX = 900;

export type PaneChoice = "open" | "closed" | undefined;

export class CollapsiblePane {
  private readonly button: HTMLButtonElement;
  private choice: PaneChoice;
  private readonly media: MediaQueryList | null;

  constructor(
    private readonly pane: HTMLElement,
    choice: PaneChoice,
    private readonly onChoice: (choice: PaneChoice) => void,
  ) {
    const heading = pane.querySelector<HTMLElement>(":scope > .pane-title");
    const label = heading?.textContent ?? "";
    const body = [...pane.children].filter((c) => c !== heading);
    const bodyId = `${pane.classList[0] ?? "pane"}-body`;
    const wrap = el("div", { class: "pane-body", id: bodyId });
    for (const c of body) wrap.appendChild(c);
    pane.appendChild(wrap);
    this.button = el("button", { type: "button", class: "pane-toggle", "aria-controls": bodyId, on: { click: () => this.toggle() } }, el("span", { class: "chevron", "aria-hidden": "true" }), label);
    heading?.replaceChildren(this.button);
    this.choice = choice;
    this.media = typeof matchMedia === "function" ? matchMedia(`(max-width: ${NARROW_PX}px)`) : null;
    this.media?.addEventListener?.("change", () => this.sync());
    this.sync();
  }

  get open(): boolean {
    return this.choice ? this.choice === "open" : !this.media?.matches;
  }

  /** Opens the pane (e.g. the user picked something it shows). */
  reveal(): void {
    if (!this.open) this.set("open");
  }

  private toggle(): void {
    this.set(this.open ? "closed" : "open");
  }

  private set(choice: PaneChoice): void {
    this.choice = choice;
    this.onChoice(choice);
    this.sync();
  }

  private sync(): void {
    const open = this.open;
    this.pane.classList.toggle("collapsed", !open);
    this.button.setAttribute("aria-expanded", String(open));
  }
}

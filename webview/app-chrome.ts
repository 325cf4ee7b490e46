// The graph page around the graph: the header's file name and counts, the banners (run error,
// node cap, failed backward calls, an invalid trace) and the console panel (what the snippet
// printed and warned, each row linked to its line). Built from a snapshot; app.ts places them.
import type { GraphSnapshot, SourceRange } from "../shared/protocol";
import { baseName, el, linkButton, setChildren, setText, type Child } from "./dom";
import { formatCount, plural } from "./format";
import { describeRange } from "./host";
import type { ViewGraph } from "./model";
import { producerBadge } from "./producer";

const ERROR_KIND: Record<string, string> = {
  syntax: "Syntax error",
  import: "Import error",
  runtime: "Runtime error",
  timeout: "Timed out",
  memory: "Out of memory",
  unsupported: "Unsupported syntax",
  internal: "Internal error",
};

/** The header's title line: the file name, "traced in … · N tensors · …", the stale badge, the run status, notes. */
export class PageTitle {
  readonly element: HTMLElement;
  readonly staleBadge: HTMLElement;
  private readonly fileName: HTMLElement;
  private readonly meta: HTMLElement;
  /** What made the graph: PyTorch's version or our engine (producer.ts). */
  private readonly producer: HTMLElement;
  private readonly status: HTMLElement;

  /** `running`: the run status's element (run-status.ts), shown after the stale badge. */
  constructor(running: HTMLElement) {
    this.fileName = el("span", { class: "file-name" });
    this.meta = el("span", { class: "meta" });
    this.producer = el("span", { class: "badge producer", hidden: true });
    this.staleBadge = el("span", { class: "badge stale", hidden: true, title: "The source changed since this trace; it is traced again when you save or pause typing." }, "stale");
    this.status = el("span", { class: "status", role: "status", "aria-live": "polite" });
    this.element = el("div", { class: "title" }, el("h1", null, "Autograd Lens"), this.fileName, this.producer, this.meta, this.staleBadge, running, this.status);
  }

  /** The file name and the counts (with everything in the tooltip). */
  render(s: GraphSnapshot, g: ViewGraph): void {
    setText(this.fileName, baseName(s.file));
    this.fileName.title = s.file;
    const made = producerBadge(s);
    setText(this.producer, made?.text ?? "");
    this.producer.title = made?.title ?? "";
    this.producer.hidden = made === null;
    const tensors = g.nodes.filter((n) => n.kind !== "op").length;
    const acc = s.nodes.filter((n) => n.kind === "accumulate").length;
    const calls = s.backward.length + (s.backwardCallsDropped ?? 0);
    const parts = [`traced in ${Math.round(s.durationMs)} ms`, plural(tensors, "tensor"), `${formatCount(s.nodes.length)} grad_fn`, plural(calls, "backward call")];
    setText(this.meta, parts.join(" · "));
    const at = new Date(s.tracedAt);
    const when = Number.isNaN(at.getTime()) ? "" : `traced at ${at.toLocaleString()}; `;
    // The summary may be cut short in a narrow panel: the tooltip has all of it, and more.
    this.meta.title = `${parts.join(" · ")}\n${when}${formatCount(s.nodes.length)} grad_fn nodes, ${formatCount(acc)} of them AccumulateGrad`;
    document.title = `${baseName(s.file)} — Autograd Lens`;
  }

  /** A short note (an export's result) for five seconds. */
  note(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
    setTimeout(() => {
      if (this.status.textContent === text) this.status.textContent = "";
    }, 5000);
  }
}

/** The graph's pane: the container the graph view draws in, a message over it, the legend under it. */
export class GraphPane {
  readonly element: HTMLElement;
  readonly container: HTMLElement;
  private readonly messageBox: HTMLElement;

  constructor() {
    this.container = el("div", {
      class: "graph-canvas",
      role: "group",
      "aria-label": "Graph canvas: click a node to select it, double-click or Enter to show its line. The outline lists the same nodes.",
    });
    this.messageBox = el("div", { class: "graph-message", hidden: true });
    this.element = el("section", { class: "graph-pane", "aria-label": "Graph" }, this.container, this.messageBox, graphLegend());
  }

  /** A message over the graph (why there is none), or null for none. */
  message(text: string | null): void {
    this.messageBox.hidden = text === null;
    setText(this.messageBox, text ?? "");
  }
}

/** The key under the graph: what the boxes' borders and the step's marks mean. */
function graphLegend(): HTMLElement {
  return el(
    "div",
    { class: "legend", "aria-hidden": "true" },
    el("span", { class: "key leaf" }, "leaf (requires grad)"),
    el("span", { class: "key output" }, "output"),
    el("span", { class: "key op" }, "grad_fn"),
    el("span", { class: "key group" }, "folded (click)"),
    el("span", { class: "key step" }, "running in this step"),
    el("span", { class: "key flowing" }, "gradient it sends"),
    el("span", { class: "gradtext" }, "grad"),
  );
}

/** The banner of a snapshot that failed validation. */
export function invalidBanner(reason: string): HTMLElement {
  return el(
    "div",
    { class: "banner error kind-invalid", role: "alert" },
    el("div", { class: "banner-main" }, el("strong", { class: "error-kind" }, "Invalid trace"), " ", el("span", { class: "error-message" }, `This trace cannot be shown: ${reason}`)),
  );
}

/** The banners of a snapshot: its run error (linked to its line), the node cap, failed backward calls. */
export function snapshotBanners(s: GraphSnapshot, reveal: (r: SourceRange) => void): Child[] {
  const banners: Child[] = [];
  const err = s.error;
  if (err) {
    const where = err.range ? linkButton(describeRange(err.range, s.file), () => reveal(err.range!), { class: "location", title: "Show in the editor" }) : null;
    banners.push(
      el(
        "div",
        { class: `banner error kind-${err.kind}`, role: "alert" },
        el("div", { class: "banner-main" }, el("strong", { class: "error-kind" }, ERROR_KIND[err.kind] ?? err.kind), " ", el("span", { class: "error-message" }, err.message), where ? " " : null, where),
        el("div", { class: "banner-sub muted" }, "The graph shows what was recorded up to the failure."),
        err.stack ? el("details", { class: "stack" }, el("summary", null, "Stack"), el("pre", null, err.stack)) : null,
      ),
    );
  }
  if (s.nodesTruncated) {
    banners.push(el("div", { class: "banner info", role: "status" }, `Recording stopped at ${formatCount(s.limits.nodeCap)} grad_fn nodes; the snippet itself ran on. The graph shows the first ${formatCount(s.limits.nodeCap)}.`));
  }
  const failed = s.backward.filter((c) => c.error);
  if (failed.length && !err) {
    banners.push(el("div", { class: "banner warn", role: "status" }, `${plural(failed.length, "backward call")} failed: ${failed[0]!.error}`));
  }
  return banners;
}

/** The console panel: a toggle with the counts, and the rows (warnings first). */
export class ConsolePanel {
  readonly element: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly list: HTMLElement;

  constructor(onToggle: () => void) {
    this.toggle = el("button", { type: "button", class: "console-toggle", "aria-expanded": "false", "aria-controls": "console-list", on: { click: onToggle } });
    this.list = el("div", { class: "console-list", id: "console-list", hidden: true });
    this.element = el("section", { class: "console-panel", "aria-label": "Console output and warnings" }, this.toggle, this.list);
  }

  render(s: GraphSnapshot, reveal: (r: SourceRange) => void): void {
    const lineLink = (r: SourceRange | undefined) => (r ? linkButton(`L${r.line}`, () => reveal(r), { class: "line-link", title: `Show line ${r.line}` }) : el("span", { class: "line-link muted" }, ""));
    const rows: Child[] = [];
    for (const w of s.warnings) {
      rows.push(el("div", { class: "console-row level-warning" }, lineLink(w.range), el("span", { class: "level" }, "warning"), el("pre", { class: "text" }, w.message)));
    }
    for (const c of s.console) {
      rows.push(el("div", { class: `console-row level-${c.level}` }, lineLink(c.range), el("span", { class: "level" }, c.level), el("pre", { class: "text" }, c.text)));
    }
    if (!rows.length) rows.push(el("div", { class: "muted empty" }, "The snippet printed nothing."));
    setChildren(this.list, ...rows);
    const errors = s.console.filter((c) => c.level === "error").length;
    setChildren(
      this.toggle,
      el("span", { class: "chevron", "aria-hidden": "true" }),
      "Console ",
      el("span", { class: "count" }, formatCount(s.console.length)),
      s.warnings.length ? el("span", { class: "count warn" }, ` · ${plural(s.warnings.length, "warning")}`) : null,
      errors ? el("span", { class: "count error" }, ` · ${plural(errors, "error")}`) : null,
    );
  }

  setOpen(open: boolean): void {
    this.toggle.setAttribute("aria-expanded", String(open));
    this.list.hidden = !open;
    this.element.classList.toggle("open", open);
  }
}

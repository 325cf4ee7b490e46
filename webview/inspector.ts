// The inspector: everything about the selected tensor or grad_fn node. Values come already
// truncated by the runner (ValueSummary); a big tensor shows its first values in a small grid,
// the statistics, and how much of it is shown — never all of it.
import type { EdgeInfo, GraphSnapshot, NodeInfo, SavedValue, SourceRange, TensorInfo, ValueSummary } from "../shared/protocol";
import { baseName, el, linkButton, setChildren, type Child } from "./dom";
import { broadcastNote } from "./broadcast";
// The inspector is where a value is read in full: the hovers' precision (FULL_DIGITS), not the boxes'.
import { describeShape, formatCount, formatNumber, formatValue } from "../shared/format";
import type { ReplayState, ViewGraph } from "./model";
import { SAMPLE_VALUES } from "../shared/value-codec";

export interface InspectorOptions {
  onSelect(id: string): void;
  onReveal(range: SourceRange): void;
}


export class Inspector {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private s: GraphSnapshot | undefined;
  private tensors = new Map<string, TensorInfo>();
  private nodes = new Map<string, NodeInfo>();
  private edgesFrom = new Map<string, EdgeInfo[]>();
  private accumulateOf = new Map<string, NodeInfo>();
  private id: string | null = null;
  private replay: ReplayState | null = null;

  constructor(private readonly options: InspectorOptions) {
    this.body = el("div", { class: "inspector-body" });
    this.element = el("aside", { class: "inspector", "aria-labelledby": "inspector-title" }, el("h2", { class: "pane-title", id: "inspector-title" }, "Inspector"), this.body);
  }

  setSnapshot(s: GraphSnapshot, _g: ViewGraph): void {
    this.s = s;
    this.tensors = new Map(s.tensors.map((t) => [t.id, t]));
    this.nodes = new Map(s.nodes.map((n) => [n.id, n]));
    this.edgesFrom = new Map();
    this.accumulateOf = new Map();
    for (const e of s.edges) {
      const list = this.edgesFrom.get(e.from);
      if (list) list.push(e);
      else this.edgesFrom.set(e.from, [e]);
    }
    for (const list of this.edgesFrom.values()) list.sort((a, b) => a.index - b.index);
    for (const n of s.nodes) if (n.kind === "accumulate" && n.tensor) this.accumulateOf.set(n.tensor, n);
  }

  show(id: string | null, replay: ReplayState | null): void {
    this.id = id;
    this.replay = replay;
    this.render();
  }

  setReplay(replay: ReplayState | null): void {
    this.replay = replay;
    this.render();
  }

  private render(): void {
    // Stepping re-renders the inspector: keep the keyboard focus on the same control.
    const focusables = () => [...this.body.querySelectorAll<HTMLElement>("button, summary, [tabindex]")];
    const focused = this.body.contains(document.activeElement) ? focusables().indexOf(document.activeElement as HTMLElement) : -1;
    const t = this.id ? this.tensors.get(this.id) : undefined;
    const n = this.id ? this.nodes.get(this.id) : undefined;
    if (t) setChildren(this.body, ...this.tensorView(t));
    else if (n) setChildren(this.body, ...this.nodeView(n));
    else setChildren(this.body, el("p", { class: "muted" }, "Select a tensor or a grad_fn node in the graph or the outline."));
    if (focused >= 0) focusables()[focused]?.focus();
  }

  // ---- tensors ----------------------------------------------------------------------------------

  private tensorView(t: TensorInfo): Child[] {
    const fn = t.gradFn ? this.nodes.get(t.gradFn) : undefined;
    const acc = this.accumulateOf.get(t.id);
    const rows: Array<[string, Child]> = [
      ["value", t.valueNote ? el("div", {}, valueView(t.value, "value"), el("span", { class: "muted note" }, t.valueNote)) : valueView(t.value, "value")],
      ["grad (end of run)", t.grad ? valueView(t.grad, "grad") : el("span", { class: "muted note" }, t.gradNote ? `None — ${t.gradNote}` : "None")],
    ];
    const stepRow = this.stepGradRow(t.id);
    if (stepRow) rows.push(stepRow);
    rows.push(
      ["shape · dtype", `${describeShape(t.shape)} · ${t.dtype}`],
      ["requiresGrad", bool(t.requiresGrad)],
      ["isLeaf", bool(t.isLeaf)],
      ["retainsGrad", bool(t.retainsGrad)],
    );
    // PyTorch's version counter: how many in-place writes this tensor (or one sharing its storage) saw.
    if (t.version !== undefined) rows.push(["version", String(t.version)]);
    if (fn) rows.push(["grad_fn", this.nodeLink(fn)]);
    else rows.push(["grad_fn", el("span", { class: "muted" }, t.isLeaf ? "None (a leaf)" : "None")]);
    if (acc) rows.push(["accumulates in", this.nodeLink(acc)]);
    if (fn && fn.kind === "function") {
      rows.push(["nextFunctions", this.nextFunctions(fn)]);
      if (fn.saved.length || fn.released) rows.push(["saved", this.savedView(fn)]);
    }
    if (t.range) rows.push(["made at", this.sourceLink(t.range)]);
    if (t.boundAt && (!t.range || t.boundAt.line !== t.range.line || t.boundAt.column !== t.range.column)) rows.push(["bound at", this.sourceLink(t.boundAt)]);
    const kind = t.kind === "leaf" ? "leaf (requires grad)" : t.kind;
    return [
      el("div", { class: "inspector-head" }, el("h3", { class: `subject kind-${t.kind}` }, t.label), el("span", { class: `badge kind-${t.kind}` }, kind)),
      table(rows),
      fn && fn.kind === "function" ? this.formulaBox(fn) : null,
    ];
  }

  /** "grad at step k of N": what the replay knows of this node's gradient right now. */
  private stepGradRow(id: string): [string, Child] | null {
    const r = this.replay;
    if (!r || !r.call) return null;
    const g = r.grads.get(id);
    const label = `grad at step ${r.position.step} of ${r.total}`;
    if (!g) return [label, el("span", { class: "muted" }, r.position.step === 0 ? "— (backward not started)" : "— (not reached yet)")];
    const end = this.tensors.get(id)?.grad;
    // A big grad that is already shown in full above is not drawn twice.
    if (g.numel > 1 && end && sameValues(g, end)) return [label, el("span", { class: "muted" }, "the same as at the end of the run")];
    return [label, valueView(g, "grad")];
  }

  // ---- grad_fn nodes ----------------------------------------------------------------------------

  private nodeView(n: NodeInfo): Child[] {
    const out = n.tensor ? this.tensors.get(n.tensor) : undefined;
    const rows: Array<[string, Child]> = [];
    if (n.kind === "accumulate") {
      rows.push(["variable", out ? this.tensorLink(out) : "—"]);
      rows.push(["does", "adds the incoming gradient to the leaf's .grad"]);
      const stepRow = out ? this.stepGradRow(out.id) : null;
      if (stepRow) rows.push(stepRow);
    } else {
      rows.push(["makes", out ? this.tensorLink(out) : el("span", { class: "muted" }, "(not recorded)")]);
      if (n.userDefined) rows.push(["user-defined", this.userDefinedView(n.userDefined)]);
      rows.push(["inputs", this.inputsView(n)]);
      rows.push(["nextFunctions", this.nextFunctions(n)]);
      rows.push(["saved", this.savedView(n)]);
      rows.push(["sequenceNr", n.sequenceNr === null ? "—" : String(n.sequenceNr)]);
    }
    const ran = this.ranInCall(n.id);
    if (ran) rows.push(...ran);
    if (n.range) rows.push(["made at", this.sourceLink(n.range)]);
    return [
      el("div", { class: "inspector-head" }, el("h3", { class: "subject op" }, n.name), el("span", { class: "badge op" }, n.kind === "accumulate" ? "AccumulateGrad" : n.userDefined ? "user-defined grad_fn" : "grad_fn")),
      table(rows),
      this.formulaBox(n),
    ];
  }

  /** What this node did in the replayed call, once the replay has run it. */
  private ranInCall(id: string): Array<[string, Child]> | null {
    const r = this.replay;
    if (!r?.call) return null;
    const k = r.call.steps.findIndex((st) => st.node === id);
    if (k < 0) return [["in this call", el("span", { class: "muted" }, "not run by this backward call")]];
    if (k >= r.position.step) return [["in this call", el("span", { class: "muted" }, `runs at step ${k + 1} of ${r.total}`)]];
    const st = r.call.steps[k]!;
    const rows: Array<[string, Child]> = [[`step ${k + 1}: received`, valueView(st.gradIn, "grad")]];
    for (const o of st.gradsOut) {
      const to = o.to ? this.nodes.get(o.to) : undefined;
      const target = to?.tensor ? this.tensors.get(to.tensor) : undefined;
      const name = target?.label ?? to?.name ?? `input ${o.index}`;
      rows.push([`sent to ${name}`, o.grad ? valueView(o.grad, "grad") : el("span", { class: "muted" }, "nothing")]);
      // Both shapes when the gradient was summed back to a broadcast input's shape.
      const note = o.grad ? broadcastNote(name, st.gradIn.shape, o.grad.shape) : null;
      if (note) rows.push(["broadcast", el("span", { class: "broadcast-note" }, note)]);
    }
    if (st.gradAfter) rows.push([".grad after", valueView(st.gradAfter, "grad")]);
    return rows;
  }

  private inputsView(n: NodeInfo): Child {
    if (!n.inputs.length) return el("span", { class: "muted" }, "none");
    const edges = this.edgesFrom.get(n.id) ?? [];
    return el(
      "ul",
      { class: "plain" },
      ...n.inputs.map((name, i) => {
        const e = edges.find((x) => x.index === i);
        const next = e ? this.nodes.get(e.to) : undefined;
        const t = next?.tensor ? this.tensors.get(next.tensor) : undefined;
        return el("li", null, el("code", null, name), " ", t ? this.tensorLink(t) : el("span", { class: "muted" }, "(no grad)"));
      }),
    );
  }

  private nextFunctions(n: NodeInfo): Child {
    const edges = this.edgesFrom.get(n.id) ?? [];
    const count = Math.max(n.inputs.length, edges.length ? edges[edges.length - 1]!.index + 1 : 0);
    if (count === 0) return el("span", { class: "muted" }, "none");
    const items: Child[] = [];
    for (let i = 0; i < count; i++) {
      const e = edges.find((x) => x.index === i);
      const next = e ? this.nodes.get(e.to) : undefined;
      if (!next) {
        items.push(el("li", null, el("span", { class: "muted" }, `(None, 0)`)));
        continue;
      }
      const t = next.tensor ? this.tensors.get(next.tensor) : undefined;
      items.push(el("li", null, this.nodeLink(next), t ? el("span", { class: "muted" }, ` (${t.label})`) : null, el("span", { class: "muted" }, `, ${e!.inputNr}`)));
    }
    return el("ol", { class: "plain", start: "0" }, ...items);
  }

  private savedView(n: NodeInfo): Child {
    const parts: Child[] = n.saved.map((sv) => el("li", null, el("code", null, sv.name), " = ", this.savedValue(sv)));
    if (n.released) {
      const option = this.s?.language === "python" ? "retain_graph=True" : "retainGraph: true";
      parts.push(el("li", { class: "released" }, `saved tensors released by backward (a second backward needs ${option})`));
    }
    if (!parts.length) return el("span", { class: "muted" }, "nothing");
    return el("ul", { class: "plain" }, ...parts);
  }

  private savedValue(sv: SavedValue): Child {
    if (sv.tensor) {
      const t = this.tensors.get(sv.tensor);
      const v = sv.value ?? t?.value;
      return el("span", null, t ? this.tensorLink(t) : null, v ? el("span", { class: "muted" }, t ? ` ${formatValue(v)}` : formatValue(v)) : null);
    }
    if (sv.value) return valueView(sv.value, "value");
    if (typeof sv.scalar === "number") return formatNumber(sv.scalar);
    return String(sv.scalar);
  }

  private formulaBox(n: NodeInfo): Child {
    if (!n.formulas.length) return null;
    const lines = n.formulas.map((f, i) => `∂/∂${n.inputs[i] ?? `input ${i}`} = ${f}`);
    return el("div", { class: "formula-box", role: "group", "aria-label": `${n.name} backward formulas` }, el("div", { class: "formula-title" }, `${n.name} recipe`), ...lines.map((l) => el("div", { class: "formula" }, l)));
  }

  // ---- links ------------------------------------------------------------------------------------

  private tensorLink(t: TensorInfo): HTMLElement {
    return linkButton(t.label, () => this.options.onSelect(t.id), { class: `tensor-link kind-${t.kind}`, title: `Select ${t.label}` });
  }

  private nodeLink(n: NodeInfo): HTMLElement {
    return linkButton(n.name, () => this.options.onSelect(n.id), { class: "node-link", title: `Select ${n.name}` });
  }

  /** A custom autograd.Function: its class, and links to its forward and backward in the editor. */
  private userDefinedView(u: NonNullable<NodeInfo["userDefined"]>): Child {
    const part = (what: string, r: SourceRange | undefined): Child[] => (r ? [el("br"), `${what} `, this.sourceLink(r)] : []);
    return el("span", { class: "user-defined" }, `autograd.Function ${u.className}`, ...part("forward at", u.forward), ...part("backward at", u.backward));
  }

  private sourceLink(range: SourceRange): HTMLElement {
    const file = this.s ? baseName(this.s.file) : "";
    return linkButton(`${file}:${range.line}${range.column ? `:${range.column}` : ""}`, () => this.options.onReveal(range), {
      class: "source-link",
      title: `Show line ${range.line} in the editor`,
    });
  }
}

/** Label–value rows; a value that is a whole tensor (a grid) takes the full width under its label. */
function table(rows: Array<[string, Child]>): HTMLElement {
  return el(
    "dl",
    { class: "props" },
    ...rows.flatMap(([k, v]) => {
      const wide = v instanceof HTMLElement && v.classList.contains("tensor-value");
      return [el("dt", { class: wide ? "wide" : undefined }, k), el("dd", { class: wide ? "wide" : undefined }, v)];
    }),
  );
}

function sameValues(a: ValueSummary, b: ValueSummary): boolean {
  return a.numel === b.numel && a.values.length === b.values.length && a.values.every((x, i) => x === b.values[i]);
}

function bool(b: boolean): HTMLElement {
  return el("code", { class: b ? "true" : "false" }, String(b));
}



/** Why the snapshot has only the first values of `v`: the value cap, or a sample (shared/value-codec.ts). */
function keptNote(v: ValueSummary): string {
  return v.values.length <= SAMPLE_VALUES
    ? `the snapshot keeps a sample of ${formatCount(v.values.length)} for values outside the last backward call or past its size budget`
    : `the value cap keeps the first ${formatCount(v.values.length)}; raise it with the autogradLens.valueCap setting, or --value-cap on the command line`;
}

/** A value: a number for one element, else a small grid, the stats and how much is shown. */
export function valueView(v: ValueSummary, kind: "value" | "grad"): HTMLElement {
  const cls = kind === "grad" ? "grad-value" : "value";
  if (v.numel === 1) return el("span", { class: `${cls} num` }, formatNumber(v.values[0]!));
  const box = el("div", { class: `tensor-value ${cls}` });
  box.appendChild(el("div", { class: "muted" }, `${describeShape(v.shape)} · ${formatCount(v.numel)} elements`));
  if (v.numel === 0) return box;
  const gridHost = el("div", { class: "grid-host" });
  const caption = el("div", { class: "grid-caption muted" });
  const draw = (all: boolean) => {
    const { table, shown } = all ? flatGrid(v, v.values.length) : previewGrid(v);
    setChildren(gridHost, table);
    setChildren(caption, `showing ${formatCount(shown)} of ${formatCount(v.numel)} values`);
    if (v.truncated && shown >= v.values.length) caption.append(` (${keptNote(v)})`);
    if (!all && shown < v.values.length) {
      caption.append(" ", linkButton(`show ${formatCount(v.values.length)}`, () => draw(true), { class: "more" }));
    }
  };
  draw(v.values.length <= PREVIEW_ALL);
  box.append(gridHost, caption);
  if (v.stats) {
    const s = v.stats;
    const stats: Child[] = [
      el("span", null, "min ", el("span", { class: "num" }, formatNumber(s.min))),
      el("span", null, "max ", el("span", { class: "num" }, formatNumber(s.max))),
      el("span", null, "mean ", el("span", { class: "num" }, formatNumber(s.mean))),
    ];
    if (s.nanCount) stats.push(el("span", { class: "warn" }, `NaN ${formatCount(s.nanCount)}`));
    if (s.infCount) stats.push(el("span", { class: "warn" }, `Inf ${formatCount(s.infCount)}`));
    if (!s.nanCount && !s.infCount) stats.push(el("span", { class: "muted" }, "no NaN/Inf"));
    box.appendChild(el("div", { class: "stats" }, ...stats));
  }
  return box;
}

/** Tensors with at most this many kept values show them all at once. */
const PREVIEW_ALL = 24;
/** The preview: rows × columns of the matrix (leading dimensions flattened into rows). */
const PREVIEW_ROWS = 8;
const PREVIEW_COLS = 4;
/** Values per row of the flat "show all" grid. */
const FLAT_COLS = 5;

function cell(x: number | string | undefined): HTMLTableCellElement {
  if (x === undefined) return el("td", { class: "gap" });
  return el("td", { class: typeof x === "string" ? "nonfinite" : undefined }, formatNumber(x));
}

/**
 * The top-left corner of the tensor as a matrix: the first PREVIEW_ROWS rows (leading dimensions
 * flattened) and PREVIEW_COLS columns of the last dimension, with … and ⋮ where it goes on.
 */
function previewGrid(v: ValueSummary): { table: HTMLElement; shown: number } {
  if (v.shape.length < 2) return flatGrid(v, Math.min(v.values.length, PREVIEW_ROWS * FLAT_COLS));
  const cols = v.shape[v.shape.length - 1]!;
  const rows = cols ? v.numel / cols : 0;
  const showCols = Math.min(cols, PREVIEW_COLS);
  const tbody = el("tbody");
  let shown = 0;
  let r = 0;
  for (; r < Math.min(rows, PREVIEW_ROWS); r++) {
    if (r * cols + showCols > v.values.length) break;
    const tr = el("tr", null, el("th", { scope: "row" }, indexOf(v.shape.slice(0, -1), r)));
    for (let c = 0; c < showCols; c++) tr.appendChild(cell(v.values[r * cols + c]));
    if (cols > showCols) tr.appendChild(el("td", { class: "more-cols", "aria-label": `${formatCount(cols - showCols)} more columns` }, "…"));
    tbody.appendChild(tr);
    shown += showCols;
  }
  if (r < rows) tbody.appendChild(el("tr", { class: "more-rows" }, el("th", { scope: "row" }, "⋮"), el("td", { colspan: String(showCols + (cols > showCols ? 1 : 0)) }, `${formatCount(rows - r)} more rows`)));
  return { table: el("table", { class: "value-grid" }, tbody), shown };
}

/** The first `count` values, row-major, FLAT_COLS to a row, each row headed by its first index. */
function flatGrid(v: ValueSummary, count: number): { table: HTMLElement; shown: number } {
  const tbody = el("tbody");
  const last = v.shape.length >= 2 ? v.shape[v.shape.length - 1]! : 0;
  // At least one column: a last dimension of 0 (or a hostile negative one) must not stall the loop.
  const cols = Number.isInteger(last) && last >= 1 && last <= FLAT_COLS ? last : FLAT_COLS;
  for (let start = 0; start < count; start += cols) {
    const tr = el("tr", null, el("th", { scope: "row" }, indexOf(v.shape, start)));
    for (let i = start; i < Math.min(start + cols, count); i++) tr.appendChild(cell(v.values[i]));
    tbody.appendChild(tr);
  }
  return { table: el("table", { class: "value-grid" }, tbody), shown: count };
}

/**
 * The full index of a flat position: "[5]", "[0, 17]". A matrix row's label is the index of the row
 * among the leading dimensions: indexOf(shape.slice(0, -1), row), "[2]" or "[1, 0]".
 */
function indexOf(shape: number[], flat: number): string {
  if (shape.length <= 1) return `[${flat}]`;
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${idx.join(", ")}]`;
}

// Hover-to-inspect, the pure part: which tensor or grad_fn a hovered word stands for in a snapshot,
// and the Markdown that describes it. The vscode side (hover.ts) finds the word and runs the snippet.
import type { GraphSnapshot, ModuleInfo, NodeInfo, SavedValue, TensorInfo } from "../shared/protocol";
import { describeShape, formatCount, formatNumber, formatShape, formatValue } from "../shared/format";
import { codeSpan, commandUri, escapeMarkdown } from "./markdown";

export const SHOW_NODE_COMMAND = "autogradLens.showNode";

export interface HoverQuery {
  /** 1-based line and column of the first character of the hovered word (protocol positions). */
  line: number;
  column: number;
  word: string;
  /** For `obj.word`: the identifier before the dot (hovering `grad` in `x1.grad` describes x1). */
  objectName?: string;
}

export type HoverTarget =
  /** A tensor: by the name it was bound to, or made by the call hovered (e.g. `torch.tensor`). */
  | { kind: "tensor"; tensor: TensorInfo; count: number }
  /** The grad_fn a call (`.square()`) created, and the tensor it made. */
  | { kind: "node"; node: NodeInfo; tensor?: TensorInfo; count: number }
  /** A module bound to the hovered name (`model`): its parameters with shapes and gradient norms. */
  | { kind: "module"; module: ModuleInfo; count: 1 };

const at = (r: { line: number; column: number } | undefined, line: number, column: number) => !!r && r.line === line && r.column === column;

/** The last of a list, with how many there were (a line run in a loop makes many tensors). */
function lastOf<T>(items: T[]): { item: T; count: number } | undefined {
  return items.length ? { item: items[items.length - 1]!, count: items.length } : undefined;
}

/** Tensors named `name` as seen from `line`: those bound at the closest binding at or above it (else the first binding). */
function tensorsByName(s: GraphSnapshot, name: string, line: number): TensorInfo[] {
  const named = s.tensors.filter((t) => t.name === name);
  if (!named.length) return [];
  const bindingLine = (t: TensorInfo) => (t.boundAt ?? t.range)?.line ?? 0;
  const before = named.filter((t) => bindingLine(t) <= line);
  const pool = before.length ? before : named;
  const target = before.length ? Math.max(...pool.map(bindingLine)) : Math.min(...pool.map(bindingLine));
  const atBinding = pool.filter((t) => bindingLine(t) === target);
  // Same binding line: prefer the same binding position as the first (one declaration, many runs).
  const first = atBinding[0]!;
  return atBinding.filter((t) => (t.boundAt ?? t.range)?.column === (first.boundAt ?? first.range)?.column);
}

export function findHoverTarget(s: GraphSnapshot, q: HoverQuery): HoverTarget | undefined {
  const tensorById = new Map(s.tensors.map((t) => [t.id, t]));
  // 0. A module bound to the name (`model`, also where it is called: `model(x)` shows its
  // parameters rather than the last op it ran), unless a tensor has that name.
  if (!q.objectName && !s.tensors.some((t) => t.name === q.word)) {
    const mod = moduleByName(s, q.word, q.line);
    if (mod) return { kind: "module", module: mod, count: 1 };
  }
  // 1. A call that made a grad_fn here: `.square()` → PowBackward0.
  const made = lastOf(s.nodes.filter((n) => n.kind === "function" && at(n.range, q.line, q.column)));
  if (made) {
    const tensor = made.item.tensor ? tensorById.get(made.item.tensor) : undefined;
    return tensor ? { kind: "node", node: made.item, tensor, count: made.count } : { kind: "node", node: made.item, count: made.count };
  }
  // 2. A call that made a tensor without a grad_fn here: `torch.tensor(…)` → the leaf.
  const created = lastOf(s.tensors.filter((t) => at(t.range, q.line, q.column)));
  if (created) return { kind: "tensor", tensor: created.item, count: created.count };
  // 3. The name where it is bound, then wherever it is used.
  const bound = lastOf(s.tensors.filter((t) => t.name === q.word && at(t.boundAt, q.line, q.column)));
  if (bound) return { kind: "tensor", tensor: bound.item, count: bound.count };
  const used = lastOf(tensorsByName(s, q.word, q.line));
  if (used) return { kind: "tensor", tensor: used.item, count: used.count };
  // 4. A property of a tensor: `x1.grad`, `x3.retainGrad`.
  if (q.objectName) {
    const owner = lastOf(tensorsByName(s, q.objectName, q.line));
    if (owner) return { kind: "tensor", tensor: owner.item, count: owner.count };
  }
  return undefined;
}

function moduleByName(s: GraphSnapshot, name: string, line: number): ModuleInfo | undefined {
  const named = (s.modules ?? []).filter((m) => m.name === name);
  if (!named.length) return undefined;
  const before = named.filter((m) => m.boundAt.line <= line);
  return before.length ? before.reduce((a, b) => (b.boundAt.line >= a.boundAt.line ? b : a)) : named[0];
}

export interface HoverContext {
  /** URI (string) of the document, for the "Open in graph" link; no link without it. */
  documentUri?: string;
  /** The text changed since this run. */
  stale?: boolean;
  /** A fresh run was started (shown with `stale`). */
  rerunning?: boolean;
  /** The current text does not parse (shown with `stale`): the values are from the last text that ran. */
  unparsable?: boolean;
}

function kindText(t: TensorInfo): string {
  switch (t.kind) {
    case "leaf":
      return "leaf tensor";
    case "output":
      return "output tensor";
    case "constant":
      return "constant tensor (does not require grad)";
    default:
      return "intermediate tensor";
  }
}

function gradText(s: GraphSnapshot, t: TensorInfo): string {
  if (t.grad) {
    const how = t.isLeaf ? "" : t.retainsGrad ? ` (kept by ${s.language === "python" ? "retain_grad()" : "retainGrad()"})` : "";
    return `${codeSpan(formatValue(t.grad, { stats: true }))}${how}`;
  }
  if (t.gradNote) return `none — ${escapeMarkdown(t.gradNote)}`;
  if (!t.requiresGrad) return "none — does not require grad";
  if (s.backward.length === 0) return "none — backward() has not been called";
  return "none";
}

function formulaText(node: NodeInfo): string {
  if (!node.formulas.length) return "";
  if (node.formulas.length === 1 && node.inputs.length <= 1) return codeSpan(node.formulas[0]!);
  return node.formulas.map((f, i) => `${escapeMarkdown(node.inputs[i] ?? `input ${i}`)}: ${codeSpan(f)}`).join(" · ");
}

function savedText(s: GraphSnapshot, saved: SavedValue[]): string {
  const tensorById = new Map(s.tensors.map((t) => [t.id, t]));
  return saved
    .map((v) => {
      let value: string;
      if (v.value) value = formatValue(v.value, { maxElements: 6, head: 4 });
      else if (v.tensor) value = tensorById.get(v.tensor)?.label ?? v.tensor;
      else value = v.scalar === null || v.scalar === undefined ? String(v.scalar) : typeof v.scalar === "number" ? formatNumber(v.scalar) : String(v.scalar);
      const owner = v.tensor && tensorById.get(v.tensor);
      const ref = owner && owner.label !== value ? ` (${owner.label})` : "";
      return `${escapeMarkdown(v.name)} = ${codeSpan(value + ref)}`;
    })
    .join(" · ");
}

function footer(s: GraphSnapshot, id: string, ctx: HoverContext, count: number): string[] {
  const out: string[] = [];
  if (count > 1) out.push(`_Made ${count} times in this run (a loop?); showing the last._`);
  if (ctx.stale) {
    out.push(
      ctx.unparsable
        ? "_The text does not parse right now (see Problems): values from the last version that ran._"
        : ctx.rerunning
          ? "_Values from an earlier version of this file; running it again…_"
          : "_Values from an earlier version of this file: run Autograd Lens: Show Graph to refresh._",
    );
  }
  if (s.error) out.push(`_The run stopped with an error at ${s.error.range ? `line ${s.error.range.line}` : "an unknown line"}: values are up to that point._`);
  if (ctx.documentUri) out.push(`[Open in graph](${commandUri(SHOW_NODE_COMMAND, [ctx.documentUri, id])} "Show this in the Autograd Lens graph")`);
  return out;
}

/** Markdown for a tensor: kind, dtype, shape, value, grad (or why none), grad_fn and its formula. */
export function tensorHoverMarkdown(s: GraphSnapshot, t: TensorInfo, ctx: HoverContext = {}, count = 1): string {
  const title = `**${codeSpan(t.name ?? t.label)}** · ${kindText(t)} · ${codeSpan(t.dtype)} · shape ${codeSpan(describeShape(t.shape))}`;
  const lines = [`**value** ${codeSpan(formatValue(t.value, { stats: true }))}`];
  if (t.kind !== "constant" || t.grad) lines.push(`**grad** ${gradText(s, t)}`);
  const node = t.gradFn ? s.nodes.find((n) => n.id === t.gradFn) : undefined;
  if (node) {
    const formula = formulaText(node);
    lines.push(`**grad_fn** ${codeSpan(node.name)}${formula ? ` — ${formula}` : ""}`);
  } else if (t.isLeaf && t.requiresGrad) {
    lines.push(`**grad_fn** none — a leaf: backward accumulates into ${codeSpan(".grad")} (AccumulateGrad)`);
  }
  return [title, lines.join("  \n"), ...footer(s, t.id, ctx, count)].join("\n\n");
}

/** Markdown for the grad_fn a call created: its formulas, what it saved, and the tensor it made. */
export function nodeHoverMarkdown(s: GraphSnapshot, node: NodeInfo, tensor: TensorInfo | undefined, ctx: HoverContext = {}, count = 1): string {
  const title = `**${codeSpan(node.name)}** · grad_fn${tensor ? ` of ${codeSpan(tensor.name ?? tensor.label)}` : ""}`;
  const lines: string[] = [];
  const formula = formulaText(node);
  if (formula) lines.push(`**backward** ${formula}`);
  if (node.saved.length) lines.push(`**saved** ${savedText(s, node.saved)}`);
  if (node.released) lines.push("**saved tensors** freed by backward(): a second backward through here needs `retainGraph: true`");
  if (tensor) {
    lines.push(`**result** ${codeSpan(tensor.name ?? tensor.label)} = ${codeSpan(formatValue(tensor.value, { stats: true }))}`);
    lines.push(`**grad** ${gradText(s, tensor)}`);
  }
  return [title, lines.join("  \n"), ...footer(s, node.id, ctx, count)].filter(Boolean).join("\n\n");
}

/** Markdown for a module: its class and a table of its parameters (name, shape, ‖grad‖). */
export function moduleHoverMarkdown(m: ModuleInfo, ctx: HoverContext = {}): string {
  const count = m.paramCount === 1 ? "1 parameter" : `${formatCount(m.paramCount)} parameters`;
  const title = `**${codeSpan(m.name)}** · ${codeSpan(m.type)} module · ${count}, ${formatCount(m.valueCount)} values`;
  const parts = [title];
  if (m.params.length) {
    const rows = m.params.map((p) => `| ${codeSpan(p.name)} | ${codeSpan(formatShape(p.shape))} | ${p.gradNorm === null ? "none" : codeSpan(formatNumber(p.gradNorm))} |`);
    parts.push(["| parameter | shape | ‖grad‖ |", "| --- | --- | --- |", ...rows].join("\n"));
    if (m.paramCount > m.params.length) parts.push(`_…and ${formatCount(m.paramCount - m.params.length)} more._`);
    parts.push("_‖grad‖ is each parameter's gradient norm at the end of the run (none: no gradient, e.g. after zeroGrad())._");
  } else parts.push("_No parameters._");
  if (ctx.stale) parts.push("_Values from an earlier version of this file._");
  return parts.join("\n\n");
}

export function hoverMarkdown(s: GraphSnapshot, target: HoverTarget, ctx: HoverContext = {}): string {
  if (target.kind === "module") return moduleHoverMarkdown(target.module, ctx);
  return target.kind === "tensor"
    ? tensorHoverMarkdown(s, target.tensor, ctx, target.count)
    : nodeHoverMarkdown(s, target.node, target.tensor, ctx, target.count);
}

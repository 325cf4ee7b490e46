// Folding a big graph (pure: no DOM): the groups the view can draw as one box each, as a tree.
//   - Module calls (snapshot.scopes): an nn.Linear call is one box holding its ops, their results
//     and the module's own parameters (its weight and bias); an nn.Sequential call holds its layers.
//   - Function calls (snapshot.scopes of kind "function"): a call of a function the snippet defines
//     is one box "layer() @ L12" holding its ops and their results ("layer() @ L12:9" and
//     "layer() @ L12:15" when one line calls it twice); calls nest in calls and modules.
//   - Repeated structure: a run of three or more identical copies of the same items in creation
//     order (the body of a loop: ops of the same names from the same lines, or module calls of the
//     same module) is one box "× 500"; with many copies it opens into at most ~10 chunks of copies
//     ("× 200 (201–400)"), which open into smaller chunks, down to the copies' own nodes, so no
//     expansion draws thousands of boxes at once.
//   - Group by line (lineTree): the nodes one source line made, one group per line.
// Which groups start folded: repeats and leaf calls (a Linear, a helper that calls nothing) always;
// containers (a Sequential, a function calling other functions) open while the view stays within
// FIRST_VIEW_BOXES boxes.
import type { ScopeInfo } from "../shared/protocol";
import type { ViewGraph } from "./model";

export type FoldKind = "module" | "call" | "repeat" | "line";

export interface FoldGroup {
  id: string;
  kind: FoldKind;
  /** What its collapsed box and its frame say. */
  label: string;
  /** Direct children in creation order: view node ids and group ids. */
  children: string[];
  parent?: string;
  /** View nodes under it (all depths). */
  size: number;
  /** Creation order of its first node. */
  order: number;
  /** Starts open. */
  open: boolean;
  /** Group by line: the line. */
  line?: number;
}

export interface FoldTree {
  /** Top-level items in creation order: view node ids and group ids. */
  top: string[];
  groups: Map<string, FoldGroup>;
  /** View node id → its innermost group. */
  groupOf: Map<string, string>;
}

/** A first view opens container groups while it stays within this many boxes. */
export const FIRST_VIEW_BOXES = 40;
/** Fewest copies that make a repeat group. */
const MIN_COPIES = 3;
/** Longest loop body (items per copy) looked for. */
const MAX_PERIOD = 48;
/** A repeat group (or chunk) draws its copies' items directly up to this many items. */
const DIRECT_ITEMS = 100;
/** Chunks a repeat group opens into, at most. */
const CHUNKS = 10;

const isGroup = (id: string, groups: Map<string, FoldGroup>) => groups.has(id);

/** Group by line: one group per source line that made two or more nodes, open. */
export function lineTree(g: ViewGraph): FoldTree {
  const byLine = new Map<number, string[]>();
  for (const n of g.nodes) {
    const line = n.range?.line;
    if (line === undefined) continue;
    const list = byLine.get(line);
    if (list) list.push(n.id);
    else byLine.set(line, [n.id]);
  }
  const groups = new Map<string, FoldGroup>();
  const groupOf = new Map<string, string>();
  const top: string[] = [];
  for (const n of g.nodes) {
    const line = n.range?.line;
    const members = line === undefined ? undefined : byLine.get(line);
    if (line === undefined || !members || members.length < 2) {
      top.push(n.id);
      continue;
    }
    const id = `L:${line}`;
    let grp = groups.get(id);
    if (!grp) {
      grp = { id, kind: "line", label: `L${line}`, children: [], size: 0, order: n.order, open: true, line };
      groups.set(id, grp);
      top.push(id);
    }
    grp.children.push(n.id);
    grp.size++;
    groupOf.set(n.id, id);
  }
  return { top, groups, groupOf };
}

/** The fold tree of a view graph: module and function calls, then repeated structure at every level. */
export function foldTree(g: ViewGraph): FoldTree {
  const groups = new Map<string, FoldGroup>();
  const groupOf = new Map<string, string>();
  const scopes = g.scopes ?? [];
  // Each view node's call: an op's own, a result's from its op, a parameter's from the first call
  // of its module in this view.
  const scopeOf = new Map<string, number>();
  for (const n of g.nodes) if (n.kind === "op" && n.node?.scope !== undefined && scopes[n.node.scope]) scopeOf.set(n.id, n.node.scope);
  for (const n of g.nodes) {
    if (n.kind === "op") continue;
    const op = g.producer.get(n.id);
    const s = op === undefined ? undefined : scopeOf.get(op);
    if (s !== undefined) scopeOf.set(n.id, s);
  }
  const used = [...new Set(scopeOf.values())].sort((a, b) => a - b);
  // Parameters were made long before the call: they join it, but do not decide where it goes.
  const params = new Map<string, number>();
  for (const s of used) {
    for (const p of scopes[s]!.params ?? []) {
      const v = g.byId.get(p);
      if (v && v.kind === "leaf" && !scopeOf.has(p) && !params.has(p)) params.set(p, s);
    }
  }
  const sharedLines = callsSharingALine(scopes);
  const top: string[] = [];
  const childrenOf = (parent: string | undefined) => (parent ? groups.get(parent)!.children : top);
  // Places a module call's group (and its parents) where its first node comes.
  const place = (s: number, order: number): string => {
    const id = `M:${s}`;
    if (groups.has(id)) return id;
    const info = scopes[s]!;
    const parent = info.parent !== undefined && scopes[info.parent] ? place(info.parent, order) : undefined;
    const grp: FoldGroup = { id, kind: info.kind === "function" ? "call" : "module", label: scopeLabel(info, sharedLines), children: [], size: 0, order, open: false };
    if (parent) grp.parent = parent;
    groups.set(id, grp);
    childrenOf(parent).push(id);
    return id;
  };
  const join = (n: string, id: string, first: boolean) => {
    const children = groups.get(id)!.children;
    if (first) children.unshift(n);
    else children.push(n);
    groupOf.set(n, id);
    for (let p: string | undefined = id; p; p = groups.get(p)!.parent) groups.get(p)!.size++;
  };
  for (const n of g.nodes) {
    const s = scopeOf.get(n.id);
    if (s !== undefined) join(n.id, place(s, n.order), false);
    else if (!params.has(n.id)) top.push(n.id);
  }
  for (const [p, s] of [...params].reverse()) join(p, `M:${s}`, true);
  // Repeats, at the top and inside every module call.
  const sig = signatures(g, groups);
  const foldedTop = foldRepeats(top, undefined, "R", groups, groupOf, sig, g);
  for (const grp of [...groups.values()]) {
    if (isCall(grp)) grp.children = foldRepeats(grp.children, grp.id, grp.id, groups, groupOf, sig, g);
  }
  const tree = { top: foldedTop, groups, groupOf };
  openFirstView(tree);
  return tree;
}

/** A module call's or a function call's group. */
const isCall = (grp: FoldGroup | undefined): boolean => grp?.kind === "module" || grp?.kind === "call";

/**
 * "0: Linear", "Sequential"; "layer() @ L12" for a function call, "layer() @ L12:9" (with the
 * column) when the function is called from two places on that line (`layer(layer(x))`).
 */
export function scopeLabel(info: ScopeInfo, sharedLines: ReadonlySet<string>): string {
  if (info.kind !== "function") return info.name ? `${info.name}: ${info.type}` : info.type;
  if (info.line === undefined) return `${info.name}()`;
  const column = info.column !== undefined && sharedLines.has(lineKey(info)) ? `:${info.column}` : "";
  return `${info.name}() @ L${info.line}${column}`;
}

const lineKey = (info: ScopeInfo) => `${info.line}\u0000${info.name}`;

/** The (line, function) pairs called from two or more columns of that line. */
export function callsSharingALine(scopes: readonly ScopeInfo[]): Set<string> {
  const first = new Map<string, number>();
  const shared = new Set<string>();
  for (const s of scopes) {
    if (s.kind !== "function" || s.line === undefined || s.column === undefined) continue;
    const k = lineKey(s);
    const c = first.get(k);
    if (c === undefined) first.set(k, s.column);
    else if (c !== s.column) shared.add(k);
  }
  return shared;
}

/** What makes two items copies of each other: op names and lines, tensor kinds and lines, module types and names. */
function signatures(g: ViewGraph, groups: Map<string, FoldGroup>): (id: string) => string {
  const cache = new Map<string, string>();
  const of = (id: string): string => {
    let s = cache.get(id);
    if (s !== undefined) return s;
    const grp = groups.get(id);
    if (grp) s = `${grp.kind}|${grp.label}|${grp.children.map(of).join(",")}`;
    else {
      const n = g.byId.get(id);
      s = n ? `${n.kind}|${n.kind === "op" ? n.label : ""}|${n.range?.line ?? ""}` : id;
    }
    cache.set(id, s);
    return s;
  };
  return of;
}

/** Replaces runs of ≥ MIN_COPIES identical copies in `items` by repeat groups; returns the new list. */
function foldRepeats(
  items: string[],
  parent: string | undefined,
  prefix: string,
  groups: Map<string, FoldGroup>,
  groupOf: Map<string, string>,
  sig: (id: string) => string,
  g: ViewGraph,
): string[] {
  if (items.length < MIN_COPIES) return items;
  const codes = new Map<string, number>();
  const key = Int32Array.from(items, (id) => {
    const s = sig(id);
    let c = codes.get(s);
    if (c === undefined) codes.set(s, (c = codes.size));
    return c;
  });
  const out: string[] = [];
  const n = items.length;
  for (let i = 0; i < n; ) {
    let bestP = 0, bestK = 0;
    for (let p = 1; p <= MAX_PERIOD && i + p * MIN_COPIES <= n; p++) {
      let len = p;
      while (i + len < n && key[i + len] === key[i + len - p]) len++;
      const k = Math.floor(len / p);
      if (k >= MIN_COPIES && p * k > bestP * bestK) {
        bestP = p;
        bestK = k;
      }
    }
    if (bestK === 0) {
      out.push(items[i]!);
      i++;
      continue;
    }
    const copies = items.slice(i, i + bestP * bestK);
    out.push(repeatGroup(copies, bestP, 0, bestK, bestK, `${prefix}:${i}`, parent, groups, groupOf, g));
    i += bestP * bestK;
  }
  return out;
}

/** A group of copies [first, first + count) of a run of `total` copies of `period` items each. */
function repeatGroup(
  items: string[],
  period: number,
  first: number,
  count: number,
  total: number,
  id: string,
  parent: string | undefined,
  groups: Map<string, FoldGroup>,
  groupOf: Map<string, string>,
  g: ViewGraph,
): string {
  const mine = items.slice(first * period, (first + count) * period);
  const body = bodyLabel(items.slice(0, period), groups, g);
  const label = count === total ? `× ${total}: ${body}` : `× ${count} (${first + 1}–${first + count}): ${body}`;
  const grp: FoldGroup = { id, kind: "repeat", label, children: [], size: 0, order: orderOf(mine[0]!, groups, g), open: false };
  if (parent) grp.parent = parent;
  groups.set(id, grp);
  if (mine.length <= DIRECT_ITEMS || count <= 1) {
    grp.children = mine;
  } else {
    // Chunks of a round number of copies, at most CHUNKS of them.
    const raw = Math.ceil(count / CHUNKS);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const size = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
    for (let c = 0; c < count; c += size) {
      grp.children.push(repeatGroup(items, period, first + c, Math.min(size, count - c), total, `${id}:${c}`, id, groups, groupOf, g));
    }
  }
  for (const child of grp.children) {
    const sub = groups.get(child);
    if (sub) {
      sub.parent = id;
      grp.size += sub.size;
    } else {
      grp.size++;
      groupOf.set(child, id);
    }
  }
  return id;
}

function orderOf(id: string, groups: Map<string, FoldGroup>, g: ViewGraph): number {
  return groups.get(id)?.order ?? g.byId.get(id)?.order ?? 0;
}

/** "mul, add · L4": the ops (or module calls) of one copy, and the first line. */
function bodyLabel(copy: string[], groups: Map<string, FoldGroup>, g: ViewGraph): string {
  const names: string[] = [];
  let line: number | undefined;
  for (const id of copy) {
    const grp = groups.get(id);
    const n = g.byId.get(id);
    const name = grp ? grp.label : n?.kind === "op" ? n.label.replace(/Backward\d*$/, "").toLowerCase() : undefined;
    if (name && !names.includes(name)) names.push(name);
    line ??= n?.range?.line;
  }
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ", …" : "");
  return `${shown || "nodes"}${line !== undefined ? ` · L${line}` : ""}`;
}

/**
 * Opens container groups (module or function calls holding other calls), outermost first, while the view stays
 * within FIRST_VIEW_BOXES boxes; repeats and leaf modules stay folded.
 */
function openFirstView(tree: FoldTree): void {
  let boxes = tree.top.length;
  const queue = tree.top.filter((id) => isGroup(id, tree.groups));
  while (queue.length) {
    const grp = tree.groups.get(queue.shift()!)!;
    const container = isCall(grp) && grp.children.some((c) => isCall(tree.groups.get(c)));
    if (!container || boxes - 1 + grp.children.length > FIRST_VIEW_BOXES) continue;
    grp.open = true;
    boxes += grp.children.length - 1;
    for (const c of grp.children) if (isGroup(c, tree.groups)) queue.push(c);
  }
}

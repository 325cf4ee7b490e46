// What the graph view draws, derived from a GraphSnapshot (pure: no DOM, no cytoscape).
//
// The view graph has two kinds of nodes, as in the textbook's figure and torchviz: tensor boxes
// (leaves that require grad, intermediates, outputs) and op pills (the grad_fn nodes). Data flows
// input tensor → op → result tensor. An AccumulateGrad node is not drawn on its own: it is the
// leaf's box (its step highlights the leaf). The replay part turns the recorded backward steps
// into "what is known after k steps": the gradient on every node reached so far, the node being
// run, the edges it sends gradient along, and the chain-rule sentence for that step.
import type {
  BackwardCallInfo,
  BackwardStepInfo,
  GraphSnapshot,
  NodeInfo,
  ScopeInfo,
  SourceRange,
  StepPosition,
  TensorInfo,
  ValueSummary,
} from "../shared/protocol";
import { broadcastNote } from "./broadcast";
import { formatNumber, formatValue, scalarOf } from "./format";


export type ViewNodeKind = "leaf" | "intermediate" | "output" | "op";

export interface ViewNode {
  /** The snapshot id: "t…" for a tensor, "n…" for an op (grad_fn). */
  id: string;
  kind: ViewNodeKind;
  label: string;
  tensor?: TensorInfo;
  node?: NodeInfo;
  /** Where it was made in the user's text. */
  range?: SourceRange;
  /** Creation order (for layout and the outline). */
  order: number;
}

export interface ViewEdge {
  /** Stable id: "e:<from>:<index>" for an input edge, "o:<op>" for op → its result. */
  id: string;
  /** Data-flow direction. */
  source: string;
  target: string;
  /** The op's input name for input edges ("self", "other"). */
  label?: string;
  /** For input edges: the grad_fn whose nextFunctions entry this is, and its index there. */
  op?: string;
  index?: number;
}

export interface ViewGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  byId: Map<string, ViewNode>;
  /** AccumulateGrad node id → the leaf tensor's view id (steps on AccumulateGrad show on the leaf). */
  accumulateToLeaf: Map<string, string>;
  /** grad_fn id → the view node that stands for it in the drawing (an op, or a leaf for AccumulateGrad). */
  drawnAs: Map<string, string>;
  /** Tensor id → its op's id (the op that made it). */
  producer: Map<string, string>;
  /** Set when the graph is one backward call's (buildViewGraph with a call). */
  call?: number;
  /** The snapshot's module calls (NodeInfo.scope indexes them), for folding (fold.ts). */
  scopes?: ScopeInfo[];
}

const idNumber = (id: string) => Number(id.slice(1)) || 0;

/**
 * The grad_fn nodes and tensors of one backward call: every node reachable from its roots' grad_fn
 * along nextFunctions (what that backward ran), the tensors they made, and the leaves their
 * AccumulateGrad nodes stand for — parameters shared by every iteration of a training loop are in
 * each call's scope, drawn once.
 */
export function callScope(s: GraphSnapshot, call: number): { nodes: Set<string>; tensors: Set<string> } | null {
  const c = s.backward[call];
  if (!c) return null;
  const tensors = new Map(s.tensors.map((t) => [t.id, t]));
  const nodeInfo = new Map(s.nodes.map((n) => [n.id, n]));
  const next = new Map<string, string[]>();
  for (const e of s.edges) {
    let list = next.get(e.from);
    if (!list) next.set(e.from, (list = []));
    list.push(e.to);
  }
  const nodes = new Set<string>();
  const stack: string[] = [];
  for (const r of c.roots) {
    const t = tensors.get(r);
    if (t?.gradFn) stack.push(t.gradFn);
    else if (t) {
      // A leaf root: its AccumulateGrad.
      for (const n of s.nodes) if (n.kind === "accumulate" && n.tensor === r) stack.push(n.id);
    }
  }
  for (const st of c.steps) stack.push(st.node);
  while (stack.length) {
    const id = stack.pop()!;
    if (nodes.has(id) || !nodeInfo.has(id)) continue;
    nodes.add(id);
    for (const to of next.get(id) ?? []) stack.push(to);
  }
  const out = new Set<string>(c.roots);
  for (const id of nodes) {
    const t = nodeInfo.get(id)!.tensor;
    if (t) out.add(t);
  }
  return { nodes, tensors: out };
}

/**
 * The view graph of a snapshot, or of one backward call (`call`; see callScope). Tensors that share
 * a label in the drawing ("tanh @ L17", made by the same line several times) are numbered:
 * "tanh @ L17 #1", "#2", … in creation order.
 */
export function buildViewGraph(s: GraphSnapshot, call?: number): ViewGraph {
  const scope = call === undefined ? null : callScope(s, call);
  const nodes: ViewNode[] = [];
  const edges: ViewEdge[] = [];
  const byId = new Map<string, ViewNode>();
  const accumulateToLeaf = new Map<string, string>();
  const drawnAs = new Map<string, string>();
  const producer = new Map<string, string>();
  const tensors = new Map(s.tensors.map((t) => [t.id, t]));
  const add = (n: ViewNode) => {
    nodes.push(n);
    byId.set(n.id, n);
  };
  for (const t of s.tensors) {
    if (t.kind === "constant" || (scope && !scope.tensors.has(t.id))) continue;
    add({ id: t.id, kind: t.kind, label: t.label, tensor: t, range: t.range, order: idNumber(t.id) * 2 + 1 });
  }
  for (const n of s.nodes) {
    if (scope && !scope.nodes.has(n.id)) continue;
    if (n.kind === "accumulate") {
      if (n.tensor && byId.has(n.tensor)) {
        accumulateToLeaf.set(n.id, n.tensor);
        drawnAs.set(n.id, n.tensor);
      }
      continue;
    }
    const out = n.tensor && tensors.get(n.tensor);
    // An op sits just before its result in creation order.
    add({ id: n.id, kind: "op", label: n.name, node: n, range: n.range, order: out ? idNumber(out.id) * 2 : idNumber(n.id) * 2 });
    drawnAs.set(n.id, n.id);
    if (n.tensor && byId.has(n.tensor)) {
      producer.set(n.tensor, n.id);
      edges.push({ id: `o:${n.id}`, source: n.id, target: n.tensor });
    }
  }
  // Input edges: the tensor an op read → the op. The edge's other end is the next function's
  // tensor (its result, or the leaf of an AccumulateGrad), or, for a node whose result is not in
  // the snapshot (PyTorch's TBackward0 inside F.linear: no tensor of the program holds it), that
  // node itself.
  const nodeInfo = new Map(s.nodes.map((n) => [n.id, n]));
  for (const e of s.edges) {
    const op = nodeInfo.get(e.from);
    const next = nodeInfo.get(e.to);
    if (!op || op.kind === "accumulate" || !next || !byId.has(op.id)) continue;
    const input = next.tensor && byId.has(next.tensor) ? next.tensor : next.kind !== "accumulate" && byId.has(next.id) ? next.id : undefined;
    if (!input) continue;
    edges.push({ id: `e:${op.id}:${e.index}`, source: input, target: op.id, label: op.inputs[e.index], op: op.id, index: e.index });
  }
  nodes.sort((a, b) => a.order - b.order);
  numberRepeats(nodes);
  return { nodes, edges, byId, accumulateToLeaf, drawnAs, producer, ...(scope ? { call } : {}), ...(s.scopes ? { scopes: s.scopes } : {}) };
}

/** "tanh @ L17" three times → "tanh @ L17 #1", "#2", "#3" (tensors only, in creation order). */
function numberRepeats(nodes: ViewNode[]): void {
  const count = new Map<string, number>();
  for (const n of nodes) if (n.kind !== "op") count.set(n.label, (count.get(n.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const n of nodes) {
    if (n.kind === "op" || (count.get(n.label) ?? 0) < 2) continue;
    const k = (seen.get(n.label) ?? 0) + 1;
    seen.set(n.label, k);
    n.label = `${n.label} #${k}`;
  }
}

// ---- replay -------------------------------------------------------------------------------------

export interface ChainRule {
  title: string;
  lines: string[];
}

export interface ReplayState {
  position: StepPosition;
  call?: BackwardCallInfo;
  /** Number of steps in the call (0 when there is none). */
  total: number;
  /** Gradient known on each view node after `position.step` steps (absent: not reached yet). */
  grads: Map<string, ValueSummary>;
  /** The step just applied (position.step ≥ 1). */
  current?: {
    step: BackwardStepInfo;
    /** The view node that ran (the op, or the leaf for AccumulateGrad). */
    viewNode: string;
    /** View edges carrying gradient in this step, with the value sent. */
    edges: Array<{ edge: string; grad: ValueSummary | null }>;
    rule: ChainRule;
  };
}

/** Per snapshot: its nodes and tensors by id, and each backward step's call (built once; a replay runs per step). */
interface SnapshotIndex {
  nodes: Map<string, NodeInfo>;
  tensors: Map<string, TensorInfo>;
  callOf: Map<BackwardStepInfo, BackwardCallInfo>;
}
const snapshotIndexes = new WeakMap<GraphSnapshot, SnapshotIndex>();
function snapshotIndex(s: GraphSnapshot): SnapshotIndex {
  let ix = snapshotIndexes.get(s);
  if (!ix) {
    const callOf = new Map<BackwardStepInfo, BackwardCallInfo>();
    for (const c of s.backward) for (const st of c.steps) callOf.set(st, c);
    ix = { nodes: new Map(s.nodes.map((n) => [n.id, n])), tensors: new Map(s.tensors.map((t) => [t.id, t])), callOf };
    snapshotIndexes.set(s, ix);
  }
  return ix;
}
const edgeIds = new WeakMap<ViewGraph, Set<string>>();
function edgeIdsOf(g: ViewGraph): Set<string> {
  let ids = edgeIds.get(g);
  if (!ids) edgeIds.set(g, (ids = new Set(g.edges.map((e) => e.id))));
  return ids;
}

/** Clamp a position into the snapshot's calls and steps. */
export function clampPosition(s: GraphSnapshot, p: StepPosition): StepPosition {
  if (s.backward.length === 0) return { call: 0, step: 0 };
  const call = Math.min(Math.max(0, Math.floor(p.call)), s.backward.length - 1);
  const total = s.backward[call]!.steps.length;
  return { call, step: Math.min(Math.max(0, Math.floor(p.step)), total) };
}

/** A call run to its end (default: the last call): the state the snippet's code left. */
export function finishedPosition(s: GraphSnapshot, call = s.backward.length - 1): StepPosition {
  const c = s.backward[Math.max(0, Math.min(call, s.backward.length - 1))];
  return c ? { call: c.index, step: c.steps.length } : { call: 0, step: 0 };
}

/**
 * The state after the first `position.step` steps of call `position.call`. A tensor's gradient
 * appears when its own node runs (that is when the engine has summed every contribution); a
 * leaf's when its AccumulateGrad runs (showing `.grad` after accumulation). Recomputed from the
 * start each time, so stepping back undoes exactly.
 */
export function replay(s: GraphSnapshot, g: ViewGraph, position: StepPosition): ReplayState {
  const p = clampPosition(s, position);
  const call = s.backward[p.call];
  const state: ReplayState = { position: p, call, total: call?.steps.length ?? 0, grads: new Map() };
  if (!call) return state;
  const nodes = snapshotIndex(s).nodes;
  for (let i = 0; i < p.step; i++) {
    const st = call.steps[i]!;
    const node = nodes.get(st.node);
    if (node?.kind === "accumulate") {
      const leaf = g.accumulateToLeaf.get(st.node);
      if (leaf) state.grads.set(leaf, st.gradAfter ?? st.gradIn);
    } else if (node?.tensor && g.byId.has(node.tensor)) {
      state.grads.set(node.tensor, st.gradIn);
      if (g.byId.has(st.node)) state.grads.set(st.node, st.gradIn);
    }
  }
  if (p.step >= 1) {
    const st = call.steps[p.step - 1]!;
    const viewNode = g.drawnAs.get(st.node) ?? st.node;
    const edges: Array<{ edge: string; grad: ValueSummary | null }> = [];
    for (const out of st.gradsOut) {
      const id = `e:${st.node}:${out.index}`;
      if (out.grad && edgeIdsOf(g).has(id)) edges.push({ edge: id, grad: out.grad });
    }
    state.current = { step: st, viewNode, edges, rule: chainRule(s, st, nodes) };
  }
  return state;
}

/** ∂f/∂x1 = ∂f/∂x3 · ∂x3/∂x1 = 0.2 · 4 = 0.8 — the sentence the step view shows. */
export function chainRule(s: GraphSnapshot, st: BackwardStepInfo, nodes: Map<string, NodeInfo>): ChainRule {
  const node = nodes.get(st.node);
  const ix = snapshotIndex(s);
  const tensors = ix.tensors;
  const call = ix.callOf.get(st) ?? s.backward.find((c) => c.steps.includes(st));
  const rootName = call ? (tensors.get(call.roots[0] ?? "")?.label ?? "f") : "f";
  const f = rootName;
  const line = node?.range ? `, line ${node.range.line}` : "";
  if (!node) return { title: `Step ${st.index + 1}`, lines: [`incoming ${formatValue(st.gradIn)}`] };
  if (node.kind === "accumulate") {
    const leaf = tensors.get(node.tensor ?? "");
    const name = leaf?.label ?? "leaf";
    return {
      title: `Step ${st.index + 1} · AccumulateGrad (${name})`,
      lines: [
        `incoming ∂${f}/∂${name} = ${formatValue(st.gradIn)}`,
        `${name}.grad += ${formatValue(st.gradIn)} → ${name}.grad = ${formatValue(st.gradAfter ?? st.gradIn)}`,
      ],
    };
  }
  const out = tensors.get(node.tensor ?? "");
  const outName = out?.label ?? node.name;
  const lines = [`incoming ∂${f}/∂${outName} = ${formatValue(st.gradIn)}`];
  const gin = scalarOf(st.gradIn);
  for (const o of st.gradsOut) {
    if (!o.grad) continue;
    const next = o.to ? nodes.get(o.to) : undefined;
    const input = next?.tensor ? tensors.get(next.tensor) : undefined;
    const inName = input?.label ?? node.inputs[o.index] ?? `input ${o.index}`;
    const formula = node.formulas[o.index];
    const gout = scalarOf(o.grad);
    let local = "";
    if (gin !== undefined && gout !== undefined && gin !== 0) local = formatNumber(gout / gin);
    lines.push(`local ∂${outName}/∂${inName}${formula ? `: ${formula}` : ""}${local ? ` = ${local}` : ""}`);
    const note = broadcastNote(inName, st.gradIn.shape, o.grad.shape);
    if (note) lines.push(note);
    lines.push(
      gin !== undefined && local
        ? `chain rule: ∂${f}/∂${inName} = ∂${f}/∂${outName} · ∂${outName}/∂${inName} = ${formatNumber(gin)} · ${local} = ${formatValue(o.grad)}`
        : `chain rule: ∂${f}/∂${inName} = ${formatValue(o.grad)}`,
    );
  }
  return { title: `Step ${st.index + 1} · ${node.name} (${outName}${line})`, lines };
}

/** Where a tensor or node was made in the user's text (an AccumulateGrad: where its leaf was). */
export function sourceRangeOf(s: GraphSnapshot, id: string): SourceRange | undefined {
  const t = s.tensors.find((x) => x.id === id);
  if (t) return t.range ?? t.boundAt;
  const n = s.nodes.find((x) => x.id === id);
  if (!n) return undefined;
  if (n.range) return n.range;
  const leaf = n.tensor ? s.tensors.find((x) => x.id === n.tensor) : undefined;
  return leaf?.range ?? leaf?.boundAt;
}

/** Loss per backward call, for the small plot. */
export function losses(s: GraphSnapshot): Array<{ call: number; loss: number }> {
  return s.backward.flatMap((c) => (c.loss === undefined ? [] : [{ call: c.index, loss: c.loss }]));
}

/** Group view nodes by the source line that made them (for collapsing big graphs). */
export function groupsByLine(g: ViewGraph): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const n of g.nodes) {
    const line = n.range?.line;
    if (line === undefined) continue;
    const list = groups.get(line);
    if (list) list.push(n.id);
    else groups.set(line, [n.id]);
  }
  return groups;
}

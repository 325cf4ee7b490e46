// The backward pass, run the way PyTorch's engine.cpp runs it:
//  1. walk the graph from the roots and count, per node, how many edges lead into it;
//  2. keep a ready queue ordered by sequence number (the most recently created node first;
//     AccumulateGrad as soon as it is ready);
//  3. pop a node, hand it the gradient summed in its input buffer, and add what it returns into the
//     buffers of the nodes its edges point at; a node becomes ready when its count reaches zero.
// Broadcast gradients are reduced to each input's shape here, in one place (sumTo below).
import { Tensor } from "../tensor";
import { isGradEnabled, setGradEnabled, withGradMode } from "../grad_mode";
import { shapeEquals } from "../shape";
import { AccumulateGrad, FunctionNode, type GradHook, type Node } from "./node";
import { observer, type BackwardStep } from "./observer";
import { gradientEdge } from "./record";
import { onesLike, scalarLike } from "../ops/creation";
import { sumTo, toDType } from "../ops/elementwise";
import { bumpVersion, writeValues } from "../ops/inplace";

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through this graph again. Defaults to createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
}

export interface GradOptions extends BackwardOptions {
  /** Return undefined for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** tensor.backward() / torch.autograd.backward: accumulate into the leaves' `.grad`. */
export function backward(
  roots: readonly Tensor[],
  gradients: ReadonlyArray<Tensor | number | undefined> | undefined,
  options: BackwardOptions = {},
): void {
  run("backward", roots, gradients, options, null, false);
}

/** torch.autograd.grad: return d(outputs)/d(inputs) without touching `.grad`. */
export function grad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs: ReadonlyArray<Tensor | number | undefined> | undefined,
  options: GradOptions = {},
): Array<Tensor | undefined> {
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`autograd.grad: inputs[${i}] is not a Tensor.`);
    if (!t.requiresGrad) {
      throw new Error(`autograd.grad: One of the differentiated Tensors (inputs[${i}]) does not require grad.`);
    }
  });
  const result = run("grad", outputs, gradOutputs, options, inputs, options.allowUnused ?? false);
  return result!;
}

function run(
  kind: "backward" | "grad",
  roots: readonly Tensor[],
  gradients: ReadonlyArray<Tensor | number | undefined> | undefined,
  options: BackwardOptions,
  inputs: readonly Tensor[] | null,
  allowUnused: boolean,
): Array<Tensor | undefined> | undefined {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  if (roots.length === 0) throw new Error(`${kind}: no tensors to differentiate.`);
  if (gradients !== undefined && gradients.length !== roots.length) {
    throw new RangeError(`${kind}: got ${gradients.length} gradients for ${roots.length} tensors.`);
  }

  // Root gradients: implicit ones only for scalars, as torch.
  const rootEdges: Array<[Node, Tensor]> = [];
  roots.forEach((root, i) => {
    if (!(root instanceof Tensor)) throw new TypeError(`${kind}: expected a Tensor, got ${typeof root}.`);
    if (!root.requiresGrad) {
      throw new Error(
        `${kind}: element ${i} of tensors does not require grad and does not have a grad_fn. ` +
          `Create the leaves with { requiresGrad: true } (or call requiresGrad_()) before computing this tensor, ` +
          `and do not compute it inside torch.noGrad().`,
      );
    }
    const given = gradients?.[i];
    let g: Tensor;
    if (given === undefined) {
      if (root.numel() !== 1) {
        throw new Error(
          `${kind}: grad can be implicitly created only for scalar outputs; this tensor has shape [${root.shape.join(", ")}]. ` +
            `Reduce it first (e.g. y.sum().backward()) or pass a gradient of the same shape: y.backward(torch.onesLike(y)).`,
        );
      }
      g = onesLike(root);
    } else if (typeof given === "number") {
      g = scalarLike(root, given);
    } else {
      if (!shapeEquals(given.shape, root.shape)) {
        throw new RangeError(
          `${kind}: Mismatch in shape: grad_output[${i}] has a shape of [${given.shape.join(", ")}] and output[${i}] has a shape of [${root.shape.join(", ")}].`,
        );
      }
      g = given.dtype === root.dtype ? given : toDType(given, root.dtype);
    }
    rootEdges.push([gradientEdge(root)[0]!, g]);
  });

  // Inputs of autograd.grad: where to capture, and which nodes lead there.
  const captureAt = new Map<Node, number[]>();
  const captured: Array<Tensor | undefined> = inputs ? new Array(inputs.length).fill(undefined) : [];
  if (inputs) {
    inputs.forEach((t, i) => {
      const n = gradientEdge(t)[0]!;
      const list = captureAt.get(n);
      if (list) list.push(i);
      else captureAt.set(n, [i]);
    });
  }

  // 1. dependency counts over everything reachable from the roots (scratch fields on the nodes,
  //    stamped with this pass's epoch so nothing needs clearing afterwards).
  const epoch = ++passCounter;
  const order: Node[] = [];
  const stack: Node[] = [];
  const visit = (n: Node) => {
    if (n._epoch === epoch) return;
    n._epoch = epoch;
    n._deps = 0;
    n._buffer = null;
    n._ownsBuffer = false;
    n._needed = inputs === null;
    stack.push(n);
  };
  for (const [n] of rootEdges) visit(n);
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    const next = n.nextFunctions;
    for (let i = 0; i < next.length; i++) {
      const c = next[i]![0];
      if (c === null) continue;
      visit(c);
      c._deps++;
    }
  }
  // For autograd.grad only nodes that lead to an input run (PyTorch's exec_info).
  if (inputs) {
    for (const n of captureAt.keys()) if (n._epoch === epoch) n._needed = true;
    // Fixpoint: a node is needed if any of its children is.
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of order) {
        if (n._needed) continue;
        for (const [c] of n.nextFunctions) {
          if (c !== null && c._needed) {
            n._needed = true;
            changed = true;
            break;
          }
        }
      }
    }
  }

  // 2. input buffers and the ready queue.
  const queue = new ReadyQueue();
  const addToBuffer = (n: Node, g: Tensor) => {
    const prev = n._buffer;
    if (prev === null) {
      n._buffer = g;
    } else if (!createGraph && n._ownsBuffer) {
      addInPlace(prev, g, false);
    } else {
      // The first gradient may be shared with another edge (AddBackward sends one tensor to
      // both inputs), so the first sum allocates; later ones add into our own buffer.
      n._buffer = prev.add(g);
      n._ownsBuffer = !createGraph;
    }
  };
  for (const [n, g] of rootEdges) addToBuffer(n, g);
  for (const [n] of rootEdges) {
    if (n._deps === 0 && !queue.has(n)) queue.push(n);
  }

  observer?.backwardBegin?.({ kind, roots, retainGraph, createGraph });
  const stepping = observer !== null && observer.backwardStep !== undefined;
  let stepIndex = 0;
  const prevMode = isGradEnabled();
  // Gradient formulas run in grad mode only with createGraph: then the backward pass is recorded.
  setGradEnabled(createGraph);
  try {
    while (queue.size > 0) {
      const node = queue.pop();
      let gradIn = node._buffer!;
      const buffer = gradIn;
      node._buffer = null;
      const step: BackwardStep | null = stepping ? { index: stepIndex++, node, gradIn, gradsOut: [] } : null;

      // Hooks of the tensor this node stands for, then retain_grad (PyTorch runs it last).
      const hooks: GradHook[] | null = node instanceof AccumulateGrad ? node.variable._hooks : node.tensorPreHooks;
      if (hooks !== null && hooks.length > 0) gradIn = runHooks(hooks, gradIn, node);
      if (node.retainedOutput !== null) {
        accumulateInto(node.retainedOutput, gradIn, createGraph);
        if (step) step.retained = node.retainedOutput;
      }
      if (step) step.gradIn = gradIn;

      if (inputs) {
        const captureList = captureAt.get(node);
        if (captureList) {
          for (const i of captureList) captured[i] = createGraph ? gradIn : detachedCopy(gradIn);
          if (step) step.captured = inputs[captureList[0]!];
        }
      }

      if (node instanceof AccumulateGrad) {
        if (!inputs) {
          // A buffer the engine summed itself is referenced nowhere else: the leaf can keep it
          // instead of a copy (PyTorch "steals" such gradients too).
          const stealable = node._ownsBuffer && gradIn === buffer;
          accumulateInto(node.variable, gradIn, createGraph, stealable);
          if (step) step.leaf = node.variable;
        }
        if (step) observer!.backwardStep!(step);
        continue;
      }
      const fn = node as FunctionNode<object>;
      const edges = fn.nextFunctions;
      if (!fn._needed) {
        if (step) observer!.backwardStep!(step);
        continue;
      }
      const needs = new Array<boolean>(edges.length);
      for (let i = 0; i < edges.length; i++) {
        const c = edges[i]![0];
        needs[i] = c !== null && c._needed;
      }
      const outs = fn.apply(gradIn, needs);
      if (!retainGraph) fn.release();
      const sent: Array<Tensor | null> | null = step ? new Array(edges.length).fill(null) : null;
      for (let i = 0; i < edges.length; i++) {
        const next = edges[i]![0];
        if (next === null || !needs[i]) continue;
        let g = outs[i];
        if (g !== null && g !== undefined) {
          // Reduce broadcast gradients to the input's shape and cast to its dtype: here, once.
          if (!shapeEquals(g.shape, next.outShape)) g = sumTo(g, next.outShape, fn.name);
          if (g.dtype !== next.outDType) g = toDType(g, next.outDType);
          if (sent) sent[i] = g;
          addToBuffer(next, g);
        }
        // No gradient along an edge still counts as "done" for the dependency.
        decrement(next, queue);
      }
      if (step) {
        step.gradsOut = sent!;
        observer!.backwardStep!(step);
      }
    }
    observer?.backwardEnd?.({});
  } catch (e) {
    observer?.backwardEnd?.({ error: e });
    throw e;
  } finally {
    setGradEnabled(prevMode);
    // Drop buffers left by a failed pass so they don't keep tensors alive.
    for (const n of order) n._buffer = null;
  }

  if (!inputs) return undefined;
  captured.forEach((g, i) => {
    if (g === undefined && !allowUnused) {
      throw new Error(
        `autograd.grad: One of the differentiated Tensors (inputs[${i}]) appears to not have been used in the graph. ` +
          `Set allowUnused: true if this is the desired behavior.`,
      );
    }
  });
  return captured;
}

let passCounter = 0;

function decrement(next: Node, queue: ReadyQueue): void {
  if (--next._deps !== 0) return;
  if (next._buffer !== null) {
    queue.push(next);
  } else {
    // Every edge into this node carried no gradient: it has nothing to run, but its own inputs
    // must still learn that this producer is done, or they would wait for it forever.
    for (const [child] of next.nextFunctions) if (child !== null && child._needed) decrement(child, queue);
  }
}

function runHooks(hooks: readonly GradHook[], grad: Tensor, node: Node): Tensor {
  for (const hook of hooks.slice()) {
    const r = hook(grad);
    if (r !== undefined && r !== null) {
      if (!(r instanceof Tensor)) throw new TypeError(`hook on ${node.name}: a hook must return a Tensor or nothing.`);
      if (!shapeEquals(r.shape, grad.shape)) {
        throw new RangeError(
          `hook on ${node.name}: hook returned a gradient of shape [${r.shape.join(", ")}], expected [${grad.shape.join(", ")}].`,
        );
      }
      grad = r;
    }
  }
  return grad;
}

function detachedCopy(t: Tensor): Tensor {
  return new Tensor(t._values.slice(), t.shape, t.dtype);
}

/**
 * target += g, in target's own storage: an input buffer the engine made (nobody else sees it, so
 * no version bump) or a leaf's .grad (a visible in-place write: its version moves on).
 */
function addInPlace(target: Tensor, g: Tensor, visible = true): void {
  const b = g._values;
  if (target._flat !== null && target._base === null) {
    const a = target._flat;
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
    if (visible) bumpVersion(target);
    return;
  }
  // A .grad the user set to a strided view: add, then write back through its strides.
  const a = target._values.slice();
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  writeValues(target, a);
}

/** Leaves: the first gradient is copied into `.grad`, later ones are added (in place unless createGraph). */
function accumulateInto(variable: Tensor, g: Tensor, createGraph: boolean, stealable = false): void {
  const prev = variable._grad;
  if (prev === undefined) {
    variable._grad = createGraph || stealable ? g : detachedCopy(g);
  } else if (createGraph || prev.requiresGrad) {
    variable._grad = withGradMode(createGraph, () => prev.add(g));
  } else {
    addInPlace(prev, g);
  }
}

/** Max-heap on sequence number; FIFO among equals (AccumulateGrad nodes share one number). */
class ReadyQueue {
  private heap: Node[] = [];
  private counter = 0;
  get size(): number {
    return this.heap.length;
  }
  has(n: Node): boolean {
    return this.heap.includes(n);
  }
  push(n: Node): void {
    n._queueOrder = this.counter++;
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      const t = h[i]!;
      h[i] = h[p]!;
      h[p] = t;
      i = p;
    }
  }
  pop(): Node {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        const t = h[i]!;
        h[i] = h[m]!;
        h[m] = t;
        i = m;
      }
    }
    return top;
  }
}

function before(a: Node, b: Node): boolean {
  if (a.sequenceNr !== b.sequenceNr) return a.sequenceNr > b.sequenceNr;
  return a._queueOrder < b._queueOrder;
}

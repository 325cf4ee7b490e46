// The backward pass, run the way PyTorch's engine.cpp runs it:
//  1. walk the graph from the roots and count, per node, how many edges lead into it;
//  2. keep a ready queue ordered by sequence number (the most recently created node first;
//     AccumulateGrad as soon as it is ready);
//  3. pop a node, hand it the gradient summed in its input buffer, and add what it returns into the
//     buffers of the nodes its edges point at; a node becomes ready when its count reaches zero.
// Broadcast gradients are reduced to each input's shape here, in one place (sumTo below).
import { Tensor } from "../tensor";
import { withGradMode } from "../grad_mode";
import { shapeEquals } from "../shape";
import { AccumulateGrad, FunctionNode, type GradHook, type Node } from "./node";
import { observer, type BackwardStep } from "./observer";
import { gradientEdge } from "./record";
import { onesLike, scalarLike } from "../ops/creation";
import { sumTo, toDType } from "../ops/elementwise";

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

  // 1. dependency counts over everything reachable from the roots.
  const deps = new Map<Node, number>();
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const [n] of rootEdges) {
    if (!seen.has(n)) {
      seen.add(n);
      stack.push(n);
    }
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const [next] of n.nextFunctions) {
      if (next === null) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  // For autograd.grad only nodes that lead to an input run (PyTorch's exec_info).
  let needed: Set<Node> | null = null;
  if (inputs) {
    needed = new Set(captureAt.keys());
    // Reverse topological fixpoint: a node is needed if any child is needed.
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of order) {
        if (needed.has(n)) continue;
        for (const [next] of n.nextFunctions) {
          if (next !== null && needed.has(next)) {
            needed.add(n);
            changed = true;
            break;
          }
        }
      }
    }
  }

  // 2. input buffers and the ready queue.
  const buffers = new Map<Node, Tensor>();
  const owned = new Set<Node>(); // buffers we allocated and may add into in place
  const queue = new ReadyQueue();
  const addToBuffer = (n: Node, g: Tensor) => {
    const prev = buffers.get(n);
    if (prev === undefined) {
      buffers.set(n, g);
    } else if (!createGraph && owned.has(n)) {
      addInPlace(prev, g);
    } else {
      buffers.set(n, withGradMode(createGraph, () => prev.add(g)));
      if (!createGraph) owned.add(n);
    }
  };
  for (const [n, g] of rootEdges) addToBuffer(n, g);
  for (const [n] of rootEdges) {
    if ((deps.get(n) ?? 0) === 0 && !queue.has(n)) queue.push(n);
  }

  observer?.backwardBegin?.({ kind, roots, retainGraph, createGraph });
  let stepIndex = 0;
  try {
    while (queue.size > 0) {
      const node = queue.pop();
      let gradIn = buffers.get(node)!;
      buffers.delete(node);
      const step: BackwardStep | null = observer?.backwardStep ? { index: stepIndex++, node, gradIn, gradsOut: [] } : null;

      // Hooks of the tensor this node stands for, then retain_grad (PyTorch runs it last).
      const hooks: GradHook[] | null = node instanceof AccumulateGrad ? node.variable._hooks : node.tensorPreHooks;
      if (hooks) gradIn = runHooks(hooks, gradIn, node);
      if (node.retainedOutput) {
        retainInto(node.retainedOutput, gradIn, createGraph);
        if (step) step.retained = node.retainedOutput;
      }
      if (step) step.gradIn = gradIn;

      const captureList = captureAt.get(node);
      if (captureList) {
        for (const i of captureList) {
          captured[i] = createGraph ? gradIn : detachedCopy(gradIn);
        }
        if (step) step.captured = inputs![captureList[0]!];
      }

      if (node instanceof AccumulateGrad) {
        if (!inputs) {
          accumulateInto(node.variable, gradIn, createGraph);
          if (step) step.leaf = node.variable;
        }
        if (step) observer!.backwardStep!(step);
        continue;
      }
      if (needed && !needed.has(node)) {
        if (step) observer!.backwardStep!(step);
        continue;
      }

      const fn = node as FunctionNode<object>;
      const needs = fn.nextFunctions.map(([n]) => n !== null && (needed === null || needed.has(n)));
      const outs = withGradMode(createGraph, () => fn.apply(gradIn, needs));
      if (!retainGraph) fn.release();
      const sent: Array<Tensor | null> = new Array(fn.nextFunctions.length).fill(null);
      for (let i = 0; i < fn.nextFunctions.length; i++) {
        const next = fn.nextFunctions[i]![0];
        if (next === null || !needs[i]) continue;
        let g = outs[i];
        if (g === null || g === undefined) {
          // No gradient along this edge still counts as "done" for the dependency.
          decrement(next, deps, queue, buffers);
          continue;
        }
        const meta = fn.inputMeta[i]!;
        if (!shapeEquals(g.shape, meta.shape)) g = withGradMode(createGraph, () => sumTo(g!, meta.shape, fn.name));
        if (g.dtype !== meta.dtype) g = withGradMode(createGraph, () => toDType(g!, meta.dtype));
        sent[i] = g;
        addToBuffer(next, g);
        decrement(next, deps, queue, buffers);
      }
      if (step) {
        step.gradsOut = sent;
        observer!.backwardStep!(step);
      }
    }
    observer?.backwardEnd?.({});
  } catch (e) {
    observer?.backwardEnd?.({ error: e });
    throw e;
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

function decrement(next: Node, deps: Map<Node, number>, queue: ReadyQueue, buffers: Map<Node, Tensor>): void {
  const left = deps.get(next)! - 1;
  deps.set(next, left);
  if (left !== 0) return;
  if (buffers.has(next)) {
    queue.push(next);
  } else {
    // Every edge into this node carried no gradient: it has nothing to run, but its own inputs
    // must still learn that this producer is done, or they would wait for it forever.
    for (const [child] of next.nextFunctions) if (child !== null && deps.has(child)) decrement(child, deps, queue, buffers);
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
  return new Tensor(t.data.slice(), t.shape, t.dtype);
}

function addInPlace(target: Tensor, g: Tensor): void {
  const a = target.data;
  const b = g.data;
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
}

/** Leaves: the first gradient is copied into `.grad`, later ones are added (in place unless createGraph). */
function accumulateInto(variable: Tensor, g: Tensor, createGraph: boolean): void {
  const prev = variable._grad;
  if (prev === undefined) {
    variable._grad = createGraph ? g : detachedCopy(g);
  } else if (createGraph || prev.requiresGrad) {
    variable._grad = withGradMode(createGraph, () => prev.add(g));
  } else {
    addInPlace(prev, g);
  }
}

/** retainGrad keeps the gradient of a non-leaf the same way (accumulating across calls, like torch). */
function retainInto(t: Tensor, g: Tensor, createGraph: boolean): void {
  accumulateInto(t, g, createGraph);
}

/** Max-heap on sequence number; FIFO among equals (AccumulateGrad nodes share one number). */
class ReadyQueue {
  private heap: Node[] = [];
  private order = new Map<Node, number>();
  private counter = 0;
  get size(): number {
    return this.heap.length;
  }
  has(n: Node): boolean {
    return this.order.has(n);
  }
  push(n: Node): void {
    this.order.set(n, this.counter++);
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
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
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    this.order.delete(top);
    return top;
  }
  private before(a: Node, b: Node): boolean {
    if (a.sequenceNr !== b.sequenceNr) return a.sequenceNr > b.sequenceNr;
    return this.order.get(a)! < this.order.get(b)!;
  }
}

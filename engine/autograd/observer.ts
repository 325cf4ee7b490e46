// What the engine tells an observer (the runner) while a snippet runs: every tensor and grad_fn
// node as it is created, and every step of every backward pass, in the order the engine ran them.
// Callbacks run synchronously; gradients passed to them may later be updated in place (leaf
// accumulation), so an observer that keeps values must copy them during the callback.
import type { Tensor } from "../tensor";
import type { Node } from "./node";

export interface BackwardBegin {
  /** "backward" for tensor.backward() / torch.autograd.backward, "grad" for torch.autograd.grad. */
  kind: "backward" | "grad";
  roots: readonly Tensor[];
  retainGraph: boolean;
  createGraph: boolean;
}

export interface BackwardStep {
  /** 0-based position in this backward call. */
  index: number;
  node: Node;
  /** The gradient the node received (summed over all its consumers, after hooks). */
  gradIn: Tensor;
  /** Gradient sent along each of node.nextFunctions (null where nothing flows), reduced to input shape. */
  gradsOut: ReadonlyArray<Tensor | null>;
  /** For AccumulateGrad: the leaf whose `.grad` was just updated. */
  leaf?: Tensor;
  /** For a non-leaf that called retainGrad(): the tensor whose `.grad` was just updated. */
  retained?: Tensor;
  /** For autograd.grad: the input whose gradient was captured here (not accumulated). */
  captured?: Tensor;
}

export interface AutogradObserver {
  tensorCreated?(t: Tensor): void;
  /**
   * A grad_fn node was made for `output`; `inputs` are the op's tensor operands in the node's input
   * order (null where absent), as the op passed them: enough to re-run the op (engine/replay).
   */
  nodeCreated?(node: Node, output: Tensor, inputs: ReadonlyArray<Tensor | null>): void;
  /**
   * An in-place op is about to write into `t` and give it a new node (a new version in the graph):
   * the last chance to read the values of its current version.
   */
  beforeInPlace?(t: Tensor): void;
  /** A module call (`model(x)`) begins; the nodes made until the matching moduleExit are its. */
  moduleEnter?(info: { name: string; type: string; parameters: readonly Tensor[] }): void;
  moduleExit?(): void;
  backwardBegin?(info: BackwardBegin): void;
  backwardStep?(step: BackwardStep): void;
  backwardEnd?(info: { error?: unknown }): void;
}

export let observer: AutogradObserver | null = null;

/** Install (or with null remove) the observer; returns the previous one. */
export function setObserver(o: AutogradObserver | null): AutogradObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

// The warning channel. torch prints warnings to stderr; we hand them to a handler the runner can
// replace, with a stack captured at the point of the warning so it can be mapped to a source line.

export interface TorchWarning {
  message: string;
  /** Stack at the moment of the warning (engine frames included); the runner maps it to user code. */
  stack: string;
}

export type WarningHandler = (w: TorchWarning) => void;

const defaultHandler: WarningHandler = (w) => {
  // `console` exists in every host we run in (Node, workers, browsers).
  (globalThis as { console?: { warn(...a: unknown[]): void } }).console?.warn(`[W] Warning: ${w.message}`);
};

let handler: WarningHandler = defaultHandler;

/** Replace the handler; returns the previous one. `null` restores the default (console.warn). */
export function setWarningHandler(h: WarningHandler | null): WarningHandler {
  const prev = handler;
  handler = h ?? defaultHandler;
  return prev;
}

export function warn(message: string): void {
  handler({ message, stack: new Error(message).stack ?? "" });
}

/** torch's text, verbatim (TensorBody.h), for reading `.grad` of a non-leaf that does not retain it. */
export const NON_LEAF_GRAD_WARNING =
  "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute " +
  "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated " +
  "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor " +
  "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 " +
  "for more informations.";

// The call stack of the snippet's own functions (the transpiler's `__lens.enter(K)` / `__lens.exit(d)`
// markers, transpile-calls.ts), kept INSIDE its vm context (evaluated there through its source text,
// as contextBootstrap is): a marker costs an array write, no call into the host. The host's recorder
// reads the frames when an op is recorded (runner/module-scopes.ts) and never writes them.
// Bounded: past MAX_FRAMES nested calls (deep recursion) calls are counted, not kept.

/** What the host reads: frames [0, min(depth(), ids.length)) are live; id -1 is a call not folded. */
export interface CallFrames {
  depth(): number;
  /** The FunctionSite index of each live call. */
  readonly ids: ArrayLike<number>;
  /** A number that tells two calls at the same depth apart (increasing). */
  readonly serials: ArrayLike<number>;
}

export interface ContextCalls {
  /** A marked function begins: returns the depth to give back to exit. `self` is a method's `this`. */
  enter(site: unknown, self?: unknown): number;
  exit(depth: unknown): void;
  frames: CallFrames;
}

/** `isModule(v)`: v is an nn.Module of the engine (its forward folds as a module call instead). */
export function contextCalls(isModule: (v: unknown) => boolean): ContextCalls {
  "use strict";
  const MAX_FRAMES = 64;
  const ids: number[] = [];
  const serials: number[] = [];
  for (let i = 0; i < MAX_FRAMES; i++) {
    ids.push(-1);
    serials.push(0);
  }
  let depth = 0;
  let serial = 0;
  return {
    enter(site: unknown, self?: unknown): number {
      const d = depth;
      depth = d + 1;
      if (d < MAX_FRAMES) {
        ids[d] = typeof site === "number" && (self === undefined || !isModule(self)) ? site : -1;
        serials[d] = ++serial;
      }
      return d;
    },
    exit(d: unknown): void {
      // Only ever down: a snippet calling __lens.exit itself can only end frames early.
      // (No global is read here: the snippet may have replaced Math, Number, ….)
      if (typeof d === "number" && d >= 0 && d < depth && (d | 0) === d) depth = d;
    },
    frames: {
      depth: () => depth,
      ids,
      serials,
    },
  };
}

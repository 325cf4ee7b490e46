// Whether a snippet's run is provably over once the synchronous part of its script has returned, so
// that the child can send the result at once instead of first a checkpoint of the whole graph.
//
// The end-of-sync checkpoint (child.ts) is there because the microtasks that follow may never give
// control back (a loop in eval'd code after an await). Microtasks of the snippet's realm come only
// from promise reactions (its queueMicrotask is made of a promise too: context-timers.ts), and a
// reaction needs a promise. The script is one async IIFE (transpile.ts), whose promise is the one
// promise a script without awaits, thens or timers makes. So when, during the synchronous part,
// exactly one promise was created, it is the script's value, and it was settled in that part (the
// body ran to its end: an await would have made more promises), then no code of the snippet is left
// to run: the only reaction is the runner's own (`watch`), which finishes the run in that microtask,
// before any task (a timer, a FinalizationRegistry callback) could run. Any other promise, made by
// the snippet, the engine or the runner (a timer is scheduled through one), means "not provably
// over", and the run goes on as before, end-of-sync checkpoint included.
//
// V8's promise hooks see the promises of every context of the isolate (the snippet's vm context
// too). They are on only during the synchronous part, and off at the second promise: a script that
// makes many promises pays for two.
import * as v8 from "node:v8";

export class SyncEndWatch {
  private readonly created: unknown[] = [];
  private settledFirst = false;
  // What v8.promiseHooks' registrations return: a function that stops the hook.
  private stopInit: (() => unknown) | undefined;
  private stopSettled: (() => unknown) | undefined;

  /** Start watching (just before the script runs). Never throws: without hooks, nothing is provable. */
  start(): void {
    try {
      // Typed as returning Function: each is the call that stops its hook.
      const stopInit = v8.promiseHooks.onInit((promise) => {
        this.created.push(promise);
        if (this.created.length > 1) this.stop();
      });
      this.stopInit = () => stopInit.call(undefined);
      const stopSettled = v8.promiseHooks.onSettled((promise) => {
        if (promise === this.created[0]) this.settledFirst = true;
      });
      this.stopSettled = () => stopSettled.call(undefined);
    } catch {
      this.stop();
      this.created.push(null, null); // unknown: never provably over
    }
  }

  /** Stop watching; true when the run is provably over with `value` (the script's completion value). */
  over(value: unknown): boolean {
    this.stop();
    const over = this.created.length === 1 && this.created[0] === value && this.settledFirst;
    this.created.length = 0;
    return over;
  }

  private stop(): void {
    this.stopInit?.();
    this.stopSettled?.();
    this.stopInit = undefined;
    this.stopSettled = undefined;
  }
}

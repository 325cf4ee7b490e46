// The snippet's timers and queueMicrotask, made INSIDE its vm context (evaluated there through its
// source text, as contextBootstrap is): nothing outside the function's own body may be referred to.
// The callbacks and their records stay in the context; the host (lens-runtime.ts) only gets ids and
// times through `deps`, and fires a timer by id.

/** What the timers need from the bootstrap (functions of the context's realm, the host's guarded). */
export interface TimerDeps {
  schedule(id: number, ms: number, repeat: boolean): void;
  cancel(id: number): void;
  ref(id: number, on: boolean): void;
  uncaught(error: unknown): void;
  /** The clock and memory check (as __lens.tick's): the next budget, or -1 to stop. */
  check(loop: number, stack?: string): number;
  fatalError(): Error;
  stackHere(): string;
}

export interface ContextTimers {
  setTimeout(cb: unknown, ms: unknown, args: unknown[]): object;
  setInterval(cb: unknown, ms: unknown, args: unknown[]): object;
  clear(t: unknown): void;
  queueMicrotask(cb: unknown): void;
  /** Run timer `id`'s callback (the host's Node timer fired). */
  fire(id: number): void;
  /** Where timer `id` was made (V8 stack text). */
  origin(id: number): string;
  clearAll(): void;
}

export function contextTimers(deps: TimerDeps): ContextTimers {
  "use strict";
  const NativeMap = Map;
  const NativeTypeError = TypeError;
  const NativePromise = Promise;
  const promiseThen = Promise.prototype.then;
  const reflectApply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  interface TimerRecord {
    cb: (...a: unknown[]) => unknown;
    args: unknown[];
    repeat: boolean;
    ms: number;
    refed: boolean;
    /** The stack where the timer was made (V8 text). */
    origin: string;
    handle: object;
  }
  const timers = new NativeMap<number, TimerRecord>();
  let nextTimerId = 1;
  const idKey = Symbol("timerId");
  class Timeout {
    constructor(id: number) {
      defineProperty(this, idKey, { value: id });
    }
    private get id(): number {
      return (this as unknown as Record<symbol, number>)[idKey]!;
    }
    ref(): this {
      const t = timers.get(this.id);
      if (t) t.refed = true;
      deps.ref(this.id, true);
      return this;
    }
    unref(): this {
      const t = timers.get(this.id);
      if (t) t.refed = false;
      deps.ref(this.id, false);
      return this;
    }
    hasRef(): boolean {
      return timers.get(this.id)?.refed ?? false;
    }
    refresh(): this {
      const t = timers.get(this.id);
      if (t) deps.schedule(this.id, t.ms, t.repeat);
      return this;
    }
    [Symbol.toPrimitive](): number {
      return this.id;
    }
  }
  const addTimer = (cb: unknown, ms: unknown, args: unknown[], repeat: boolean): Timeout => {
    if (typeof cb !== "function") {
      throw new NativeTypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
    let after = Number(ms);
    if (!(after >= 1 && after <= 2 ** 31 - 1)) after = 1;
    const id = nextTimerId++;
    const handle = new Timeout(id);
    timers.set(id, { cb: cb as TimerRecord["cb"], args, repeat, ms: after, refed: true, origin: deps.stackHere(), handle });
    deps.schedule(id, after, repeat);
    return handle;
  };
  const clearTimer = (t: unknown): void => {
    if (t === null || t === undefined) return;
    const id = typeof t === "object" ? (t as Record<symbol, unknown>)[idKey] : Number(t);
    if (typeof id !== "number" || !timers.has(id)) return;
    timers.delete(id);
    deps.cancel(id);
  };
  const queueMicrotaskImpl = (cb: unknown): void => {
    if (typeof cb !== "function") {
      throw new NativeTypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    }
    // A microtask that queues itself never lets the event loop run: the clock and memory are checked
    // here as in loops (every `microBudget` callbacks), and where it was queued is taken now and then.
    const origin = microBudget <= 2 ? deps.stackHere() : "";
    reflectApply(promiseThen, NativePromise.resolve(), [
      () => {
        if (--microBudget <= 0) {
          microBudget = deps.check(-1, origin);
          if (microBudget < 0) {
            microBudget = 0;
            deps.uncaught(deps.fatalError());
            return;
          }
        }
        try {
          reflectApply(cb as () => unknown, undefined, []);
        } catch (e) {
          deps.uncaught(e);
        }
      },
    ]);
  };
  let microBudget = 1;

  return {
    setTimeout: (cb, ms, args) => addTimer(cb, ms, args, false),
    setInterval: (cb, ms, args) => addTimer(cb, ms, args, true),
    clear: clearTimer,
    queueMicrotask: queueMicrotaskImpl,
    fire(id: number): void {
      const t = timers.get(id);
      if (!t) return;
      if (!t.repeat) timers.delete(id);
      try {
        reflectApply(t.cb, t.handle, t.args);
      } catch (e) {
        deps.uncaught(e);
      }
    },
    origin: (id) => timers.get(id)?.origin ?? "",
    clearAll: () => timers.clear(),
  };
}

// The two ways a replay ends early, shared by the slice (slice.ts) and the API (index.ts).

/** Thrown by evaluateBatch when shouldStop() returned true. */
export class ReplayCancelled extends Error {
  constructor() {
    super("the evaluation was cancelled");
    this.name = "ReplayCancelled";
  }
}

/** A failure while re-running the program (a missing rule, an op that threw, a bad request). */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

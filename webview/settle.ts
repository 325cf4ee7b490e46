// A promise that settles once, whichever comes first: `start` calling its `finish`, or `ms` passing.
// Waiting for an animation frame needs the timeout: a hidden page has no frames.

export function settleWithin(ms: number, start: (finish: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    start(finish);
  });
}

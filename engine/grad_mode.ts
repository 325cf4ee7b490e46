// Whether ops record the graph. Off inside torch.noGrad() and while backward runs (unless createGraph).

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Run fn with recording set to `on`, restoring the previous mode even if fn throws. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

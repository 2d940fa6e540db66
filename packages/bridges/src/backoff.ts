/**
 * Exponential backoff with jitter: the n-th wait is drawn from [base/2, base] where base doubles from
 * `initialMs` up to `maxMs`. The jitter spreads the reconnects of many nodes after a broker restart; the
 * lower half-bound keeps a retry from coming back almost at once.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The next wait, ms. */
  next(): number {
    return backoffDelay(this.attempt++, this.initialMs, this.maxMs);
  }

  /** Back to the first wait (after a success). */
  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The wait before retry number `attempt` (0-based), ms: for clients that count their retries themselves. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

/**
 * A token bucket: `rate` tokens a second flow in, up to `burst`. Taking `cost` tokens succeeds when the
 * bucket holds at least `min(cost, burst)`; a cost above the burst (a large publish batch) is admitted
 * from a full bucket and leaves a debt, so any batch can pass once and then pays for itself in time.
 * The clock is passed in, so tests drive it with fake timers and nothing here owns a timer.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    /** Tokens added per second; must be > 0. */
    readonly rate: number,
    /** Most tokens held (also the start value). */
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes `cost` tokens at time `now` (ms). Returns 0 when admitted, else the seconds to wait. */
  take(cost: number, now: number): number {
    this.refill(now);
    const needed = Math.min(cost, this.burst);
    if (this.tokens >= needed) {
      this.tokens -= cost;
      return 0;
    }
    return (needed - this.tokens) / this.rate;
  }

  /** True when the bucket is full again at `now` (an idle key that can be forgotten). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    // A clock that steps back adds nothing (and takes nothing away).
    const elapsed = Math.max(0, now - this.at);
    this.at = Math.max(this.at, now);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}

/** Whole seconds for a `Retry-After` header: at least 1. */
export function retryAfterSeconds(waitSeconds: number): number {
  return Math.max(1, Math.ceil(waitSeconds));
}

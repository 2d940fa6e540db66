import { TokenBucket } from './token-bucket.ts';

/** How often idle (full) buckets are forgotten, ms. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Token buckets by key (an API key, a JWT subject, a client address). Memory stays bounded: idle keys
 * (full buckets) are forgotten at most once a minute, and past `maxKeys` the oldest key is dropped
 * (which only makes that key's limit start over; it never refuses anyone wrongly).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(
    /** Tokens per second per key; 0 = unlimited. */
    private readonly rate: number,
    /** Burst per key. */
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {
    this.lastSweep = clock();
  }

  /** Takes `cost` tokens for `key`. Returns 0 when admitted, else the seconds to wait. */
  take(key: string, cost: number): number {
    if (this.rate <= 0) return 0;
    const now = this.clock();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(cost, now);
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(key);
  }
}

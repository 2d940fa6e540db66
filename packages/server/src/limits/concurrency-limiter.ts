/**
 * Counts things held at once per key (live connections per client address, held long polls) and
 * refuses past `max`. Keys whose count drops to 0 are forgotten, so memory follows what is held.
 */
export class ConcurrencyLimiter {
  private readonly counts = new Map<string, number>();

  constructor(
    /** Most held at once per key; 0 = unlimited. */
    private readonly max: number,
  ) {}

  /**
   * Holds one slot for `key`. Returns the release function (idempotent), or undefined when the key is
   * at its limit.
   */
  acquire(key: string): (() => void) | undefined {
    if (!this.take(key)) return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(key);
    };
  }

  /**
   * Holds one slot for `key` and returns whether it could; the holder gives it back with
   * {@link release}, once. For holders that keep the key anyway (a WebSocket's address), which spares
   * the closure {@link acquire} makes per slot.
   */
  take(key: string): boolean {
    const held = this.counts.get(key) ?? 0;
    if (this.max > 0 && held >= this.max) return false;
    this.counts.set(key, held + 1);
    return true;
  }

  /** Gives back one slot of `key` taken with {@link take} (acquire's release calls it too). */
  release(key: string): void {
    const now = (this.counts.get(key) ?? 1) - 1;
    if (now <= 0) this.counts.delete(key);
    else this.counts.set(key, now);
  }

  /** How many `key` holds now. */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Keys holding anything. */
  get size(): number {
    return this.counts.size;
  }
}

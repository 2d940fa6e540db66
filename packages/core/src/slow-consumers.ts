import { CLOSE_CODES } from '@herald/protocol';
import type { Sink } from './sink.ts';

/** The slow-consumer cut: 4100, "reconnect with backoff" (contract sections 6 and 7a). */
export const SLOW_CONSUMER_CODE = CLOSE_CODES.slow_consumer;

/** How often sinks over the soft limit are looked at again, ms. */
const CHECK_EVERY_MS = 250;

/**
 * Decides when a subscriber is too slow (contract 7a), like Redis's output buffer limits: a backlog
 * over `softBytes` is tolerated for `graceMs` (a burst, e.g. one large batch, that a reader which
 * keeps up drains within that time), a backlog still over it after the grace, or over four times it
 * at any moment, is cut at once. Memory per connection stays bounded by the hard limit.
 */
export class SlowConsumerGuard {
  private readonly suspects = new Map<Sink, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly softBytes: number,
    private readonly graceMs = 1_000,
  ) {}

  /** Looks at `sink` after a delivery. */
  check(sink: Sink): void {
    const backlog = sink.backlog();
    if (backlog <= this.softBytes) return;
    if (backlog > this.softBytes * 4) {
      this.cut(sink);
      return;
    }
    if (!this.suspects.has(sink)) {
      this.suspects.set(sink, Date.now());
      this.timer ??= setInterval(() => this.review(), CHECK_EVERY_MS).unref();
    }
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.suspects.clear();
  }

  private review(): void {
    const now = Date.now();
    for (const [sink, since] of this.suspects) {
      if (sink.backlog() <= this.softBytes) this.suspects.delete(sink);
      else if (now - since >= this.graceMs) this.cut(sink);
    }
    if (this.suspects.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private cut(sink: Sink): void {
    this.suspects.delete(sink);
    sink.close(SLOW_CONSUMER_CODE, 'slow consumer');
  }
}

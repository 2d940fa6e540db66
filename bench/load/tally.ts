// Per-process delivery counters shared by the WebSocket and SSE subscribers.
import type { SubscriberStats } from '../lib/ipc.ts';
import { LatencyRecorder, nowMs } from '../lib/latency.ts';

export class Tally {
  /** messages per connection slot in the current window */
  private perSlot: number[] = [];
  private closes = new Map<string, number>();
  private recorder = new LatencyRecorder();
  received = 0;
  stale = 0;
  lastReceiveAt = 0;
  /** deliveries of messages sent before this (monotonic ms) belong to an earlier window */
  private since = 0;
  open = 0;

  /** Reserves a slot for a new connection. */
  slot(): number {
    this.perSlot.push(0);
    return this.perSlot.length - 1;
  }

  /** One message arrived on `slot`, sent at `sentAt` (monotonic ms from the publisher). */
  deliver(slot: number, sentAt: number): void {
    if (sentAt < this.since) {
      this.stale++;
      return;
    }
    const now = nowMs();
    this.recorder.record(now - sentAt);
    this.perSlot[slot] = (this.perSlot[slot] ?? 0) + 1;
    this.received++;
    this.lastReceiveAt = now;
  }

  opened(): void {
    this.open++;
  }

  /** A connection that was open went away (the server dropped it, or the run is over). */
  closed(reason: string): void {
    this.open--;
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  p99Ms(): number {
    return this.recorder.percentileMs(99);
  }

  /** The window's numbers; zeroes them for the next window, which starts at `since`. */
  collect(since: number): SubscriberStats {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const n of this.perSlot) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    const stats: SubscriberStats = {
      received: this.received,
      lastReceiveAt: this.lastReceiveAt,
      latency: this.recorder.drain(),
      minPerConnection: this.perSlot.length === 0 ? 0 : min,
      maxPerConnection: max,
      open: this.open,
      stale: this.stale,
      closes: Object.fromEntries(this.closes),
    };
    this.perSlot.fill(0);
    this.closes.clear();
    this.received = 0;
    this.stale = 0;
    this.lastReceiveAt = 0;
    this.since = since;
    return stats;
  }
}

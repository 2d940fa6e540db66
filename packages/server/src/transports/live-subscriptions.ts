import type { Hub, Sink, Subscription } from '@herald/core';
import type { Cursor } from '@herald/protocol';
import { SmallMap } from './small-map.ts';

/** Stands for a subscription whose history is still being replayed (one per subscribe, never per delivery). */
class Pending {}

/**
 * The subscriptions of one live connection (SSE, NDJSON, WebSocket), by channel. The one place that
 * settles the race between a subscribe and its connection: replaying history takes time, and a
 * subscription that comes back after its channel was dropped or the connection ended is dropped
 * at once instead of kept.
 */
export class LiveSubscriptions {
  private readonly entries = new SmallMap<string, Subscription | Pending>();
  /** Set once the connection ended: whatever resolves later is dropped. */
  private ended = false;

  constructor(private readonly hub: Hub) {}

  /** Channels subscribed or being subscribed. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether `channel` is subscribed or being subscribed. */
  has(channel: string): boolean {
    return this.entries.has(channel);
  }

  /** The channels subscribed or being subscribed, in the order they were added. */
  channels(): string[] {
    return this.entries.keys();
  }

  /**
   * Subscribes `sink` to `channel` (see Hub.subscribe) and keeps the subscription unless the
   * channel was dropped, or the connection ended, while its history was replayed. A refused
   * subscribe frees the channel and throws.
   */
  async add(
    channel: string,
    sink: Sink,
    cursor: Cursor | undefined,
    onPosition: (position: { epoch: string; last: number }) => void,
  ): Promise<void> {
    const pending = new Pending();
    if (!this.ended) this.entries.set(channel, pending);
    let subscription: Subscription;
    try {
      ({ subscription } = await this.hub.subscribe(channel, sink, cursor, onPosition));
    } catch (error) {
      if (this.entries.get(channel) === pending) this.entries.delete(channel);
      throw error;
    }
    if (this.entries.get(channel) === pending) this.entries.set(channel, subscription);
    else this.hub.unsubscribe(subscription);
  }

  /** Ends the subscription of `channel` (one in flight is dropped when it resolves); false if there was none. */
  delete(channel: string): boolean {
    const entry = this.entries.get(channel);
    if (entry === undefined) return false;
    this.entries.delete(channel);
    if (!(entry instanceof Pending)) this.hub.unsubscribe(entry);
    return true;
  }

  /** Ends every subscription: the connection ended. Subscribes still in flight are dropped when they resolve. */
  end(): void {
    this.ended = true;
    for (const entry of this.entries.values()) if (!(entry instanceof Pending)) this.hub.unsubscribe(entry);
    this.entries.clear();
  }
}

import type { Feed, FeedListener } from '@herald/core';
import { decodeNotification } from './codec.ts';
import { type Connection, open } from './connection.ts';
import { channelKeys, channelOfKey } from './keys.ts';

/** What a feed needs from its engine. */
export interface FeedSettings {
  readonly prefix: string;
  /** Longest a `watch` promise stays pending while the feed has not connected yet, in ms. */
  readonly watchTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/**
 * A live feed on its own subscriber connection: one sharded pub/sub subscription (SSUBSCRIBE) per
 * watched channel. Lossy by nature: what is published while the connection is down is lost, so after
 * every reconnect (node-redis re-subscribes the active channels before it reports ready) the feed
 * re-subscribes the channels whose subscription failed, then calls `listener.resync()` so the hub
 * compares positions and reads the gap from history.
 */
export class RedisFeed implements Feed {
  /** Channels the hub wants to hear, subscribed or not. */
  private readonly wanted = new Set<string>();
  /** Wanted channels whose subscription failed; retried on the next reconnect. */
  private readonly failed = new Set<string>();
  /** Subscriptions in flight, by channel. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly onMessage = (payload: string, key: string): void => this.deliver(payload, key);
  private hadConnection = false;
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly listener: FeedListener,
    private readonly settings: FeedSettings,
    private readonly onClose: (feed: RedisFeed) => void,
  ) {
    connection.on('ready', () => this.connected());
    open(connection, (error) => this.closed || settings.onError(error));
  }

  watch(channel: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.wanted.add(channel);
    const subscribed = this.subscribe(channel);
    // During an outage the hub must not wait for Redis (its position checks cover the gap): settle at
    // once; the queued subscription takes effect on reconnect. The first connection is waited for, boundedly.
    if (this.hadConnection && !this.connection.isReady) return Promise.resolve();
    return this.bounded(subscribed);
  }

  unwatch(channel: string): void {
    if (!this.wanted.delete(channel)) return;
    this.failed.delete(channel);
    if (this.closed) return;
    this.connection
      .sUnsubscribe(channelKeys(this.settings.prefix, channel).notify, this.onMessage)
      .catch((error: unknown) => this.settings.onError(error));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wanted.clear();
    this.failed.clear();
    this.connection.destroy();
    this.onClose(this);
  }

  /** Subscribes `channel`; settles (never rejects) when the subscription is active or has failed. */
  private subscribe(channel: string): Promise<void> {
    const inFlight = this.pending.get(channel);
    if (inFlight !== undefined) return inFlight;
    this.failed.delete(channel);
    const done = this.connection
      .sSubscribe(channelKeys(this.settings.prefix, channel).notify, this.onMessage)
      .catch((error: unknown) => {
        if (this.closed || !this.wanted.has(channel)) return;
        this.failed.add(channel);
        this.settings.onError(error);
      })
      .finally(() => this.pending.delete(channel));
    this.pending.set(channel, done);
    return done;
  }

  private deliver(payload: string, key: string): void {
    const channel = channelOfKey(this.settings.prefix, key, 'n');
    // A notification still in flight when its channel was unwatched.
    if (channel === undefined || !this.wanted.has(channel)) return;
    const messages = decodeNotification(channel, payload);
    if (messages === undefined) {
      this.settings.onError(new Error(`redis engine: dropped a malformed notification on ${key}`));
      return;
    }
    this.listener.messages(channel, messages);
  }

  /** Ready again: re-subscribes what failed, then tells the hub that messages may have been missed. */
  private connected(): void {
    if (!this.hadConnection) {
      this.hadConnection = true;
      return;
    }
    for (const channel of this.failed) this.subscribe(channel);
    this.bounded(Promise.all(this.pending.values())).then(() => {
      if (!this.closed) this.listener.resync();
    });
  }

  /** Settles with `promise`, or when the connection fails, or after the watch timeout, whichever comes first. */
  private bounded(promise: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let failed: (() => void) | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.settings.watchTimeoutMs);
      failed = () => resolve();
      this.connection.once('error', failed);
    });
    return Promise.race([promise.then(() => undefined), giveUp]).finally(() => {
      clearTimeout(timer);
      if (failed !== undefined) this.connection.off('error', failed);
    });
  }
}

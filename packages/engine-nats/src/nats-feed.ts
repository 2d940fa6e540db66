import type { Feed, FeedListener } from '@herald/core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeStored, lastOf, messagesOf } from './codec.ts';
import type { Hints } from './hints.ts';
import type { NatsLink } from './link.ts';
import type { Names } from './subjects.ts';

/** What a feed needs from its engine. */
export interface FeedSettings {
  /** Longest a `watch` promise stays pending while NATS is unreachable, in ms. */
  readonly watchTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/** A watched channel: its subscription and the newest offset delivered. */
interface Watch {
  sub: Subscription | undefined;
  epoch: string;
  last: number;
}

/**
 * A live feed: one core NATS subscription per watched channel, on the subject where the stream
 * republishes every stored append of the channel (with its stream sequence), so only what was stored is
 * heard, per channel in stream order. Lossy by nature: what is republished while the connection is down
 * is lost, so after every reconnect (the client re-subscribes by itself) the feed calls
 * `listener.resync()` and the hub compares positions and reads the gap from history. An append heard
 * twice or late (older than one already delivered) is dropped, so the listener gets each offset at most
 * once and in order.
 */
export class NatsFeed implements Feed {
  private readonly watched = new Map<string, Watch>();
  private readonly stopUp: () => void;
  private connection: NatsConnection | undefined;
  private closed = false;

  constructor(
    private readonly link: NatsLink,
    private readonly names: Names,
    private readonly hints: Hints,
    private readonly listener: FeedListener,
    private readonly settings: FeedSettings,
    private readonly onClose: (feed: NatsFeed) => void,
  ) {
    this.stopUp = link.onUp((reconnected) => this.connected(reconnected));
    if (link.isUp) this.connection = link.get().nc;
  }

  watch(channel: string): Promise<void> {
    if (this.closed || this.watched.has(channel)) return Promise.resolve();
    const watch: Watch = { sub: undefined, epoch: '', last: 0 };
    this.watched.set(channel, watch);
    if (this.connection === undefined) return Promise.resolve();
    watch.sub = this.subscribe(this.connection, channel);
    // Settled once the server has the subscription: nothing stored after that is missed. Bounded: during
    // an outage the hub must not wait for NATS; its position checks cover the gap.
    return this.bounded(this.connection.flush());
  }

  unwatch(channel: string): void {
    const watch = this.watched.get(channel);
    if (watch === undefined) return;
    this.watched.delete(channel);
    watch.sub?.unsubscribe();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopUp();
    for (const watch of this.watched.values()) watch.sub?.unsubscribe();
    this.watched.clear();
    this.onClose(this);
  }

  private subscribe(nc: NatsConnection, channel: string): Subscription {
    return nc.subscribe(this.names.feed(channel), { callback: (_error, msg) => this.deliver(channel, msg) });
  }

  private deliver(channel: string, msg: Msg): void {
    const watch = this.watched.get(channel);
    // A notification still in flight when its channel was unwatched.
    if (watch === undefined || this.closed) return;
    const stored = decodeStored(Number(msg.headers?.get('Nats-Sequence')), msg.headers, msg.data);
    const messages = stored === undefined ? undefined : messagesOf(channel, stored, 1, Number.MAX_SAFE_INTEGER);
    if (stored === undefined || messages === undefined) {
      this.settings.onError(new Error(`nats engine: dropped a malformed notification on ${msg.subject}`));
      return;
    }
    this.hints.note(channel, stored);
    if (stored.epoch === watch.epoch && lastOf(stored) <= watch.last) return;
    watch.epoch = stored.epoch;
    watch.last = lastOf(stored);
    // A marker (a channel just created) carries no messages.
    if (messages.length > 0) this.listener.messages(channel, messages);
  }

  /** Up again: subscribes what is not subscribed on this connection, then asks the hub to check positions. */
  private connected(reconnected: boolean): void {
    if (this.closed) return;
    const nc = this.link.get().nc;
    const fresh = nc !== this.connection;
    this.connection = nc;
    for (const [channel, watch] of this.watched) {
      if (fresh || watch.sub === undefined) watch.sub = this.subscribe(nc, channel);
    }
    if (!reconnected && !fresh) return;
    this.bounded(nc.flush()).then(() => {
      if (!this.closed) this.listener.resync();
    });
  }

  /** `promise`, or nothing after the watch timeout, whichever comes first; never rejects. */
  private bounded(promise: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.settings.watchTimeoutMs);
    });
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }
}

import { CHANNEL_PATTERN } from '@herald/protocol';
import { Emitter } from './emitter.ts';
import { HeraldError } from './errors.ts';
import type { Frame } from './frames.ts';
import { getJson, publishHttp } from './http.ts';
import type { ConnectOptions } from './options.ts';
import type { Platform } from './platform.ts';
import { type Reconnector, reconnector } from './reconnector.ts';
import type { StateEvent } from './state.ts';
import { type ChannelLink, type Message, type SubscribeOptions, Subscription } from './subscription.ts';
import type { PublishResult, TransportName } from './transports/types.ts';

/** Events of a {@link HeraldClient}. */
export interface ClientEvents {
  /** Connection state changes, with the transport in use and the last fallback. */
  state: StateEvent;
  /** A fatal error: the client is closed after it. */
  error: HeraldError;
}

/** Options of `publish()`. */
export interface PublishOptions {
  /** Event name (`^[A-Za-z0-9_.:-]{1,64}$`). */
  event?: string;
}

/**
 * A connection to a Herald hub: every subscription shares one connection (the multiplexed
 * WebSocket, or one `/v1/events` request), which is kept alive, resumed without loss or duplicates
 * after any drop, and moved to another transport when the network does not let one through.
 */
export class HeraldClient extends Emitter<ClientEvents> {
  readonly #subs = new Map<string, Subscription>();
  readonly #link: Reconnector;
  readonly #channelLink: ChannelLink;
  #closing: Promise<void> | undefined;

  /** @internal use `connect()`. */
  constructor(url: string, options: ConnectOptions, platform: Platform) {
    super();
    this.#link = reconnector(url, options, platform, {
      subscriptions: () => [...this.#subs.values()],
      frame: (frame) => this.#ingest(frame),
      // The hub refused or ended one channel (a subscribe answered with an error, an `unsubscribed`
      // frame after a token change, a refusal found by probing): it holds nothing for it, so nothing is sent.
      denied: (channel, error) => {
        const sub = this.#subs.get(channel);
        this.#subs.delete(channel);
        sub?.end(error);
      },
      state: (event) => this.emit('state', event),
      fatal: (error) => {
        for (const sub of this.#subs.values()) sub.end(error);
        this.#subs.clear();
        this.emit('error', error);
        void this.close();
      },
    });
    this.#channelLink = {
      client: this,
      call: (op) => this.#link.live()?.call?.(op),
      get: (path) => getJson(this.#link.http, path),
    };
  }

  /** The current state, transport and last fallback. */
  get state(): StateEvent {
    return this.#link.state;
  }

  /** The transport in use (or being tried). */
  get transport(): TransportName {
    return this.#link.state.transport;
  }

  /**
   * Subscribes to a channel. Without `after` it receives messages published from now on; with a
   * cursor it resumes after it (every message still in history, then live). Subscribing again to a
   * channel returns the existing subscription (unless a different `after` is asked: that throws).
   */
  subscribe(channel: string, options: SubscribeOptions = {}): Subscription {
    if (this.#closing) throw new HeraldError('closed', 'the client is closed');
    if (!validChannel(channel)) throw new HeraldError('bad_request', `invalid channel name: ${channel}`);
    const existing = this.#subs.get(channel);
    if (existing) {
      if (options.after === undefined || options.after === existing.cursor) return existing;
      throw new HeraldError('duplicate_subscription', `already subscribed to ${channel} at another cursor`);
    }
    // Throws a bad_request HeraldError for an invalid `after` (ChannelPosition).
    const sub = new Subscription(channel, options, this.#channelLink, () => {
      // Unsubscribed: unless the client let it go already (closed, or dropped by the hub).
      if (this.#subs.get(channel) !== sub) return;
      this.#subs.delete(channel);
      this.#link.removed(channel);
    });
    this.#subs.set(channel, sub);
    this.#link.added(sub);
    return sub;
  }

  /**
   * Publishes one message: over the WebSocket when one is open, else `POST` with an
   * Idempotency-Key (retries never duplicate). Resolves with its channel, epoch, offset and cursor.
   */
  async publish(channel: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    // Async: these throws reject the returned promise, as every failure of a publish does.
    if (this.#closing) throw new HeraldError('closed', 'the client is closed');
    if (!validChannel(channel)) throw new HeraldError('bad_request', `invalid channel name: ${channel}`);
    const socket = this.#link.live();
    if (socket?.publish) return socket.publish(channel, data, options.event);
    return publishHttp(this.#link.http, channel, data, options.event);
  }

  /** Closes the connection, ends every subscription and releases every timer and socket. Idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      for (const sub of this.#subs.values()) sub.end(undefined);
      this.#subs.clear();
      this.#closing = this.#link.close();
    }
    return this.#closing;
  }

  /** Applies one frame to its subscription; returns false when a hole means the stream must be resumed. */
  #ingest(frame: Frame): boolean {
    if (frame.type === 'close') return true;
    const channel =
      frame.type === 'message' ? frame.message.channel : frame.type === 'reset' ? frame.reset.channel : frame.channel;
    const sub = this.#subs.get(channel);
    if (!sub) return true;
    const position = sub.position;
    if (frame.type === 'member') {
      sub.observe(frame);
      return true;
    }
    if (frame.type === 'start') {
      position.start(frame.epoch, frame.cursor);
      sub.observe(frame);
      return true;
    }
    if (frame.type === 'reset') {
      const quiet = position.untouched;
      const info = position.reset(frame.reset.epoch, frame.reset.from);
      // Cursor `0` means "whatever history still has": starting later than offset 1 loses nothing asked for.
      if (!quiet) sub.notifyReset(info);
      return true;
    }
    const { message, epoch } = frame;
    const verdict = position.accept(message.offset, epoch);
    if (verdict === 'duplicate') return true;
    if (verdict === 'gap') return false;
    if (verdict !== 'deliver') sub.notifyReset(verdict);
    const delivered: Message = { ...message, cursor: position.cursor ?? '' };
    sub.deliver(delivered);
    return true;
  }
}

/**
 * The contract's channel pattern itself: the smallest check for the bundle (protocol's isChannelName
 * is a faster loop over a table, for the hub's per-request checks, and ~130 B gzipped more here).
 */
function validChannel(channel: unknown): boolean {
  return typeof channel === 'string' && CHANNEL_PATTERN.test(channel);
}

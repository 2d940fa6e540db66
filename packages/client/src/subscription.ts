import type { ClientOp } from '@herald/protocol';
import type { HeraldClient } from './client.ts';
import { Emitter } from './emitter.ts';
import type { HeraldError } from './errors.ts';
import type { Frame } from './frames.ts';
import { type ChannelPosition, channelPosition, type ResetInfo } from './positions.ts';

/** A message as the application sees it. */
export interface Message {
  channel: string;
  offset: number;
  event?: string;
  data: unknown;
  /** Server time, ms since epoch. */
  time: number;
  /** The cursor right after this message: persist it to resume here later. */
  cursor: string;
}

/** Events of a {@link Subscription}. */
export interface SubscriptionEvents {
  /** A message, exactly once, in order. */
  message: Message;
  /** The hub could not resume where asked: what was lost and where delivery continues. */
  reset: ResetInfo;
  /** The subscription ended with an error (e.g. forbidden); `end` follows. */
  error: HeraldError;
  /** The subscription ended (unsubscribe, client closed, or after `error`); nothing follows. */
  end: undefined;
}

/** Options of `subscribe()`. */
export interface SubscribeOptions {
  /** Resume after this cursor (`<epoch>:<offset>`, or `0` for the oldest message in history). */
  after?: string;
  /**
   * Presence namespaces: what the other members see of this one (a name, a colour; a JSON object of
   * at most 1 KiB). Sent over the WebSocket only: the hub makes members of WebSocket subscribers alone.
   */
  info?: Record<string, unknown>;
}

/** @internal What add-ons (presence) use of the client, through a subscription. */
export interface ChannelLink {
  /** The client: its state events and transport. */
  readonly client: HeraldClient;
  /** Sends an op that has an answer over the open WebSocket; undefined when none is open. */
  call(op: ClientOp): Promise<Record<string, unknown>> | undefined;
  /** `GET` a hub path (`/v1/…`) as JSON with the client's credentials; rejects with a HeraldError. */
  get(path: string): Promise<unknown>;
}

/**
 * One channel's subscription: an event emitter (`on('message' | 'reset' | 'error')`) and an async
 * iterable of messages. `cursor` is where it would resume; it survives reconnects and transport
 * switches, and an application can store it to resume after a reload. Breaking out of a
 * `for await` loop unsubscribes.
 */
export class Subscription extends Emitter<SubscriptionEvents> implements AsyncIterable<Message> {
  // `declare`: the constructor assigns these, so the bundles need no field declarations.
  /** The channel. */
  declare readonly channel: string;
  /** @internal resume bookkeeping, shared with the client. */
  declare readonly position: ChannelPosition;
  /** The presence info it joins with (see {@link SubscribeOptions.info}). */
  declare readonly info: Record<string, unknown> | undefined;
  /** @internal the client's side, for add-ons. */
  declare readonly link: ChannelLink;
  /** @internal this connection's presence member id, from the hub's last subscribe answer (WebSocket). */
  member: string | undefined;
  /** @internal told of frames about the channel that are not messages (start, join, leave). */
  observer: ((frame: Frame) => void) | undefined;
  #closed = false;
  readonly #release: (sub: Subscription) => void;

  /** @internal created by `client.subscribe()`. */
  constructor(channel: string, options: SubscribeOptions, link: ChannelLink, release: (sub: Subscription) => void) {
    super();
    this.channel = channel;
    this.position = channelPosition(channel, options.after);
    // Checked by the hub (a JSON object of at most 1 KiB): a bad one ends the subscription with its error.
    this.info = options.info;
    this.link = link;
    this.#release = release;
  }

  /** Where this subscription would resume: `<epoch>:<offset>`, `0`, or undefined before the hub placed it. */
  get cursor(): string | undefined {
    return this.position.cursor;
  }

  /** True after `unsubscribe()`, `client.close()` or a fatal error. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops receiving this channel. */
  unsubscribe(): void {
    if (this.#closed) return;
    this.#release(this);
    this.end(undefined);
  }

  /** @internal delivers a message. */
  deliver(message: Message): void {
    if (!this.#closed) this.emit('message', message);
  }

  /** @internal reports a reset. */
  notifyReset(info: ResetInfo): void {
    if (!this.#closed) this.emit('reset', info);
  }

  /** @internal passes a frame other than a message to the observer (presence). */
  observe(frame: Frame): void {
    if (frame.type === 'start') this.member = frame.client;
    if (!this.#closed) this.observer?.(frame);
  }

  /** @internal ends the subscription, with an error when it failed. */
  end(error: HeraldError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error) this.emit('error', error);
    this.emit('end', undefined);
    this.removeAllListeners();
    this.observer = undefined;
  }

  /** Iterates over messages until the subscription ends; a fatal error is thrown from the loop. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    const queue: Message[] = [];
    // Each pending next() waits for anything to happen, then looks again.
    const wakers: Array<() => void> = [];
    const wake = (): void => {
      for (const w of wakers.splice(0)) w();
    };
    let failure: HeraldError | undefined;
    let finished = this.#closed;
    const offMessage = this.on('message', (message) => {
      queue.push(message);
      wake();
    });
    const offError = this.on('error', (error) => {
      failure = error;
    });
    const offEnd = this.on('end', () => {
      finished = true;
      wake();
    });
    return {
      next: async () => {
        for (;;) {
          const message = queue.shift();
          if (message) return { value: message, done: false };
          if (failure) {
            const error = failure;
            failure = undefined;
            throw error;
          }
          if (finished) return { value: undefined, done: true };
          await new Promise<void>((resolve) => wakers.push(resolve));
        }
      },
      return: async () => {
        offMessage();
        offError();
        offEnd();
        this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }
}

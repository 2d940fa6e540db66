import { Emitter } from './emitter.ts';
import type { HeraldError } from './errors.ts';
import { ChannelPosition, type ResetInfo } from './positions.ts';

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
}

interface Waiter {
  resolve(result: IteratorResult<Message>): void;
  reject(error: HeraldError): void;
}

/**
 * One channel's subscription: an event emitter (`on('message' | 'reset' | 'error')`) and an async
 * iterable of messages. `cursor` is where it would resume; it survives reconnects and transport
 * switches, and an application can store it to resume after a reload. Breaking out of a
 * `for await` loop unsubscribes.
 */
export class Subscription extends Emitter<SubscriptionEvents> implements AsyncIterable<Message> {
  /** The channel. */
  readonly channel: string;
  /** @internal resume bookkeeping, shared with the client. */
  readonly position: ChannelPosition;
  #closed = false;
  readonly #release: (sub: Subscription) => void;

  /** @internal created by `client.subscribe()`. */
  constructor(channel: string, options: SubscribeOptions, release: (sub: Subscription) => void) {
    super();
    this.channel = channel;
    this.position = new ChannelPosition(channel, options.after);
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

  /** @internal ends the subscription, with an error when it failed. */
  end(error: HeraldError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error !== undefined) this.emit('error', error);
    this.emit('end', undefined);
    this.removeAllListeners();
  }

  /** Iterates over messages until the subscription ends; a fatal error is thrown from the loop. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    const queue: Message[] = [];
    const waiters: Waiter[] = [];
    let failure: HeraldError | undefined;
    let finished = this.#closed;
    const offMessage = this.on('message', (message) => {
      const waiter = waiters.shift();
      if (waiter === undefined) queue.push(message);
      else waiter.resolve({ value: message, done: false });
    });
    const offError = this.on('error', (error) => {
      failure = error;
    });
    const offEnd = this.on('end', () => {
      finished = true;
      for (const waiter of waiters.splice(0)) {
        if (failure === undefined) waiter.resolve({ value: undefined, done: true });
        else waiter.reject(failure);
      }
    });
    const detach = (): void => {
      offMessage();
      offError();
      offEnd();
    };
    return {
      next: () => {
        const message = queue.shift();
        if (message !== undefined) return Promise.resolve({ value: message, done: false });
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
      },
      return: () => {
        detach();
        this.unsubscribe();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

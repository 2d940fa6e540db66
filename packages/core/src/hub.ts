import { type Cursor, isEventName } from '@herald/protocol';
import type { AppendResult, ChannelState, Engine } from './engine.ts';
import { HeraldError } from './errors.ts';
import type { Message } from './message.ts';
import { MessageWait, type WaitOwner } from './message-wait.ts';
import { DEFAULT_NAMESPACE, type NamespaceSettings, Namespaces } from './namespaces.ts';
import { Presence } from './presence.ts';
import { resolveCursor } from './resume.ts';
import type { Sink } from './sink.ts';
import { SlowConsumerGuard } from './slow-consumers.ts';
import { Subscription } from './subscription.ts';

/** Options of the hub. Units in the names or comments. */
export interface HubOptions {
  readonly engine: Engine;
  readonly namespaces?: Namespaces;
  /** Bounds for the suggested poll interval (Herald-Poll-Interval), ms. */
  readonly pollIntervalMs?: { readonly min: number; readonly max: number };
  /** A live connection whose unsent bytes pass this is cut as a slow consumer (contract 7a). */
  readonly maxBacklogBytes?: number;
  /** Where unexpected errors go (the server passes its logger). */
  readonly onError?: (error: unknown) => void;
}

/** One message to publish, before serialization. */
export interface PublishInput {
  readonly event?: string | undefined;
  readonly data: unknown;
}

/** A page of history for a pull or long-poll answer. */
export interface PullResult {
  readonly state: ChannelState;
  readonly messages: readonly Message[];
  /** The position after the last message of this page (where to continue). */
  readonly last: number;
  readonly more: boolean;
  readonly reset?: { readonly epoch: string; readonly from: number };
}

/** Channel information for `GET /v1/channels/{channel}`. */
export interface ChannelInfo {
  readonly channel: string;
  readonly epoch: string;
  readonly lastOffset: number;
  readonly firstOffset: number;
  readonly historyLength: number;
  readonly subscribers: Record<string, number>;
}

/**
 * The hub: publishes into the engine, fans new messages out to live subscriptions, answers pulls,
 * and wakes long polls. It knows no transport: live connections are {@link Sink}s.
 */
export class Hub {
  readonly namespaces: Namespaces;
  readonly engine: Engine;
  /** Members of channels whose namespace enables presence (transports join and leave them). */
  readonly presence = new Presence();
  /** Messages accepted for publishing since start. */
  published = 0;
  private readonly live = new Map<string, Set<Subscription>>();
  private readonly waiters = new Map<string, Set<MessageWait>>();
  private readonly rates = new Map<string, { at: number; interval: number }>();
  private readonly pollBounds: { min: number; max: number };
  private readonly slow: SlowConsumerGuard;
  private readonly onError: (error: unknown) => void;
  private readonly stopFeed: () => void;
  private readonly rateSweeper: NodeJS.Timeout;

  constructor(options: HubOptions) {
    this.engine = options.engine;
    this.namespaces = options.namespaces ?? new Namespaces(DEFAULT_NAMESPACE);
    this.pollBounds = { min: 500, max: 15_000, ...options.pollIntervalMs };
    this.slow = new SlowConsumerGuard(options.maxBacklogBytes ?? 1024 * 1024);
    this.onError = options.onError ?? (() => {});
    this.stopFeed = this.engine.onMessages((channel, messages) => this.fanOut(channel, messages));
    this.rateSweeper = setInterval(() => this.sweepRates(), 60_000);
    this.rateSweeper.unref();
  }

  /** The settings that apply to `channel`. */
  settings(channel: string): NamespaceSettings {
    return this.namespaces.of(channel);
  }

  /**
   * Validates, serializes (once) and appends messages to `channel`, in order. Throws a
   * {@link HeraldError} for a bad event name, missing data, or data over the namespace's size limit.
   */
  async publish(channel: string, inputs: readonly PublishInput[], idempotencyKey?: string): Promise<AppendResult> {
    const ns = this.settings(channel);
    const encoded = inputs.map((input) => {
      if (input.event !== undefined && !isEventName(input.event)) {
        throw new HeraldError('bad_request', 'event must match ^[A-Za-z0-9_.:-]{1,64}$');
      }
      if (input.data === undefined) throw new HeraldError('bad_request', 'data is required');
      const data = stringifyData(input.data);
      if (data.length > ns.maxMessageBytes || Buffer.byteLength(data) > ns.maxMessageBytes) {
        throw new HeraldError('too_large', `data is larger than ${ns.maxMessageBytes} bytes`);
      }
      return { event: input.event, data };
    });
    const result = await this.engine.append(channel, encoded, ns.history, idempotencyKey);
    if (!result.duplicate) {
      this.published += encoded.length;
      this.noteRate(channel, encoded.length);
    }
    return result;
  }

  /**
   * A page of history: after `cursor` (resume rule applies), or the latest `limit` messages when
   * there is no cursor.
   */
  async pull(channel: string, cursor: Cursor | undefined, limit: number): Promise<PullResult> {
    const limits = this.settings(channel).history;
    const state = await this.engine.state(channel, limits);
    let from: number;
    let reset: PullResult['reset'];
    if (cursor === undefined) {
      from = Math.max(state.first, state.last - limit + 1);
    } else {
      const start = resolveCursor(cursor, state);
      from = start.from;
      reset = start.reset;
    }
    const page = await this.engine.read(channel, from, limit, limits);
    if (page.state.epoch !== state.epoch) return this.pull(channel, cursor, limit);
    if (reset === undefined && cursor !== undefined && cursor !== 'start' && page.state.first > from) {
      // Trimmed between the state read and the page read.
      reset = { epoch: state.epoch, from: page.state.first };
    }
    const lastMessage = page.messages[page.messages.length - 1];
    const last = lastMessage === undefined ? Math.max(from, page.state.first) - 1 : lastMessage.offset;
    return { state: page.state, messages: page.messages, last, more: last < page.state.last, reset };
  }

  /**
   * Subscribes `sink` to `channel` from `cursor` (undefined = only new messages). Live messages that
   * arrive while history is replayed are merged in order. `onPosition` is called with the starting
   * position before any delivery (and before a reset notice).
   */
  async subscribe(
    channel: string,
    sink: Sink,
    cursor: Cursor | undefined,
    onPosition: (position: { epoch: string; last: number }) => void = () => {},
  ): Promise<{ subscription: Subscription; epoch: string; last: number }> {
    const limits = this.settings(channel).history;
    const subscription = new Subscription(channel, sink, this.engine, limits, this.onError);
    let set = this.live.get(channel);
    if (set === undefined) {
      set = new Set();
      this.live.set(channel, set);
    }
    set.add(subscription);
    try {
      const position = await subscription.start(cursor, onPosition);
      return { subscription, ...position };
    } catch (error) {
      this.unsubscribe(subscription);
      throw error;
    }
  }

  /** Ends a subscription. Idempotent. */
  unsubscribe(subscription: Subscription): void {
    subscription.stop();
    const set = this.live.get(subscription.channel);
    if (set === undefined) return;
    set.delete(subscription);
    if (set.size === 0) this.live.delete(subscription.channel);
  }

  /**
   * Waits for a message on one of `channels` (long polls): `owner.settled(true)` as soon as one is
   * published, `false` after `timeoutMs` or on `cancel()`. Register before reading, so nothing slips by.
   */
  waitForMessage(channels: readonly string[], timeoutMs: number, owner: WaitOwner): MessageWait {
    return new MessageWait(this.waiters, channels, timeoutMs, owner);
  }

  /** Suggested poll interval for `channel`, ms: about the channel's recent time between publishes, within bounds. */
  pollIntervalMs(channel: string): number {
    const rate = this.rates.get(channel);
    const { min, max } = this.pollBounds;
    if (rate === undefined) return max;
    const sinceLast = Date.now() - rate.at;
    const interval = Math.max(rate.interval, sinceLast > rate.interval * 4 ? sinceLast / 2 : 0);
    return Math.round(Math.min(max, Math.max(min, interval)));
  }

  /** Live subscriptions per transport on `channel`. */
  subscriberCounts(channel: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const sub of this.live.get(channel) ?? []) {
      counts[sub.sink.transport] = (counts[sub.sink.transport] ?? 0) + 1;
    }
    return counts;
  }

  /** Channels with live subscribers, with their counts, most subscribed first. */
  topChannels(n: number): Array<{ channel: string; subscribers: number }> {
    return [...this.live.entries()]
      .map(([channel, set]) => ({ channel, subscribers: set.size }))
      .sort((a, b) => b.subscribers - a.subscribers)
      .slice(0, n);
  }

  /** Count of live subscriptions over all channels. */
  subscriptionCount(): number {
    let n = 0;
    for (const set of this.live.values()) n += set.size;
    return n;
  }

  /** The channel's state (creates the channel's epoch if it has none). */
  state(channel: string): Promise<ChannelState> {
    return this.engine.state(channel, this.settings(channel).history);
  }

  /** The channel's state at once, when the engine can tell without a promise (see {@link Engine.stateNow}). */
  stateNow(channel: string): ChannelState | undefined {
    return this.engine.stateNow?.(channel, this.settings(channel).history);
  }

  /** Epoch, offsets, history length and subscribers of `channel`. */
  async channelInfo(channel: string): Promise<ChannelInfo> {
    const state = await this.engine.state(channel, this.settings(channel).history);
    return {
      channel,
      epoch: state.epoch,
      lastOffset: state.last,
      firstOffset: state.first,
      historyLength: state.last - state.first + 1,
      subscribers: this.subscriberCounts(channel),
    };
  }

  /** Stops the live feed and timers. The engine is closed by its owner. */
  close(): void {
    this.stopFeed();
    clearInterval(this.rateSweeper);
    this.slow.close();
    for (const set of this.live.values()) for (const sub of set) sub.stop();
    this.live.clear();
  }

  private fanOut(channel: string, messages: readonly Message[]): void {
    const subs = this.live.get(channel);
    if (subs !== undefined) {
      for (const sub of subs) {
        sub.offer(messages);
        this.slow.check(sub.sink);
      }
    }
    const waiting = this.waiters.get(channel);
    if (waiting !== undefined) for (const wait of [...waiting]) wait.wake();
  }

  private noteRate(channel: string, count: number): void {
    const now = Date.now();
    const rate = this.rates.get(channel);
    if (rate === undefined) {
      this.rates.set(channel, { at: now, interval: this.pollBounds.max });
      return;
    }
    const gap = (now - rate.at) / count;
    // Exponentially weighted, so a burst moves the suggestion quickly but one gap does not.
    rate.interval = rate.interval * 0.7 + gap * 0.3;
    rate.at = now;
  }

  private sweepRates(): void {
    const old = Date.now() - 10 * 60_000;
    for (const [channel, rate] of this.rates) if (rate.at < old) this.rates.delete(channel);
  }
}

/**
 * Compact JSON text of a message's data. JSON.parse accepts any nesting depth but JSON.stringify
 * recurses, so data nested tens of thousands deep throws RangeError here: a 400, not a 500.
 */
function stringifyData(data: unknown): string {
  try {
    return JSON.stringify(data);
  } catch (error) {
    if (error instanceof RangeError) throw new HeraldError('bad_request', 'data is nested too deeply');
    throw error;
  }
}

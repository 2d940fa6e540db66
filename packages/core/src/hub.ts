import { type Cursor, isEventName } from '@herald/protocol';
import { ChannelInterest } from './channel-interest.ts';
import type { AppendInput, AppendResult, ChannelState, Engine, ReadRequest } from './engine.ts';
import { HeraldError } from './errors.ts';
import type { Feed } from './feed.ts';
import type { Message } from './message.ts';
import { MessageWait, type WaitOwner, type WaitRegistry } from './message-wait.ts';
import { DEFAULT_NAMESPACE, type NamespaceSettings, Namespaces } from './namespaces.ts';
import { PollRates } from './poll-rate.ts';
import { LocalPresence, type PresenceStore } from './presence.ts';
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
  /**
   * `data` already as its compact JSON text, exactly what JSON.stringify(data) gives (a publish body
   * read as text: the server's publish-text.ts); `data` is then not read.
   */
  readonly json?: string | undefined;
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

/** One channel of a pull over many: where to continue from (undefined = the latest messages). */
export interface PullRequest {
  readonly channel: string;
  readonly cursor: Cursor | undefined;
}

/** Channels whose positions one engine call checks (a batch of `states`). */
const CHECK_BATCH = 1000;

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
 *
 * It keeps a {@link ChannelInterest} per channel that someone on this node waits for, and has the
 * engine's feed watch exactly those channels, so on a networked engine a node hears only what its
 * clients need. When the feed can lose messages (`engine.lossyFeed`), {@link tick} (called on the
 * server's heartbeat) and the feed's `resync` compare every watched channel's position with the
 * engine's, and a hole found so is filled from history: a lost last message is found too.
 */
export class Hub implements WaitRegistry {
  readonly namespaces: Namespaces;
  readonly engine: Engine;
  /** Members of channels whose namespace enables presence (transports join and leave them). */
  readonly presence: PresenceStore;
  /** Messages accepted for publishing since start. */
  published = 0;
  /**
   * Told of every accepted publish on this node (channel, message count); set by the stats stream while
   * someone watches it, so counting per channel costs nothing otherwise.
   */
  onPublished: ((channel: string, messages: number) => void) | undefined;
  private readonly interest = new Map<string, ChannelInterest>();
  private readonly rates: PollRates;
  private readonly slow: SlowConsumerGuard;
  private readonly onError: (error: unknown) => void;
  private readonly feed: Feed;
  private checking = false;
  private closed = false;

  constructor(options: HubOptions) {
    this.engine = options.engine;
    this.namespaces = options.namespaces ?? new Namespaces(DEFAULT_NAMESPACE);
    this.rates = new PollRates({ min: 500, max: 15_000, ...options.pollIntervalMs });
    this.slow = new SlowConsumerGuard(options.maxBacklogBytes ?? 1024 * 1024);
    this.onError = options.onError ?? (() => {});
    this.presence = this.engine.createPresence?.() ?? new LocalPresence();
    this.feed = this.engine.openFeed({
      messages: (channel, messages) => this.fanOut(channel, messages),
      resync: () => {
        this.checkPositions().catch(this.onError);
      },
    });
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
    const encoded = encodeInputs(inputs, ns.maxMessageBytes);
    return this.counted(
      channel,
      encoded.length,
      await this.engine.append(channel, encoded, ns.history, idempotencyKey),
    );
  }

  /**
   * {@link publish} without a promise, when the engine appends in the process (it has `appendNow`):
   * the same checks, append and fan-out in one synchronous step. Undefined, having done nothing, when
   * the engine cannot (the caller then publishes the usual way).
   */
  publishNow(channel: string, inputs: readonly PublishInput[], idempotencyKey?: string): AppendResult | undefined {
    const { engine } = this;
    if (engine.appendNow === undefined) return undefined;
    const ns = this.settings(channel);
    const encoded = encodeInputs(inputs, ns.maxMessageBytes);
    return this.counted(channel, encoded.length, engine.appendNow(channel, encoded, ns.history, idempotencyKey));
  }

  /** Counts an append's messages as published, unless it was a replay; returns the result. */
  private counted(channel: string, count: number, result: AppendResult): AppendResult {
    if (!result.duplicate) {
      this.published += count;
      this.onPublished?.(channel, count);
    }
    return result;
  }

  /**
   * A page of history: after `cursor` (resume rule applies), or the latest `limit` messages when
   * there is no cursor.
   */
  async pull(channel: string, cursor: Cursor | undefined, limit: number): Promise<PullResult> {
    return (await this.pullMany([{ channel, cursor }], limit))[0] as PullResult;
  }

  /**
   * {@link pull} without a promise, when the engine holds the channel in the process (it has `stateNow`
   * and `readNow`): the same state, plan and page, read in one synchronous step. Undefined when the
   * engine cannot, or when the channel's past was lost between the state and the read (the caller then
   * pulls the usual way, which starts the channel over).
   */
  pullNow(channel: string, cursor: Cursor | undefined, limit: number): PullResult | undefined {
    const { engine } = this;
    if (engine.stateNow === undefined || engine.readNow === undefined) return undefined;
    const limits = this.settings(channel).history;
    const state = engine.stateNow(channel, limits);
    const start = startOf(cursor, state, limit);
    const take = Math.min(limit, Math.max(0, state.last - start.from + 1));
    const plan = { from: start.from, reset: start.reset, state };
    if (take === 0) return this.pullResult({ channel, cursor }, plan, state, []);
    const page = engine.readNow(channel, start.from, take, limits);
    if (page.state.epoch !== state.epoch) return undefined;
    return this.pullResult({ channel, cursor }, plan, page.state, page.messages);
  }

  /**
   * One page over many channels, sharing `limit` in request order (the first channels fill it first).
   * Two engine round trips whatever the number of channels: the states, then the reads.
   */
  async pullMany(requests: readonly PullRequest[], limit: number): Promise<PullResult[]> {
    const states = await this.engine.states(
      requests.map((r) => ({ channel: r.channel, limits: this.settings(r.channel).history })),
    );
    let remaining = limit;
    const plans = requests.map((request, i) => {
      const state = states[i] as ChannelState;
      const start = startOf(request.cursor, state, remaining);
      const take = Math.min(remaining, Math.max(0, state.last - start.from + 1));
      remaining -= take;
      return { ...start, state, take };
    });
    const reads: ReadRequest[] = [];
    plans.forEach((plan, i) => {
      const channel = (requests[i] as PullRequest).channel;
      if (plan.take > 0)
        reads.push({ channel, from: plan.from, limit: plan.take, limits: this.settings(channel).history });
    });
    const pages = reads.length === 0 ? [] : await this.engine.readMany(reads);
    let next = 0;
    const results: PullResult[] = [];
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i] as (typeof plans)[number];
      const request = requests[i] as PullRequest;
      const page = plan.take > 0 ? pages[next++] : undefined;
      if (page !== undefined && page.state.epoch !== plan.state.epoch) {
        // The channel's past was lost between the two round trips: start this channel over.
        results.push(await this.pull(request.channel, request.cursor, plan.take));
        continue;
      }
      results.push(this.pullResult(request, plan, page?.state ?? plan.state, page?.messages ?? []));
    }
    return results;
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
    const interest = this.want(channel);
    interest.subscriptions.add(subscription);
    try {
      // Hear the channel before reading its state, so nothing published in between is missed.
      if (interest.watching !== undefined) await interest.watching;
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
    const interest = this.interest.get(subscription.channel);
    if (interest === undefined) return;
    interest.subscriptions.delete(subscription);
    this.release(subscription.channel, interest);
  }

  /** Whether the engine serves requests now: false when it says so or its check fails (new live connections are then refused). */
  engineReady(): Promise<boolean> {
    return this.engine.ready().catch(() => false);
  }

  /**
   * Waits for a message on one of `channels` (long polls): `owner.settled(true)` as soon as one is
   * published, `false` after `timeoutMs` or on `cancel()`. Register before reading, and read only
   * once {@link heard} settles, so nothing slips by.
   */
  waitForMessage(channels: readonly string[], timeoutMs: number, owner: WaitOwner): MessageWait {
    return new MessageWait(this, channels, timeoutMs, owner);
  }

  /**
   * Settles once the engine's feed hears every one of `channels` that someone waits for; undefined
   * when it already does (always, for in-process engines).
   */
  heard(channels: readonly string[]): Promise<void> | undefined {
    const pending: Array<Promise<void>> = [];
    for (const channel of channels) {
      const watching = this.interest.get(channel)?.watching;
      if (watching !== undefined) pending.push(watching);
    }
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => {});
  }

  /** @internal A long poll's wait starts waiting for `channel` (see {@link MessageWait}). */
  addWait(channel: string, wait: MessageWait): void {
    this.want(channel).waits.add(wait);
  }

  /** @internal A long poll's wait on `channel` settled. */
  removeWait(channel: string, wait: MessageWait): void {
    const interest = this.interest.get(channel);
    if (interest === undefined) return;
    interest.waits.delete(wait);
    this.release(channel, interest);
  }

  /** Suggested poll interval for `channel`, ms: about the channel's recent time between messages, within bounds. */
  pollIntervalMs(channel: string): number {
    return this.rates.intervalMs(channel);
  }

  /**
   * Subscribers of `channel` on this node per transport: live subscriptions and held long polls (see
   * {@link ChannelInterest.subscriberCount}). A plain poll holds nothing between its requests and is not
   * a subscriber. Every endpoint that reports subscribers reads them here, so they agree.
   */
  subscriberCounts(channel: string): Record<string, number> {
    return this.interest.get(channel)?.countByTransport() ?? {};
  }

  /** Subscribers of `channel` on this node, all transports (the sum of {@link subscriberCounts}). */
  subscriberCount(channel: string): number {
    return this.interest.get(channel)?.subscriberCount() ?? 0;
  }

  /**
   * Channels with subscribers (live or held long polls), with their counts, most subscribed first;
   * only those `visible` allows (stats for a caller that may not read every channel must not name the others).
   */
  topChannels(
    n: number,
    visible: (channel: string) => boolean = () => true,
  ): Array<{ channel: string; subscribers: number }> {
    const rows: Array<{ channel: string; subscribers: number }> = [];
    for (const [channel, interest] of this.interest) {
      const subscribers = interest.subscriberCount();
      if (subscribers > 0 && visible(channel)) rows.push({ channel, subscribers });
    }
    return rows.sort((a, b) => b.subscribers - a.subscribers).slice(0, n);
  }

  /** Subscribers over all channels (a connection on three channels counts three times). */
  subscriptionCount(): number {
    let n = 0;
    for (const interest of this.interest.values()) n += interest.subscriberCount();
    return n;
  }

  /** {@link subscriptionCount} per transport. */
  subscriptionCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const interest of this.interest.values()) interest.countByTransport(counts);
    return counts;
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

  /**
   * Called on every heartbeat of the server: when the engine's feed can lose messages, checks the
   * positions of the watched channels; stops watching channels nobody waits for any more.
   */
  tick(): void {
    if (this.engine.lossyFeed !== true) return;
    this.sweepIdle();
    this.checkPositions().catch(this.onError);
  }

  /**
   * Compares the position of every watched channel with the engine's (one `states` call per
   * {@link CHECK_BATCH} channels): a subscription behind it reads history, a held long poll is woken.
   * One check at a time; a check asked for meanwhile is skipped (the next tick comes soon).
   */
  async checkPositions(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const channels: string[] = [];
      for (const [channel, interest] of this.interest) if (!interest.idle()) channels.push(channel);
      for (let i = 0; i < channels.length; i += CHECK_BATCH) {
        const batch = channels.slice(i, i + CHECK_BATCH);
        const states = await this.engine.states(
          batch.map((channel) => ({ channel, limits: this.settings(channel).history })),
        );
        for (let j = 0; j < batch.length; j++) this.checkPosition(batch[j] as string, states[j] as ChannelState);
      }
    } finally {
      this.checking = false;
    }
  }

  /** Stops the live feed and timers; leaves presence. The engine is closed by its owner. */
  close(): void {
    this.closed = true;
    this.feed.close();
    this.rates.close();
    this.slow.close();
    this.presence.close().catch(this.onError);
    for (const interest of this.interest.values()) for (const sub of interest.subscriptions) sub.stop();
    this.interest.clear();
  }

  private checkPosition(channel: string, state: ChannelState): void {
    const interest = this.interest.get(channel);
    if (interest === undefined) return;
    for (const sub of interest.subscriptions) sub.check(state);
    if (interest.seeState(state)) for (const wait of [...interest.waits]) wait.wake();
  }

  /** The channel's interest, created (and the channel watched) on first use. */
  private want(channel: string): ChannelInterest {
    let interest = this.interest.get(channel);
    if (interest === undefined) {
      const created = new ChannelInterest();
      interest = created;
      this.interest.set(channel, created);
      const watching = this.feed.watch(channel);
      if (watching !== undefined) {
        created.watching = watching.then(() => {
          created.watching = undefined;
        });
      }
    }
    return interest;
  }

  /**
   * Stops watching a channel once nobody on this node waits for it. On a networked engine the watch
   * lingers until the next tick, so a client that polls again at once does not cost a subscribe and
   * an unsubscribe in the store per request.
   */
  private release(channel: string, interest: ChannelInterest): void {
    if (!interest.idle() || this.interest.get(channel) !== interest) return;
    if (this.engine.lossyFeed === true) return;
    this.interest.delete(channel);
    this.feed.unwatch(channel);
  }

  /** Unwatches the channels that stayed idle since they were released (networked engines). */
  private sweepIdle(): void {
    for (const [channel, interest] of this.interest) {
      if (!interest.idle()) {
        interest.idleTicks = 0;
        continue;
      }
      // Idle on two ticks in a row: idle for at least one whole interval.
      if (++interest.idleTicks < 2 || interest.watching !== undefined) continue;
      this.interest.delete(channel);
      this.feed.unwatch(channel);
    }
  }

  private pullResult(
    request: PullRequest,
    plan: { from: number; reset: PullResult['reset']; state: ChannelState },
    state: ChannelState,
    messages: readonly Message[],
  ): PullResult {
    let reset = plan.reset;
    const { cursor } = request;
    if (reset === undefined && cursor !== undefined && cursor !== 'start' && state.first > plan.from) {
      // Trimmed between the state read and the page read.
      reset = { epoch: state.epoch, from: state.first };
    }
    if (messages.length > 0) this.rates.note(request.channel, messages);
    const interest = this.interest.get(request.channel);
    if (interest !== undefined) interest.seeState(state);
    const lastMessage = messages[messages.length - 1];
    const last = lastMessage === undefined ? Math.max(plan.from, state.first) - 1 : lastMessage.offset;
    return { state, messages, last, more: last < state.last, reset };
  }

  private fanOut(channel: string, messages: readonly Message[]): void {
    this.rates.note(channel, messages);
    const interest = this.interest.get(channel);
    if (interest === undefined) return;
    const newest = messages[messages.length - 1];
    if (newest !== undefined) interest.see(newest.epoch, newest.offset);
    for (const sub of interest.subscriptions) {
      sub.offer(messages);
      this.slow.check(sub.sink);
    }
    // Every live subscriber has its bytes now (sinks write at once); history keeps the messages only.
    for (const m of messages) m.releaseFrames();
    if (interest.waits.size > 0) for (const wait of [...interest.waits]) wait.wake();
  }
}

/** Where a pull starts: after the cursor (resume rule), or at the latest `limit` messages without one. */
function startOf(
  cursor: Cursor | undefined,
  state: ChannelState,
  limit: number,
): { from: number; reset: PullResult['reset'] } {
  if (cursor === undefined) return { from: Math.max(state.first, state.last - limit + 1), reset: undefined };
  const start = resolveCursor(cursor, state);
  return { from: start.from, reset: start.reset };
}

/** Checks and serializes the inputs of a publish (see {@link Hub.publish}). */
function encodeInputs(inputs: readonly PublishInput[], maxMessageBytes: number): AppendInput[] {
  return inputs.map((input) => {
    if (input.event !== undefined && !isEventName(input.event)) {
      throw new HeraldError('bad_request', 'event must match ^[A-Za-z0-9_.:-]{1,64}$ and not start with "herald."');
    }
    const data = input.json ?? stringifyData(input.data);
    if (tooLarge(data, maxMessageBytes)) {
      throw new HeraldError('too_large', `data is larger than ${maxMessageBytes} bytes`);
    }
    return { event: input.event, data };
  });
}

/**
 * True when `text` is more than `maxBytes` bytes of UTF-8. A UTF-16 code unit is at most 3 bytes, so
 * short texts are settled by their length alone, without counting bytes.
 */
function tooLarge(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return false;
  return text.length > maxBytes || Buffer.byteLength(text) > maxBytes;
}

/**
 * Compact JSON text of a message's data. JSON.parse accepts any nesting depth but JSON.stringify
 * recurses, so data nested tens of thousands deep throws RangeError here: a 400, not a 500.
 */
function stringifyData(data: unknown): string {
  if (data === undefined) throw new HeraldError('bad_request', 'data is required');
  try {
    return JSON.stringify(data);
  } catch (error) {
    if (error instanceof RangeError) throw new HeraldError('bad_request', 'data is nested too deeply');
    throw error;
  }
}

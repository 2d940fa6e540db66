import { ChannelCap } from './channel-cap.ts';
import type {
  AppendInput,
  AppendResult,
  ChannelState,
  Engine,
  HistoryLimits,
  ReadRequest,
  ReadResult,
  StateRequest,
} from './engine.ts';
import { newEpoch } from './epoch.ts';
import { HeraldError } from './errors.ts';
import { type Feed, type FeedListener, LocalFeeds } from './feed.ts';
import { evictOldest } from './history-budget.ts';
import { Message } from './message.ts';

interface MemoryChannel {
  /** The channel's name, shared by its messages (the caller's copy may be a slice of a request's URL). */
  name: string;
  epoch: string;
  /** Offset of the newest message written. */
  last: number;
  /** History; `items[head]` is the oldest message kept. */
  items: Message[];
  head: number;
  limits: HistoryLimits;
  /** Creation or last append, ms: an empty channel idle past its max age is swept. */
  lastActivity: number;
  /** Last read, state or append, ms (the channel cap's recency; see {@link ChannelCap}). */
  used: number;
  /** Approximate bytes held by `items[head..]` (see {@link messageBytes}). */
  bytes: number;
  /**
   * Idempotency key -> first result; insertion-ordered so the oldest is evicted first. Created by the
   * first key: most channels never see one.
   */
  keys: Map<string, { result: AppendResult; time: number }> | undefined;
}

/** Options of the in-memory engine. */
export interface MemoryEngineOptions {
  /** How often idle channels are swept, in ms (0 = never). */
  sweepIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** History bytes over all channels; past it the oldest messages of any channel go first. 0 = no limit. */
  maxHistoryBytes?: number;
  /** History bytes of one channel; past it its oldest messages go (the newest always stays). 0 = no limit. */
  maxChannelHistoryBytes?: number;
  /**
   * Channels held at once; past it the least recently used channel nobody watches is forgotten (see
   * {@link ChannelCap}); a new one is refused with 503 only when every channel is watched. 0 = no limit.
   */
  maxChannels?: number;
}

/**
 * Defaults of the memory engine's budgets (threat T14 in SECURITY.md): sized so that one process stays far below
 * Node's default heap with every channel full, yet a busy application fits (1,000 messages of 16 KiB
 * in one channel; 100,000 channels).
 */
export const MEMORY_ENGINE_DEFAULTS = {
  maxHistoryBytes: 256 * 1024 * 1024,
  maxChannelHistoryBytes: 16 * 1024 * 1024,
  maxChannels: 100_000,
} as const;

/** Fixed cost counted per message on top of its text: the object, its fields, array slots. */
const MESSAGE_OVERHEAD_BYTES = 160;

/**
 * What a message is counted as against the budgets: its JSON text, event and channel name (string
 * lengths) plus a fixed overhead. Framings cached for delivery are not counted: the live fan-out
 * drops them, and a reader of history adds at most one per transport in use.
 */
export function messageBytes(m: Message): number {
  return m.data.length + (m.event?.length ?? 0) + m.channel.length + MESSAGE_OVERHEAD_BYTES;
}

/**
 * The embedded default engine: history in process memory. A restart loses history, so every channel
 * gets a new epoch and resuming clients are told by a reset. A channel whose history is empty and that
 * has been idle longer than its max age is forgotten, and so is, at the channel cap, the least
 * recently used channel nobody watches (its next use starts a new epoch).
 */
export class MemoryEngine implements Engine {
  private readonly channels: ChannelCap<MemoryChannel>;
  private readonly feeds = new LocalFeeds();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private held = 0;
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxChannelBytes: number;
  private lastCapSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryEngineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxBytes = options.maxHistoryBytes ?? MEMORY_ENGINE_DEFAULTS.maxHistoryBytes;
    this.maxChannelBytes = options.maxChannelHistoryBytes ?? MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes;
    this.channels = new ChannelCap(options.maxChannels ?? MEMORY_ENGINE_DEFAULTS.maxChannels);
    const every = options.sweepIntervalMs ?? 10_000;
    if (every > 0) {
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  async append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): Promise<AppendResult> {
    return this.appendNow(channel, inputs, limits, idempotencyKey);
  }

  appendNow(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): AppendResult {
    const now = this.now();
    const ch = this.channel(channel, limits, now);
    if (idempotencyKey !== undefined) {
      const seen = ch.keys?.get(idempotencyKey);
      if (seen !== undefined && now - seen.time <= limits.maxAgeMs) return { ...seen.result, duplicate: true };
    }
    const written: Message[] = [];
    for (const input of inputs) {
      const m = new Message(ch.name, ch.epoch, ++ch.last, input.event, input.data, now);
      ch.items.push(m);
      written.push(m);
      const size = messageBytes(m);
      ch.bytes += size;
      this.bytes += size;
    }
    this.held += written.length;
    if (ch.last === written.length) this.channels.written(channel); // its first write
    ch.lastActivity = now;
    this.trim(ch, now);
    if (this.maxBytes > 0 && this.bytes > this.maxBytes) this.evict();
    const result: AppendResult = {
      epoch: ch.epoch,
      messages: written.map((m) => ({ offset: m.offset, time: m.time })),
      duplicate: false,
    };
    if (idempotencyKey !== undefined) this.remember(ch, idempotencyKey, result, now);
    this.feeds.publish(channel, written);
    return result;
  }

  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    return this.readNow(channel, from, limit, limits);
  }

  readNow(channel: string, from: number, limit: number, limits: HistoryLimits): ReadResult {
    // One clock read for the lookup and the trim (a poll reads the state, then maybe the page).
    const now = this.now();
    const ch = this.channel(channel, limits, now);
    this.trim(ch, now);
    const state = stateOf(ch);
    const start = Math.max(from, state.first);
    const begin = ch.head + (start - state.first);
    const end = Math.min(ch.items.length, begin + Math.max(0, limit));
    return { state, messages: begin < end ? ch.items.slice(begin, end) : [] };
  }

  async state(channel: string, limits: HistoryLimits): Promise<ChannelState> {
    return this.stateNow(channel, limits);
  }

  stateNow(channel: string, limits: HistoryLimits): ChannelState {
    // One clock read for the lookup and the trim (a poll reads the state, then maybe the page).
    const now = this.now();
    const ch = this.channel(channel, limits, now);
    this.trim(ch, now);
    return stateOf(ch);
  }

  async readMany(requests: readonly ReadRequest[]): Promise<ReadResult[]> {
    return Promise.all(requests.map((r) => this.read(r.channel, r.from, r.limit, r.limits)));
  }

  async states(requests: readonly StateRequest[]): Promise<ChannelState[]> {
    return requests.map((r) => this.stateNow(r.channel, r.limits));
  }

  openFeed(listener: FeedListener): Feed {
    return this.feeds.open(listener);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.feeds.close();
  }

  historySize(): number {
    return this.held;
  }

  /** Approximate bytes of history held over all channels (see {@link messageBytes}). */
  historyBytes(): number {
    return this.bytes;
  }

  /** Channels held (empty ones included, until they are forgotten). */
  channelCount(): number {
    return this.channels.size;
  }

  /** Channels forgotten at the channel cap to make room for new ones, since start. */
  channelsEvicted(): number {
    return this.channels.evicted;
  }

  /** Trims by age and drops idle empty channels. Runs on a timer; public for tests. */
  sweep(): void {
    const now = this.now();
    for (const [name, ch] of this.channels.all()) {
      this.trim(ch, now);
      const empty = ch.head === ch.items.length;
      if (empty && now - ch.lastActivity > ch.limits.maxAgeMs) this.forget(name);
    }
  }

  private channel(name: string, limits: HistoryLimits, now = this.now()): MemoryChannel {
    let ch = this.channels.use(name, now);
    if (ch === undefined) {
      if (this.channels.full()) this.makeRoom(now);
      ch = {
        name,
        epoch: newEpoch(),
        last: 0,
        items: [],
        head: 0,
        limits,
        lastActivity: now,
        used: now,
        bytes: 0,
        keys: undefined,
      };
      this.channels.add(name, ch);
    }
    ch.limits = limits;
    return ch;
  }

  private trim(ch: MemoryChannel, now: number): void {
    const { size, maxAgeMs } = ch.limits;
    const before = ch.head;
    while (ch.items.length - ch.head > size) this.dropOldest(ch);
    const oldest = now - maxAgeMs;
    while (ch.head < ch.items.length && (ch.items[ch.head] as Message).time < oldest) this.dropOldest(ch);
    while (this.maxChannelBytes > 0 && ch.bytes > this.maxChannelBytes && ch.items.length - ch.head > 1) {
      this.dropOldest(ch);
    }
    if (ch.head !== before) this.compact(ch);
  }

  /** Drops a channel's oldest message from history; returns its size. */
  private dropOldest(ch: MemoryChannel): number {
    const m = ch.items[ch.head] as Message;
    ch.items[ch.head] = undefined as unknown as Message; // let it be collected before compaction
    ch.head++;
    this.held--;
    const size = messageBytes(m);
    ch.bytes -= size;
    this.bytes -= size;
    return size;
  }

  /** Compacts once the dead prefix dominates, so trimming stays O(1) amortized. */
  private compact(ch: MemoryChannel): void {
    if (ch.head > 64 && ch.head * 2 > ch.items.length) {
      ch.items = ch.items.slice(ch.head);
      ch.head = 0;
    }
  }

  /** Over the total budget: frees the oldest messages of all channels down to 90% of it (hysteresis). */
  private evict(): void {
    const touched = new Set<MemoryChannel>();
    evictOldest(
      this.channels.values(),
      this.bytes - this.maxBytes * 0.9,
      (ch) => (ch.head < ch.items.length ? (ch.items[ch.head] as Message).time : undefined),
      (ch) => {
        touched.add(ch);
        return this.dropOldest(ch);
      },
    );
    for (const ch of touched) this.compact(ch);
  }

  /**
   * At the channel cap: forgets idle empty channels (at most one sweep a second), then the channel
   * {@link ChannelCap.victim} picks: never written to, else least recently used, never one a feed
   * watches. Refuses with 503 only when every channel is watched.
   */
  private makeRoom(now: number): void {
    if (now - this.lastCapSweep >= 1_000) {
      this.lastCapSweep = now;
      this.sweep();
    }
    if (!this.channels.full()) return;
    const victim = this.channels.victim((name) => this.feeds.watching(name), now);
    if (victim === undefined) {
      throw new HeraldError('unavailable', 'every channel the hub may hold has subscribers; retry later', 5);
    }
    this.forget(victim);
  }

  private forget(name: string): void {
    const ch = this.channels.peek(name);
    if (ch === undefined) return;
    while (ch.head < ch.items.length) this.dropOldest(ch);
    this.channels.delete(name);
  }

  private remember(ch: MemoryChannel, key: string, result: AppendResult, now: number): void {
    ch.keys ??= new Map();
    ch.keys.set(key, { result, time: now });
    const cap = Math.max(ch.limits.size, 1000);
    for (const [k, v] of ch.keys) {
      if (ch.keys.size <= cap && now - v.time <= ch.limits.maxAgeMs) break;
      ch.keys.delete(k);
    }
  }
}

function stateOf(ch: MemoryChannel): ChannelState {
  const held = ch.items.length - ch.head;
  return { epoch: ch.epoch, first: ch.last - held + 1, last: ch.last };
}

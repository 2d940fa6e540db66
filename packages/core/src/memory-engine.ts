import type {
  AppendInput,
  AppendResult,
  ChannelState,
  Engine,
  HistoryLimits,
  MessageListener,
  ReadResult,
} from './engine.ts';
import { newEpoch } from './epoch.ts';
import { Message } from './message.ts';

interface MemoryChannel {
  epoch: string;
  /** Offset of the newest message written. */
  last: number;
  /** History; `items[head]` is the oldest message kept. */
  items: Message[];
  head: number;
  limits: HistoryLimits;
  lastActivity: number;
  /** Idempotency key -> first result; insertion-ordered so the oldest is evicted first. */
  keys: Map<string, { result: AppendResult; time: number }>;
}

/** Options of the in-memory engine. */
export interface MemoryEngineOptions {
  /** How often idle channels are swept, in ms (0 = never). */
  sweepIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The embedded default engine: history in process memory. A restart loses history, so every channel
 * gets a new epoch and resuming clients are told by a reset. A channel whose history is empty and that
 * has been idle longer than its max age is forgotten (its next use starts a new epoch).
 */
export class MemoryEngine implements Engine {
  private readonly channels = new Map<string, MemoryChannel>();
  private readonly listeners = new Set<MessageListener>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private held = 0;

  constructor(options: MemoryEngineOptions = {}) {
    this.now = options.now ?? Date.now;
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
    const ch = this.channel(channel, limits);
    const now = this.now();
    if (idempotencyKey !== undefined) {
      const seen = ch.keys.get(idempotencyKey);
      if (seen !== undefined && now - seen.time <= limits.maxAgeMs) return { ...seen.result, duplicate: true };
    }
    const written: Message[] = [];
    for (const input of inputs) {
      const m = new Message(channel, ch.epoch, ++ch.last, input.event, input.data, now);
      ch.items.push(m);
      written.push(m);
    }
    this.held += written.length;
    ch.lastActivity = now;
    this.trim(ch, now);
    const result: AppendResult = {
      epoch: ch.epoch,
      messages: written.map((m) => ({ offset: m.offset, time: m.time })),
      duplicate: false,
    };
    if (idempotencyKey !== undefined) this.remember(ch, idempotencyKey, result, now);
    for (const listener of this.listeners) listener(channel, written);
    return result;
  }

  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    const ch = this.channel(channel, limits);
    this.trim(ch, this.now());
    const state = stateOf(ch);
    const start = Math.max(from, state.first);
    const begin = ch.head + (start - state.first);
    const end = Math.min(ch.items.length, begin + Math.max(0, limit));
    return { state, messages: begin < end ? ch.items.slice(begin, end) : [] };
  }

  async state(channel: string, limits: HistoryLimits): Promise<ChannelState> {
    const ch = this.channel(channel, limits);
    this.trim(ch, this.now());
    return stateOf(ch);
  }

  onMessages(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.listeners.clear();
  }

  historySize(): number {
    return this.held;
  }

  /** Trims by age and drops idle empty channels. Runs on a timer; public for tests. */
  sweep(): void {
    const now = this.now();
    for (const [name, ch] of this.channels) {
      this.trim(ch, now);
      const empty = ch.head === ch.items.length;
      if (empty && now - ch.lastActivity > ch.limits.maxAgeMs) this.channels.delete(name);
    }
  }

  private channel(name: string, limits: HistoryLimits): MemoryChannel {
    let ch = this.channels.get(name);
    if (ch === undefined) {
      ch = {
        epoch: newEpoch(),
        last: 0,
        items: [],
        head: 0,
        limits,
        lastActivity: this.now(),
        keys: new Map(),
      };
      this.channels.set(name, ch);
    }
    ch.limits = limits;
    return ch;
  }

  private trim(ch: MemoryChannel, now: number): void {
    const { size, maxAgeMs } = ch.limits;
    const before = ch.head;
    while (ch.items.length - ch.head > size) ch.head++;
    const oldest = now - maxAgeMs;
    while (ch.head < ch.items.length && (ch.items[ch.head] as Message).time < oldest) ch.head++;
    if (ch.head === before) return;
    this.held -= ch.head - before;
    // Compact once the dead prefix dominates, so trimming stays O(1) amortized.
    if (ch.head > 64 && ch.head * 2 > ch.items.length) {
      ch.items = ch.items.slice(ch.head);
      ch.head = 0;
    }
  }

  private remember(ch: MemoryChannel, key: string, result: AppendResult, now: number): void {
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

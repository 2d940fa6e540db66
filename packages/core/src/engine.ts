import type { Message } from './message.ts';

/** How much history a channel keeps; set per namespace. */
export interface HistoryLimits {
  /** Most messages kept. */
  readonly size: number;
  /** Oldest message kept, in ms. */
  readonly maxAgeMs: number;
}

/** Where a channel stands. */
export interface ChannelState {
  readonly epoch: string;
  /** Offset of the oldest message still in history; `last + 1` when history is empty. */
  readonly first: number;
  /** Offset of the newest message ever written in this epoch; 0 before the first. */
  readonly last: number;
}

/** One message to append. */
export interface AppendInput {
  readonly event: string | undefined;
  /** Compact JSON text. */
  readonly data: string;
}

/** What an append wrote (or, for a repeated idempotency key, what the first append wrote). */
export interface AppendResult {
  readonly epoch: string;
  readonly messages: ReadonlyArray<{ readonly offset: number; readonly time: number }>;
  /** True when the idempotency key was seen before and nothing new was written. */
  readonly duplicate: boolean;
}

/** A page of history. */
export interface ReadResult {
  readonly state: ChannelState;
  /** Messages with offsets `from, from+1, …` that are still in history, at most `limit`. */
  readonly messages: readonly Message[];
}

/** Called with newly appended messages of one channel, in offset order. */
export type MessageListener = (channel: string, messages: readonly Message[]) => void;

/**
 * Storage and live feed for channels. Every engine passes the contract suite in `testing/`.
 *
 * Guarantees every engine gives:
 * - Per channel, `append` assigns offsets `last+1, last+2, …` atomically and in call order; there are
 *   no holes within an epoch.
 * - The epoch changes only when the engine can no longer vouch for the channel's past (its history was
 *   lost, e.g. an in-memory engine restarted, or an idle channel was forgotten). A new epoch starts at
 *   offset 1.
 * - History is trimmed from the front only, by count and by age.
 * - Listeners see every appended message once, per channel in offset order. (An engine spread over
 *   several nodes may lose live notifications; the core detects the hole by offset and reads history.)
 * - An `append` resolves only after the write is as durable as the store makes it.
 */
export interface Engine {
  /** Appends messages to `channel`. With `idempotencyKey`, a repeat within the history window writes nothing and returns the first result. */
  append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): Promise<AppendResult>;
  /** Reads history from offset `from` on. Creates the channel (and its epoch) if it does not exist. */
  read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult>;
  /** The channel's state. Creates the channel (and its epoch) if it does not exist. */
  state(channel: string, limits: HistoryLimits): Promise<ChannelState>;
  /**
   * `state` without a promise, for engines that hold it in the process (memory, SQLite): conditional
   * polls, the most frequent request of a polling client, are then answered in one synchronous step.
   */
  stateNow?(channel: string, limits: HistoryLimits): ChannelState;
  /** Registers a listener for new messages on every channel; returns a function that removes it. */
  onMessages(listener: MessageListener): () => void;
  /** Resolves true when the engine can serve requests. */
  ready(): Promise<boolean>;
  /** Flushes and releases everything. Idempotent. */
  close(): Promise<void>;
  /** Messages held in history over all channels (for metrics), when cheap to know. */
  historySize?(): number;
}

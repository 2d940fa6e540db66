import type { BlobStore } from './blob-store.ts';
import type { Feed, FeedListener } from './feed.ts';
import type { Message } from './message.ts';
import type { PresenceStore } from './presence.ts';

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

/** One read of a batch (see {@link Engine.readMany}). */
export interface ReadRequest {
  readonly channel: string;
  readonly from: number;
  readonly limit: number;
  readonly limits: HistoryLimits;
}

/** One channel of a batch state lookup (see {@link Engine.states}). */
export interface StateRequest {
  readonly channel: string;
  readonly limits: HistoryLimits;
}

/**
 * Storage and live feed for channels. Every engine passes the contract suite in `testing/`.
 *
 * Guarantees every engine gives:
 * - Per channel, `append` assigns offsets `last+1, last+2, …` atomically and in call order; there are
 *   no holes within an epoch.
 * - The epoch changes only when the engine can no longer vouch for the channel's past (its history was
 *   lost, e.g. an in-memory engine restarted, an idle channel was forgotten, or a channel was evicted
 *   at the engine's channel cap). A new epoch starts at offset 1.
 * - History is trimmed from the front only, by count and by age.
 * - A feed hears the messages of the channels it watches, per channel in offset order, each at most
 *   once. An in-process engine's feed hears every one; a networked engine's feed may miss some (a
 *   reconnect, a dropped notification): it says so with `lossyFeed`, and the hub then finds holes by
 *   offset and by periodic position checks, and reads history to fill them.
 * - An `append` resolves only after the write is as durable as the store makes it.
 * - `readMany` and `states` answer a batch in one round trip to the store (or one pipeline).
 */
export interface Engine {
  /** Appends messages to `channel`. With `idempotencyKey`, a repeat within the history window writes nothing and returns the first result. */
  append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): Promise<AppendResult>;
  /**
   * `append` without a promise, for engines that write in the process at once (memory): a publish is
   * then stored, fanned out and answered in one synchronous step. Not for engines whose writes are
   * only durable later (SQLite commits in groups).
   */
  appendNow?(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): AppendResult;
  /** Reads history from offset `from` on. Creates the channel (and its epoch) if it does not exist. */
  read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult>;
  /** The channel's state. Creates the channel (and its epoch) if it does not exist. */
  state(channel: string, limits: HistoryLimits): Promise<ChannelState>;
  /**
   * `state` without a promise, for engines that hold it in the process (memory, SQLite): conditional
   * polls, the most frequent request of a polling client, are then answered in one synchronous step.
   */
  stateNow?(channel: string, limits: HistoryLimits): ChannelState;
  /**
   * `read` without a promise, for the same engines: a plain poll (a 200 page) is then built in one
   * synchronous step too, with none of the promises of the two-round-trip pull.
   */
  readNow?(channel: string, from: number, limit: number, limits: HistoryLimits): ReadResult;
  /** Reads of many channels in one round trip; results in request order. */
  readMany(requests: readonly ReadRequest[]): Promise<ReadResult[]>;
  /** States of many channels in one round trip; results in request order. Creates missing channels. */
  states(requests: readonly StateRequest[]): Promise<ChannelState[]>;
  /**
   * Opens a live feed: messages appended (on any node) to the channels the feed watches go to
   * `listener`. The hub opens one and watches exactly the channels someone on this node waits for.
   */
  openFeed(listener: FeedListener): Feed;
  /**
   * True when the feed can miss messages (a networked engine): the hub then checks the positions of
   * watched channels on every heartbeat tick and after `resync`.
   */
  readonly lossyFeed?: boolean;
  /** Presence shared by every node on this engine; in-process presence when absent. */
  createPresence?(): PresenceStore;
  /**
   * Blobs every node of a shared engine reaches; in-process stores (memory, disk) when absent. The
   * server calls it once, unless it was given a blob directory. `maxBlobBytes` is the server's upload
   * limit, which the store may enforce again (it holds blobs in a shared, memory-bound place).
   */
  createBlobStore?(options: { readonly maxBlobBytes: number }): BlobStore;
  /** Resolves true when the engine can serve requests. */
  ready(): Promise<boolean>;
  /** Flushes and releases everything. Idempotent. */
  close(): Promise<void>;
  /** Messages held in history over all channels (for metrics), when cheap to know. */
  historySize?(): number;
  /** Channels held (for metrics), when cheap to know. */
  channelCount?(): number;
  /**
   * Channels forgotten since start to make room at the engine's channel cap (for metrics); absent for
   * engines without a cap. Their next use starts a new epoch.
   */
  channelsEvicted?(): number;
}

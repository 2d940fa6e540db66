import { randomBytes } from 'node:crypto';
import {
  type AppendInput,
  type AppendResult,
  type BlobStore,
  type ChannelState,
  type Engine,
  type Feed,
  type FeedListener,
  type HistoryLimits,
  newEpoch,
  type PresenceStore,
  type ReadRequest,
  type ReadResult,
  type StateRequest,
} from '@herald/core';
import { decodeAppendReply, decodeReadReply } from './codec.ts';
import {
  type Connection,
  call,
  createConnection,
  duplicateForPubSub,
  loadScriptsOnConnect,
  open,
  shut,
  whenReady,
} from './connection.ts';
import { channelKeys, idempotencyKey } from './keys.ts';
import { type RedisEngineOptions, type RedisEngineSettings, redisEngineSettings } from './options.ts';
import { RedisBlobStore } from './redis-blob-store.ts';
import { RedisFeed } from './redis-feed.ts';
import { RedisPresence } from './redis-presence.ts';
import { SCRIPTS } from './scripts.ts';

/** Longest history age honoured, in ms (10 years): keeps every expiry Redis is asked for in range. */
const MAX_AGE_CAP_MS = 10 * 365 * 24 * 3_600_000;

/**
 * Engine on Redis 7 (Streams for history, sharded pub/sub for the live feed), shared by any number of
 * nodes: every node sees the same channels, offsets, epochs and idempotency keys.
 *
 * Guarantees:
 * - Per channel, one Lua script assigns offsets `last+1, …` to an append, writes it, trims, records the
 *   idempotency key and publishes it, atomically: no holes, no offset twice, whichever node appends.
 *   Appends are ordered as Redis runs them; a batch is contiguous and shares one time.
 * - Times come from the Redis clock (never from a node's) and never decrease within a channel.
 * - History is trimmed from the front only: by count on every append, by age on every append and read.
 * - The epoch changes when the channel's meta key is gone: the channel was idle longer than its max age
 *   plus `forgetAfterMs` (its keys expire), or Redis lost its data (a restart without persistence, a
 *   flush, an eviction). A new epoch starts at offset 1.
 * - An idempotency key holds the first result for the channel's max age (within one epoch).
 * - The feed is lossy (`lossyFeed`): pub/sub drops what is published while a subscriber connection is
 *   down; the feed then calls `resync` and the hub reads the gap from history.
 * - Durability is Redis's: an append resolves once Redis ran the script, so it survives a Redis restart
 *   only as far as its persistence settings (AOF, `appendfsync`) make it, and a failover to an
 *   asynchronous replica can lose the last acknowledged appends.
 * - While Redis cannot be reached, every call fails at once with `unavailable` (503, Retry-After 1 s);
 *   nothing is acknowledged that was not stored. The connections reconnect by themselves.
 */
export class RedisEngine implements Engine {
  readonly lossyFeed = true;
  /** This engine's id among the nodes sharing the Redis (members in presence carry it). */
  readonly nodeId = randomBytes(6).toString('base64url');
  private readonly settings: RedisEngineSettings;
  private readonly connection: Connection;
  private readonly feeds = new Set<RedisFeed>();
  private readonly presences = new Set<RedisPresence>();
  private closing: Promise<void> | undefined;

  /** Creates an engine and waits for its first connection; throws when Redis is not reachable in time. */
  static async connect(options: RedisEngineOptions): Promise<RedisEngine> {
    const engine = new RedisEngine(options);
    const { connectTimeoutMs, url } = engine.settings;
    if (await whenReady(engine.connection, connectTimeoutMs)) return engine;
    await engine.close();
    const where = url.replace(/\/\/[^@/]*@/, '//***@'); // no password in logs
    throw new Error(`RedisEngine: cannot reach Redis at ${where} within ${connectTimeoutMs} ms`);
  }

  /** Creates an engine that connects in the background (`ready()` is false until it has). */
  constructor(options: RedisEngineOptions) {
    this.settings = redisEngineSettings(options);
    this.connection = createConnection({ ...this.settings, name: `herald-${this.nodeId}` });
    loadScriptsOnConnect(this.connection, this.settings.onError);
    open(this.connection, this.settings.onError);
  }

  async append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    key?: string,
  ): Promise<AppendResult> {
    const { prefix } = this.settings;
    const keys = channelKeys(prefix, channel);
    const redisKeys = [keys.meta, keys.stream, keys.notify];
    if (key !== undefined) redisKeys.push(idempotencyKey(prefix, channel, key));
    const args = this.limitArgs(limits);
    // An event is sent as `=name` so that "no event" ('') and every name stay apart.
    for (const input of inputs) args.push(input.event === undefined ? '' : `=${input.event}`, input.data);
    return decodeAppendReply(await this.call(() => this.connection.heraldAppend(redisKeys, args)));
  }

  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    const [keys, args] = this.readCall(channel, from, limit, limits);
    return decodeReadReply(channel, await this.call(() => this.connection.heraldRead(keys, args)));
  }

  async state(channel: string, limits: HistoryLimits): Promise<ChannelState> {
    return (await this.read(channel, 0, 0, limits)).state;
  }

  async readMany(requests: readonly ReadRequest[]): Promise<ReadResult[]> {
    const replies = await this.pipeline(requests.map((r) => this.readCall(r.channel, r.from, r.limit, r.limits)));
    return replies.map((reply, i) => decodeReadReply(requests[i]?.channel ?? '', reply));
  }

  async states(requests: readonly StateRequest[]): Promise<ChannelState[]> {
    const replies = await this.pipeline(requests.map((r) => this.readCall(r.channel, 0, 0, r.limits)));
    return replies.map((reply, i) => decodeReadReply(requests[i]?.channel ?? '', reply).state);
  }

  openFeed(listener: FeedListener): Feed {
    if (this.closing !== undefined) throw new Error('RedisEngine: openFeed after close');
    const { prefix, onError, connectTimeoutMs, commandTimeoutMs } = this.settings;
    const feed = new RedisFeed(
      duplicateForPubSub(this.connection),
      listener,
      { prefix, onError, watchTimeoutMs: connectTimeoutMs + commandTimeoutMs },
      (closed) => this.feeds.delete(closed),
    );
    this.feeds.add(feed);
    return feed;
  }

  /** Blobs in this Redis, so every node serves every blob (keys under `<prefix>:blob:`, see RedisBlobStore). */
  createBlobStore(options: { readonly maxBlobBytes: number }): BlobStore {
    const { prefix, commandTimeoutMs } = this.settings;
    return new RedisBlobStore(this.connection, prefix, { maxBlobBytes: options.maxBlobBytes, commandTimeoutMs });
  }

  createPresence(): PresenceStore {
    if (this.closing !== undefined) throw new Error('RedisEngine: createPresence after close');
    const { prefix, onError, commandTimeoutMs, presenceTtlMs } = this.settings;
    const presence = new RedisPresence(
      this.connection,
      duplicateForPubSub(this.connection),
      { prefix, onError, commandTimeoutMs, ttlMs: presenceTtlMs, nodeId: this.nodeId },
      (closed) => this.presences.delete(closed),
    );
    this.presences.add(presence);
    return presence;
  }

  /** True when Redis answers a PING now. */
  async ready(): Promise<boolean> {
    if (this.closing !== undefined) return false;
    try {
      await this.call(() => this.connection.ping());
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the feeds, leaves local presence members, then closes the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const feed of [...this.feeds]) feed.close();
    await Promise.all([...this.presences].map((presence) => presence.close()));
    await shut(this.connection, this.settings.commandTimeoutMs);
  }

  private call<T>(run: () => Promise<T>): Promise<T> {
    return call(this.connection, this.settings.commandTimeoutMs, run);
  }

  /** Keys and arguments of the read script (`limit` 0 reads only the state). */
  private readCall(channel: string, from: number, limit: number, limits: HistoryLimits): [string[], string[]] {
    const keys = channelKeys(this.settings.prefix, channel);
    const args = this.limitArgs(limits);
    args.push(String(whole(from, Number.MAX_SAFE_INTEGER)), String(whole(limit, Number.MAX_SAFE_INTEGER)));
    return [[keys.meta, keys.stream], args];
  }

  /** Candidate epoch (kept only if the channel has none), size, max age and key expiry of a channel. */
  private limitArgs(limits: HistoryLimits): string[] {
    const maxAge = whole(limits.maxAgeMs, MAX_AGE_CAP_MS);
    const size = whole(limits.size, Number.MAX_SAFE_INTEGER);
    return [newEpoch(), String(size), String(maxAge), String(maxAge + this.settings.forgetAfterMs)];
  }

  /**
   * Runs read scripts in one pipeline (one round trip) by SHA. When Redis does not know the script (it
   * restarted), the first single call loads it (node-redis falls back to EVAL) and the batch is retried:
   * reads are safe to repeat.
   */
  private async pipeline(calls: ReadonlyArray<[string[], string[]]>): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const run = () => {
      const batch = this.connection.multi();
      for (const [keys, args] of calls) {
        batch.sendCommand(['EVALSHA', SCRIPTS.heraldRead.SHA1, String(keys.length), ...keys, ...args]);
      }
      return batch.execAsPipeline();
    };
    try {
      return await this.call(run);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      const [keys, args] = calls[0] as [string[], string[]];
      await this.call(() => this.connection.heraldRead(keys, args));
      return this.call(run);
    }
  }
}

/** `value` as a whole number in [0, max] (NaN -> 0). */
function whole(value: number, max: number): number {
  if (!(value > 0)) return 0;
  return Math.min(Math.floor(value), max);
}

import { randomBytes } from 'node:crypto';
import type {
  AppendInput,
  AppendResult,
  ChannelState,
  Engine,
  Feed,
  FeedListener,
  HistoryLimits,
  PresenceStore,
  ReadRequest,
  ReadResult,
  StateRequest,
} from '@herald/core';
import { Appender } from './appender.ts';
import { Hints } from './hints.ts';
import { History } from './history.ts';
import { apiCode, NatsLink, toHeraldError, unavailable } from './link.ts';
import { NatsBlobStore, type NatsBlobStoreOptions } from './nats-blob-store.ts';
import { NatsFeed } from './nats-feed.ts';
import { NatsPresence } from './nats-presence.ts';
import { type NatsEngineOptions, type NatsEngineSettings, natsEngineSettings } from './options.ts';
import { ensureStream, JS_STREAM_NOT_FOUND } from './setup.ts';
import { Names } from './subjects.ts';

/**
 * Engine on NATS JetStream, shared by any number of nodes: every node sees the same channels, offsets,
 * epochs and idempotency keys. Works with nats-server 2.9 and later.
 *
 * Layout: one stream (named by `prefix`) holds every channel's history, one subject per channel
 * (`<prefix>.ch.<base64url of the name>`). One JetStream message is one append: its headers carry the
 * epoch, the offsets it holds, its time and the count floor; the stream republishes each stored message
 * to `<prefix>.fd.<token>` for the live feeds of all nodes.
 *
 * Guarantees:
 * - Per channel, offsets are `last+1, …` with no holes and none twice, whichever node appends: a publish
 *   is conditional on the subject's newest stored sequence (expected-last-subject-sequence) and retried
 *   on conflict. A batch is contiguous, shares one time and is stored atomically (one message).
 * - Times never decrease within a channel (an append's time is at least the newest one's); they come
 *   from the appending node's clock.
 * - History is trimmed from the front only. By count: the newest append records the count floor, reads
 *   hide what is below it, purges remove it later; the stream's `max_msgs_per_subject` is the hard cap.
 *   By age: reads hide what is older than the namespace's `maxAgeMs` and purge it; the stream's `max_age`
 *   is the hard cap.
 * - The epoch lives in the channel's own messages (a marker message for an empty channel), so it goes
 *   exactly when the history goes: a purged or deleted stream, or a channel idle longer than the stream's
 *   `max_age` (`maxAgeMs`), starts a new epoch at offset 1, and clients get a `reset`.
 * - An idempotency key holds the first result for the stream's duplicate window (`idempotencyWindowMs`),
 *   within one epoch.
 * - The feed is lossy (`lossyFeed`): what is republished while a node is disconnected is lost; the feed
 *   then calls `resync` and the hub reads the gap from history.
 * - Durability is JetStream's: an append resolves on its PubAck (stored on the stream's replicas; a file
 *   store syncs to disk every two minutes by default, so a power loss can lose acknowledged appends).
 * - While NATS cannot be reached, every call fails at once with `unavailable` (503, Retry-After 1 s),
 *   and so does a call in flight when the connection drops (its append may have been stored, as after
 *   a timeout; appends queued behind it are dropped, never written after their 503). Nothing is
 *   acknowledged that was not stored. The connection comes back by itself.
 */
export class NatsEngine implements Engine {
  readonly lossyFeed = true;
  /** This engine's id among the nodes sharing the NATS (presence members carry it). */
  readonly nodeId = randomBytes(6).toString('base64url');
  private readonly settings: NatsEngineSettings;
  private readonly names: Names;
  private readonly link: NatsLink;
  private readonly hints = new Hints();
  private readonly history: History;
  private readonly appender: Appender;
  private readonly feeds = new Set<NatsFeed>();
  private readonly presences = new Set<NatsPresence>();
  private readonly blobs = new Set<NatsBlobStore>();
  private setup: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Creates an engine and waits until it can serve; throws when NATS is not reachable in time. */
  static async connect(options: NatsEngineOptions): Promise<NatsEngine> {
    const engine = new NatsEngine(options);
    const { connectTimeoutMs, url } = engine.settings;
    if ((await engine.link.whenUp(connectTimeoutMs)) && (await engine.ready())) return engine;
    await engine.close();
    const where = url.replace(/\/\/[^@/]*@/, '//***@'); // no password in logs
    throw new Error(`NatsEngine: cannot reach NATS JetStream at ${where} within ${connectTimeoutMs} ms`);
  }

  /** Creates an engine that connects in the background (`ready()` is false until it has). */
  constructor(options: NatsEngineOptions) {
    this.settings = natsEngineSettings(options);
    this.names = new Names(this.settings.prefix);
    this.link = new NatsLink(this.settings);
    // After an outage the server may be another one, its stream lost or recreated: sequences start again.
    this.link.onUp(() => {
      this.hints.clear();
      this.setup = undefined;
    });
    this.history = new History(this.link, this.names, this.hints, this.settings);
    this.appender = new Appender(this.link, this.names, this.history, this.hints, this.settings.maxMessagesPerChannel);
  }

  async append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    key?: string,
  ): Promise<AppendResult> {
    if (inputs.length === 0) {
      const { epoch } = await this.state(channel, limits);
      return { epoch, messages: [], duplicate: false };
    }
    return this.run(() => this.appender.append(channel, inputs, limits, key));
  }

  read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    return this.run(() => this.history.read(channel, from, limit, limits));
  }

  async state(channel: string, limits: HistoryLimits): Promise<ChannelState> {
    return (await this.run(() => this.history.view(channel, limits))).state;
  }

  /** Reads in parallel on the one connection: pipelined, so about one round trip for the batch. */
  readMany(requests: readonly ReadRequest[]): Promise<ReadResult[]> {
    return Promise.all(requests.map((r) => this.read(r.channel, r.from, r.limit, r.limits)));
  }

  states(requests: readonly StateRequest[]): Promise<ChannelState[]> {
    return Promise.all(requests.map((r) => this.state(r.channel, r.limits)));
  }

  openFeed(listener: FeedListener): Feed {
    if (this.closing !== undefined) throw new Error('NatsEngine: openFeed after close');
    const { onError, requestTimeoutMs } = this.settings;
    const settings = { onError, watchTimeoutMs: requestTimeoutMs };
    const feed = new NatsFeed(this.link, this.names, this.hints, listener, settings, (f) => this.feeds.delete(f));
    this.feeds.add(feed);
    return feed;
  }

  createPresence(): PresenceStore {
    if (this.closing !== undefined) throw new Error('NatsEngine: createPresence after close');
    const { onError, presenceTtlMs, storage, replicas, requestTimeoutMs } = this.settings;
    const settings = { onError, ttlMs: presenceTtlMs, nodeId: this.nodeId, storage, replicas, requestTimeoutMs };
    const presence = new NatsPresence(this.link, this.names, settings, (p) => this.presences.delete(p));
    this.presences.add(presence);
    return presence;
  }

  /**
   * Blobs in this NATS, so every node serves every blob: an Object Store bucket `<prefix>_blobs`
   * (see NatsBlobStore). Storage and replicas are the engine's, when the bucket is created.
   */
  createBlobStore(options: NatsBlobStoreOptions = {}): NatsBlobStore {
    if (this.closing !== undefined) throw new Error('NatsEngine: createBlobStore after close');
    const { onError, storage, replicas } = this.settings;
    const context = {
      bucket: this.names.blobBucket,
      storage,
      replicas,
      onError,
      onClose: (s: NatsBlobStore) => this.blobs.delete(s),
    };
    const store = new NatsBlobStore(this.link, context, options);
    this.blobs.add(store);
    return store;
  }

  /** True when NATS answers now and the stream is in place (created again if it went missing). */
  async ready(): Promise<boolean> {
    if (this.closing !== undefined || !this.link.isUp) return false;
    try {
      this.setup = undefined;
      await this.ensureSetup();
      return await this.link.ping();
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
    for (const blobs of [...this.blobs]) blobs.close();
    await Promise.all([...this.presences].map((presence) => presence.close()));
    await this.link.close();
  }

  /** Creates (or updates) the stream once per connection, again after it was found missing. */
  private ensureSetup(): Promise<void> {
    this.setup ??= this.link
      .call((clients) => ensureStream(clients, this.names, this.settings))
      .catch((error: unknown) => {
        this.setup = undefined;
        throw error;
      });
    return this.setup;
  }

  /**
   * Runs an operation with the stream in place. A publish to a missing stream (deleted by an operator)
   * fails at once: the stream is created again and the operation retried once, and every channel starts
   * a new epoch. A read of a missing stream only times out (the server does not answer direct gets for a
   * stream it lacks), so a read that times out makes the next operation check the stream first. Other
   * failures map to `unavailable` (connection trouble) or stay as they are (bugs).
   */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw unavailable();
    await this.ensureSetup();
    try {
      return await this.link.whileUp(operation());
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') this.setup = undefined;
      if (apiCode(error) !== JS_STREAM_NOT_FOUND && !(error instanceof Error && error.name === 'JetStreamNotEnabled')) {
        throw toHeraldError(error);
      }
      this.setup = undefined;
      this.hints.clear();
      await this.ensureSetup();
      try {
        return await this.link.whileUp(operation());
      } catch (again) {
        throw toHeraldError(again);
      }
    }
  }
}

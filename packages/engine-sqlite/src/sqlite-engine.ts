import { statSync } from 'node:fs';
import {
  type AppendInput,
  type AppendResult,
  type ChannelState,
  type Engine,
  type Feed,
  type FeedListener,
  HeraldError,
  type HistoryLimits,
  LocalFeeds,
  MEMORY_ENGINE_DEFAULTS,
  Message,
  type ReadRequest,
  type ReadResult,
  type StateRequest,
} from '@herald/core';
import Database from 'better-sqlite3';
import { ChannelTable } from './channel-table.ts';
import { type MarkerCheck, markClean, openMarker, type SqliteSync } from './durability.ts';
import { GroupCommit, type Outcome } from './group-commit.ts';
import {
  databaseFile,
  type MessageRow,
  prepare,
  SCHEMA,
  SCHEMA_VERSION,
  type Statements,
  type StoredResult,
} from './schema.ts';

export { SQLITE_FILE_NAME } from './schema.ts';

/** Options of the SQLite engine. */
export interface SqliteEngineOptions {
  /**
   * Where the database lives: a directory (the file is `herald.sqlite3` in it; created if missing), a
   * file path (a missing path with an extension, e.g. `data/herald.db`), or `:memory:`.
   */
  path: string;
  /** How far an acknowledged append is kept: `full` (synced to disk, the default) or `fast` (see {@link SqliteSync}). */
  sync?: SqliteSync;
  /**
   * Channels held at once (the memory engine's default); past it the least recently used channel
   * nobody watches is forgotten (see ChannelCap in the core). 0 = no limit.
   */
  maxChannels?: number;
  /** How often channels idle longer than their max age are forgotten, in ms (0 = never). */
  sweepIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Idempotency keys are kept for at least this many offsets per channel (as the memory engine does). */
const MIN_KEYS = 1000;

/** An append waiting for the next group commit. */
interface Pending {
  readonly channel: string;
  readonly inputs: readonly AppendInput[];
  readonly limits: HistoryLimits;
  readonly key: string | undefined;
}

/** What one append wrote (nothing for a repeated idempotency key). */
interface Appended {
  readonly result: AppendResult;
  readonly written: Message[];
}

/**
 * Engine on one SQLite file (better-sqlite3), for a single node: history, epochs and idempotency keys
 * survive restarts, so clients resume across them without a reset. The live feed is in-process.
 *
 * Durability ({@link SqliteSync}, docs/durability.md): by default an append resolves only once its
 * commit is synced to disk (`synchronous=FULL`, WAL journal). Appends that arrive together (in the same
 * turn of the event loop) are written in one transaction with one sync, in call order (group commit),
 * so a sync is paid per group, not per message. `fast` skips the sync; a run that stops without
 * closing then costs every channel a new epoch at the next open, detected by a missing clean-shutdown
 * marker. Writes made by reads (a channel created on first read, an age trim) are not synced on their
 * own: losing one costs at most a new epoch, reported to clients as a reset.
 *
 * better-sqlite3 is synchronous, so appends are atomic and ordered by construction. Channels idle past
 * their max age (all history expired) are forgotten by a periodic sweep, like the memory engine, and at
 * the channel cap the least recently used channel nobody watches is forgotten; both start a new epoch
 * on next use.
 */
export class SqliteEngine implements Engine {
  /** What opening found of the previous run (a stop that was not clean, new epochs). */
  readonly opened: MarkerCheck;
  private readonly db: Database.Database;
  private readonly feeds = new LocalFeeds();
  private readonly now: () => number;
  private readonly sync: SqliteSync;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly group = new GroupCommit<Pending, AppendResult>((batch) => this.commitGroup(batch));
  private commitCount = 0;
  private readonly channels: ChannelTable;

  private readonly sql: Statements;
  private readonly appendTx: Database.Transaction<SqliteEngine['appendLocked']>;
  private readonly batchTx: Database.Transaction<(batch: readonly Pending[], now: number) => Array<Outcome<Appended>>>;
  private readonly stateTx: Database.Transaction<SqliteEngine['stateLocked']>;
  private readonly forgetTx: Database.Transaction<(names: readonly string[]) => void>;

  constructor(options: SqliteEngineOptions) {
    this.now = options.now ?? Date.now;
    this.sync = options.sync ?? 'full';
    const file = databaseFile(options.path);
    // Before opening: a WAL with data is a run that did not close (for databases without a marker).
    const walHadFrames = file !== ':memory:' && (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0;
    const db = new Database(file);
    this.db = db;
    try {
      db.pragma('journal_mode = WAL');
      // Checkpoints truncate the WAL back to this size, so a burst does not leave a huge file behind.
      db.pragma('journal_size_limit = 67108864');
      const version = db.pragma('user_version', { simple: true });
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new Error(`${file}: schema version ${String(version)}, this Herald expects ${SCHEMA_VERSION}`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.opened = openMarker(db, this.sync, walHadFrames, this.now());
      // Between appends the connection runs at NORMAL: only append batches are synced (see commitGroup).
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      db.close();
      throw error;
    }

    const sql = prepare(db);
    this.sql = sql;
    this.appendTx = db.transaction(this.appendLocked.bind(this));
    this.batchTx = db.transaction(this.batchLocked.bind(this));
    this.stateTx = db.transaction(this.stateLocked.bind(this));
    const maxChannels = options.maxChannels ?? MEMORY_ENGINE_DEFAULTS.maxChannels;
    this.channels = new ChannelTable(sql, maxChannels, (name) => this.feeds.watching(name));
    this.forgetTx = db.transaction((names: readonly string[]) => {
      for (const name of names) this.channels.forget(name);
    });
    this.channels.resync(this.now());

    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  /** Queues the append for the next group commit; resolves once it is committed (and synced in `full` mode). */
  append(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    idempotencyKey?: string,
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new HeraldError('unavailable', 'the engine is closed', 1));
    return this.group.add({ channel, inputs, limits, key: idempotencyKey });
  }

  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
    return this.readNow(channel, from, limit, limits);
  }

  readNow(channel: string, from: number, limit: number, limits: HistoryLimits): ReadResult {
    const state = this.stateTx(channel, limits, this.now());
    const start = Math.max(from, state.first);
    if (limit <= 0 || start > state.last) return { state, messages: [] };
    const rows = this.sql.readFrom.all(channel, start, limit);
    return { state, messages: rows.map((r) => this.message(channel, state.epoch, r)) };
  }

  async state(channel: string, limits: HistoryLimits): Promise<ChannelState> {
    return this.stateNow(channel, limits);
  }

  stateNow(channel: string, limits: HistoryLimits): ChannelState {
    return this.stateTx(channel, limits, this.now());
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
    return !this.closed && this.db.open;
  }

  /** Commits what is queued, marks the close as clean, checkpoints the WAL into the database file and closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.group.flush();
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.feeds.close();
    markClean(this.db);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  /** Kept as a counter (loaded from the channels' ranges at open), so reading it costs nothing. */
  historySize(): number {
    return this.channels.held;
  }

  channelCount(): number {
    return this.channels.size;
  }

  channelsEvicted(): number {
    return this.channels.evicted;
  }

  /** Transactions that wrote appends since open (each one sync in `full` mode): fewer than appends when they group. */
  get commits(): number {
    return this.commitCount;
  }

  /** Forgets channels idle past their max age (their history has all expired). Runs on a timer; public for tests. */
  sweep(): void {
    if (this.closed) return;
    const idle = this.channels.idle(this.now());
    if (idle.length > 0) this.forgetTx(idle);
  }

  /**
   * Writes a group of appends in one transaction (one sync in `full` mode), then hands what was written
   * to the feeds: a listener never sees a message that could still roll back.
   */
  private commitGroup(batch: readonly Pending[]): Array<Outcome<AppendResult>> {
    let outcomes: Array<Outcome<Appended>>;
    try {
      // Not a prepared statement: SQLite applies this pragma when the statement is compiled.
      if (this.sync === 'full') this.db.exec('PRAGMA synchronous = FULL');
      outcomes = this.batchTx.immediate(batch, this.now());
      this.commitCount++;
    } catch (error) {
      if (!(error instanceof HeraldError)) this.channels.resync(this.now());
      throw error;
    } finally {
      if (this.sync === 'full') this.db.exec('PRAGMA synchronous = NORMAL');
    }
    // A refusal (503 at a full cap) changed nothing; any other failure may have rolled back changes
    // the in-memory counters had already taken in.
    if (outcomes.some((o) => 'error' in o && !(o.error instanceof HeraldError))) this.channels.resync(this.now());
    return outcomes.map((outcome, i) => {
      if ('error' in outcome) return outcome;
      const { result, written } = outcome.value;
      if (written.length > 0) this.feeds.publish((batch[i] as Pending).channel, written);
      return { value: result };
    });
  }

  /** The appends of one group commit; with more than one, each in a savepoint so one failure spares the rest. */
  private batchLocked(batch: readonly Pending[], now: number): Array<Outcome<Appended>> {
    if (batch.length === 1) {
      const p = batch[0] as Pending;
      return [{ value: this.appendLocked(p.channel, p.inputs, p.limits, p.key, now) }];
    }
    return batch.map((p) => {
      try {
        return { value: this.appendTx(p.channel, p.inputs, p.limits, p.key, now) };
      } catch (error) {
        return { error };
      }
    });
  }

  private appendLocked(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    key: string | undefined,
    now: number,
  ): Appended {
    const ch = this.channels.row(channel, limits, now);
    if (key !== undefined) {
      const seen = this.sql.getKey.get(channel, key);
      if (seen !== undefined && now - seen.time <= limits.maxAgeMs) {
        const stored = JSON.parse(seen.result) as StoredResult;
        return { result: { ...stored, duplicate: true }, written: [] };
      }
    }
    const trimmed = this.channels.trimByAge(channel, ch, limits, now);
    if (trimmed.last === 0 && inputs.length > 0) this.channels.written(channel);
    const written: Message[] = [];
    let last = trimmed.last;
    for (const input of inputs) {
      this.sql.insertMessage.run(channel, ++last, input.event ?? null, input.data, now);
      written.push(new Message(channel, ch.epoch, last, input.event, input.data, now));
    }
    this.channels.held += written.length;
    const first = Math.max(trimmed.first, last - limits.size + 1);
    if (first > trimmed.first) this.channels.held -= this.sql.deleteBelow.run(channel, first).changes;
    this.sql.updateChannel.run(first, last, now + limits.maxAgeMs, channel);
    const result: AppendResult = {
      epoch: ch.epoch,
      messages: written.map((m) => ({ offset: m.offset, time: m.time })),
      duplicate: false,
    };
    if (key !== undefined) {
      const stored: StoredResult = { epoch: result.epoch, messages: result.messages };
      this.sql.putKey.run(channel, key, trimmed.last + 1, JSON.stringify(stored), now);
      // Bounds the table: keys older than the last max(size, 1000) offsets go.
      this.sql.deleteKeysBelow.run(channel, last - Math.max(limits.size, MIN_KEYS) + 1);
    }
    return { result, written };
  }

  private stateLocked(channel: string, limits: HistoryLimits, now: number): ChannelState {
    return this.channels.trimByAge(channel, this.channels.row(channel, limits, now), limits, now);
  }

  private message(channel: string, epoch: string, row: MessageRow): Message {
    const [seq, event, data, time] = row;
    return new Message(channel, epoch, seq, event ?? undefined, data, time);
  }
}

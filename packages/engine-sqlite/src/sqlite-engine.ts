import { mkdirSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import {
  type AppendInput,
  type AppendResult,
  type ChannelState,
  type Engine,
  type Feed,
  type FeedListener,
  type HistoryLimits,
  LocalFeeds,
  Message,
  newEpoch,
  type ReadRequest,
  type ReadResult,
  type StateRequest,
} from '@herald/core';
import Database from 'better-sqlite3';

/** Options of the SQLite engine. */
export interface SqliteEngineOptions {
  /**
   * Where the database lives: a directory (the file is `herald.sqlite3` in it; created if missing), a
   * file path (a missing path with an extension, e.g. `data/herald.db`), or `:memory:`.
   */
  path: string;
  /** How often channels idle longer than their max age are forgotten, in ms (0 = never). */
  sweepIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** The file name used when `path` is a directory. */
export const SQLITE_FILE_NAME = 'herald.sqlite3';

const SCHEMA_VERSION = 1;
/** Idempotency keys are kept for at least this many offsets per channel (as the memory engine does). */
const MIN_KEYS = 1000;
/** Channels forgotten per sweep, so one sweep never blocks the event loop for long. */
const SWEEP_BATCH = 500;

// `first`/`last` live on the channel row so state() is one lookup; `idle_until` is the last append
// (or creation) plus the max age then in force: past it, every message has expired. It has no index:
// one cost 15-25% of single-append throughput, while the sweep's scan of `channels` runs once a minute.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS channels (
  name TEXT PRIMARY KEY, epoch TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
  idle_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  channel TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT, data TEXT NOT NULL, time INTEGER NOT NULL,
  PRIMARY KEY (channel, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
  channel TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL, time INTEGER NOT NULL,
  PRIMARY KEY (channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_seq ON idempotency (channel, seq);
`;

interface ChannelRow {
  epoch: string;
  first: number;
  last: number;
}
/** seq, event, data, time. */
type MessageRow = [number, string | null, string, number];
type StoredResult = Pick<AppendResult, 'epoch' | 'messages'>;

/** Resolves `path` to the database file, creating directories as needed. */
function databaseFile(path: string): string {
  if (path === ':memory:') return path;
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory() || (stat === undefined && extname(path) === '')) {
    mkdirSync(path, { recursive: true });
    return join(path, SQLITE_FILE_NAME);
  }
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** The engine's statements, prepared once per database. */
function prepare(db: Database.Database) {
  return {
    getChannel: db.prepare<[string], ChannelRow>('SELECT epoch, first, last FROM channels WHERE name = ?'),
    insertChannel: db.prepare<[string, string, number]>(
      'INSERT INTO channels (name, epoch, first, last, idle_until) VALUES (?, ?, 1, 0, ?)',
    ),
    updateChannel: db.prepare<[number, number, number, string]>(
      'UPDATE channels SET first = ?, last = ?, idle_until = ? WHERE name = ?',
    ),
    setFirst: db.prepare<[number, string]>('UPDATE channels SET first = ? WHERE name = ?'),
    deleteChannel: db.prepare<[string]>('DELETE FROM channels WHERE name = ?'),
    idleChannels: db.prepare<[number, number], { name: string }>(
      'SELECT name FROM channels WHERE idle_until < ? LIMIT ?',
    ),
    historyTotal: db.prepare<[], { n: number }>('SELECT coalesce(sum(last - first + 1), 0) AS n FROM channels'),
    insertMessage: db.prepare<[string, number, string | null, string, number]>(
      'INSERT INTO messages (channel, seq, event, data, time) VALUES (?, ?, ?, ?, ?)',
    ),
    // Rows as arrays: a third faster than objects for a page of 100.
    readFrom: db
      .prepare<[string, number, number], MessageRow>(
        'SELECT seq, event, data, time FROM messages WHERE channel = ? AND seq >= ? ORDER BY seq LIMIT ?',
      )
      .raw(),
    firstFresh: db.prepare<[string, number], { seq: number }>(
      'SELECT seq FROM messages WHERE channel = ? AND time >= ? ORDER BY seq LIMIT 1',
    ),
    deleteBelow: db.prepare<[string, number]>('DELETE FROM messages WHERE channel = ? AND seq < ?'),
    deleteAll: db.prepare<[string]>('DELETE FROM messages WHERE channel = ?'),
    getKey: db.prepare<[string, string], { result: string; time: number }>(
      'SELECT result, time FROM idempotency WHERE channel = ? AND key = ?',
    ),
    putKey: db.prepare<[string, string, number, string, number]>(
      'INSERT OR REPLACE INTO idempotency (channel, key, seq, result, time) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteKeysBelow: db.prepare<[string, number]>('DELETE FROM idempotency WHERE channel = ? AND seq < ?'),
    deleteKeys: db.prepare<[string]>('DELETE FROM idempotency WHERE channel = ?'),
  };
}
type Statements = ReturnType<typeof prepare>;

/**
 * Engine on one SQLite file (better-sqlite3), for a single node: history, epochs and idempotency keys
 * survive restarts, so clients resume across them without a reset. The live feed is in-process.
 *
 * Durability: WAL journal with `synchronous=NORMAL`. An acknowledged append survives a crash of the
 * process (the WAL is in the OS page cache), but not necessarily a power loss or kernel crash, where
 * the last few commits may roll back (the database stays consistent). Offsets then restart after the
 * last durable one in the same epoch; clients that saw the lost offsets get them again with new data.
 *
 * Each append is one transaction; better-sqlite3 is synchronous, so appends are atomic and ordered by
 * construction. Channels idle past their max age (all history expired) are forgotten by a periodic
 * sweep, like the memory engine, and start a new epoch on next use.
 */
export class SqliteEngine implements Engine {
  private readonly db: Database.Database;
  private readonly feeds = new LocalFeeds();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private held: number;
  private closed = false;

  private readonly sql: Statements;
  private readonly appendTx: Database.Transaction<SqliteEngine['appendLocked']>;
  private readonly stateTx: Database.Transaction<SqliteEngine['stateLocked']>;
  private readonly forgetTx: Database.Transaction<(names: readonly string[]) => void>;

  constructor(options: SqliteEngineOptions) {
    this.now = options.now ?? Date.now;
    const file = databaseFile(options.path);
    const db = new Database(file);
    this.db = db;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Checkpoints truncate the WAL back to this size, so a burst does not leave a huge file behind.
      db.pragma('journal_size_limit = 67108864');
      const version = db.pragma('user_version', { simple: true });
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new Error(`${file}: schema version ${String(version)}, this Herald expects ${SCHEMA_VERSION}`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (error) {
      db.close();
      throw error;
    }

    const sql = prepare(db);
    this.sql = sql;
    this.appendTx = db.transaction(this.appendLocked.bind(this));
    this.stateTx = db.transaction(this.stateLocked.bind(this));
    this.forgetTx = db.transaction((names: readonly string[]) => {
      for (const name of names) {
        this.held -= sql.deleteAll.run(name).changes;
        sql.deleteKeys.run(name);
        sql.deleteChannel.run(name);
      }
    });
    // No holes within an epoch, so the history size is the sum of the channels' ranges.
    const total = sql.historyTotal.get();
    this.held = total?.n ?? 0;

    const every = options.sweepIntervalMs ?? 60_000;
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
    const now = this.now();
    const { result, written } = this.appendTx.immediate(channel, inputs, limits, idempotencyKey, now);
    // Only after the commit: a listener never sees a message that could still roll back.
    if (written.length > 0) this.feeds.publish(channel, written);
    return result;
  }

  async read(channel: string, from: number, limit: number, limits: HistoryLimits): Promise<ReadResult> {
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

  /** Checkpoints the WAL into the database file and closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.feeds.close();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  /** Kept as a counter (loaded from the channels' ranges at open), so reading it costs nothing. */
  historySize(): number {
    return this.held;
  }

  /** Forgets channels idle past their max age (their history has all expired). Runs on a timer; public for tests. */
  sweep(): void {
    if (this.closed) return;
    const idle = this.sql.idleChannels.all(this.now(), SWEEP_BATCH).map((r) => r.name);
    if (idle.length > 0) this.forgetTx(idle);
  }

  private appendLocked(
    channel: string,
    inputs: readonly AppendInput[],
    limits: HistoryLimits,
    key: string | undefined,
    now: number,
  ): { result: AppendResult; written: Message[] } {
    const ch = this.channelRow(channel, limits, now);
    if (key !== undefined) {
      const seen = this.sql.getKey.get(channel, key);
      if (seen !== undefined && now - seen.time <= limits.maxAgeMs) {
        const stored = JSON.parse(seen.result) as StoredResult;
        return { result: { ...stored, duplicate: true }, written: [] };
      }
    }
    const trimmed = this.trimByAge(channel, ch, limits, now);
    const written: Message[] = [];
    let last = trimmed.last;
    for (const input of inputs) {
      this.sql.insertMessage.run(channel, ++last, input.event ?? null, input.data, now);
      written.push(new Message(channel, ch.epoch, last, input.event, input.data, now));
    }
    this.held += written.length;
    const first = Math.max(trimmed.first, last - limits.size + 1);
    if (first > trimmed.first) this.held -= this.sql.deleteBelow.run(channel, first).changes;
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
    return this.trimByAge(channel, this.channelRow(channel, limits, now), limits, now);
  }

  /** The channel's row, created with a fresh epoch if missing. Call inside a transaction. */
  private channelRow(channel: string, limits: HistoryLimits, now: number): ChannelRow {
    const row = this.sql.getChannel.get(channel);
    if (row !== undefined) return row;
    const epoch = newEpoch();
    this.sql.insertChannel.run(channel, epoch, now + limits.maxAgeMs);
    return { epoch, first: 1, last: 0 };
  }

  /** Drops messages older than the max age from the front. Call inside a transaction. */
  private trimByAge(channel: string, ch: ChannelRow, limits: HistoryLimits, now: number): ChannelRow {
    if (ch.first > ch.last) return ch;
    // Times grow with offsets, so the first fresh message ends the expired prefix.
    const fresh = this.sql.firstFresh.get(channel, now - limits.maxAgeMs);
    const first = fresh?.seq ?? ch.last + 1;
    if (first <= ch.first) return ch;
    this.held -= this.sql.deleteBelow.run(channel, first).changes;
    this.sql.setFirst.run(first, channel);
    return { epoch: ch.epoch, first, last: ch.last };
  }

  private message(channel: string, epoch: string, row: MessageRow): Message {
    const [seq, event, data, time] = row;
    return new Message(channel, epoch, seq, event ?? undefined, data, time);
  }
}

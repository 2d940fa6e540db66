import { Client } from 'pg';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import type { SourceMessage } from '../mapping.ts';
import { once, type Session, type Source, type SourceContext, settle, supervise } from '../source.ts';
import { type OutboxQueries, outboxDdl, outboxQueries } from './outbox-sql.ts';

type Config = ConfigOf<'postgres-outbox'>;

interface Row {
  /** bigint: node-postgres returns int8 as a string, which keeps every id exact. */
  readonly id: string;
  readonly topic: string;
  readonly event: string | null;
  readonly payload: string;
  readonly created_ms: number;
  /** An earlier row of the same topic is held by another node: left for later (see `outboxQueries`). */
  readonly blocked: boolean;
}

const CLOSE_TIMEOUT_MS = 2_000;
/** The next look after rows were left for another node to go first (it is about to commit), ms. */
const BLOCKED_RETRY_MS = 50;

/**
 * PostgreSQL transactional outbox. The application inserts rows in its own transaction, so a commit and
 * the push to clients cannot disagree: a rolled-back row was never visible. The bridge locks a batch of
 * pending rows in id order (see `outboxQueries` for how several nodes share the table without double
 * delivery and without reordering a topic), publishes them one by one, and marks them done or dead in
 * the same transaction before it commits. A bridge that dies mid-batch rolls back; the rows are taken
 * again and their idempotency key (`<table>:<id>`) makes the republish a duplicate. It is woken by
 * LISTEN/NOTIFY (the trigger in `outboxDdl`), and polls every `pollIntervalMs` in case a notification
 * was missed. One connection per bridge, re-made with backoff when it is lost.
 *
 * Source fields: key = topic column, event = event column, id = `<table>:<id>`.
 */
export function outboxSource(ctx: SourceContext<Config>): Source {
  let pending: number | undefined;
  return {
    run: () =>
      supervise(ctx, (signal) =>
        openSession(ctx, signal, (n) => {
          pending = n;
        }),
      ),
    lag: async () => pending,
  };
}

async function openSession(
  ctx: SourceContext<Config>,
  signal: AbortSignal,
  onLag: (n: number) => void,
): Promise<Session> {
  const { config } = ctx;
  const client = new Client({ connectionString: config.url, application_name: `herald-bridge:${config.name}` });
  client.on('error', () => {});
  const lost = once(client, ['error', 'end']);
  try {
    await client.connect();
    if (config.createTable) await client.query(outboxDdl(config.table, config.notifyChannel));
    await client.query(`LISTEN ${config.notifyChannel}`);
  } catch (error) {
    await settle(client.end(), CLOSE_TIMEOUT_MS);
    throw error;
  }
  const wake = new Wake();
  client.on('notification', () => wake.now());
  const queries = outboxQueries(config.table, config.onDone);
  const loop = work(ctx, client, queries, signal, wake, onLag);
  // A failed query ends the session like a lost connection: the next one starts from a fresh connection.
  const ended = Promise.race([lost, loop.then((error) => (error === undefined ? new Promise(() => {}) : error))]);
  return {
    ended,
    async close() {
      wake.now();
      // A publish still hanging after the drain time blocks the loop for good: don't wait for it.
      if (await ctx.delivery.drain(config.drainTimeoutMs)) await settle(loop, CLOSE_TIMEOUT_MS);
      // Ending the connection rolls back a batch still open: its rows stay pending for the next taker.
      await settle(client.end(), CLOSE_TIMEOUT_MS);
    },
  };
}

/** Takes batches while rows are pending, then sleeps until a NOTIFY or the poll interval. */
async function work(
  ctx: SourceContext<Config>,
  client: Client,
  queries: OutboxQueries,
  signal: AbortSignal,
  wake: Wake,
  onLag: (n: number) => void,
): Promise<unknown> {
  const { config } = ctx;
  let lagAt = 0;
  try {
    while (!signal.aborted) {
      const { taken, blocked } = await batch(ctx, client, queries, signal);
      if (Date.now() - lagAt >= config.lagIntervalMs) {
        lagAt = Date.now();
        onLag((await client.query<{ n: number }>(queries.pending)).rows[0]?.n ?? 0);
      }
      // A full batch means more may be waiting; otherwise wait (a NOTIFY may already have come).
      if (blocked > 0) await wake.wait(Math.min(BLOCKED_RETRY_MS, config.pollIntervalMs), signal);
      else if (taken < config.batch) await wake.wait(config.pollIntervalMs, signal);
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

/** One transaction: lock rows, publish each, mark them, commit. Counts the rows taken and those left blocked. */
async function batch(
  ctx: SourceContext<Config>,
  client: Client,
  queries: OutboxQueries,
  signal: AbortSignal,
): Promise<{ taken: number; blocked: number }> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<Row>(queries.claim, [ctx.config.batch]);
    let blocked = 0;
    const done: string[] = [];
    for (const row of rows) {
      if (row.blocked) {
        blocked++;
        continue;
      }
      let dead = false;
      const deadLetter: DeadLetter = async (_, poison) => {
        await client.query(queries.dead, [row.id, `${poison.reason}: ${poison.detail}`]);
        dead = true;
      };
      const verdict = await ctx.delivery.handle(toSourceMessage(ctx.config.table, row), deadLetter, signal);
      // Closing: commit what was published, leave the rest pending.
      if (verdict === 'returned') break;
      if (!dead) done.push(row.id);
    }
    if (done.length > 0) await client.query(queries.done, [done]);
    await client.query('COMMIT');
    return { taken: rows.length, blocked };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

function toSourceMessage(table: string, row: Row): SourceMessage {
  return {
    key: row.topic,
    body: row.payload,
    event: row.event ?? undefined,
    sourceId: `${table}:${row.id}`,
    timestampMs: row.created_ms,
  };
}

/** A wake-up that is not lost when it comes before the wait (a NOTIFY during a batch). */
class Wake {
  private woken = false;
  private resolve: (() => void) | undefined;

  now(): void {
    this.woken = true;
    this.resolve?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.woken && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          this.resolve = undefined;
          resolve();
        };
        const timer = setTimeout(finish, ms);
        signal.addEventListener('abort', finish, { once: true });
        this.resolve = finish;
      });
    }
    this.woken = false;
  }
}

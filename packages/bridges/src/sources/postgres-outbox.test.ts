import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { BROKERS, cutPostgresConnections, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until, untilState } from '../test-support/harness.ts';
import type { Bridges } from '../types.ts';
import { outboxDdl } from './outbox-sql.ts';

let h: Harness;
const db = new Client({ connectionString: BROKERS.postgres });
const tables: string[] = [];

beforeAll(async () => {
  h = await Harness.start();
  await db.connect();
});

afterEach(async () => {
  await h.closeBridges();
});

afterAll(async () => {
  for (const table of tables) {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP FUNCTION IF EXISTS ${table}_notify()`);
  }
  await db.end();
  await h.close();
});

/** A fresh outbox table (the documented DDL) and a bridge mapping topic `orders.{id}` to `<prefix>:{id}`. */
async function setup(overrides: Partial<BridgeConfigInput> = {}) {
  const id = unique('');
  const table = `herald_test_${id}`;
  tables.push(table);
  await db.query(outboxDdl(table, table));
  const config = {
    type: 'postgres-outbox',
    name: `outbox-${id}`,
    url: BROKERS.postgres,
    table,
    notifyChannel: table,
    match: 'orders.{id}',
    channel: `pg${id}:{id}`,
    // Only NOTIFY wakes the bridge quickly: a test that passes in time proves the trigger works.
    pollIntervalMs: 60_000,
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...overrides,
  } as BridgeConfigInput;
  const start = (extra: Partial<BridgeConfigInput> = {}): Bridges =>
    h.startBridge({ ...config, ...extra } as BridgeConfigInput);
  /** Inserts rows `ns` in one transaction, committed or rolled back. */
  const insert = async (
    ns: readonly number[],
    options: { rollback?: boolean; topic?: (n: number) => string; pad?: (n: number) => number } = {},
  ) => {
    await db.query('BEGIN');
    for (const n of ns) {
      const topic = options.topic?.(n) ?? 'orders.42';
      const payload = { n, ...(options.pad === undefined ? {} : { pad: 'x'.repeat(options.pad(n)) }) };
      await db.query(`INSERT INTO ${table} (topic, event, payload) VALUES ($1, 'created', $2)`, [topic, payload]);
    }
    await db.query(options.rollback === true ? 'ROLLBACK' : 'COMMIT');
  };
  const rows = async (): Promise<Array<{ status: string; error: string | null }>> =>
    (await db.query(`SELECT status, error FROM ${table} ORDER BY id`)).rows;
  return { table, id, channel: `pg${id}:42`, start, insert, rows };
}

describe('postgres-outbox bridge', () => {
  it('delivers the rows of committed transactions in order, never those of a rolled-back one', async () => {
    const t = await setup({ onDone: 'mark' });
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.insert(range(10));
    await t.insert(range(5, 100), { rollback: true });
    await t.insert(range(5, 10));
    await received(sub, 15);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(15));
    expect(sub.items.all.every((i) => i.type === 'message' && i.event === 'created')).toBe(true);
    await until(async () => (await t.rows()).every((r) => r.status === 'done'));
    expect(await t.rows()).toHaveLength(15);
  });

  it('stopped mid-batch after the store: the batch rolls back, is taken again, nothing lost or published twice', async () => {
    // Polling: nothing NOTIFYs when a dead session's locks go away.
    const t = await setup({ drainTimeoutMs: 100, pollIntervalMs: 200 });
    const second = await h.interruptAfterStore(t, () => t.insert(range(10)));
    // Rows 0-3 were published in the rolled-back batch: all four are duplicates the second time.
    expect(second).toMatchObject({ duplicates: 4, published: 6 });
    await until(async () => (await t.rows()).length === 0);
  });

  it('marks poison rows dead with the reason, and the next row flows', async () => {
    const t = await setup({ maxMessageBytes: 100 });
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.insert([0, 100, 101, 1], {
      topic: (n) => (n === 100 ? 'orders.a b' : 'orders.42'),
      pad: (n) => (n === 101 ? 200 : 0),
    });
    await received(sub, 2);
    expect(numbers(sub.items.all)).toEqual([0, 1]);
    await until(async () => (await t.rows()).length === 2);
    const dead = await t.rows();
    expect(dead.map((r) => r.status)).toEqual(['dead', 'dead']);
    expect(dead.map((r) => r.error?.split(':')[0])).toEqual(['bad_channel', 'too_large']);
    expect(bridges.status()[0]).toMatchObject({ deadLettered: 2, published: 2 });
  });

  it('two nodes share the table: each row delivered once, every topic in order', async () => {
    // 20 topics, rows interleaved: a node's batch of 5 holds 5 topics, the other node's next batch
    // mostly others (and leaves a row whose topic's earlier row the first node holds).
    const t = await setup({ batch: 5 });
    const topics = range(20).map(String);
    const subs = await Promise.all(topics.map((k) => h.subscribe(`pg${t.id}:${k}`)));
    const a = t.start();
    const b = t.start({ name: unique('outbox-b-') });
    await untilState(a.handles[0]!, 'up');
    await untilState(b.handles[0]!, 'up');
    h.delayMs = 5;
    try {
      for (const chunk of range(10)) await t.insert(range(20, chunk * 20), { topic: (n) => `orders.${n % 20}` });
      await Promise.all(subs.map((s) => received(s, 10, 20_000)));
    } finally {
      h.delayMs = 0;
    }
    await settleFor();
    subs.forEach((s, k) => {
      expect(numbers(s.items.all)).toEqual(range(200).filter((n) => n % 20 === k));
    });
    const [sa, sb] = [a.status()[0]!, b.status()[0]!];
    expect(sa.published + sb.published).toBe(200);
    expect(sa.duplicates + sb.duplicates).toBe(0);
    // Both took part: while one node publishes its batch, the other takes the next one.
    expect(Math.min(sa.published, sb.published)).toBeGreaterThan(20);
  });

  it('recovers by itself when the database terminates its connection mid-stream', async () => {
    const t = await setup({ pollIntervalMs: 200 });
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    const handle = bridges.handles[0]!;
    await untilState(handle, 'up');
    const held = h.hold((d) => (d as { n: number }).n >= 5);
    await t.insert(range(30));
    await held.reached;
    expect(await cutPostgresConnections(handle.name)).toBe(1);
    held.release();
    await until(() => handle.status().reconnects >= 1 && handle.status().state === 'up', 15_000, 'a reconnect');
    await t.insert(range(10, 30));
    await received(sub, 40, 20_000);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(40));
  });

  it('polls when no notification comes (the trigger left out)', async () => {
    const t = await setup({ pollIntervalMs: 100 });
    await db.query(`DROP TRIGGER ${t.table}_notify ON ${t.table}`);
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.insert(range(3));
    await received(sub, 3, 3_000);
    expect(numbers(sub.items.all)).toEqual(range(3));
  });
});

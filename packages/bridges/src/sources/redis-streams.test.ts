import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { BROKERS, cutRedisConnections, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until, untilState } from '../test-support/harness.ts';
import type { Bridges } from '../types.ts';

let h: Harness;
const redis = createClient({ url: BROKERS.redis });
const keys: string[] = [];

beforeAll(async () => {
  h = await Harness.start();
  await redis.connect();
});

afterEach(async () => {
  await h.closeBridges();
});

afterAll(async () => {
  if (keys.length > 0) await redis.del(keys);
  redis.destroy();
  await h.close();
});

/** A stream `herald-test:<id>:orders` (key variable from the `order` field), a group, a bridge. */
function setup(overrides: Partial<BridgeConfigInput> = {}) {
  const id = unique('');
  const stream = `herald-test:${id}:orders`;
  const dead = `herald-test:${id}:dead`;
  keys.push(stream, dead);
  const config = {
    type: 'redis-streams',
    name: `redis-${id}`,
    url: BROKERS.redis,
    streams: [stream],
    group: 'herald',
    consumer: 'node-a',
    startId: '0',
    fields: { key: 'order' },
    match: 'orders.{id}',
    channel: `rs${id}:{id}`,
    deadLetterStream: dead,
    blockMs: 200,
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...overrides,
  } as BridgeConfigInput;
  const start = (extra: Partial<BridgeConfigInput> = {}): Bridges =>
    h.startBridge({ ...config, ...extra } as BridgeConfigInput);
  const send = async (n: number, fields: Record<string, string> = {}) => {
    await redis.xAdd(stream, '*', { order: 'orders.42', event: 'created', data: JSON.stringify({ n }), ...fields });
  };
  return { stream, dead, channel: `rs${id}:42`, start, send };
}

describe('redis-streams bridge', () => {
  it('delivers entries to an SSE subscriber in order, each once, and acks them', async () => {
    const t = setup({ lagIntervalMs: 100 });
    const sub = await h.subscribe(t.channel);
    for (const n of range(10)) await t.send(n);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    for (const n of range(10, 10)) await t.send(n);
    await received(sub, 20);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(20));
    expect(sub.items.all.every((i) => i.type === 'message' && i.event === 'created')).toBe(true);
    await until(async () => (await redis.xPending(t.stream, 'herald')).pending === 0);
    await until(() => bridges.status()[0]!.lag === 0, 10_000, 'lag 0');
  });

  it('killed between the store and the XACK: another consumer claims the entries, nothing lost or published twice', async () => {
    const t = setup({ drainTimeoutMs: 100, claimIdleMs: 300 });
    // A new process with a new consumer name: the entries pending on node-a are claimed once idle.
    const second = await h.interruptAfterStore(
      t,
      async () => {
        for (const n of range(10)) await t.send(n);
      },
      { restart: { consumer: 'node-b' } },
    );
    expect(second).toMatchObject({ duplicates: 1, published: 6 });
  });

  it('moves poison to the dead-letter stream with its reason, and the next entry flows', async () => {
    const t = setup({ format: 'json' });
    const sub = await h.subscribe(t.channel);
    await t.send(0);
    await t.send(100, { data: 'nope' });
    await t.send(101, { order: 'orders.a b' });
    await t.send(102, { order: 'invoices.1' });
    await t.send(1);
    const bridges = t.start();
    await received(sub, 2);
    expect(numbers(sub.items.all)).toEqual([0, 1]);
    await until(async () => (await redis.xLen(t.dead)) === 3);
    const dead = (await redis.xRange(t.dead, '-', '+')) ?? [];
    expect(dead.map((e) => e.message['herald-reason'])).toEqual(['not_json', 'bad_channel', 'no_match']);
    expect(dead[0]?.message.data).toBe('nope');
    expect(bridges.status()[0]).toMatchObject({ deadLettered: 3, published: 2 });
    await until(async () => (await redis.xPending(t.stream, 'herald')).pending === 0);
  });

  it('recovers by itself when Redis kills its connections mid-stream', async () => {
    const t = setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    const handle = bridges.handles[0]!;
    await untilState(handle, 'up');
    const held = h.hold((d) => (d as { n: number }).n >= 5);
    for (const n of range(30)) await t.send(n);
    await held.reached;
    expect(await cutRedisConnections(handle.name)).toBe(2);
    held.release();
    await until(() => handle.status().reconnects >= 1 && handle.status().state === 'up', 15_000, 'a reconnect');
    for (const n of range(10, 30)) await t.send(n);
    await received(sub, 40, 20_000);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(40));
  });
});

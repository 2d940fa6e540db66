import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { BROKERS, PrivateBroker, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until, untilState } from '../test-support/harness.ts';
import type { Bridges } from '../types.ts';

let h: Harness;
let nc: NatsConnection;

beforeAll(async () => {
  h = await Harness.start();
  nc = await connect({ servers: BROKERS.nats });
});

afterEach(async () => {
  await h.closeBridges();
});

afterAll(async () => {
  await nc.close();
  await h.close();
});

/** A bridge on `herald-test.<id>.orders.*`, mapping `orders.{id}` to `<prefix>:{id}`. */
function setup(overrides: Partial<BridgeConfigInput> = {}, servers = BROKERS.nats) {
  const id = unique('');
  const base = `herald-test.${id}`;
  const config = {
    type: 'nats',
    name: `nats-${id}`,
    servers,
    subjects: [`${base}.orders.*`],
    match: `${base}.orders.{id}`,
    channel: `nc${id}:{id}`,
    deadLetterSubject: `${base}.dead`,
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...overrides,
  } as BridgeConfigInput;
  const start = (extra: Partial<BridgeConfigInput> = {}): Bridges =>
    h.startBridge({ ...config, ...extra } as BridgeConfigInput);
  const send = async (n: number, options: { subject?: string; body?: string; via?: NatsConnection } = {}) => {
    const via = options.via ?? nc;
    via.publish(
      options.subject ?? `${base}.orders.42`,
      options.body ?? JSON.stringify({ event: 'created', data: { n } }),
    );
    await via.flush();
  };
  return { base, channel: `nc${id}:42`, start, send };
}

describe('nats (core) bridge', () => {
  it('delivers messages to an SSE subscriber in order, each once', async () => {
    const t = setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    for (const n of range(20)) await t.send(n);
    await received(sub, 20);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(20));
  });

  it('stopped with messages received but not yet published: publishes them before it closes (no redelivery in core NATS)', async () => {
    const t = setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    h.delayMs = 50;
    try {
      for (const n of range(10)) await t.send(n);
      await received(sub, 2);
      await bridges.close();
    } finally {
      h.delayMs = 0;
    }
    // Everything was stored before close() returned; the SSE frames may still be on their way.
    expect(bridges.status()[0]).toMatchObject({ published: 10 });
    await received(sub, 10);
    await t.send(10);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(10));
  });

  it('publishes poison to the dead-letter subject with its reason, and the next message still flows', async () => {
    const t = setup({ format: 'json', maxMessageBytes: 500 });
    const dead: Array<string | undefined> = [];
    const watch = nc.subscribe(`${t.base}.dead`, {
      callback: (_, m) => {
        dead.push(m.headers?.get('Herald-Reason'));
      },
    });
    await nc.flush();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.send(0);
    await t.send(100, { body: 'nope' });
    await t.send(101, { body: JSON.stringify({ data: 'x'.repeat(600) }) });
    await t.send(102, { subject: `${t.base}.orders.a$b` });
    await t.send(1);
    await received(sub, 2);
    await until(() => dead.length === 3);
    watch.unsubscribe();
    expect(numbers(sub.items.all)).toEqual([0, 1]);
    expect(dead).toEqual(['not_json', 'too_large', 'bad_channel']);
    expect(bridges.status()[0]).toMatchObject({ deadLettered: 3, published: 2 });
  });

  it('shares subjects through a queue group: each message published once by one of two nodes', async () => {
    const t = setup({ queueGroup: 'herald' });
    const sub = await h.subscribe(t.channel);
    const a = t.start();
    const b = t.start({ name: unique('nats-b-') });
    await untilState(a.handles[0]!, 'up');
    await untilState(b.handles[0]!, 'up');
    for (const n of range(40)) await t.send(n);
    await received(sub, 40);
    await settleFor();
    expect(numbers(sub.items.all).sort((x, y) => x - y)).toEqual(range(40));
    expect(a.status()[0]!.published + b.status()[0]!.published).toBe(40);
  });

  it('recovers by itself when its server is killed and restarted', async () => {
    const server = await PrivateBroker.nats();
    const url = `nats://127.0.0.1:${server.port}`;
    try {
      const t = setup({}, url);
      const sub = await h.subscribe(t.channel);
      const bridges = t.start();
      const handle = bridges.handles[0]!;
      await untilState(handle, 'up');
      const local = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      for (const n of range(5)) await t.send(n, { via: local });
      await received(sub, 5);
      await server.restart('SIGKILL');
      await until(() => handle.status().reconnects >= 1 && handle.status().state === 'up', 15_000, 'a reconnect');
      // Core NATS keeps nothing for absent subscribers: give the re-sent subscription a moment to land.
      await settleFor(200);
      for (const n of range(5, 5)) await t.send(n, { via: local });
      await received(sub, 10);
      await local.close();
      await settleFor();
      expect(numbers(sub.items.all)).toEqual(range(10));
    } finally {
      await h.closeBridges();
      await server.close();
    }
  });
});

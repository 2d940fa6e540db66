import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { BROKERS, PrivateBroker, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until, untilState } from '../test-support/harness.ts';
import type { Bridges } from '../types.ts';

let h: Harness;
let producer: MqttClient;
const clientIds: string[] = [];

beforeAll(async () => {
  h = await Harness.start();
  producer = await connectAsync(BROKERS.mqtt, { protocolVersion: 5, clientId: unique('herald-test-producer-') });
});

afterEach(async () => {
  await h.closeBridges();
});

afterAll(async () => {
  // Sessions left on the shared broker by the bridges are ended: a clean start with no expiry.
  for (const clientId of clientIds) {
    const c = await connectAsync(BROKERS.mqtt, {
      protocolVersion: 5,
      clientId,
      clean: true,
      properties: { sessionExpiryInterval: 0 },
    });
    await c.endAsync();
  }
  await producer.endAsync();
  await h.close();
});

/** A bridge on `herald-test/<id>/orders/+`, mapping `.../orders/{id}` to `<prefix>:{id}`. */
function setup(overrides: Partial<BridgeConfigInput> = {}, url = BROKERS.mqtt) {
  const id = unique('');
  const base = `herald-test/${id}`;
  const clientId = `herald-test-bridge-${id}`;
  clientIds.push(clientId);
  const config = {
    type: 'mqtt',
    name: `mqtt-${id}`,
    url,
    clientId,
    topics: [`${base}/orders/+`],
    match: `${base}/orders/{id}`,
    channel: `mq${id}:{id}`,
    deadLetterTopic: `${base}/dead`,
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...overrides,
  } as BridgeConfigInput;
  const start = (extra: Partial<BridgeConfigInput> = {}): Bridges =>
    h.startBridge({ ...config, ...extra } as BridgeConfigInput);
  const send = async (n: number, options: { topic?: string; body?: string; via?: MqttClient } = {}) => {
    const body = options.body ?? JSON.stringify({ event: 'created', data: { n } });
    await (options.via ?? producer).publishAsync(options.topic ?? `${base}/orders/42`, body, {
      qos: 1,
      properties: { userProperties: { 'message-id': `m-${n}` } },
    });
  };
  return { config, base, channel: `mq${id}:42`, start, send };
}

describe('mqtt bridge', () => {
  it('delivers QoS 1 messages to an SSE subscriber in order, each once', async () => {
    const t = setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    for (const n of range(20)) await t.send(n);
    await received(sub, 20);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(20));
    expect(bridges.status()[0]).toMatchObject({ consumed: 20, published: 20 });
  });

  it('stopped between the store and the PUBACK: the session redelivers, nothing lost or published twice', async () => {
    const t = setup({ drainTimeoutMs: 100 });
    // Sent once the session exists: a QoS 1 subscription gets only what comes after it.
    const second = await h.interruptAfterStore(
      t,
      async () => {
        for (const n of range(10)) await t.send(n);
      },
      { afterStart: true },
    );
    expect(second).toMatchObject({ duplicates: 1, published: 6 });
  });

  it('publishes poison to the dead-letter topic with its reason, and the next message still flows', async () => {
    const t = setup({ format: 'json' });
    const dead: Array<{ reason: unknown; body: string }> = [];
    const watcher = await connectAsync(BROKERS.mqtt, { protocolVersion: 5, clientId: unique('herald-test-dlq-') });
    watcher.on('message', (_, payload, packet) => {
      dead.push({ reason: packet.properties?.userProperties?.['x-herald-reason'], body: payload.toString() });
    });
    await watcher.subscribeAsync(`${t.base}/dead`, { qos: 1 });
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.send(0);
    await t.send(100, { body: '{oops' });
    await t.send(101, { topic: `${t.base}/orders/a b` });
    await t.send(1);
    await received(sub, 2);
    await until(() => dead.length === 2);
    await watcher.endAsync();
    expect(numbers(sub.items.all)).toEqual([0, 1]);
    expect(dead).toEqual([
      { reason: 'not_json', body: '{oops' },
      { reason: 'bad_channel', body: JSON.stringify({ event: 'created', data: { n: 101 } }) },
    ]);
    expect(bridges.status()[0]).toMatchObject({ deadLettered: 2, published: 2 });
  });

  it('speaks MQTT 3.1.1 too, with the idempotency key from a payload field', async () => {
    const t = setup({ protocolVersion: 4, idempotencyKey: 'payload:id', drainTimeoutMs: 100 });
    const sub = await h.subscribe(t.channel);
    const v4 = await connectAsync(BROKERS.mqtt, { protocolVersion: 4, clientId: unique('herald-test-v4-') });
    const send = (n: number) => v4.publishAsync(`${t.base}/orders/42`, JSON.stringify({ id: `o-${n}`, n }), { qos: 1 });
    const first = t.start();
    await untilState(first.handles[0]!, 'up');
    const hung = h.inject((d) => (d as { n: number }).n === 2, 'hang-after-store');
    for (const n of range(5)) await send(n);
    await hung;
    await first.close();
    const second = t.start();
    await received(sub, 5);
    await v4.endAsync();
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(5));
    expect(second.status()[0]).toMatchObject({ duplicates: 1, published: 2 });
  });

  it('shares a $share group between two nodes: each message published once', async () => {
    const t = setup({ shareGroup: 'herald' });
    const sub = await h.subscribe(t.channel);
    const a = t.start();
    const b = t.start({
      name: `${(t.config as { name: string }).name}-b`,
      clientId: `${(t.config as { clientId: string }).clientId}-b`,
    });
    clientIds.push(`${(t.config as { clientId: string }).clientId}-b`);
    await untilState(a.handles[0]!, 'up');
    await untilState(b.handles[0]!, 'up');
    for (const n of range(40)) await t.send(n);
    await received(sub, 40);
    await settleFor();
    expect(numbers(sub.items.all).sort((x, y) => x - y)).toEqual(range(40));
    const [sa, sb] = [a.status()[0]!, b.status()[0]!];
    expect(sa.published + sb.published).toBe(40);
    expect(sa.published).toBeGreaterThan(0);
    expect(sb.published).toBeGreaterThan(0);
  });

  it('recovers by itself when its broker restarts mid-stream, and the kept session loses nothing', async () => {
    const broker = await PrivateBroker.mosquitto();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    try {
      const t = setup({}, url);
      const sub = await h.subscribe(t.channel);
      const bridges = t.start();
      const handle = bridges.handles[0]!;
      await untilState(handle, 'up');
      const local = await connectAsync(url, {
        protocolVersion: 5,
        clientId: unique('herald-test-p-'),
        reconnectPeriod: 100,
      });
      const held = h.hold((d) => (d as { n: number }).n >= 3);
      try {
        for (const n of range(20)) await t.send(n, { via: local });
        await held.reached;
        await broker.restart('SIGTERM');
        held.release();
        await until(() => handle.status().reconnects >= 1 && handle.status().state === 'up', 15_000, 'a reconnect');
        await until(() => local.connected, 10_000, 'the producer back');
        for (const n of range(10, 20)) await t.send(n, { via: local });
        await received(sub, 30, 20_000);
      } finally {
        held.release();
        local.end(true);
      }
      await settleFor();
      expect(numbers(sub.items.all)).toEqual(range(30));
    } finally {
      await h.closeBridges();
      await broker.close();
    }
  });
});

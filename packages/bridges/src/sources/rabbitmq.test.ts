import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '../config.ts';
import { BROKERS, cutRabbitConnection, unique } from '../test-support/brokers.ts';
import { Harness, numbers, range, received, settleFor, until, untilState } from '../test-support/harness.ts';
import type { Bridges } from '../types.ts';

let h: Harness;
let amqp: ChannelModel;
let ch: ConfirmChannel;
const queues: string[] = [];
const exchanges: string[] = [];

beforeAll(async () => {
  h = await Harness.start();
  amqp = await connect(BROKERS.amqp);
  ch = await amqp.createConfirmChannel();
});

afterEach(async () => {
  await h.closeBridges();
});

afterAll(async () => {
  for (const q of queues) await ch.deleteQueue(q);
  for (const x of exchanges) await ch.deleteExchange(x);
  await amqp.close();
  await h.close();
});

/** A bridge on a fresh queue bound to a fresh topic exchange, mapping `orders.{id}` to `<prefix>:{id}`. */
async function setup(overrides: Partial<BridgeConfigInput> = {}) {
  const id = unique('');
  const exchange = `herald-test-x-${id}`;
  const queue = `herald-test-q-${id}`;
  const deadQueue = `${queue}-dead`;
  queues.push(queue, deadQueue);
  exchanges.push(exchange);
  const config = {
    type: 'rabbitmq',
    name: `rabbit-${id}`,
    url: BROKERS.amqp,
    queue,
    bindings: [{ exchange, exchangeType: 'topic', routingKey: 'orders.*' }],
    deadLetter: { queue: deadQueue },
    match: 'orders.{id}',
    channel: `rq${id}:{id}`,
    retryInitialMs: 50,
    retryMaxMs: 500,
    ...overrides,
  } as BridgeConfigInput;
  // Declared here too, so messages sent before the bridge first starts are queued.
  await ch.assertExchange(exchange, 'topic', { durable: true });
  await ch.assertQueue(queue, { durable: true });
  await ch.bindQueue(queue, exchange, 'orders.*');
  const start = (): Bridges => h.startBridge(config);
  const send = async (n: number, options: { key?: string; body?: Buffer } = {}) => {
    const body = options.body ?? Buffer.from(JSON.stringify({ event: 'created', data: { n } }));
    ch.publish(exchange, options.key ?? 'orders.42', body, { messageId: `m-${n}`, persistent: true });
    await ch.waitForConfirms();
  };
  return { config, queue, deadQueue, channel: `rq${id}:42`, start, send };
}

describe('rabbitmq bridge', () => {
  it('delivers queued messages to an SSE subscriber in order, each once, and acks them', async () => {
    const t = await setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    for (const n of range(20)) await t.send(n);
    const items = await received(sub, 20);
    expect(numbers(items)).toEqual(range(20));
    expect(items.every((i) => i.type === 'message' && i.event === 'created')).toBe(true);
    await bridges.close();
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(20));
    expect((await ch.checkQueue(t.queue)).messageCount).toBe(0);
    expect(bridges.status()[0]).toMatchObject({ state: 'closed', consumed: 20, published: 20, deadLettered: 0 });
  });

  it('stopped between the store and the ack: redelivered, nothing lost, nothing published twice', async () => {
    const t = await setup({ drainTimeoutMs: 100 });
    const second = await h.interruptAfterStore(t, async () => {
      for (const n of range(10)) await t.send(n);
    });
    expect(second).toMatchObject({ duplicates: 1, published: 6 });
  });

  it('dead-letters poison with a reason and a log line, and the next message still flows', async () => {
    const t = await setup({ format: 'json', maxMessageBytes: 1000 });
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    await untilState(bridges.handles[0]!, 'up');
    await t.send(0);
    await t.send(100, { body: Buffer.from('not json') });
    await t.send(101, { body: Buffer.from(JSON.stringify({ data: 'x'.repeat(2000) })) });
    await t.send(102, { key: 'orders.a b' });
    await t.send(1);
    await received(sub, 2);
    expect(numbers(sub.items.all)).toEqual([0, 1]);
    await until(async () => (await ch.checkQueue(t.deadQueue)).messageCount === 3);
    const reasons: unknown[] = [];
    for (;;) {
      const m = await ch.get(t.deadQueue, { noAck: true });
      if (m === false) break;
      reasons.push(m.properties.headers?.['x-herald-reason']);
    }
    expect(reasons).toEqual(['not_json', 'too_large', 'bad_channel']);
    expect(
      h.logged('bridge message dead-lettered').filter((l) => l.fields.bridge === bridges.handles[0]!.name),
    ).toHaveLength(3);
    expect(bridges.status()[0]).toMatchObject({ deadLettered: 3, published: 2 });
  });

  it('recovers by itself when the broker cuts its connection mid-stream', async () => {
    const t = await setup();
    const sub = await h.subscribe(t.channel);
    const bridges = t.start();
    const handle = bridges.handles[0]!;
    await untilState(handle, 'up');
    // Message 5 is held in the middle of its publish (6-29 prefetched or queued) while the broker cuts.
    const held = h.hold((d) => (d as { n: number }).n >= 5);
    for (const n of range(30)) await t.send(n);
    await held.reached;
    await cutRabbitConnection(handle.name);
    held.release();
    await until(() => handle.status().reconnects >= 1 && handle.status().state === 'up', 15_000, 'a reconnect');
    for (const n of range(10, 30)) await t.send(n);
    await received(sub, 40, 20_000);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(40));
    // Message 5 was stored after its connection was gone, so its ack was lost: redelivered, recognised.
    expect(handle.status()).toMatchObject({ duplicates: 1, published: 40 });
  });
});

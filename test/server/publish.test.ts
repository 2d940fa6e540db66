import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messagesUrl, type Published, post, publish, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { offsets, type Subscriber, subscribe, untilOffset } from '../helpers/subscribers.ts';

// Publishing, contract section 2.
describe('publishing', () => {
  let server: TestServer;
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  async function watch(channel: string): Promise<Subscriber> {
    const sub = await subscribe(server, 'ws-mux', channel, '0');
    open.push(sub);
    return sub;
  }

  it('201 with channel, epoch, offset, cursor and time', async () => {
    const channel = uniqueChannel();
    const res = await post(server, `/v1/channels/${channel}/messages`, { data: { a: 1 }, event: 'e' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Published;
    expect(body).toEqual({
      channel,
      epoch: expect.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
      offset: 1,
      cursor: `${body.epoch}:1`,
      time: expect.any(Number),
    });
    expect(Math.abs(body.time - Date.now())).toBeLessThan(5_000);
  });

  it('the same Idempotency-Key 10 times concurrently: one answer, one delivery', async () => {
    const channel = uniqueChannel();
    const sub = await watch(channel);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => publish(server, channel, { once: true }, { idempotencyKey: 'order-42' })),
    );
    expect(new Set(answers.map((a) => `${a.epoch}:${a.offset}`)).size).toBe(1);
    expect(answers[0]?.offset).toBe(1);
    await publish(server, channel, 'marker');
    const items = await untilOffset(sub, 2);
    expect(items).toEqual([
      { type: 'message', channel, offset: 1, data: { once: true } },
      { type: 'message', channel, offset: 2, data: 'marker' },
    ]);
  });

  it('a later retry with the same key, even with another body, gets the first answer and publishes nothing', async () => {
    const channel = uniqueChannel();
    const first = await publish(server, channel, 'first', { idempotencyKey: 'k1' });
    const retry = await publish(server, channel, 'second', { idempotencyKey: 'k1' });
    expect(retry).toEqual(first);
    const other = await publish(server, channel, 'third', { idempotencyKey: 'k2' });
    expect(other.offset).toBe(2);
    const body = (await (await fetch(messagesUrl(server, channel))).json()) as { messages: Array<{ data: unknown }> };
    expect(body.messages.map((m) => m.data)).toEqual(['first', 'third']);
  });

  it('a replayed publish says so with Idempotent-Replayed: true; a first publish does not', async () => {
    const channel = uniqueChannel();
    const path = `/v1/channels/${channel}/messages`;
    const first = await post(server, path, { data: 'once' }, { 'idempotency-key': 'replay-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post(server, path, { data: 'once' }, { 'idempotency-key': 'replay-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const batch = await post(server, path, [{ data: 1 }, { data: 2 }], { 'idempotency-key': 'replay-2' });
    const batchAgain = await post(server, path, [{ data: 1 }, { data: 2 }], { 'idempotency-key': 'replay-2' });
    expect(batch.headers.get('idempotent-replayed')).toBeNull();
    expect(batchAgain.headers.get('idempotent-replayed')).toBe('true');
    // Without a key nothing is ever a replay, even with the same body.
    const plain = await post(server, path, { data: 'once' });
    expect(plain.headers.get('idempotent-replayed')).toBeNull();
  });

  it('an Idempotency-Key is per channel', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    await publish(server, a, 'a0');
    const onA = await publish(server, a, 'a1', { idempotencyKey: 'shared' });
    const onB = await publish(server, b, 'b1', { idempotencyKey: 'shared' });
    expect([onA.channel, onA.offset]).toEqual([a, 2]);
    expect([onB.channel, onB.offset]).toEqual([b, 1]);
  });

  it('a batch is published in order and answered with every offset', async () => {
    const channel = uniqueChannel();
    const sub = await watch(channel);
    await publish(server, channel, 0);
    const res = await post(server, `/v1/channels/${channel}/messages`, [
      { data: 'a', event: 'first' },
      { data: { b: 2 } },
      { data: null },
    ]);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { channel: string; epoch: string; messages: unknown[] };
    expect(body).toEqual({
      channel,
      epoch: expect.any(String),
      messages: [2, 3, 4].map((offset) => ({ offset, cursor: `${body.epoch}:${offset}`, time: expect.any(Number) })),
    });
    expect(await untilOffset(sub, 4)).toEqual([
      { type: 'message', channel, offset: 1, data: 0 },
      { type: 'message', channel, offset: 2, event: 'first', data: 'a' },
      { type: 'message', channel, offset: 3, data: { b: 2 } },
      { type: 'message', channel, offset: 4, data: null },
    ]);
  });

  it('POST /v1/publish: one result per item in order; bad items do not sink the others', async () => {
    const a = uniqueChannel('a');
    const c = uniqueChannel('c');
    const subA = await watch(a);
    const subC = await watch(c);
    const res = await post(server, '/v1/publish', {
      messages: [
        { channel: a, data: 'a1' },
        { channel: 'bad name', data: 'x' },
        { channel: c, data: 'c1', event: 'bad\nevent' },
        { channel: c, data: 'c1', event: 'ok' },
        { channel: a, data: 'a2' },
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<Record<string, unknown>> };
    expect(results).toHaveLength(5);
    const ok = (channel: string, offset: number) => ({
      channel,
      epoch: expect.any(String),
      offset,
      cursor: expect.stringMatching(new RegExp(`:${offset}$`)),
      time: expect.any(Number),
    });
    const bad = (channel: string) => ({ channel, error: { code: 'bad_request', message: expect.any(String) } });
    expect(results).toEqual([ok(a, 1), bad('bad name'), bad(c), ok(c, 1), ok(a, 2)]);
    expect(offsets(await untilOffset(subA, 2))).toEqual([1, 2]);
    expect(await untilOffset(subC, 1)).toEqual([{ type: 'message', channel: c, offset: 1, event: 'ok', data: 'c1' }]);
  });
});

import { HeraldError, type Message } from '@herald/core';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisEngine } from './redis-engine.ts';
import { freePort, PrivateRedis, waitUntil } from './test-support.ts';

/*
 * Losing Redis: each case runs its own redis-server (no persistence) and kills it with SIGKILL.
 */

const LIMITS = { size: 100, maxAgeMs: 60_000 };
const FAST = { connectTimeoutMs: 500, commandTimeoutMs: 1_000, maxReconnectDelayMs: 200 };

function input(data: string) {
  return [{ event: undefined, data: JSON.stringify(data) }];
}

/** Resolves with the time a rejected call took, failing unless it was `unavailable` (503, retry in 1 s). */
async function unavailableWithin(run: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  const error = await run().then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HeraldError);
  expect(error).toMatchObject({ code: 'unavailable', status: 503, retryAfter: 1 });
  return Date.now() - started;
}

describe('RedisEngine when Redis goes away', () => {
  const servers: PrivateRedis[] = [];
  const engines: RedisEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const server of servers.splice(0)) await server.kill();
  });

  it('fails fast while Redis is down, then recovers by itself: resubscribed feed, resync, new epoch', async () => {
    const server = await PrivateRedis.start();
    servers.push(server);
    const errors: unknown[] = [];
    const engine = await RedisEngine.connect({ url: server.url, prefix: 'f', onError: (e) => errors.push(e), ...FAST });
    engines.push(engine);
    const heard: Message[] = [];
    let resyncs = 0;
    const feed = engine.openFeed({ messages: (_, m) => heard.push(...m), resync: () => resyncs++ });
    await feed.watch('c');
    const before = await engine.append('c', input('before'), LIMITS);
    await waitUntil(() => heard.length === 1, 'the first message');

    await server.kill();
    for (const run of [
      () => engine.append('c', input('lost'), LIMITS, 'key'),
      () => engine.read('c', 0, 10, LIMITS),
      () => engine.state('c', LIMITS),
      () => engine.states([{ channel: 'c', limits: LIMITS }]),
      () => engine.readMany([{ channel: 'c', from: 0, limit: 10, limits: LIMITS }]),
    ]) {
      expect(await unavailableWithin(run)).toBeLessThan(2_000);
    }
    expect(await engine.ready()).toBe(false);
    // A watch during the outage settles without waiting for Redis, and takes effect once it is back.
    const started = Date.now();
    await feed.watch('d');
    expect(Date.now() - started).toBeLessThan(500); // the watch timeout here is 1.5 s
    expect(errors.length).toBeGreaterThan(0);

    await server.start();
    await waitUntil(() => engine.ready(), 'the engine to reconnect', 5_000);
    await waitUntil(() => resyncs === 1, 'resync after the feed reconnected', 5_000);
    const after = await engine.append('c', input('after'), LIMITS);
    // Redis came back empty: the channel's past is gone, so it has a new epoch and starts again at 1.
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.messages.map((m) => m.offset)).toEqual([1]);
    const d = await engine.append('d', input('d1'), LIMITS);
    await waitUntil(() => heard.length === 3, 'messages of both channels after the restart');
    expect(heard.map((m) => [m.channel, m.epoch, m.offset, m.data])).toEqual([
      ['c', before.epoch, 1, '"before"'],
      ['c', after.epoch, 1, '"after"'],
      ['d', d.epoch, 1, '"d1"'],
    ]);
  });

  it('re-adds the presence members of a node once Redis is back (restarted empty)', async () => {
    const server = await PrivateRedis.start();
    servers.push(server);
    const engine = await RedisEngine.connect({ url: server.url, prefix: 'p', presenceTtlMs: 6_000, ...FAST });
    engines.push(engine);
    const presence = engine.createPresence();
    await presence.join('room', 'm1', { a: 1 }, { presence: () => {} });
    await server.kill();
    await expect(presence.list('room', 10)).rejects.toMatchObject({ code: 'unavailable' });
    await server.start();
    // Well before the next periodic refresh (every TTL/3 = 2 s): the reconnect triggers one.
    const count = async () => (await presence.list('room', 10).catch(() => ({ count: -1 }))).count;
    await waitUntil(async () => (await count()) === 1, 'the member to be re-added', 1_500);
    expect((await presence.list('room', 10)).members).toEqual([{ client: 'm1', info: { a: 1 } }]);
  });

  it('connect() rejects within the connect timeout when nothing listens', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(RedisEngine.connect({ url, connectTimeoutMs: 300 })).rejects.toThrow(/cannot reach Redis/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an engine created while Redis is down serves once it comes up', async () => {
    const port = await freePort();
    const engine = new RedisEngine({ url: `redis://127.0.0.1:${port}`, ...FAST });
    engines.push(engine);
    expect(await engine.ready()).toBe(false);
    await unavailableWithin(() => engine.state('x', LIMITS));
    const server = await PrivateRedis.start(port);
    servers.push(server);
    await waitUntil(() => engine.ready(), 'the engine to connect', 5_000);
    expect(await engine.state('x', LIMITS)).toMatchObject({ first: 1, last: 0 });
  });
});

import { rmSync } from 'node:fs';
import { type AppendResult, HeraldError, type Message } from '@herald/core';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsEngine } from './nats-engine.ts';
import { freePort, PrivateNats, waitUntil } from './test-support.ts';

/*
 * Losing NATS: each case runs its own `nats-server -js` with a store directory of its own and kills it
 * with SIGKILL. JetStream keeps what it acknowledged across a process kill (the page cache survives).
 */

const LIMITS = { size: 10_000, maxAgeMs: 600_000 };
const FAST = { connectTimeoutMs: 500, requestTimeoutMs: 1_000, reconnectDelayMs: 100 };

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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('NatsEngine when NATS goes away', () => {
  const servers: PrivateNats[] = [];
  const engines: NatsEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const server of servers.splice(0)) await server.destroy();
  });

  async function start(): Promise<{ server: PrivateNats; engine: NatsEngine; errors: unknown[] }> {
    const server = await PrivateNats.start();
    servers.push(server);
    const errors: unknown[] = [];
    const engine = await NatsEngine.connect({ url: server.url, prefix: 'f', onError: (e) => errors.push(e), ...FAST });
    engines.push(engine);
    return { server, engine, errors };
  }

  it('fails fast while NATS is down, then recovers by itself: resubscribed feed, resync, history kept', async () => {
    const { server, engine, errors } = await start();
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
      expect(await unavailableWithin(run)).toBeLessThan(1_500);
    }
    expect(await engine.ready()).toBe(false);
    // A watch during the outage settles without waiting for NATS, and takes effect once it is back.
    const started = Date.now();
    await feed.watch('d');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(errors.length).toBeGreaterThan(0);

    await server.start();
    await waitUntil(() => engine.ready(), 'the engine to reconnect', 10_000);
    await waitUntil(() => resyncs >= 1, 'resync after the feed reconnected', 5_000);
    // JetStream kept what it acknowledged: the same epoch, offsets continue, the failed append is absent.
    const after = await engine.append('c', input('after'), LIMITS);
    expect(after.epoch).toBe(before.epoch);
    expect(after.messages.map((m) => m.offset)).toEqual([2]);
    const d = await engine.append('d', input('d1'), LIMITS);
    await waitUntil(() => heard.length === 3, 'messages of both channels after the restart');
    expect(heard.map((m) => [m.channel, m.epoch, m.offset, m.data])).toEqual([
      ['c', before.epoch, 1, '"before"'],
      ['c', before.epoch, 2, '"after"'],
      ['d', d.epoch, 1, '"d1"'],
    ]);
  });

  it('killed mid-stream: every batch is stored whole and once, acknowledged ones are all there', async () => {
    const { server, engine } = await start();
    const acked = new Map<number, AppendResult>();
    let unavailable = 0;
    let killed = false;
    // Four writers, batches of three with an idempotency key each, retried until they land.
    const writer = async (w: number): Promise<void> => {
      for (let i = w; i < 300; i += 4) {
        const batch = ['a', 'b', 'c'].map((x) => ({ event: x, data: JSON.stringify(`${i}${x}`) }));
        for (;;) {
          try {
            acked.set(i, await engine.append('m', batch, LIMITS, `k${i}`));
            break;
          } catch (error) {
            expect(error).toMatchObject({ code: 'unavailable', retryAfter: 1 });
            unavailable++;
            await sleep(50);
          }
        }
      }
    };
    const writing = Promise.all([0, 1, 2, 3].map(writer));
    await waitUntil(() => acked.size >= 80, 'the first acknowledgements', 10_000);
    await server.kill();
    killed = true;
    await sleep(1_000);
    await server.start();
    await writing;
    expect(killed).toBe(true);
    expect(unavailable).toBeGreaterThan(0);

    const page = await engine.read('m', 1, 10_000, LIMITS);
    expect(page.messages.map((m) => m.offset)).toEqual(Array.from({ length: 900 }, (_, j) => j + 1));
    const byData = new Map(page.messages.map((m) => [m.data, m]));
    expect(byData.size).toBe(900);
    for (const [i, result] of acked) {
      // Each batch whole: its three messages on consecutive offsets, where its answer said.
      const offsets = ['a', 'b', 'c'].map((x) => byData.get(JSON.stringify(`${i}${x}`))?.offset);
      expect(offsets).toEqual(result.messages.map((m) => m.offset));
      expect(result.epoch).toBe(page.state.epoch);
    }
  });

  it('restarted with its store lost: a new epoch, offsets from 1, the stream created again', async () => {
    const { server, engine } = await start();
    const before = await engine.append('c', input('1'), LIMITS);
    await server.kill();
    rmSync(server.dir, { recursive: true, force: true });
    await server.start();
    await waitUntil(() => engine.ready(), 'the engine to reconnect and recreate its stream', 10_000);
    const state = await engine.state('c', LIMITS);
    expect(state.epoch).not.toBe(before.epoch);
    expect(state).toMatchObject({ first: 1, last: 0 });
    const after = await engine.append('c', input('2'), LIMITS);
    expect(after).toMatchObject({ epoch: state.epoch, messages: [{ offset: 1 }] });
  });

  it('connect() rejects within the connect timeout when nothing listens', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(NatsEngine.connect({ url, connectTimeoutMs: 300 })).rejects.toThrow(/cannot reach NATS/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an engine created while NATS is down serves once it comes up', async () => {
    const port = await freePort();
    const engine = new NatsEngine({ url: `nats://127.0.0.1:${port}`, ...FAST });
    engines.push(engine);
    expect(await engine.ready()).toBe(false);
    await unavailableWithin(() => engine.state('x', LIMITS));
    const server = await PrivateNats.start(port);
    servers.push(server);
    await waitUntil(() => engine.ready(), 'the engine to connect', 10_000);
    expect(await engine.state('x', LIMITS)).toMatchObject({ first: 1, last: 0 });
  });
});

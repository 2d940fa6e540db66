import { rmSync } from 'node:fs';
import type { AppendResult } from '@herald/core';
import { engineFaultContract, jsonInput } from '@herald/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsEngine } from './nats-engine.ts';
import { freePort, PrivateNats, waitUntil } from './test-support.ts';

/*
 * Losing NATS: each case runs its own `nats-server -js` with a store directory of its own and kills it
 * with SIGKILL. JetStream keeps what it acknowledged across a process kill (the page cache survives).
 */

const LIMITS = { size: 10_000, maxAgeMs: 600_000 };
const FAST = { connectTimeoutMs: 500, requestTimeoutMs: 1_000, reconnectDelayMs: 100 };

engineFaultContract('nats', {
  startServer: (port) => PrivateNats.start(port),
  connect: (url, onError) => NatsEngine.connect({ url, prefix: 'f', onError, ...FAST }),
  create: (url) => new NatsEngine({ url, ...FAST }),
  connectNowhere: (url) => NatsEngine.connect({ url, connectTimeoutMs: 300 }),
  nowhere: async () => {
    const port = await freePort();
    return { url: `nats://127.0.0.1:${port}`, port };
  },
  unreachable: /cannot reach NATS/,
  keepsHistory: true,
  failFastMs: 1_500,
  reconnectMs: 10_000,
  watchDuringOutageMs: 1_500,
});

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
    const before = await engine.append('c', jsonInput('1'), LIMITS);
    await server.kill();
    rmSync(server.dir, { recursive: true, force: true });
    await server.start();
    await waitUntil(() => engine.ready(), 'the engine to reconnect and recreate its stream', 10_000);
    const state = await engine.state('c', LIMITS);
    expect(state.epoch).not.toBe(before.epoch);
    expect(state).toMatchObject({ first: 1, last: 0 });
    const after = await engine.append('c', jsonInput('2'), LIMITS);
    expect(after).toMatchObject({ epoch: state.epoch, messages: [{ offset: 1 }] });
  });
});

import { engineFaultContract } from '@herald/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisEngine } from './redis-engine.ts';
import { freePort, PrivateRedis, waitUntil } from './test-support.ts';

/*
 * Losing Redis: each case runs its own redis-server (no persistence) and kills it with SIGKILL.
 */

const FAST = { connectTimeoutMs: 500, commandTimeoutMs: 1_000, maxReconnectDelayMs: 200 };

engineFaultContract('redis', {
  startServer: (port) => PrivateRedis.start(port),
  connect: (url, onError) => RedisEngine.connect({ url, prefix: 'f', onError, ...FAST }),
  create: (url) => new RedisEngine({ url, ...FAST }),
  connectNowhere: (url) => RedisEngine.connect({ url, connectTimeoutMs: 300 }),
  nowhere: async () => {
    const port = await freePort();
    return { url: `redis://127.0.0.1:${port}`, port };
  },
  unreachable: /cannot reach Redis/,
  keepsHistory: false,
  failFastMs: 2_000,
  reconnectMs: 5_000,
  watchDuringOutageMs: 500, // the watch timeout here is 1.5 s
});

describe('RedisEngine when Redis goes away', () => {
  const servers: PrivateRedis[] = [];
  const engines: RedisEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const server of servers.splice(0)) await server.kill();
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
});

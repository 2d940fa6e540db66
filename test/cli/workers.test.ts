import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Socket as NetSocket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, TEST_REDIS_URL } from '../helpers/engines.ts';
import { ensureBuilt } from './build.ts';
import { childPids, running } from './proc.ts';
import { killAll, run, serve } from './processes.ts';
import { connect, frame, httpOver, type Socket, tcpOn, until } from './worker-sockets.ts';

// `herald serve --workers N --redis …`: real processes (a node:cluster primary and its workers) on the
// machine's Redis (HERALD_TEST_REDIS_URL), each test under a key prefix of its own, deleted after.

const prefixes: string[] = [];
/** Cluster start-up: several processes load the bundle and connect to Redis on a 2-core machine. */
const START_MS = 20_000;

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(TEST_REDIS_URL, prefix);
});

function freshPrefix(): string {
  const prefix = `herald-cli-test-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

describe('herald serve --workers (spawned cluster on Redis)', () => {
  it('serves one port from two workers that share messages and the generated key; SIGTERM stops them all', async () => {
    // Info logs: the primary says when a restarted worker listens.
    const args = ['--workers', '2', '--redis', TEST_REDIS_URL, '--redis-prefix', freshPrefix(), '--log-level', 'info'];
    const { cli, url, port, keyLine } = await serve(args, {}, START_MS);
    const [key = ''] = keyLine.split(' ');
    expect(keyLine).toContain('(generated');
    await cli.waitForLine(/^History: Redis at redis:\/\/.* \(shared by every node\)$/);
    await cli.waitForLine(/^Workers: 2 /);
    const primary = cli.child.pid as number;
    const workers = childPids(primary);
    expect(workers).toHaveLength(2);

    // Round-robin hands connections out in turn; keep connecting until each worker holds one.
    const byWorker = new Map<number, Socket>();
    for (let i = 0; i < 10 && byWorker.size < 2; i++) {
      const socket = await connect(url, key, port, workers);
      if (byWorker.has(socket.worker)) socket.ws.close();
      else byWorker.set(socket.worker, socket);
    }
    expect([...byWorker.keys()].sort((a, b) => a - b)).toEqual(workers);
    const sockets = [...byWorker.values()];
    for (const s of sockets) s.ws.send(JSON.stringify({ op: 'subscribe', ref: 1, channel: 'cross' }));
    for (const s of sockets) await frame(s, (f) => f.op === 'ok' && f.ref === 1, 'subscribed');

    // Each worker accepts the key the primary generated, and its publish reaches the other's subscriber.
    for (const [i, from] of sockets.entries()) {
      from.ws.send(JSON.stringify({ op: 'publish', ref: 10 + i, channel: 'cross', data: `from ${from.worker}` }));
      await frame(from, (f) => f.op === 'ok' && f.ref === 10 + i, `publish ${i} accepted`);
      for (const to of sockets) {
        await frame(to, (f) => f.op === 'message' && f.data === `from ${from.worker}`, `message ${i} on ${to.worker}`);
      }
    }

    // Blobs are shared too: stored through one worker, served whole by the other.
    const tcp = new Map<number, NetSocket>();
    for (let i = 0; i < 10 && tcp.size < 2; i++) {
      const { socket, worker } = await tcpOn(port, workers);
      if (tcp.has(worker)) socket.destroy();
      else tcp.set(worker, socket);
    }
    const [putVia, getVia] = [...tcp.values()] as [NetSocket, NetSocket];
    const bytes = randomBytes(100_000);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' };
    expect((await httpOver(putVia, 'PUT', '/v1/blobs/shared-blob', headers, bytes)).status).toBe(201);
    const got = await httpOver(getVia, 'GET', '/v1/blobs/shared-blob');
    expect(got.status).toBe(200);
    expect(got.body.equals(bytes)).toBe(true);
    for (const socket of tcp.values()) socket.destroy();

    // A worker that dies is replaced in its slot, and the port keeps answering.
    process.kill(workers[0] as number, 'SIGKILL');
    const replaced = await until(() => {
      const now = childPids(primary);
      return now.length === 2 && !now.includes(workers[0] as number) ? now : undefined;
    }, 'a restarted worker');
    await until(() => (cli.lines.some((l) => l.includes('"worker restarted"')) ? true : undefined), 'the restart');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    for (const pid of [...workers, ...replaced]) expect(running(pid), `worker ${pid}`).toBe(false);
    for (const s of sockets) s.ws.terminate();
  }, 60_000);

  it('refuses --workers without a shared engine, naming --redis', async () => {
    const memory = await run(['serve', '--workers', '2', '--port', '0']);
    expect(memory.code).toBe(1);
    expect(memory.stderr).toContain('--workers needs a shared engine: add --redis');
    const sqlite = await run(['serve', '--port', '0', '--data', '/tmp/herald-unused'], { HERALD_WORKERS: 'auto' });
    expect(sqlite.code).toBe(1);
    expect(sqlite.stderr).toContain('--redis');
  });

  it('exits 1 with the worker message, once, when the workers cannot start', async () => {
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const { port } = busy.address() as { port: number };
    try {
      const args = ['serve', '--workers', '2', '--redis', TEST_REDIS_URL, '--redis-prefix', freshPrefix()];
      const out = await run([...args, '--port', String(port), '--log-level', 'silent']);
      expect(out.code).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr.match(/cannot listen on 127\.0\.0\.1:\d+/g)).toEqual([`cannot listen on 127.0.0.1:${port}`]);
    } finally {
      busy.close();
    }
  }, 30_000);
});

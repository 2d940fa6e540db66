import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { freePort } from '@herald/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteNatsPrefix, TEST_NATS_URL } from '../helpers/engines.ts';
import { ensureBuilt } from './build.ts';
import { childPids } from './proc.ts';
import { killAll, run, serve } from './processes.ts';
import { frame, httpOver, socketPerWorker, tcpPerWorker } from './worker-sockets.ts';

// What only `herald serve --nats …` has (shared-engine.test.ts runs what Redis has too): real processes on the machine's NATS with JetStream (HERALD_TEST_NATS_URL),
// each test under a prefix (stream, buckets, subjects) of its own, deleted after.

const KEY = 'cli-nats-key-0123456789';
/** Cluster start-up: several processes load the bundle and connect to NATS on a 2-core machine. */
const START_MS = 20_000;
const prefixes: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(async () => {
  for (const prefix of prefixes) await deleteNatsPrefix(TEST_NATS_URL, prefix);
});

function freshPrefix(): string {
  const prefix = `herald-cli-test-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

describe('herald serve --nats (spawned)', () => {
  it('says so when the NATS server runs without JetStream', async () => {
    const port = await freePort();
    const server: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await untilListening(port);
      const out = await run(['serve', '--port', '0', '--nats', `nats://127.0.0.1:${port}`]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`cannot reach NATS JetStream at nats://127.0.0.1:${port} within 5 s`);
      expect(out.stderr).toContain('nats-server -js');
    } finally {
      server.kill('SIGKILL');
    }
  }, 20_000);

  it('refuses --nats together with --redis, naming both', async () => {
    const redis = await run(['serve', '--nats', TEST_NATS_URL, '--redis', 'redis://127.0.0.1:6379']);
    expect(redis.code).toBe(1);
    expect(redis.stderr).toMatch(/--redis and --nats exclude each other/);
  });
});

describe('herald serve --workers 2 --nats (spawned cluster)', () => {
  it('a message published through one worker reaches a subscriber on the other; blobs are shared too', async () => {
    const args = ['--workers', '2', '--nats', TEST_NATS_URL, '--nats-prefix', freshPrefix(), '--api-key', KEY];
    const { cli, url, port } = await serve(args, {}, START_MS);
    await cli.waitForLine(/^History: NATS JetStream at nats:\/\/.* \(shared by every node\)$/);
    await cli.waitForLine(/^Workers: 2 /);
    const workers = childPids(cli.child.pid as number);
    expect(workers).toHaveLength(2);

    const byWorker = await socketPerWorker(url, KEY, port, workers);
    expect([...byWorker.keys()].sort((x, y) => x - y)).toEqual(workers);
    const sockets = [...byWorker.values()];
    for (const s of sockets) s.ws.send(JSON.stringify({ op: 'subscribe', ref: 1, channel: 'cross' }));
    for (const s of sockets) await frame(s, (f) => f.op === 'ok' && f.ref === 1, 'subscribed');
    for (const [i, from] of sockets.entries()) {
      from.ws.send(JSON.stringify({ op: 'publish', ref: 10 + i, channel: 'cross', data: `from ${from.worker}` }));
      await frame(from, (f) => f.op === 'ok' && f.ref === 10 + i, `publish ${i} accepted`);
      for (const to of sockets) {
        const got = await frame(to, (f) => f.op === 'message' && f.data === `from ${from.worker}`, `message ${i}`);
        expect(got.offset).toBe(i + 1);
      }
    }

    // Stored through one worker into the Object Store bucket, served whole (and in part) by the other.
    const [putVia, getVia] = [...(await tcpPerWorker(port, workers)).values()];
    if (putVia === undefined || getVia === undefined) throw new Error('expected a connection on each worker');
    const bytes = randomBytes(700_000);
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/octet-stream' };
    expect((await httpOver(putVia, 'PUT', '/v1/blobs/shared-blob', headers, bytes)).status).toBe(201);
    const part = await httpOver(getVia, 'GET', '/v1/blobs/shared-blob', { range: 'bytes=300000-' });
    expect(part.status).toBe(206);
    expect(part.body.equals(bytes.subarray(300_000))).toBe(true);
    putVia.destroy();
    getVia.destroy();

    for (const s of sockets) s.ws.terminate();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

/** Resolves once something accepts TCP connections on `port` (within 5 s). */
async function untilListening(port: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { freePort } from '@herald/core/testing';
import { createClient } from 'redis';

export { freePort };

/*
 * Helpers of this package's tests (not exported from index.ts).
 */

/** Where the tests find Redis: the machine's own, unless the environment says otherwise. */
export const TEST_REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True in CI, where a missing Redis must fail the run instead of skipping tests. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `herald-test-${randomBytes(5).toString('hex')}`;
}

/** True when Redis at `url` answers a PING within a second. */
export async function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/**
 * Checks that the shared test Redis is up. In CI a missing Redis throws (the file fails loudly);
 * elsewhere the caller skips with the returned reason, shown in the test report.
 */
export async function requireRedis(): Promise<string | undefined> {
  if (await redisReachable()) return undefined;
  const reason = `Redis is not reachable at ${TEST_REDIS_URL} (set HERALD_TEST_REDIS_URL)`;
  if (IN_CI) throw new Error(reason);
  return reason;
}

/** Deletes every key under `prefix` (SCAN, so a busy shared Redis is never blocked). */
export async function deletePrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    client.destroy();
  }
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A private redis-server without persistence, for tests that kill it: a restart comes back empty, as
 * a Redis without AOF/RDB does after a crash.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port and waits until it answers. */
  static async start(port?: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port ?? (await freePort()));
    await redis.start();
    return redis;
  }

  /** (Re)starts the server on its port; resolves once it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const exited = once(child, 'exit').then(() => {
      throw new Error(`redis-server on port ${this.port} exited during start`);
    });
    exited.catch(() => {});
    const up = waitUntil(() => redisReachable(this.url), `redis-server on port ${this.port}`, 10_000);
    await Promise.race([up, exited]);
  }

  /** Kills the server with SIGKILL (no shutdown, no save) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

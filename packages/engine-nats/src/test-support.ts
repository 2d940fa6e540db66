import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export { freePort };

/*
 * Helpers of this package's tests (not exported from index.ts).
 */

/** Where the tests find NATS with JetStream: the machine's own, unless the environment says otherwise. */
export const TEST_NATS_URL = process.env.HERALD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** True in CI, where a missing NATS must fail the run instead of skipping tests. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** A prefix (stream name and subject root) no other test uses. */
export function uniquePrefix(): string {
  return `herald-test-${randomBytes(5).toString('hex')}`;
}

/** A connection for a test's own look at the server; close it after. */
export function rawConnection(url = TEST_NATS_URL): Promise<NatsConnection> {
  return connect({ servers: url, timeout: 1_000, maxReconnectAttempts: 0 });
}

/** True when JetStream at `url` answers within a second. */
export async function natsReachable(url = TEST_NATS_URL): Promise<boolean> {
  let nc: NatsConnection | undefined;
  try {
    nc = await rawConnection(url);
    await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc?.close();
  }
}

/**
 * Checks that the shared test NATS is up. In CI a missing NATS throws (the file fails loudly);
 * elsewhere the caller skips with the returned reason, shown in the test report.
 */
export async function requireNats(): Promise<string | undefined> {
  if (await natsReachable()) return undefined;
  const reason = `NATS with JetStream is not reachable at ${TEST_NATS_URL} (set HERALD_TEST_NATS_URL)`;
  if (IN_CI) throw new Error(reason);
  return reason;
}

/** Deletes the stream, the presence buckets and the blob bucket of `prefix`. */
export async function deletePrefix(prefix: string, url = TEST_NATS_URL): Promise<void> {
  const nc = await rawConnection(url);
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [prefix, `KV_${prefix}_presence`, `KV_${prefix}_nodes`, `OBJ_${prefix}_blobs`]) {
      await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
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
 * A private `nats-server -js` on its own port and store directory, for tests that kill it. A restart
 * keeps the directory (JetStream recovers what it stored), as a crashed server does.
 */
export class PrivateNats {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-nats-'));

  private constructor(readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port and waits until JetStream answers. */
  static async start(port?: number): Promise<PrivateNats> {
    const nats = new PrivateNats(port ?? (await freePort()));
    await nats.start();
    return nats;
  }

  /** (Re)starts the server on its port and directory; resolves once JetStream answers. */
  async start(): Promise<void> {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir];
    const child = spawn('nats-server', args, { stdio: 'ignore' });
    this.child = child;
    const exited = once(child, 'exit').then(() => {
      throw new Error(`nats-server on port ${this.port} exited during start`);
    });
    exited.catch(() => {});
    const up = waitUntil(() => natsReachable(this.url), `nats-server on port ${this.port}`, 10_000);
    await Promise.race([up, exited]);
  }

  /** Kills the server with SIGKILL and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and removes its store. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A private `nats-server -js` on a free loopback port, for tests that kill and restart it. */
export interface PrivateNats {
  /** `nats://127.0.0.1:port` */
  readonly url: string;
  readonly port: number;
  /** Its JetStream store directory (`-sd`). */
  readonly dir: string;
  /** SIGKILLs the server and resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store; resolves once JetStream answers. */
  restart(): Promise<void>;
  /** Deletes its store (call while it is down): the next start comes back empty, as a lost disk would. */
  wipe(): void;
  /** Kills it if running and removes its store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `nats-server -js` on a port the OS picked, with its store in a temporary directory, answering
 * JetStream requests before this resolves. JetStream's file store keeps what it acknowledged across a
 * SIGKILL of the process (the writes are in the page cache), so a restart comes back with its data.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'herald-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let stopped = false;
  // nats-server does not notice its parent going away: never leave one behind if a test run exits early.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const proc = spawn('nats-server', args, { stdio: 'ignore' });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`nats-server on ${port} exited with ${code} at start`)));
    });
    try {
      await Promise.race([waitForJetStream(url, 10_000), exited]);
    } finally {
      exited.catch(() => {});
    }
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await gone;
  };

  await launch().catch(async (error: unknown) => {
    await kill();
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url,
    port,
    dir,
    kill,
    async restart() {
      if (stopped) throw new Error('restart after stop');
      await kill();
      await launch();
    },
    wipe() {
      if (child !== undefined) throw new Error('wipe while nats-server runs');
      rmSync(dir, { recursive: true, force: true });
    },
    async stop() {
      stopped = true;
      await kill();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago (the OS picked it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once JetStream at `url` answers an account-info request, failing after `timeoutMs`. */
async function waitForJetStream(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: url, timeout: 500, maxReconnectAttempts: 0 });
      await (await jetstreamManager(nc, { timeout: 500 })).getAccountInfo();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      await nc?.close().catch(() => {});
    }
  }
  throw new Error(`nats-server at ${url} did not answer JetStream requests within ${timeoutMs} ms`);
}

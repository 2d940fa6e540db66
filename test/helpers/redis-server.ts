import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a private redis-server keeps its data across a restart. */
export type RedisPersistence = 'none' | 'aof-always';

/** A private redis-server on a free loopback port, for tests that kill and restart it. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:port` */
  readonly url: string;
  readonly port: number;
  /** The running process (undefined while it is down). */
  readonly process: ChildProcess | undefined;
  /** SIGKILLs the server and resolves once the process is gone (no shutdown, no save). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Kills it if running and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a port the OS picked, in a temporary directory, answering PING before this
 * resolves. `none`: no RDB and no AOF, so a restart comes back empty. `aof-always`: an append-only file
 * fsynced on every write, so a restart (even after SIGKILL) comes back with every acknowledged write.
 */
export async function startPrivateRedis(persistence: RedisPersistence = 'none'): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(persistence === 'none' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always']));
  let child: ChildProcess | undefined;
  let stopped = false;
  // redis-server does not notice its parent going away: never leave one behind if a test run exits early.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server on ${port} exited with ${code} at start`)));
    });
    try {
      await Promise.race([waitForPing(port, 5_000), exited]);
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
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    kill,
    async restart() {
      if (stopped) throw new Error('restart after stop');
      await kill();
      await launch();
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

/** Resolves once a raw `PING` on `port` answers `+PONG` (not `-LOADING`), failing after `timeoutMs`. */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

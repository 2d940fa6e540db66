import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@herald/core/testing';

/** A private server process on a free loopback port with a directory of its own, for tests that kill it. */
export interface PrivateService {
  readonly port: number;
  /** Its data directory, removed by `stop`. */
  readonly dir: string;
  /** The running process (undefined while it is down). */
  readonly process: ChildProcess | undefined;
  /** SIGKILLs the server and resolves once the process is gone (no shutdown, no save). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory; resolves once it answers. */
  restart(): Promise<void>;
  /** Deletes its directory (call while it is down): the next start comes back empty, as a lost disk would. */
  wipe(): void;
  /** Kills it if running and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceSpec {
  /** The executable, e.g. `redis-server`. */
  readonly command: string;
  /** Its arguments for this port and data directory. */
  args(port: number, dir: string): string[];
  /** Resolves once the server on `port` serves requests; rejects after `timeoutMs`. */
  ready(port: number, timeoutMs: number): Promise<void>;
  /** How long a start may take to become ready, ms. */
  readonly startTimeoutMs: number;
}

/** Starts `spec.command` on a port the OS picked, in a temporary directory, ready before this resolves. */
export async function startPrivateService(spec: ServiceSpec): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `herald-${spec.command}-`));
  const args = spec.args(port, dir);
  let child: ChildProcess | undefined;
  let stopped = false;
  // These servers do not notice their parent going away: never leave one behind if a test run exits early.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const proc = spawn(spec.command, args, { stdio: 'ignore' });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`${spec.command} on ${port} exited with ${code} at start`)));
    });
    try {
      await Promise.race([spec.ready(port, spec.startTimeoutMs), exited]);
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
    port,
    dir,
    get process() {
      return child;
    },
    kill,
    async restart() {
      if (stopped) throw new Error('restart after stop');
      await kill();
      await launch();
    },
    wipe() {
      if (child !== undefined) throw new Error(`wipe while ${spec.command} runs`);
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

/** Calls `check` every 25 ms until it resolves true; throws `what` after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

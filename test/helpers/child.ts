import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HeraldInit } from '@herald/server';

/** A hub running in a child process (see child-server.ts). */
export interface ChildServer {
  readonly url: string;
  readonly apiKey: string;
  readonly process: ChildProcess;
  /** Ends the child (closing its stdin makes it shut down) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Starts a hub in a child process with JSON-serializable options; resolves with its URL. `env` is added
 * to this process's environment (e.g. HERALD_TEST_ENGINE and HERALD_TEST_REDIS_PREFIX for a cluster node).
 */
export function startChildServer(
  options: Partial<Omit<HeraldInit, 'engine' | 'logger'>> = {},
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const script = fileURLToPath(new URL('./child-server.ts', import.meta.url));
  // `--conditions herald-source`: @herald/server resolves to its TypeScript sources, as in the tests (vitest.config.ts).
  const args = ['--conditions', 'herald-source', '--import', 'tsx', script, JSON.stringify(options)];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the child hub did not start within 15 s'));
    }, 15_000);
    child.once('exit', (code) => reject(new Error(`the child hub exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      resolve({
        url: line.trim(),
        apiKey: 'test-key',
        process: child,
        async close() {
          child.stdin?.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import { BIN, ROOT } from './build.ts';

const running = new Set<ChildProcess>();

/** Kills every process these helpers started and still running (call in afterEach). */
export function killAll(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

/** The test's environment without HERALD_* (a developer's settings must not leak into a test). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HERALD_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

/** A running `herald` (spawned with `node`, not npx: a signal must reach the process itself). */
export class Cli {
  readonly child: ChildProcess;
  /** Lines of stdout (command output; `serve`: JSON log lines). */
  readonly lines: string[] = [];
  /** Lines of stderr (`serve`: the start-up block and warnings). */
  readonly errLines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(args: readonly string[], env: Record<string, string> = {}, input?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: 'pipe' });
    running.add(this.child);
    this.child.stdin?.end(input);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const w of this.waiters) w();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.errLines.push(line);
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        for (const w of this.waiters) w();
        resolve({ code, signal });
      });
    });
  }

  /** Resolves with the first line of stdout or stderr matching `pattern` (serve's start-up block is on stderr). */
  waitForLine(pattern: RegExp, timeoutMs = 8_000): Promise<RegExpMatchArray> {
    return this.waitFor(
      () => {
        for (const line of [...this.lines, ...this.errLines]) {
          const m = line.match(pattern);
          if (m !== null) return m;
        }
        return undefined;
      },
      `a line ${pattern}`,
      timeoutMs,
    );
  }

  /** Resolves with the first `n` stdout lines once they have arrived. */
  waitForLines(n: number, timeoutMs = 8_000): Promise<string[]> {
    return this.waitFor(() => (this.lines.length >= n ? this.lines.slice(0, n) : undefined), `${n} lines`, timeoutMs);
  }

  /** Re-checks `probe` on every line until it answers; fails on timeout or when the process has exited. */
  private waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found !== undefined) finish(() => resolve(found));
        else if (this.child.exitCode !== null || this.child.signalCode !== null)
          finish(() => reject(this.failure(`exited before ${what}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(this.failure(`no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        then();
      };
      this.waiters.push(check);
      check();
    });
  }

  private failure(what: string): Error {
    return new Error(`herald ${what}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
  }
}

/** A `herald serve` on a free port, once it has printed where it listens. */
export interface Served {
  readonly cli: Cli;
  readonly url: string;
  readonly port: number;
  /** The key it printed (generated ones in full). */
  readonly keyLine: string;
}

/**
 * Starts `herald serve --port 0` (unless `args` names a port) with quiet logs and a short grace period.
 * `timeoutMs` bounds the wait for the start-up block (a cluster starts several processes).
 */
export async function serve(
  args: readonly string[] = [],
  env: Record<string, string> = {},
  timeoutMs = 8_000,
): Promise<Served> {
  const cli = new Cli(['serve', '--port', '0', '--log-level', 'warn', '--shutdown-timeout-ms', '1000', ...args], env);
  const [, url = ''] = await cli.waitForLine(/^Herald listening on (http:\/\/\S+)/, timeoutMs);
  const [, keyLine = ''] = await cli.waitForLine(/^API key: (.*)$/);
  return { cli, url, port: Number(new URL(url).port), keyLine };
}

/** Stops a served hub with SIGTERM; it must exit cleanly (code 0, no signal). */
export async function stop(served: Served): Promise<void> {
  served.cli.child.kill('SIGTERM');
  expect(await served.cli.exited).toEqual({ code: 0, signal: null });
}

/** Runs `herald <args>` to completion. */
export async function run(
  args: readonly string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new Cli(args, env, input);
  const { code } = await cli.exited;
  return { code, stdout: cli.lines.join('\n'), stderr: cli.stderr };
}

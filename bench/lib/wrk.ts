// Runs wrk (C, Debian package) pinned to the load core and reads its summary. wrk costs far less
// CPU per request than a Node client, so request rates of the hub, not of the client, are measured.
import { spawnSync } from 'node:child_process';
import { spawnTracked } from './children.ts';

export interface WrkSpec {
  url: string;
  durationS: number;
  connections: number;
  cpus: string | undefined;
  headers: Record<string, string>;
  /** Lua script and its arguments (after `--`) */
  script?: { file: string; args: string[] };
}

export interface WrkResult {
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx3xx: number;
  socketErrors: number;
  output: string;
}

/** Why wrk cannot run here, or undefined. */
export function wrkMissing(): string | undefined {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined ? undefined : 'wrk not installed (apt-get install -y wrk)';
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return m?.[1] !== undefined && m[2] !== undefined ? Number(m[1]) * (UNIT_MS[m[2]] ?? Number.NaN) : Number.NaN;
}

export function parseWrk(output: string): WrkResult {
  const percentile = (p: number): number => durationMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output)?.[1]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN),
    requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    non2xx3xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: socket === null ? 0 : socket.slice(1).reduce((a, n) => a + Number(n), 0),
    output,
  };
}

export function runWrk(spec: WrkSpec): Promise<WrkResult> {
  const args = ['-t', '1', '-c', String(spec.connections), '-d', `${spec.durationS}s`, '--latency'];
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}: ${value}`);
  if (spec.script) args.push('-s', spec.script.file);
  args.push(spec.url);
  if (spec.script) args.push('--', ...spec.script.args);
  return new Promise((resolve, reject) => {
    const child = spawnTracked({
      command: 'wrk',
      args,
      cpus: spec.cpus,
      options: { stdio: ['ignore', 'pipe', 'pipe'] },
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${output.slice(0, 500)}`));
      else resolve(parseWrk(output));
    });
  });
}

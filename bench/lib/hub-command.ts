// The command line of each hub under test.
import { existsSync } from 'node:fs';
import { nchanCommand } from '../peers/nchan.ts';
import { profileArgs } from './children.ts';
import type { PeerName } from './options.ts';

/**
 * Herald's per-client limits (contract section 8) guard a hub against one abusive client; the
 * bench is one publisher (one API key) at up to tens of thousands of messages a second, and its
 * subscribers come from a few source addresses. Lifted for every run, and said so in the report.
 */
export const HERALD_BENCH_FLAGS = [
  '--max-publish-rate-per-connection',
  '0',
  '--max-publish-rate-per-principal',
  '0',
  '--max-ws-ops-per-second',
  '0',
  '--max-connections-per-ip',
  '0',
  '--max-long-polls-per-ip',
  '0',
];

/** Herald peers on the Redis engine, and the worker processes each runs (`herald serve --workers`). */
export const REDIS_WORKERS: Partial<Record<PeerName, number>> = { 'herald-redis': 1, 'herald-redis-w2': 2 };

/** Where a Redis peer keeps its keys: the bench's Redis and a prefix of this run's own. */
export interface RedisPlace {
  url: string;
  prefix: string;
}

export interface HubCommand {
  command: string;
  args: string[];
  /** nginx: the measured process is the worker, a child of the one started */
  forks: boolean;
}

export interface HubSpec {
  peer: PeerName;
  port: number;
  apiKey: string;
  heraldArgs: readonly string[];
  /** the `herald` command the CLI peers run (a snapshot of the build: bench/lib/herald-build.ts) */
  heraldBin: string;
  tmpDir: string;
  /** Redis peers only */
  redis: RedisPlace | undefined;
}

export function hubCommand(spec: HubSpec): HubCommand {
  const { peer, port, apiKey, heraldArgs, heraldBin, tmpDir, redis } = spec;
  if (peer === 'nchan') return { ...nchanCommand(port, tmpDir), forks: true };
  const workers = REDIS_WORKERS[peer];
  if (peer === 'herald' || workers !== undefined) {
    if (!existsSync(heraldBin)) throw new Error(`${heraldBin} not found: run \`npm run build\` first`);
    const args = [heraldBin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--api-key', apiKey];
    if (workers !== undefined) {
      if (redis === undefined) throw new Error(`${peer}: no Redis given`);
      args.push('--redis', redis.url, '--redis-prefix', redis.prefix);
      if (workers > 1) args.push('--workers', String(workers));
    }
    return {
      command: process.execPath,
      args: [...profileArgs(), ...args, ...HERALD_BENCH_FLAGS, ...heraldArgs],
      forks: false,
    };
  }
  const script = `bench/peers/${peer}.ts`;
  const args = [...profileArgs(), '--import', 'tsx', script, '--port', String(port), '--api-key', apiKey];
  return { command: process.execPath, args, forks: false };
}

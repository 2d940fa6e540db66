// The command line of each hub under test.
import { existsSync } from 'node:fs';
import { nchanCommand } from '../peers/nchan.ts';
import { profileArgs } from './children.ts';
import type { PeerName } from './options.ts';

/**
 * Herald's per-client limits (contract section 8) guard a hub against one abusive client; the
 * bench's subscribers come from a few source addresses, so the per-address and per-socket ones are
 * lifted for every run, and said so in the report. The publish rate limits stay at their defaults
 * (issue 16): the bench publishes with an API key, which they do not limit by default, and a 429
 * would show as refused publishes.
 */
export const HERALD_BENCH_FLAGS = [
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

/** Peers whose script is not `bench/peers/<name>.ts`, or that run it with flags of their own. */
const PEER_SCRIPTS: Partial<Record<PeerName, { script: string; extra: string[] }>> = {
  'raw-ws-per-frame': { script: 'bench/peers/raw-ws.ts', extra: [] },
  'raw-ws-corked': { script: 'bench/peers/raw-ws.ts', extra: ['--cork'] },
};

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
  const { script, extra } = PEER_SCRIPTS[peer] ?? { script: `bench/peers/${peer}.ts`, extra: [] };
  const args = [...profileArgs(), '--import', 'tsx', script, '--port', String(port), '--api-key', apiKey, ...extra];
  return { command: process.execPath, args, forks: false };
}

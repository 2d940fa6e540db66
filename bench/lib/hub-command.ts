// The command line of each hub under test.
import { existsSync } from 'node:fs';
import { bunCommand } from '../peers/bun.ts';
import { nchanCommand } from '../peers/nchan.ts';
import { hubNodeFlags, profileArgs } from './children.ts';
import { INSPECT_FLAG } from './inspector.ts';
import type { PeerName } from './options.ts';

/**
 * Herald's per-client limits (contract section 8) guard a hub against one abusive client; the
 * bench's subscribers come from a few source addresses, so the per-address and per-socket ones are
 * lifted for every run, and said so in the report. The publish rate limits stay at their defaults
 * (SECURITY.md "Defaults"): the bench publishes with an API key, which they do not limit by default, and a 429
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

/** The engines Herald peers can share with other nodes. */
export type SharedEngine = 'redis' | 'nats';

/** Herald peers on a shared engine: which one, and the worker processes each runs (`--workers`). */
export const ENGINE_PEERS: Partial<Record<PeerName, { engine: SharedEngine; workers: number }>> = {
  'herald-redis': { engine: 'redis', workers: 1 },
  'herald-redis-w2': { engine: 'redis', workers: 2 },
  'herald-nats': { engine: 'nats', workers: 1 },
};

/** Where a shared-engine peer keeps its data: the bench's Redis or NATS, under a prefix of this run's own. */
export interface EnginePlace {
  engine: SharedEngine;
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
  /** the Bun peer's binary as given (--bun, BENCH_BUN), or undefined to look for one */
  bunBin: string | undefined;
  tmpDir: string;
  /** Shared-engine peers only */
  store: EnginePlace | undefined;
  /**
   * Give a single-process Node hub an inspector (scenario C: a full GC before each memory reading,
   * bench/lib/inspector.ts). Bun, nginx and clusters are started as they are.
   */
  inspect?: boolean;
}

/** Peers whose script is not `bench/peers/<name>.ts`, or that run it with flags of their own. */
const PEER_SCRIPTS: Partial<Record<PeerName, { script: string; extra: string[] }>> = {
  'raw-ws-per-frame': { script: 'bench/peers/raw-ws.ts', extra: [] },
  'raw-ws-corked': { script: 'bench/peers/raw-ws.ts', extra: ['--cork'] },
};

export function hubCommand(spec: HubSpec): HubCommand {
  const { peer, port, apiKey, heraldArgs, heraldBin, bunBin, tmpDir, store } = spec;
  // A cluster's workers would inherit the flag; they are not measured this way.
  const inspect = spec.inspect === true && (ENGINE_PEERS[peer]?.workers ?? 1) === 1 ? [INSPECT_FLAG] : [];
  if (peer === 'nchan') return { ...nchanCommand(port, tmpDir), forks: true };
  if (peer === 'bun') return { ...bunCommand(bunBin, port), forks: false };
  const workers = ENGINE_PEERS[peer]?.workers;
  if (peer === 'herald' || peer === 'herald-base' || workers !== undefined) {
    if (!existsSync(heraldBin)) throw new Error(`${heraldBin} not found: run \`npm run build\` first`);
    const args = [heraldBin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--api-key', apiKey];
    if (workers !== undefined) {
      if (store === undefined) throw new Error(`${peer}: no engine place given`);
      args.push(`--${store.engine}`, store.url, `--${store.engine}-prefix`, store.prefix);
      if (workers > 1) args.push('--workers', String(workers));
    }
    return {
      command: process.execPath,
      args: [...profileArgs(), ...hubNodeFlags(), ...inspect, ...args, ...HERALD_BENCH_FLAGS, ...heraldArgs],
      forks: false,
    };
  }
  const { script, extra } = PEER_SCRIPTS[peer] ?? { script: `bench/peers/${peer}.ts`, extra: [] };
  const node = [...profileArgs(), ...hubNodeFlags(), ...inspect, '--import', 'tsx'];
  const args = [...node, script, '--port', String(port), '--api-key', apiKey, ...extra];
  return { command: process.execPath, args, forks: false };
}

// Starts the hub under test (Herald or a peer) as its own pinned process and waits until it answers.
// A Herald on Redis gets a key prefix of its own, deleted when it stops; with `--workers` the hub is a
// node:cluster primary and its workers, measured together.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { nchanWorkerPid } from '../peers/nchan.ts';
import { spawnTracked, stopChild } from './children.ts';
import { ENGINE_PEERS, type EnginePlace, hubCommand } from './hub-command.ts';
import { inspectorUrl } from './inspector.ts';
import { deleteNatsPrefix, localNatsPid } from './nats.ts';
import type { BenchOptions, PeerName } from './options.ts';
import { type CpuTime, childPids, cmdline, cpuTime, rssBytes, sendsUncounted, sumCpu, writeCalls } from './procfs.ts';
import { deletePrefix, freshPrefix, localRedisPid } from './redis.ts';

export const TMP_DIR = 'bench/results/tmp';

export interface Hub {
  peer: PeerName;
  /** the process that serves connections (nginx: the worker; a cluster: its primary) */
  pid: number;
  /** every process whose CPU and memory are the hub's: `pid`, plus a cluster's workers */
  pids: number[];
  /** cores the hub may use: a cluster's workers get the load's core too (see hubCpus) */
  cores: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  logFile: string;
  child: ChildProcess;
  /** Herald on Redis or NATS: its prefix (deleted when it stops) and the local engine server, if any */
  store: (EnginePlace & { pid: number | undefined }) | undefined;
  /** the Node inspector's WebSocket URL, when the hub was started with one (HubConfig.inspect) */
  inspector: string | undefined;
}

export interface HubConfig {
  peer: PeerName;
  cpus: string | undefined;
  apiKey: string;
  heraldArgs: readonly string[];
  /** Redis URL of the herald-redis peers, NATS URL of the herald-nats peer (ignored by the others) */
  redisUrl: string;
  natsUrl: string;
  /** the `herald` command of the CLI peers */
  heraldBin: string;
  /** the `bun` binary of the Bun peer, or undefined to look for one (bench/peers/bun.ts) */
  bunBin: string | undefined;
  /** start a single-process Node hub with an inspector (scenario C's GC before each reading) */
  inspect?: boolean;
}

/** Variables that would put the `herald` peer on another engine than its name says. */
const ENGINE_VARIABLES = [
  'HERALD_REDIS_URL',
  'HERALD_REDIS_PREFIX',
  'HERALD_NATS_URL',
  'HERALD_NATS_PREFIX',
  'HERALD_WORKERS',
  'HERALD_DATA',
];

/**
 * The CPUs a hub is pinned to. One process gets the server core to itself; a cluster of N workers is
 * meant to use every core, so it also gets the load's core (on a 2-core machine the load generator and
 * the workers then share core 1: a cluster's figures here are a lower bound of what it does on a
 * machine with cores to spare).
 */
export function hubCpus(opts: BenchOptions, peer: PeerName): string | undefined {
  if (!opts.pin) return undefined;
  return (ENGINE_PEERS[peer]?.workers ?? 1) > 1 ? `${opts.serverCpus},${opts.loadCpus}` : opts.serverCpus;
}

/** CPU time of every process of the hub so far. */
export function hubCpu(hub: Hub): CpuTime {
  return sumCpu(hub.pids.map(cpuTime));
}

/** Write system calls of every process of the hub so far; NaN when its sockets are written with send(2). */
export function hubWriteCalls(hub: Hub): number {
  if (hub.pids.some(sendsUncounted)) return Number.NaN;
  return hub.pids.reduce((a, pid) => a + writeCalls(pid), 0);
}

/** Resident memory of every process of the hub, or undefined when the one serving is gone. */
export function hubRss(hub: Hub): number | undefined {
  const each = hub.pids.map(rssBytes);
  return each[0] === undefined ? undefined : each.reduce<number>((a, b) => a + (b ?? 0), 0);
}

/** A port that was free a moment ago (the hub binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether the hub at `origin` answers /healthz with 200 now. */
export function healthy(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${origin}/healthz`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** `herald serve` prints this once it listens; a cluster's primary only once every worker does. */
function listening(logFile: string): boolean {
  try {
    return /^Herald listening on /m.test(readFileSync(logFile, 'utf8'));
  } catch {
    return false;
  }
}

export async function startHub(config: HubConfig, timeoutMs = 20_000): Promise<Hub> {
  mkdirSync(TMP_DIR, { recursive: true });
  const port = await freePort();
  const logFile = `${TMP_DIR}/${config.peer}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
  const log = openSync(logFile, 'w');
  const shared = ENGINE_PEERS[config.peer];
  const workers = shared?.workers;
  const store: EnginePlace | undefined = shared && {
    engine: shared.engine,
    url: shared.engine === 'redis' ? config.redisUrl : config.natsUrl,
    prefix: freshPrefix(),
  };
  const { command: cmd, args, forks } = hubCommand({ ...config, port, tmpDir: TMP_DIR, store });
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  for (const name of ENGINE_VARIABLES) delete env[name];
  const child = spawnTracked({ command: cmd, args, cpus: config.cpus, options: { stdio: ['ignore', log, log], env } });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  const cleanup = async (): Promise<void> => {
    await stopChild(child);
    if (store) await deleteStore(store).catch(() => '');
  };
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await cleanup();
      throw new Error(
        `${config.peer} exited (${child.exitCode ?? child.signalCode}) before answering; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    // A cluster answers /healthz as soon as its first worker listens: wait for all of them.
    if (await healthy(origin)) {
      if ((workers ?? 1) > 1 && !listening(logFile)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const pid = child.pid !== undefined && forks ? nchanWorkerPid(child.pid) : child.pid;
      if (pid === undefined) throw new Error(`${config.peer}: no pid`);
      const pids = (workers ?? 1) > 1 ? [pid, ...childPids(pid)] : [pid];
      if (pids.length !== (workers ?? 1) + ((workers ?? 1) > 1 ? 1 : 0)) {
        await cleanup();
        throw new Error(`${config.peer}: expected ${workers} workers, found ${pids.length - 1}`);
      }
      const cores = config.cpus === undefined ? (workers ?? 1) : config.cpus.split(',').length;
      const hubStore = store && {
        ...store,
        pid: store.engine === 'redis' ? await localRedisPid(store.url) : localNatsPid(store.url),
      };
      // Node prints the inspector's address before it runs the hub's code, so it is in the log by now.
      const inspector = config.inspect ? inspectorUrl(logFile) : undefined;
      return { peer: config.peer, pid, pids, cores, origin, logFile, child, store: hubStore, inspector };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await cleanup();
  throw new Error(`${config.peer} did not answer /healthz within ${timeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
}

export interface Stopped {
  crashed: boolean;
  logTail: string;
  /** Shared-engine peers: what happened to the run's keys or streams */
  storeCleanup?: string;
}

/** Graceful stop of a cluster: the primary asks its workers to drain (Herald's own bound is 10 s). */
const CLUSTER_GRACE_MS = 15_000;

/**
 * Stops the hub; returns whether it was still alive (a crash during the run is a finding). A cluster
 * whose worker died and was replaced counts as crashed too. A Redis hub's keys are deleted afterwards.
 */
export async function stopHub(hub: Hub): Promise<Stopped> {
  const workers = hub.pids.slice(1);
  const deadWorker = workers.find((pid) => cmdline(pid) === undefined);
  const crashed = hub.child.exitCode !== null || hub.child.signalCode !== null || deadWorker !== undefined;
  await stopChild(hub.child, workers.length > 0 ? CLUSTER_GRACE_MS : undefined);
  // Workers outlive a primary that had to be killed only briefly (they exit when its IPC closes);
  // any still there is ours by pid and command line.
  for (const pid of workers) if (cmdline(pid)?.includes('herald.js serve')) process.kill(pid, 'SIGKILL');
  const stopped: Stopped = {
    crashed,
    logTail: crashed ? `${deadWorker ? `worker ${deadWorker} died during the run\n` : ''}${tail(hub.logFile)}` : '',
  };
  if (hub.store) {
    const { prefix } = hub.store;
    stopped.storeCleanup = await deleteStore(hub.store).catch(
      (err: unknown) => `could not delete what is under ${prefix}: ${err instanceof Error ? err.message : err}`,
    );
  }
  return stopped;
}

/** Deletes a run's keys (Redis) or streams (NATS); says what it deleted. */
async function deleteStore(place: EnginePlace): Promise<string> {
  if (place.engine === 'redis')
    return `deleted ${await deletePrefix(place.url, place.prefix)} keys under ${place.prefix}`;
  return `deleted the streams of ${place.prefix} (${await deleteNatsPrefix(place.url, place.prefix)} messages)`;
}

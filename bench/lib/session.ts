// One hub process with its subscribers connected: the common first half of every scenario.
// Server memory is read before and after each transport's connections, giving KB per connection.
import { closeSync, openSync } from 'node:fs';
import { stopAll } from './children.ts';
import { type Hub, startHub, stopHub, TMP_DIR } from './hub.ts';
import type { Transport } from './ipc.ts';
import { LoadPool } from './load-pool.ts';
import type { BenchOptions, PeerName } from './options.ts';
import { rssBytes } from './procfs.ts';
import { follow, startBar } from './progress.ts';
import { Publisher } from './publisher-client.ts';
import type { MemoryResult } from './results.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Time for the hub to finish per-connection setup and for RSS to settle before it is read. */
const SETTLE_MS = 1500;

export interface Session {
  hub: Hub;
  pool: LoadPool;
  publisher: Publisher;
  channelUrl: string;
  subscribers: number;
  memory: MemoryResult;
  notes: string[];
  logFd: number;
}

export async function openSession(opts: BenchOptions, peer: PeerName, label: string): Promise<Session> {
  const loadCpus = opts.pin ? opts.loadCpus : undefined;
  const hub = await startHub({
    peer,
    cpus: opts.pin ? opts.serverCpus : undefined,
    apiKey: opts.apiKey,
    heraldArgs: opts.heraldArgs,
  });
  const logFd = openSync(`${TMP_DIR}/load-${label}.log`, 'w');
  const total = opts.transports.length * opts.subs;
  const pool = new LoadPool(Math.max(1, Math.ceil(total / opts.connsPerWorker)), loadCpus, logFd);
  const publisher = new Publisher(loadCpus, logFd);
  // A fresh channel per run: nothing left over from an earlier run can be delivered.
  const channelUrl = `${hub.origin}/v1/channels/bench-${label}/messages`;
  const notes: string[] = [];
  await sleep(SETTLE_MS);
  const baselineRssBytes = rssBytes(hub.pid) ?? 0;
  const memory: MemoryResult = { baselineRssBytes, transports: [] };
  let subscribers = 0;
  for (const transport of opts.transports) {
    const before = rssBytes(hub.pid) ?? 0;
    const bar = startBar(`${label} connect ${transport}`, opts.subs);
    const stop = follow(bar, () => ({ value: Math.max(0, pool.progress().open - subscribers) }));
    const result = await pool.connect(transport, channelUrl, opts.subs, opts.connsPerAddress, opts.connectConcurrency);
    stop();
    if (result.failed > 0) notes.push(`${transport}: ${result.failed} connections failed: ${result.errors.join('; ')}`);
    await sleep(SETTLE_MS);
    const after = rssBytes(hub.pid) ?? 0;
    subscribers += result.opened;
    memory.transports.push({
      transport: transport satisfies Transport,
      connections: result.opened,
      failed: result.failed,
      rssDeltaBytes: after - before,
      kbPerConnection: result.opened > 0 ? (after - before) / 1024 / result.opened : Number.NaN,
    });
  }
  return { hub, pool, publisher, channelUrl, subscribers, memory, notes, logFd };
}

export async function closeSession(session: Session): Promise<{ crashed: boolean; logTail: string }> {
  await Promise.all([session.pool.close(), session.publisher.close()]);
  const stopped = await stopHub(session.hub);
  closeSync(session.logFd);
  return stopped;
}

/** On a failure halfway: make sure nothing of this session keeps running. */
export async function abandonSession(): Promise<void> {
  await stopAll();
}

// One hub process with its subscribers connected: the common first half of the delivery and
// memory scenarios. Server memory is read before and after each transport's connections, giving
// KB per connection (and, for Herald, the V8 heap's share of it from /v1/stats).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { heraldBinFor } from './herald-build.ts';
import { type Hub, hubCpus, hubRss, type Stopped, startHub, stopHub, TMP_DIR } from './hub.ts';
import type { Transport } from './ipc.ts';
import { LoadPool } from './load-pool.ts';
import { type MemoryReading, memoryDeltas, readMemory } from './memory-reading.ts';
import type { BenchOptions } from './options.ts';
import { type PeerSpec, publishUrl, subscribeUrl } from './peers.ts';
import { follow, startBar } from './progress.ts';
import { Publisher } from './publisher-client.ts';
import type { MemoryResult } from './results.ts';
import { heapUsed } from './stats.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SessionPlan {
  transports: readonly Transport[];
  /** subscribers per transport */
  subs: number;
  /** true: every subscriber on its own channel (scenario D); false: all on one channel */
  channelPerConnection: boolean;
  /**
   * Connect each transport in two halves and read the hub's RSS between them (scenario C): the
   * second half's cost is what one more connection costs once the process has grown its young
   * generation and pools for this many, which the whole delta spreads over every connection.
   */
  halves?: boolean;
  /**
   * Scenario C: start a Node hub with an inspector and run a full GC before each reading (the
   * "retained" figures, bench/lib/memory-reading.ts), beside the readings taken without.
   */
  collectGarbage?: boolean;
}

export interface Session {
  hub: Hub;
  peer: PeerSpec;
  pool: LoadPool;
  publisher: Publisher;
  /** channel name; with channelPerConnection, a template with `{i}` */
  channel: string;
  /** POST URL of the channel (or template) */
  channelUrl: string;
  /** number of channels messages are spread over */
  channels: number;
  subscribers: number;
  /** deliveries one accepted message should make */
  perMessage: number;
  memory: MemoryResult;
  notes: string[];
  logFd: number;
}

/** Short channel names: their length is part of every WebSocket message's bytes (scenario F). */
function channelName(): string {
  return `b${randomBytes(4).toString('hex')}`;
}

export async function openSession(
  opts: BenchOptions,
  peer: PeerSpec,
  label: string,
  plan: SessionPlan,
): Promise<Session> {
  const loadCpus = opts.pin ? opts.loadCpus : undefined;
  const hub = await startHub({
    peer: peer.name,
    cpus: hubCpus(opts, peer.name),
    apiKey: opts.apiKey,
    heraldArgs: opts.heraldArgs,
    redisUrl: opts.redis,
    natsUrl: opts.nats,
    heraldBin: heraldBinFor(opts, peer.name),
    bunBin: opts.bun,
    inspect: plan.collectGarbage === true,
  });
  try {
    const logFd = openSync(`${TMP_DIR}/load-${label}.log`, 'w');
    const total = plan.transports.length * plan.subs;
    const pool = new LoadPool(Math.max(1, Math.ceil(total / opts.connsPerWorker)), loadCpus, logFd);
    const publisher = new Publisher(loadCpus, logFd);
    // A fresh channel per run: nothing left over from an earlier run can be delivered.
    const base = channelName();
    const channel = plan.channelPerConnection ? `${base}-{i}` : base;
    const notes: string[] = [];
    if (plan.collectGarbage && hub.inspector === undefined) {
      notes.push('no Node inspector (not a single Node process): RSS read without a GC, no "retained" figures');
    }
    await sleep(opts.settleMs);
    const baselineRssBytes = hubRss(hub) ?? 0;
    const memory: MemoryResult = { baselineRssBytes, transports: [] };
    let subscribers = 0;
    for (const transport of plan.transports) {
      // /v1/stats ahead of the GC at each end: the heap column keeps its meaning (the heap as it grew).
      const heapBefore = peer.heapStats ? await heapUsed(hub.origin) : undefined;
      const before = await readMemory(hub);
      const bar = startBar(`${label} connect ${transport}`, plan.subs);
      const stop = follow(bar, () => ({ value: Math.max(0, pool.progress().open - subscribers) }));
      const connect = (firstIndex: number, count: number) =>
        pool.connect({
          transport,
          dialect: peer.dialect,
          url: subscribeUrl(peer, hub.origin, channel, transport),
          firstIndex,
          count,
          connsPerAddress: opts.connsPerAddress,
          concurrency: opts.connectConcurrency,
          pollIntervalMs: opts.pollIntervalMs,
        });
      const firstHalf = plan.halves ? Math.floor(plan.subs / 2) : plan.subs;
      const first = await connect(subscribers, firstHalf);
      let middle: (MemoryReading & { opened: number }) | undefined;
      let second: typeof first | undefined;
      if (firstHalf < plan.subs) {
        await sleep(opts.settleMs);
        middle = { ...(await readMemory(hub)), opened: first.opened };
        second = await connect(subscribers + firstHalf, plan.subs - firstHalf);
      }
      stop();
      const opened = first.opened + (second?.opened ?? 0);
      const failed = first.failed + (second?.failed ?? 0);
      if (failed > 0) {
        const errors = [...first.errors, ...(second?.errors ?? [])];
        notes.push(`${transport}: ${failed} connections failed: ${errors.join('; ')}`);
      }
      await sleep(opts.settleMs);
      const heapAfter = peer.heapStats ? await heapUsed(hub.origin) : undefined;
      const after = await readMemory(hub);
      subscribers += opened;
      memory.transports.push({
        transport,
        connections: opened,
        failed,
        ...memoryDeltas({ before, middle, after, opened }),
        heapDeltaBytes: heapBefore !== undefined && heapAfter !== undefined ? heapAfter - heapBefore : undefined,
      });
    }
    return {
      hub,
      peer,
      pool,
      publisher,
      channel,
      channelUrl: publishUrl(hub.origin, channel),
      channels: plan.channelPerConnection ? subscribers : 1,
      subscribers,
      perMessage: plan.channelPerConnection ? 1 : subscribers,
      memory,
      notes,
      logFd,
    };
  } catch (err) {
    // The hub's Redis keys (if any) go with it; the load processes are stopped by the runner.
    const stopped = await stopHub(hub).catch(() => undefined);
    if (stopped?.storeCleanup) console.log(`bench: ${label}: ${stopped.storeCleanup}`);
    throw err;
  }
}

export async function closeSession(session: Session): Promise<Stopped> {
  await Promise.all([session.pool.close(), session.publisher.close()]);
  const stopped = await stopHub(session.hub);
  closeSync(session.logFd);
  return stopped;
}

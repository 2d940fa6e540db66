// One measurement window: publish at a fixed rate for a while, wait for late deliveries,
// then gather deliveries, latencies and every process's CPU time over the window.

import { hubCpu, hubWriteCalls } from './hub.ts';
import type { Traffic, Transport } from './ipc.ts';
import { summarize } from './latency.ts';
import type { BenchOptions } from './options.ts';
import {
  busySeconds,
  type CpuTime,
  cpuDelta,
  cpuTime,
  machineTicks,
  netCounters,
  stealShare,
  sumCpu,
} from './procfs.ts';
import { follow, startBar } from './progress.ts';
import type { Bound, CpuShare, EngineCpu, WindowResult } from './results.ts';
import type { Session } from './session.ts';

/** A process using this share of a core or more is taken as saturated. */
export const SATURATED = 0.85;
/** Drain ends early when no delivery arrived for this long. */
const STALL_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function selfCpu(): CpuTime {
  const u = process.cpuUsage();
  return { user: u.user / 1e6, system: u.system / 1e6 };
}

export function share(cpu: CpuTime, wallSeconds: number): CpuShare {
  return { ...cpu, share: wallSeconds > 0 ? (cpu.user + cpu.system) / wallSeconds : 0 };
}

/** Which side was saturated; `serverCores`: a hub of several processes is saturated when all its cores are. */
export function boundOf(server: number, load: number, serverCores = 1): Bound {
  const hub = server / Math.max(1, serverCores) >= SATURATED;
  if (hub && load >= SATURATED) return 'both';
  if (hub) return 'server';
  if (load >= SATURATED) return 'load';
  return 'neither';
}

/** The engine server's CPU between two samples, per message accepted meanwhile. */
export function engineCpu(start: CpuTime, end: CpuTime, wallSeconds: number, messages: number): EngineCpu {
  const used = cpuDelta(start, end);
  return {
    ...share(used, wallSeconds),
    usPerMessage: messages > 0 ? ((used.user + used.system) * 1e6) / messages : Number.NaN,
  };
}

/** CPU time of the Redis or NATS server a hub runs on (zero for other hubs: nothing to account). */
export function storeCpu(hub: { store: { pid: number | undefined } | undefined }): CpuTime {
  const pid = hub.store?.pid;
  return pid === undefined ? { user: 0, system: 0 } : cpuTime(pid);
}

export interface WindowSpec {
  /** progress bar label */
  label: string;
  /** what the window is within its run, kept in the result (e.g. "low rate") */
  name?: string;
  rate: number;
  batch: number;
  durationS: number;
}

export async function runWindow(session: Session, opts: BenchOptions, spec: WindowSpec): Promise<WindowResult> {
  const { pool, publisher, hub } = session;
  const loadPids = [...pool.pids, publisher.pid];
  await pool.collect(); // start from zero: anything before this belongs to no window
  const wallStart = performance.now();
  const ticksStart = machineTicks();
  const netStart = netCounters();
  const serverStart = hubCpu(hub);
  const writesStart = hubWriteCalls(hub);
  const engineStart = storeCpu(hub);
  const loadStart = [...loadPids.map(cpuTime), selfCpu()];

  const total = Math.round(spec.rate * spec.durationS);
  const bar = startBar(spec.label, total, '| delivered {delivered} | p99 {p99} ms', { delivered: 0, p99: '-' });
  const stopBar = follow(bar, () => {
    const p = pool.progress();
    return { value: publisher.latest.sent, payload: { delivered: p.received, p99: p.p99Ms.toFixed(1) } };
  });
  const done = await publisher
    .run({
      type: 'publish',
      url: session.channelUrl,
      channels: session.channels,
      multi:
        session.channels > 1 && spec.batch > 1
          ? { url: `${hub.origin}/v1/publish`, channel: session.channel }
          : undefined,
      apiKey: opts.apiKey,
      rate: spec.rate,
      durationMs: spec.durationS * 1000,
      batch: spec.batch,
      size: opts.size,
      maxInFlight: opts.publishConns,
      answerWaitMs: opts.drain * 1000,
    })
    .finally(stopBar);
  // Saturation is judged over the publishing period only: the drain that follows is mostly idle.
  const publishWall = (performance.now() - wallStart) / 1000;
  const serverAtPublishEnd = cpuDelta(serverStart, hubCpu(hub));
  const loadAtPublishEnd = cpuDelta(sumCpu(loadStart), sumCpu([...loadPids.map(cpuTime), selfCpu()]));

  // Late deliveries: wait until all expected arrived, nothing moves any more, or the drain bound.
  // Unanswered POSTs may still be published: count them as expected (a hub that lost them shows < 100 %).
  const expected = (done.accepted + done.unanswered) * session.perMessage;
  const drainEnd = Date.now() + opts.drain * 1000;
  let last = pool.progress().received;
  let lastChange = Date.now();
  while (Date.now() < drainEnd && pool.progress().received < expected && Date.now() - lastChange < STALL_MS) {
    await sleep(100);
    const now = pool.progress().received;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
  }
  const stats = await pool.collect();
  const server = cpuDelta(serverStart, hubCpu(hub));
  const writes = hubWriteCalls(hub) - writesStart;
  const load = cpuDelta(sumCpu(loadStart), sumCpu([...loadPids.map(cpuTime), selfCpu()]));
  const engineEnd = storeCpu(hub);
  const ticksEnd = machineTicks();
  const steal = stealShare(ticksStart, ticksEnd);
  const windowSeconds = (performance.now() - wallStart) / 1000;
  const engine =
    hub.store?.pid === undefined ? undefined : engineCpu(engineStart, engineEnd, windowSeconds, done.accepted);
  const engineUsed = engine === undefined ? 0 : engine.user + engine.system;
  // Whatever else ran on the machine meanwhile (other users of a shared box): noise to report.
  const others =
    busySeconds(ticksStart, ticksEnd) - (server.user + server.system + load.user + load.system + engineUsed);
  const netEnd = netCounters();

  const received = stats.reduce((a, s) => a + s.received, 0);
  const stale = stats.reduce((a, s) => a + s.stale, 0);
  const lastReceiveAt = Math.max(0, ...stats.map((s) => s.lastReceiveAt));
  const spanMs = lastReceiveAt - done.startedAt;
  const closes: Record<string, number> = {};
  for (const s of stats) for (const [k, v] of Object.entries(s.closes)) closes[k] = (closes[k] ?? 0) + v;
  const serverShare = share(serverAtPublishEnd, publishWall);
  const loadShare = share(loadAtPublishEnd, publishWall);
  const traffic: Partial<Record<Transport, Traffic>> = {};
  for (const s of stats) {
    for (const [t, v] of Object.entries(s.traffic) as Array<[Transport, Traffic]>) {
      const acc = traffic[t] ?? { received: 0, bytesIn: 0, bytesOut: 0, requests: 0 };
      traffic[t] = {
        received: acc.received + v.received,
        bytesIn: acc.bytesIn + v.bytesIn,
        bytesOut: acc.bytesOut + v.bytesOut,
        requests: acc.requests + v.requests,
      };
    }
  }
  return {
    label: spec.name ?? '',
    rate: spec.rate,
    batch: spec.batch,
    seconds: spec.durationS,
    published: {
      sent: done.sent,
      accepted: done.accepted,
      failed: done.failed,
      unanswered: done.unanswered,
      skipped: done.skipped,
      errors: done.errors,
    },
    subscribers: session.subscribers,
    perMessage: session.perMessage,
    expected,
    received,
    stale,
    deliveryRatio: expected > 0 ? received / expected : 0,
    deliveredPerSec: spanMs > 0 ? received / (spanMs / 1000) : 0,
    latency: summarize(stats.map((s) => s.latency)),
    publishRtt: summarize([done.rtt]),
    minPerConnection: Math.min(...stats.map((s) => s.minPerConnection)),
    maxPerConnection: Math.max(...stats.map((s) => s.maxPerConnection)),
    closes,
    cpu: { wallSeconds: publishWall, server: serverShare, load: loadShare },
    serverUsPerDelivery: {
      user: received > 0 ? (server.user * 1e6) / received : Number.NaN,
      system: received > 0 ? (server.system * 1e6) / received : Number.NaN,
    },
    // None at all while delivering, or NaN: the hub writes with send(2)/sendmsg(2) (Bun's uSockets,
    // Herald's compiled sender), which syscw does not count (procfs.ts writeCalls): unknown, not zero.
    serverWritesPerDelivery: received > 0 && writes > 0 ? writes / received : Number.NaN,
    loadUsPerDelivery: {
      user: received > 0 ? (load.user * 1e6) / received : Number.NaN,
      system: received > 0 ? (load.system * 1e6) / received : Number.NaN,
    },
    engine,
    stealShare: steal,
    othersCores: windowSeconds > 0 ? Math.max(0, others) / windowSeconds : 0,
    net: {
      backlogDrops: netEnd.backlogDrops - netStart.backlogDrops,
      retransmits: netEnd.retransmits - netStart.retransmits,
    },
    bound: boundOf(serverShare.share, loadShare.share, hub.cores),
    traffic,
    dataBytes: done.dataBytes,
  };
}

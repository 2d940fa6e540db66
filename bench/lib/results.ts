// Shapes of what a run measured: printed as tables and written as JSON.
import type { Traffic, Transport } from './ipc.ts';
import type { LatencySummary } from './latency.ts';
import type { PeerName, ScenarioName } from './options.ts';
import type { CpuTime } from './procfs.ts';

export interface TransportMemory {
  transport: Transport;
  connections: number;
  failed: number;
  rssDeltaBytes: number;
  /** (RSS after − RSS before) / connections, KiB */
  kbPerConnection: number;
  /**
   * Scenario C: (RSS after − RSS after the first half) / the second half's connections, KiB: what one
   * more connection costs once the hub has grown for the first half (see SessionPlan.halves).
   */
  marginalKbPerConnection?: number | undefined;
  /**
   * Scenario C, Node hubs: (RSS after − RSS before) / connections, KiB, each read after a full GC
   * through the hub's inspector (bench/lib/memory-reading.ts): what the connections retain, without
   * garbage or the young generation V8 grew for the burst. Undefined for hubs without one.
   */
  retainedKbPerConnection?: number | undefined;
  /** the same for the second half only (after the first half's GC'd reading) */
  retainedMarginalKbPerConnection?: number | undefined;
  /** V8 heap used after − before, each after the full GC, / connections, KiB */
  retainedHeapKbPerConnection?: number | undefined;
  /** V8 heap used after − before (from the hub's /v1/stats), when the hub reports it */
  heapDeltaBytes: number | undefined;
}

export interface MemoryResult {
  baselineRssBytes: number;
  transports: TransportMemory[];
}

export interface CpuShare extends CpuTime {
  /** (user + system) / wall seconds: 1.0 = one core busy the whole window */
  share: number;
}
// cpu.server / cpu.load cover the publishing period (wallSeconds); per-delivery figures use
// the whole window including the drain, since late deliveries cost CPU too.

export type Bound = 'server' | 'load' | 'both' | 'neither';

export interface WindowResult {
  /** what the window is within its run (e.g. "low rate"); empty for plain steps */
  label: string;
  /** offered publish rate, messages/s */
  rate: number;
  batch: number;
  seconds: number;
  published: {
    sent: number;
    accepted: number;
    failed: number;
    unanswered: number;
    skipped: number;
    errors: string[];
  };
  subscribers: number;
  /** deliveries each accepted message should make (subscribers on its channel) */
  perMessage: number;
  expected: number;
  received: number;
  /** deliveries of earlier windows' messages that arrived during this one (not in `received`) */
  stale: number;
  deliveryRatio: number;
  /** deliveries / (last delivery − first publish) */
  deliveredPerSec: number;
  latency: LatencySummary;
  publishRtt: LatencySummary;
  minPerConnection: number;
  maxPerConnection: number;
  closes: Record<string, number>;
  cpu: { wallSeconds: number; server: CpuShare; load: CpuShare };
  /** server CPU per delivered message, µs */
  serverUsPerDelivery: { user: number; system: number };
  /**
   * the hub's write system calls (write, writev) per delivered message, POST answers included: 1 =
   * one call per frame, below 1 = frames coalesced. Absent in results older than BENCHMARKS.md's
   * 2026-12-01 session 4.
   */
  serverWritesPerDelivery?: number;
  /** load-generator CPU (all its processes) per delivered message, µs: the client's cost */
  loadUsPerDelivery: { user: number; system: number };
  /** Shared-engine peers: the local redis-server's or nats-server's CPU, over the window (drain included) */
  engine: EngineCpu | undefined;
  stealShare: number;
  /** CPU used by other processes on the machine during the window, in cores (0..nproc) */
  othersCores: number;
  /** machine-wide, during the window: loopback backlog drops and TCP retransmissions */
  net: { backlogDrops: number; retransmits: number };
  bound: Bound;
  /** per transport: deliveries and client-side bytes on the wire */
  traffic: Partial<Record<Transport, Traffic>>;
  /** mean JSON size of a message's data, bytes */
  dataBytes: number;
}

/** A closed-loop request-rate measurement (wrk, or the WebSocket publisher). */
export interface RateResult {
  name: string;
  requestsPerSec: number;
  /** messages accepted per second (a batch request carries several) */
  messagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** non-2xx/3xx answers and socket errors, as reported by the tool */
  errors: string;
  server: CpuShare;
  load: CpuShare;
  /** hub CPU per request, µs (user / system) */
  serverUsPerRequest: { user: number; system: number };
  /** Shared-engine peers: the local redis-server's or nats-server's CPU over the measurement */
  engine: EngineCpu | undefined;
  bound: Bound;
  othersCores: number;
}

/**
 * CPU of the redis-server or nats-server a shared-engine peer runs on. The server is shared, so other
 * users' commands during the window count too (their share shows as a rate above what the hub sent);
 * each hub has its own keys or streams.
 */
export interface EngineCpu extends CpuShare {
  /** (user + system) per message accepted in the window, µs */
  usPerMessage: number;
}

/** Size of one HTTP exchange on the wire (polling's 304). */
export interface ExchangeBytes {
  name: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
}

export interface RunResult {
  /** which case of the plan (e.g. "A ws 1k"); the same for every peer of that case */
  caseId: string;
  peer: PeerName;
  scenario: ScenarioName;
  repetition: number;
  /** the peer could not run this case: the reason */
  skipped: string | undefined;
  memory: MemoryResult;
  /** latency: one window; fanout/channels: one per ramp step; bytes: one per rate; memory: none */
  windows: WindowResult[];
  /** ingest and polling */
  rates: RateResult[];
  exchanges: ExchangeBytes[];
  hubCrashed: boolean;
  notes: string[];
  /** Shared-engine peers: one line per hub, what became of its keys or streams (deleted after the run) */
  storeCleanup: string[];
}

export function emptyRun(caseId: string, peer: PeerName, scenario: ScenarioName, repetition: number): RunResult {
  return {
    caseId,
    peer,
    scenario,
    repetition,
    skipped: undefined,
    memory: { baselineRssBytes: 0, transports: [] },
    windows: [],
    rates: [],
    exchanges: [],
    hubCrashed: false,
    notes: [],
    storeCleanup: [],
  };
}

// Shapes of what a run measured: printed as tables and written as JSON.
import type { Transport } from './ipc.ts';
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
  /** load-generator CPU (all its processes) per delivered message, µs: the client's cost */
  loadUsPerDelivery: { user: number; system: number };
  stealShare: number;
  /** CPU used by other processes on the machine during the window, in cores (0..nproc) */
  othersCores: number;
  /** machine-wide, during the window: loopback backlog drops and TCP retransmissions */
  net: { backlogDrops: number; retransmits: number };
  bound: Bound;
}

export interface RunResult {
  peer: PeerName;
  scenario: ScenarioName;
  repetition: number;
  memory: MemoryResult;
  /** latency: one window; fanout: one per ramp step; memory: none */
  windows: WindowResult[];
  hubCrashed: boolean;
  notes: string[];
}

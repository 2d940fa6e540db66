// How long a plan should take on a quiet machine (for --dry-run and the docs): hub start and
// connections, each window with its drain, and the ramp steps a one-core hub is expected to reach.
import type { Transport } from '../lib/ipc.ts';
import { PEER_SPECS, type PeerSpec } from '../lib/peers.ts';
import { supported } from '../scenarios/context.ts';
import { rampSteps } from '../scenarios/ramp.ts';
import type { Case } from './plan.ts';

/** One core delivers ~1M messages/s at best (2026-12-01): ramps are expected to stop around here. */
const DELIVERIES_CEILING = 1_000_000;
/** Handshakes a second the load core manages on a quiet machine (measured: ~1,000-2,000). */
const CONNECTS_PER_SEC = 1500;
// Calibrated on --quick runs (2026-11-27: 169 s measured for ~180 s estimated, on a busy machine).
/** Process starts (hub, load processes with tsx), session set-up and teardown, s. */
const PER_RUN = 3;
/** Drain, collection and CPU accounting after each window, s (more when the step overloads). */
const PER_WINDOW = 1.2;

/** The transports `peer` runs of case `c` (the scenarios skip the rest); none: the peer is skipped. */
function runsOn(c: Case, peer: PeerSpec): Transport[] {
  const o = c.opts;
  switch (c.scenario) {
    case 'memory':
      return supported(o.transports, peer.idle, peer.name).keep;
    case 'channels':
      return supported(o.transports.slice(0, 1), peer.transports, peer.name).keep;
    case 'polling':
      return peer.polling ? o.transports : [];
    case 'ingest':
      return o.transports;
    default:
      return supported(o.transports, peer.transports, peer.name).keep;
  }
}

/** Expected seconds of one run of case `c` on `peer`: 0 when the peer skips it. */
export function runSeconds(c: Case, peer: PeerSpec): number {
  const o = { ...c.opts, transports: runsOn(c, peer) };
  if (o.transports.length === 0) return 0;
  const perMessage = c.scenario === 'channels' ? 1 : o.subs * o.transports.length;
  const steps =
    c.scenario === 'fanout' || c.scenario === 'channels'
      ? rampSteps(o.rate, o.maxRate, o.rampFactor).filter((r) => r * perMessage <= DELIVERIES_CEILING).length
      : c.scenario === 'latency'
        ? 1
        : c.scenario === 'bytes'
          ? 2
          : 0;
  const hubs =
    c.scenario === 'memory' ? Math.ceil(o.transports.length / Math.max(1, Math.floor(o.maxHubConns / o.subs))) : 1;
  const sessions = ['ingest', 'polling'].includes(c.scenario) ? 0 : 1;
  const connect =
    sessions * ((o.subs * o.transports.length) / CONNECTS_PER_SEC + ((o.transports.length + 1) * o.settleMs) / 1000);
  const windows = steps * (o.duration + PER_WINDOW) + (steps > 0 ? o.warmup : 0);
  const http = c.scenario === 'ingest' ? 3 * (o.duration + 1.5) : c.scenario === 'polling' ? 2 * (o.duration + 0.5) : 0;
  return hubs * PER_RUN + connect + windows + http;
}

/** Expected seconds of the whole plan (every peer, every repetition). */
export function planSeconds(plan: readonly Case[]): number {
  return plan.reduce((a, c) => a + caseSeconds(c), 0);
}

/** Expected seconds of one case: every peer that runs it, every repetition. */
function caseSeconds(c: Case): number {
  return c.opts.repeat * c.peers.reduce((a, name) => a + runSeconds(c, PEER_SPECS[name]), 0);
}

export function describePlan(plan: readonly Case[]): string {
  const lines = plan.map((c) => {
    const s = caseSeconds(c);
    return `${c.id.padEnd(16)} ${c.peers.join(',').padEnd(34)} × ${c.opts.repeat}  ~${Math.round(s)} s  ${c.title}`;
  });
  const total = planSeconds(plan);
  return [...lines, `expected total: ~${Math.round(total / 60)} min (${Math.round(total)} s) on a quiet machine`].join(
    '\n',
  );
}

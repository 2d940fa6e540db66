// How long a plan should take on a quiet machine (for --dry-run and the docs): hub start and
// connections, each window with its drain, and the ramp steps a one-core hub is expected to reach.
import { rampSteps } from '../scenarios/ramp.ts';
import type { Case } from './plan.ts';

/** One core delivers at most ~200k messages/s: ramps are expected to stop around here. */
const DELIVERIES_CEILING = 200_000;
/** Handshakes a second the load core manages on a quiet machine (measured: ~1,000-2,000). */
const CONNECTS_PER_SEC = 1500;
// Calibrated on --quick runs (2026-11-27: 169 s measured for ~180 s estimated, on a busy machine).
/** Process starts (hub, load processes with tsx), session set-up and teardown, s. */
const PER_RUN = 3;
/** Drain, collection and CPU accounting after each window, s (more when the step overloads). */
const PER_WINDOW = 1.2;

export function runSeconds(c: Case): number {
  const o = c.opts;
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
  return plan.reduce((a, c) => a + c.opts.repeat * c.peers.length * runSeconds(c), 0);
}

export function describePlan(plan: readonly Case[]): string {
  const lines = plan.map((c) => {
    const s = c.opts.repeat * c.peers.length * runSeconds(c);
    return `${c.id.padEnd(16)} ${c.peers.join(',').padEnd(34)} × ${c.opts.repeat}  ~${Math.round(s)} s  ${c.title}`;
  });
  const total = planSeconds(plan);
  return [...lines, `expected total: ~${Math.round(total / 60)} min (${Math.round(total)} s) on a quiet machine`].join(
    '\n',
  );
}

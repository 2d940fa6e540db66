import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BridgeReport } from './bridge-reports.ts';

/** Records one message's broker-to-hub latency, ms. */
export type BridgeLatency = (bridge: string, type: string, ms: number) => void;

/** What became of messages, as `herald_bridge_messages_total{outcome}` names it, and where each count is. */
const OUTCOMES = [
  ['consumed', 'consumed'],
  ['published', 'published'],
  ['duplicate', 'duplicates'],
  ['failed', 'failed'],
  ['dead_lettered', 'deadLettered'],
] as const satisfies ReadonlyArray<readonly [string, keyof BridgeReport]>;

/** Broker-to-hub latency buckets, seconds: a local broker takes about a millisecond, an outage seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The bridge metrics (docs/bridges.md). Counters and gauges are read from `read()` at scrape time, so
 * the bridges count in plain numbers and never touch prom-client; label sets are rebuilt each scrape,
 * so a bridge that goes away leaves no stale series. Disabled bridges are left out. Returns the
 * latency recorder (one histogram child per bridge, looked up once).
 */
export function registerBridgeMetrics(registry: Registry, read: () => readonly BridgeReport[]): BridgeLatency {
  const labelNames = ['bridge', 'type'] as const;
  const running = () => read().filter((b) => b.state !== 'disabled');
  new Counter({
    name: 'herald_bridge_messages_total',
    help: 'Messages of each bridge: taken from the broker (consumed; a redelivery counts again), stored (published), recognised as a redelivery (duplicate), publish attempts retried (failed), dead-lettered.',
    labelNames: [...labelNames, 'outcome'],
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      for (const b of running()) {
        for (const [outcome, field] of OUTCOMES) this.inc({ bridge: b.name, type: b.type, outcome }, b[field]);
      }
    },
  });
  new Gauge({
    name: 'herald_bridge_up',
    help: '1 while the bridge is connected to its broker, else 0.',
    labelNames,
    registers: [registry],
    collect(this: Gauge) {
      this.reset();
      for (const b of running()) this.set({ bridge: b.name, type: b.type }, b.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'herald_bridge_lag',
    help: 'Messages waiting in the broker for the bridge (sampled; sources that can tell only).',
    labelNames,
    registers: [registry],
    collect(this: Gauge) {
      this.reset();
      for (const b of running()) if (b.lag !== undefined) this.set({ bridge: b.name, type: b.type }, b.lag);
    },
  });
  new Counter({
    name: 'herald_bridge_reconnects_total',
    help: 'Broker connections the bridge lost and made again.',
    labelNames,
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      for (const b of running()) this.inc({ bridge: b.name, type: b.type }, b.reconnects);
    },
  });
  const histogram = new Histogram({
    name: 'herald_bridge_latency_seconds',
    help: 'Time from the broker handing a message over to the hub storing it.',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const children = new Map<string, { observe(value: number): void }>();
  return (bridge, type, ms) => {
    let child = children.get(bridge);
    if (child === undefined) {
      child = histogram.labels({ bridge, type });
      children.set(bridge, child);
    }
    child.observe(ms / 1000);
  };
}

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Hub } from '@herald/core';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { type ServerStats, TRANSPORTS, type TransportName } from './stats.ts';

/**
 * Prometheus metrics. Values are read from the plain counters in {@link ServerStats} and the hub at
 * scrape time, so the hot path never touches prom-client.
 */
export function createMetrics(stats: ServerStats, hub: Hub): { registry: Registry; stop(): void } {
  const registry = new Registry();
  // prom-client's own names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …) already say
  // what they measure; a prefix would only be prepended to them (`herald_process_process_…`), and the
  // standard names are what Node.js dashboards and alerts expect. Herald's own metrics start `herald_`.
  collectDefaultMetrics({ register: registry });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  const byTransport = (name: string, help: string, read: (t: TransportName) => number, counter: boolean): void => {
    if (counter) {
      new Counter({
        name,
        help,
        labelNames: ['transport'],
        registers: [registry],
        collect(this: Counter) {
          this.reset();
          for (const t of TRANSPORTS) this.inc({ transport: t }, read(t));
        },
      });
    } else {
      new Gauge({
        name,
        help,
        labelNames: ['transport'],
        registers: [registry],
        collect(this: Gauge) {
          for (const t of TRANSPORTS) this.set({ transport: t }, read(t));
        },
      });
    }
  };
  byTransport(
    'herald_connections',
    'Open live connections (and held long polls) by transport.',
    (t) => stats.connections[t],
    false,
  );
  byTransport(
    'herald_messages_delivered_total',
    'Messages delivered to subscribers by transport.',
    (t) => stats.delivered[t],
    true,
  );
  byTransport('herald_bytes_out_total', 'Bytes written to clients by transport.', (t) => stats.bytesOut[t], true);
  new Counter({
    name: 'herald_messages_published_total',
    help: 'Messages accepted for publishing.',
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      this.inc(hub.published);
    },
  });
  new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP answers by status.',
    labelNames: ['status'],
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      for (const [status, n] of stats.requests) this.inc({ status: String(status) }, n);
    },
  });
  new Counter({
    name: 'herald_client_fallbacks_total',
    help: 'Transport fallbacks reported by clients, by transport left, transport taken and reason.',
    labelNames: ['from', 'to', 'reason'],
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      for (const [key, n] of stats.fallbacks) {
        const [from = '', to = '', reason = ''] = key.split('|');
        this.inc({ from, to, reason }, n);
      }
    },
  });
  new Gauge({
    name: 'herald_history_messages',
    help: 'Messages held in history over all channels.',
    registers: [registry],
    collect(this: Gauge) {
      this.set(hub.engine.historySize?.() ?? 0);
    },
  });
  new Gauge({
    name: 'herald_channels',
    help: 'Channels the engine holds (when it can tell).',
    registers: [registry],
    collect(this: Gauge) {
      this.set(hub.engine.channelCount?.() ?? 0);
    },
  });
  new Counter({
    name: 'herald_channels_evicted_total',
    help: 'Channels the engine forgot at its channel cap to make room for new ones (their next use starts a new epoch).',
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      this.inc(hub.engine.channelsEvicted?.() ?? 0);
    },
  });
  new Gauge({
    name: 'herald_subscriptions',
    help: 'Channel subscribers by transport: live subscriptions and held long polls (the count /v1/stats reports).',
    labelNames: ['transport'],
    registers: [registry],
    collect(this: Gauge) {
      // Every transport, 0 when none: a series that vanishes reads as "no data", not as zero.
      const counts: Record<string, number> = {
        ...Object.fromEntries(TRANSPORTS.map((t) => [t, 0])),
        ...hub.subscriptionCounts(),
      };
      for (const [transport, n] of Object.entries(counts)) this.set({ transport }, n);
    },
  });
  new Gauge({
    name: 'herald_event_loop_lag_seconds',
    help: 'Event-loop delay since the last scrape.',
    labelNames: ['quantile'],
    registers: [registry],
    collect(this: Gauge) {
      this.set({ quantile: '0.5' }, lag.percentile(50) / 1e9);
      this.set({ quantile: '0.99' }, lag.percentile(99) / 1e9);
      this.set({ quantile: '1' }, lag.max / 1e9);
      lag.reset();
    },
  });
  return { registry, stop: () => lag.disable() };
}

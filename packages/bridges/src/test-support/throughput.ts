// Measures each bridge into an in-process hub (memory engine) with one live subscriber:
//   throughput: N messages already waiting in the broker (core NATS and MQTT: published as fast as
//               the broker takes them while the bridge runs), from the bridge's start (or the first
//               send) to the subscriber's last delivery;
//   latency:    M messages at a fixed rate, from the producer's clock to the subscriber's delivery.
// Run: node --import tsx packages/bridges/src/test-support/throughput.ts [N] [M] [rate/s]
// (BRIDGES=rabbitmq,mqtt,... picks sources)

import { Hub, MemoryEngine, type Message, type Sink } from '@herald/core';
import { startBridges } from '../start.ts';
import type { Bridges } from '../types.ts';
import { type Case, mqtt, natsCore, natsJs, outbox, rabbit, redis } from './bench-cases.ts';
import { unique } from './brokers.ts';

const N = Number(process.argv[2] ?? 10_000);
const M = Number(process.argv[3] ?? 1_000);
const RATE = Number(process.argv[4] ?? 500);

/** Counts deliveries and records the producer-to-subscriber latency carried in `data.t`. */
class CountingSink implements Sink {
  readonly transport = 'bench';
  count = 0;
  readonly latencies: number[] = [];
  private waiter: { target: number; resolve: () => void } | undefined;
  deliver(message: Message): void {
    const t = (JSON.parse(message.data) as { t?: number }).t;
    if (t !== undefined) this.latencies.push(Date.now() - t);
    this.count++;
    if (this.waiter !== undefined && this.count >= this.waiter.target) this.waiter.resolve();
  }
  reset(): void {}
  backlog(): number {
    return 0;
  }
  drained(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  until(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { target, resolve };
    });
  }
}

/** Sends messages 0..N-1, waiting for the broker every 500 (the shared mosquitto queues at most 1,000 per client). */
async function sendAll(c: Case): Promise<void> {
  for (let n = 0; n < N; n++) {
    await c.send(n);
    if (n % 500 === 499) await c.flush?.();
  }
  await c.flush?.();
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(name: string, make: (id: string) => Promise<Case>): Promise<void> {
  const c = await make(unique(''));
  const hub = new Hub({ engine: new MemoryEngine() });
  const sink = new CountingSink();
  await hub.subscribe('bench:x', sink, undefined);
  const deps = { publish: hub.publish.bind(hub) };
  let bridges: Bridges | undefined;
  const up = async () => {
    while (bridges?.status()[0]?.state !== 'up') await new Promise((r) => setTimeout(r, 10));
  };
  try {
    let started: number;
    if (c.live === true) {
      bridges = startBridges([c.config], deps);
      await up();
      started = Date.now();
      await sendAll(c);
    } else {
      await sendAll(c);
      started = Date.now();
      bridges = startBridges([c.config], deps);
    }
    await c.flush?.();
    await sink.until(N);
    const seconds = (Date.now() - started) / 1000;
    await up();
    for (let n = 0; n < M; n++) {
      await c.send(N + n, Date.now());
      if (c.flush !== undefined && c.live !== true) await c.flush();
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await c.flush?.();
    await sink.until(N + M);
    const lat = sink.latencies;
    console.log(
      `${name.padEnd(16)} ${Math.round(N / seconds)
        .toString()
        .padStart(7)} msg/s   latency p50 ${percentile(lat, 50)} ms  p99 ${percentile(lat, 99)} ms  (n=${lat.length})`,
    );
  } finally {
    await bridges?.close();
    hub.close();
    await c.cleanup();
  }
}

const only = process.env.BRIDGES;
const cases: Array<[string, (id: string) => Promise<Case>]> = [
  ['rabbitmq', rabbit],
  ['mqtt', mqtt],
  ['nats', natsCore],
  ['nats-jetstream', natsJs],
  ['redis-streams', redis],
  ['postgres-outbox', outbox],
];
console.log(`${N} messages for throughput, ${M} at ${RATE}/s for latency (memory engine, 1 subscriber)`);
for (const [name, make] of cases) if (only === undefined || only.split(',').includes(name)) await measure(name, make);

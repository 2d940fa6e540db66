import type { BridgeReport } from '@herald/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// How a hub shows the message-queue bridges running beside it (docs/bridges.md, "State, /readyz and
// metrics"): a stand-in source, so no broker is needed; the CLI tests run real ones.
let s: TestServer;
const report = (over: Partial<BridgeReport>): BridgeReport => ({
  name: 'orders',
  type: 'rabbitmq',
  state: 'up',
  since: 1_700_000_000_000,
  lastError: undefined,
  consumed: 12,
  published: 10,
  duplicates: 1,
  failed: 3,
  deadLettered: 1,
  reconnects: 2,
  lag: 7,
  ...over,
});
let bridges: BridgeReport[] = [];

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

async function ready(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('bridges in /readyz, /metrics and the stats stream', () => {
  it('shows nothing while the hub has no bridges', async () => {
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await (await fetch(`${s.url}/metrics`)).text()).not.toMatch(/^herald_bridge_\w+\{/m);
  });

  it('lists each bridge in /readyz; a bridge that is down does not fail readiness', async () => {
    bridges = [report({}), report({ name: 'telemetry', type: 'mqtt', state: 'down', lastError: 'ECONNREFUSED' })];
    const remove = s.herald.bridges.add({ status: () => bridges });
    try {
      const { status, body } = await ready();
      expect(status).toBe(200);
      expect(body).toEqual({
        status: 'ready',
        bridges: [
          { name: 'orders', type: 'rabbitmq', state: 'up', since: 1_700_000_000_000 },
          { name: 'telemetry', type: 'mqtt', state: 'down', since: 1_700_000_000_000 },
        ],
      });
      // Errors may name hosts: not for anyone who asks.
      expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
    } finally {
      remove();
    }
  });

  it('counts messages, state, lag, reconnects and latency in /metrics, read at scrape time', async () => {
    bridges = [report({}), report({ name: 'prices', type: 'nats', state: 'connecting', lag: undefined })];
    const remove = s.herald.bridges.add({ status: () => bridges });
    try {
      s.herald.bridges.latency('orders', 'rabbitmq', 3);
      s.herald.bridges.latency('orders', 'rabbitmq', 700);
      const text = await (await fetch(`${s.url}/metrics`)).text();
      for (const line of [
        'herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="consumed"} 12',
        'herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="published"} 10',
        'herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="duplicate"} 1',
        'herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="failed"} 3',
        'herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="dead_lettered"} 1',
        'herald_bridge_up{bridge="orders",type="rabbitmq"} 1',
        'herald_bridge_up{bridge="prices",type="nats"} 0',
        'herald_bridge_lag{bridge="orders",type="rabbitmq"} 7',
        'herald_bridge_reconnects_total{bridge="orders",type="rabbitmq"} 2',
        'herald_bridge_latency_seconds_bucket{le="0.005",bridge="orders",type="rabbitmq"} 1',
        'herald_bridge_latency_seconds_bucket{le="1",bridge="orders",type="rabbitmq"} 2',
        'herald_bridge_latency_seconds_count{bridge="orders",type="rabbitmq"} 2',
      ]) {
        expect(text).toContain(line);
      }
      // No lag for a source that cannot tell, rather than a made-up 0.
      expect(text).not.toContain('herald_bridge_lag{bridge="prices"');

      // A later scrape sees the counters move, and a bridge that went away is gone.
      bridges = [report({ published: 11 })];
      const later = await (await fetch(`${s.url}/metrics`)).text();
      expect(later).toContain('herald_bridge_messages_total{bridge="orders",type="rabbitmq",outcome="published"} 11');
      expect(later).not.toContain('bridge="prices"');
    } finally {
      remove();
    }
  });

  it('gives the API key every figure and the last error in the stats stream', async () => {
    bridges = [report({ state: 'down', lastError: 'connect ECONNREFUSED 127.0.0.1:5672', lag: undefined })];
    const remove = s.herald.bridges.add({ status: () => bridges });
    const stream = await openSse(`${s.url}/v1/stats/stream`, { authorization: `Bearer ${s.apiKey}` });
    try {
      const frame = (await stream.frames.until((f) => f.kind === 'event', 5_000, 'a snapshot')).at(-1);
      const snapshot = JSON.parse(frame?.kind === 'event' ? frame.data : '{}') as { bridges?: unknown };
      expect(snapshot.bridges).toEqual([
        {
          name: 'orders',
          type: 'rabbitmq',
          state: 'down',
          since: 1_700_000_000_000,
          lastError: 'connect ECONNREFUSED 127.0.0.1:5672',
          consumed: 12,
          published: 10,
          duplicates: 1,
          failed: 3,
          deadLettered: 1,
          reconnects: 2,
          lag: null,
        },
      ]);
    } finally {
      stream.close();
      remove();
    }
  });
});

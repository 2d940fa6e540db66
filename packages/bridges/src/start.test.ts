import { describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from './config.ts';
import { startBridges } from './start.ts';
import { freePort } from './test-support/brokers.ts';
import { until } from './test-support/harness.ts';

describe('startBridges', () => {
  it('starts with every broker down: each bridge reports down with the reason, and all close at once', async () => {
    const port = await freePort(); // nothing listens there
    const common = { channel: 'c:{key}', retryInitialMs: 50, retryMaxMs: 200 };
    const config: BridgeConfigInput[] = [
      { ...common, type: 'rabbitmq', name: 'r', url: `amqp://127.0.0.1:${port}`, queue: 'q' },
      { ...common, type: 'mqtt', name: 'm', url: `mqtt://127.0.0.1:${port}`, topics: ['t'], clientId: 'c' },
      { ...common, type: 'nats', name: 'n', servers: `nats://127.0.0.1:${port}`, subjects: ['s'] },
      { ...common, type: 'nats-jetstream', name: 'j', servers: `nats://127.0.0.1:${port}`, stream: 's', durable: 'd' },
      { ...common, type: 'redis-streams', name: 's', url: `redis://127.0.0.1:${port}`, streams: ['s'], group: 'g' },
      { ...common, type: 'postgres-outbox', name: 'p', url: `postgres://u@127.0.0.1:${port}/db` },
      { ...common, type: 'nats', name: 'off', subjects: ['s'], enabled: false },
    ];
    const bridges = startBridges(config, { publish: async () => ({ duplicate: false }) });
    await until(() => bridges.status().every((s) => s.state === 'down' || s.state === 'disabled'), 10_000, 'all down');
    expect(bridges.ready()).toBe(false);
    for (const s of bridges.status().slice(0, 6)) expect(s.lastError).toMatch(/ECONNREFUSED|connect|closed/i);
    expect(bridges.status()[6]).toMatchObject({ name: 'off', state: 'disabled' });
    const started = Date.now();
    await bridges.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(bridges.status().map((s) => s.state)).toEqual([
      'closed',
      'closed',
      'closed',
      'closed',
      'closed',
      'closed',
      'disabled',
    ]);
    await bridges.close(); // idempotent
  });

  it('refuses a bad config before starting anything', () => {
    expect(() =>
      startBridges([{ type: 'nats', name: 'x' } as BridgeConfigInput], { publish: async () => ({ duplicate: false }) }),
    ).toThrow(/bridges\[0\]\.subjects/);
  });
});

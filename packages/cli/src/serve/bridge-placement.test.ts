import { parseBridgesConfig } from '@herald/bridges';
import { describe, expect, it } from 'vitest';
import { bridgesForWorker, bridgesLine } from './bridge-placement.ts';

const configs = parseBridgesConfig([
  { type: 'rabbitmq', name: 'orders', queue: 'herald.orders', channel: 'orders' },
  { type: 'mqtt', name: 'shared', clientId: 'herald-a', topics: ['t/#'], shareGroup: 'herald', channel: 't' },
  { type: 'mqtt', name: 'plain', clientId: 'herald-b', topics: ['p/#'], channel: 'p' },
  { type: 'nats', name: 'prices', subjects: ['prices.>'], channel: 'prices' },
  { type: 'nats', name: 'grouped', subjects: ['g.>'], queueGroup: 'herald', channel: 'g' },
  { type: 'nats-jetstream', name: 'js', stream: 'S', durable: 'herald', channel: 'js' },
  { type: 'redis-streams', name: 'chat', streams: ['chat'], group: 'herald', consumer: 'node1', channel: 'chat' },
  { type: 'redis-streams', name: 'auto', streams: ['auto'], group: 'herald', channel: 'auto' },
  { type: 'postgres-outbox', name: 'outbox', url: 'postgres://app@127.0.0.1/app', channel: 'outbox' },
  { type: 'nats', name: 'off', enabled: false, subjects: ['off.>'], channel: 'off' },
]);

describe('bridges under serve --workers', () => {
  it('runs every bridge in worker 1, with per-worker session and consumer names', () => {
    const mine = bridgesForWorker(configs, 1);
    expect(mine.map((b) => b.name)).toEqual(configs.map((b) => b.name));
    expect(mine.find((b) => b.name === 'shared')).toMatchObject({ clientId: 'herald-a-w1' });
    expect(mine.find((b) => b.name === 'plain')).toMatchObject({ clientId: 'herald-b' });
    expect(mine.find((b) => b.name === 'chat')).toMatchObject({ consumer: 'node1-w1' });
    const auto = mine.find((b) => b.name === 'auto');
    expect(auto?.type === 'redis-streams' ? auto.consumer : 'not found').toBeUndefined();
  });

  it('runs in the other workers only the sources that give each message to one consumer', () => {
    const mine = bridgesForWorker(configs, 3);
    expect(mine.map((b) => b.name)).toEqual(['orders', 'shared', 'grouped', 'js', 'chat', 'auto', 'outbox']);
    expect(mine.find((b) => b.name === 'shared')).toMatchObject({ clientId: 'herald-a-w3' });
    expect(mine.find((b) => b.name === 'chat')).toMatchObject({ consumer: 'node1-w3' });
  });

  it('says where each bridge runs in the start-up line', () => {
    expect(bridgesLine([])).toBeUndefined();
    expect(bridgesLine(configs.slice(0, 2))).toBe('Bridges: orders (rabbitmq), shared (mqtt)\n');
    const line = bridgesLine(configs, 4) ?? '';
    expect(line).toContain('orders (rabbitmq, every worker)');
    expect(line).toContain('plain (mqtt, worker 1 only: no shareGroup: every subscriber gets every message)');
    expect(line).toContain('prices (nats, worker 1 only: no queueGroup: every subscriber gets every message)');
    expect(line).toContain('off (nats, disabled)');
  });
});

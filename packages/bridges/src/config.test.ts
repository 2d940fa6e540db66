import { describe, expect, it } from 'vitest';
import { parseBridgesConfig } from './config.ts';
import { BRIDGE_DEFAULTS } from './defaults.ts';

describe('parseBridgesConfig', () => {
  it('fills in defaults', () => {
    const [bridge] = parseBridgesConfig([{ type: 'rabbitmq', name: 'orders', queue: 'q', channel: 'orders:{key}' }]);
    expect(bridge).toMatchObject({
      url: BRIDGE_DEFAULTS.rabbitmq.url,
      prefetch: 100,
      format: 'auto',
      idempotencyKey: 'source',
      declareQueue: true,
      bindings: [],
      enabled: true,
    });
  });

  it('names every bad option by its path', () => {
    const bad = () =>
      parseBridgesConfig([
        { type: 'rabbitmq', name: 'a', channel: 'x:{id}', match: 'orders.{oid}' },
        { type: 'mqtt', name: 'a', topics: [], clientId: 'c', channel: 'x', prefetch: 0 },
        { type: 'kafka', name: 'k' },
      ]);
    expect(bad).toThrow(/bridges\[0\]\.queue: expected a queue name/);
    expect(bad).toThrow(/bridges\[1\]\.topics/);
    expect(bad).toThrow(/bridges\[1\]\.prefetch: expected a positive integer/);
    expect(bad).toThrow(/bridges\[2\]\.type: expected type rabbitmq, mqtt/);
  });

  it('checks the templates against the pattern once the rest is valid', () => {
    expect(() =>
      parseBridgesConfig([{ type: 'rabbitmq', name: 'a', queue: 'q', channel: 'x:{id}', match: 'orders.{oid}' }]),
    ).toThrow(/bridges\[0\]\.channel: uses \{id\}, which match does not capture \(known: \{key\}, \{oid\}\)/);
    expect(() => parseBridgesConfig([{ type: 'rabbitmq', name: 'a', queue: 'q', channel: 'x', match: 'a.{' }])).toThrow(
      /bridges\[0\]\.match: pattern/,
    );
  });

  it('refuses duplicate names, unknown options and SQL-unsafe table names', () => {
    expect(() =>
      parseBridgesConfig([
        { type: 'nats', name: 'a', subjects: ['s'], channel: 'c' },
        { type: 'nats', name: 'a', subjects: ['s'], channel: 'c' },
      ]),
    ).toThrow(/bridges\[1\]\.name: bridge name a is used twice/);
    expect(() =>
      parseBridgesConfig([{ type: 'nats', name: 'a', subjects: ['s'], channel: 'c', subject: 'x' }]),
    ).toThrow(/Unrecognized key/);
    expect(() =>
      parseBridgesConfig([{ type: 'postgres-outbox', name: 'o', channel: 'c', table: 'outbox; DROP TABLE x' }]),
    ).toThrow(/bridges\[0\]\.table/);
  });
});

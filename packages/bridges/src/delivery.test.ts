import { HeraldError } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { parseBridgesConfig } from './config.ts';
import { type DeadLetter, Delivery } from './delivery.ts';
import { Mapper, type SourceMessage } from './mapping.ts';
import type { Poison } from './payload.ts';
import { BridgeStats } from './stats.ts';
import type { BridgeLogger, BridgePublish } from './types.ts';

function setup(publish: BridgePublish) {
  const [config] = parseBridgesConfig([
    { type: 'nats', name: 'n', subjects: ['o.>'], channel: 'c:{key}', retryInitialMs: 1, retryMaxMs: 5 },
  ]);
  const warnings: string[] = [];
  const logger: BridgeLogger = { debug() {}, info() {}, warn: (_, m) => warnings.push(m), error() {} };
  const stats = new BridgeStats('n', 'nats', logger, undefined);
  const abort = new AbortController();
  const delivery = new Delivery(config!, new Mapper(config!), publish, stats, logger, abort.signal);
  const dead: Poison[] = [];
  const deadLetter: DeadLetter = async (_, poison) => {
    dead.push(poison);
  };
  return { delivery, stats, abort, dead, deadLetter, warnings };
}

const message: SourceMessage = { key: 'o.1', body: '{"n":1}', sourceId: 'm-1' };

describe('Delivery', () => {
  it('retries a hub that is unavailable in place, then publishes once (never dead-letters it)', async () => {
    let calls = 0;
    const t = setup(async () => {
      calls++;
      if (calls <= 3) throw new HeraldError('unavailable');
      return { duplicate: false };
    });
    expect(await t.delivery.handle(message, t.deadLetter)).toBe('done');
    expect(calls).toBe(4);
    expect(t.dead).toEqual([]);
    expect(t.stats.snapshot()).toMatchObject({ consumed: 1, failed: 3, published: 1, deadLettered: 0 });
    // One line for the outage, not one per retry.
    expect(t.warnings).toEqual(['bridge publish failed, retrying']);
  });

  it('treats errors without a catalog code (a lost connection) as worth retrying', async () => {
    let calls = 0;
    const t = setup(async () => {
      if (++calls === 1) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return { duplicate: true };
    });
    expect(await t.delivery.handle(message, t.deadLetter)).toBe('done');
    expect(t.stats.snapshot()).toMatchObject({ failed: 1, duplicates: 1, published: 0 });
  });

  it('dead-letters what the hub refuses (bad_request, too_large) with the code as detail', async () => {
    const t = setup(async () => {
      throw new HeraldError('too_large', 'data is larger than 10 bytes');
    });
    expect(await t.delivery.handle(message, t.deadLetter)).toBe('done');
    expect(t.dead).toEqual([{ reason: 'rejected', detail: 'too_large: HeraldError: data is larger than 10 bytes' }]);
    expect(t.stats.snapshot()).toMatchObject({ deadLettered: 1, failed: 0 });
  });

  it('keeps a message whose dead-letter target is away, and retries it', async () => {
    const t = setup(async () => ({ duplicate: false }));
    let tries = 0;
    const flaky: DeadLetter = async () => {
      if (++tries < 3) throw new Error('dead-letter queue unreachable');
    };
    expect(await t.delivery.handle({ ...message, key: 'o.a b' }, flaky)).toBe('done');
    expect(tries).toBe(3);
    expect(t.stats.snapshot()).toMatchObject({ deadLettered: 1, failed: 2 });
  });

  it('returns a message that is still being retried when the bridge closes', async () => {
    const t = setup(async () => {
      throw new HeraldError('unavailable');
    });
    const verdict = t.delivery.handle(message, t.deadLetter);
    await new Promise((r) => setTimeout(r, 20));
    t.abort.abort();
    expect(await verdict).toBe('returned');
    expect(await t.delivery.handle(message, t.deadLetter)).toBe('returned');
  });

  it('drains: true once the message settled, false when its publish outlives the timeout', async () => {
    let release: () => void = () => {};
    const t = setup(() => new Promise((resolve) => (release = () => resolve({ duplicate: false }))));
    const verdict = t.delivery.handle(message, t.deadLetter);
    expect(await t.delivery.drain(20)).toBe(false);
    release();
    expect(await t.delivery.drain(20)).toBe(true);
    expect(await verdict).toBe('done');
  });
});

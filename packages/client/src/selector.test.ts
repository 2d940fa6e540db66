import { describe, expect, it } from 'vitest';
import { idleCutSeconds, transportSelector } from './selector.ts';
import type { Failure } from './transports/types.ts';

const order = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'] as const;
const refused: Failure = { kind: 'refused', opened: false, reason: 'upgrade failed' };
const cut: Failure = { kind: 'network', opened: true, reason: 'connection lost' };

describe('TransportSelector', () => {
  it('starts with the remembered transport, else the first', () => {
    expect(transportSelector(order).current).toBe('websocket');
    expect(transportSelector(order, 'long-poll').current).toBe('long-poll');
    expect(transportSelector(order, 'bogus' as never).current).toBe('websocket');
  });

  it('falls back along the order with a reason when a transport cannot open', () => {
    const s = transportSelector(order);
    expect(s.failed(refused, 0)).toMatchObject({
      fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' },
    });
    expect(s.failed({ kind: 'buffered', opened: false, reason: 'no data' }, 0)).toMatchObject({
      fallback: { from: 'sse', to: 'ndjson', reason: 'buffered' },
    });
    expect(s.failed({ kind: 'http', status: 404, opened: false, reason: 'nf' }, 0)).toMatchObject({
      fallback: { from: 'ndjson', to: 'long-poll', reason: 'http_404' },
    });
    expect(s.degraded).toBe(true);
  });

  it('retries the same transport for outages, overload and auth problems', () => {
    const s = transportSelector(order, 'sse');
    for (const status of [401, 403, 429, 503]) {
      expect(s.failed({ kind: 'http', status, opened: false, reason: '' }, 0)).toBeUndefined();
    }
    expect(s.failed({ kind: 'network', opened: false, reason: 'ECONNREFUSED' }, 0)).toBeUndefined();
    expect(s.current).toBe('sse');
  });

  it('wraps around after the last transport, flagging an outage', () => {
    const s = transportSelector(['long-poll', 'poll']);
    s.failed({ kind: 'no_response', opened: false, reason: '' }, 0);
    expect(s.failed({ kind: 'no_response', opened: false, reason: '' }, 0)).toMatchObject({
      wrapped: true,
      fallback: { from: 'poll', to: 'long-poll' },
    });
  });

  it('diagnoses an idle cut after repeated silent cuts of the same length', () => {
    const s = transportSelector(order);
    expect(s.failed(cut, 30_100)).toBeUndefined();
    expect(s.failed(cut, 29_800)).toBeUndefined();
    expect(s.failed(cut, 30_050)).toMatchObject({
      fallback: { from: 'websocket', to: 'sse', reason: 'idle_cut', detail: expect.stringContaining('30 s') },
    });
  });

  it('does not call cuts of different lengths, or hub closes, an idle cut', () => {
    const s = transportSelector(order);
    s.failed(cut, 5_000);
    s.failed(cut, 60_000);
    expect(s.failed(cut, 20_000)).toBeUndefined();
    s.failed(cut, 20_000);
    s.failed({ kind: 'server', code: 1001, opened: true, reason: 'going away' }, 20_000);
    expect(s.failed(cut, 20_000)).toBeUndefined();
  });

  it('offers an upgrade back to the preferred transport', () => {
    const s = transportSelector(order, 'long-poll');
    expect(s.upgrade()).toBe('websocket');
    expect(s.upgrade()).toBeUndefined();
  });

  it('computes idle-cut seconds only for consistent runs of at least a second', () => {
    expect(idleCutSeconds([500, 510, 490])).toBeUndefined();
    expect(idleCutSeconds([10_000, 10_000])).toBeUndefined();
    expect(idleCutSeconds([59_000, 60_000, 61_000])).toBe(60);
  });
});

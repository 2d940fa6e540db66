import { CLOSE_CODES, reconnectAdvice } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { HeraldError } from './errors.ts';
import { decide, FATAL_CLOSE_NAMES, type PolicyState, SLOW_CONSUMER, TOKEN_EXPIRED, UNAUTHORIZED } from './policy.ts';
import { transportSelector } from './selector.ts';
import type { Failure } from './transports/types.ts';

function state(over: Partial<PolicyState> = {}): PolicyState {
  return {
    attempts: 0,
    lifetimeMs: 10_000,
    canReauth: false,
    anonymous: false,
    backoff: { base: 1000, cap: 8000 },
    random: () => 0.5,
    selector: transportSelector(['websocket', 'sse']),
    ...over,
  };
}
const closed = (code: number): Failure => ({ kind: 'server', opened: true, code, reason: `closed ${code}` });

describe('decide (reconnect policy)', () => {
  it("names close codes as the protocol's table does (the bundle carries only the fatal ones)", () => {
    expect([UNAUTHORIZED, TOKEN_EXPIRED, SLOW_CONSUMER]).toEqual([
      CLOSE_CODES.unauthorized,
      CLOSE_CODES.token_expired,
      CLOSE_CODES.slow_consumer,
    ]);
    const fatal = Object.entries(CLOSE_CODES).filter(
      ([, code]) => reconnectAdvice(code) === 'never' || code === UNAUTHORIZED || code === TOKEN_EXPIRED,
    );
    expect(FATAL_CLOSE_NAMES).toEqual(Object.fromEntries(fatal.map(([name, code]) => [code, name])));
  });

  it('never reconnects after 4000-4099 and protocol-violation codes', () => {
    for (const code of [4000, 4003, 4099, 1002, 1008, 1009]) {
      expect(decide(closed(code), state())).toMatchObject({ type: 'fatal', error: { closeCode: code } });
    }
    expect(decide(closed(4003), state())).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('backs off on 4100-4199 and catches up by pull after a slow-consumer cut', () => {
    expect(decide(closed(4100), state())).toEqual({ type: 'retry', delay: 500, catchUp: true });
    expect(decide(closed(4101), state({ attempts: 2 }))).toEqual({ type: 'retry', delay: 2000, catchUp: false });
  });

  it('reconnects at once on 1000/1001/4200-4299, backing off only if that keeps failing', () => {
    for (const code of [1000, 1001, 4201, 4202]) {
      expect(decide(closed(code), state())).toEqual({ type: 'retry', delay: 0, catchUp: false });
    }
    expect(decide(closed(1001), state({ attempts: 3 }))).toMatchObject({ delay: 4000 });
  });

  it('re-authenticates once on 401 / 4001 / 4200 when it can, else stops', () => {
    const http401: Failure = { kind: 'http', status: 401, opened: false, reason: 'no' };
    expect(decide(http401, state({ canReauth: true }))).toEqual({ type: 'reauth' });
    expect(decide(closed(4200), state({ canReauth: true }))).toEqual({ type: 'reauth' });
    expect(decide(http401, state())).toMatchObject({ type: 'fatal' });
    expect(decide(closed(4001), state())).toMatchObject({ type: 'fatal', error: { code: 'unauthorized' } });
  });

  it('probes channels when a multi-channel request is refused', () => {
    expect(decide({ kind: 'http', status: 403, opened: false, reason: 'x' }, state())).toMatchObject({ type: 'probe' });
    // Without a token a 401 means "this channel needs credentials": find which one, keep the others.
    const http401: Failure = { kind: 'http', status: 401, opened: false, reason: 'x' };
    expect(decide(http401, state({ anonymous: true }))).toMatchObject({ type: 'probe', error: { status: 401 } });
    expect(decide(closed(4001), state({ anonymous: true }))).toMatchObject({ type: 'fatal' });
  });

  it('falls back at once, and honours Retry-After on overload', () => {
    const refused: Failure = { kind: 'refused', opened: false, reason: 'x' };
    expect(decide(refused, state())).toMatchObject({ type: 'retry', delay: 0, fallback: { to: 'sse' } });
    const error = new HeraldError('unavailable', 'x', { status: 503, retryAfterMs: 3000 });
    const busy: Failure = { kind: 'http', status: 503, opened: false, reason: 'x', error };
    expect(decide(busy, state())).toMatchObject({ type: 'retry', delay: 3000 });
  });
});

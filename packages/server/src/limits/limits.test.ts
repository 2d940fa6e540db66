import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/authenticator.ts';
import { type LimitOptions, Limits, validateLimits } from './limits.ts';

const options: LimitOptions = {
  maxConnectionsPerIp: 2,
  maxLongPollsPerIp: 1,
  maxPublishRatePerConnection: 10,
  maxPublishRatePerPrincipal: 15,
  maxPublishRatePerApiKey: 0,
  maxWsOpsPerSecond: 5,
  trustedProxies: [],
};
const principal = (kind: Principal['kind'], id: string | undefined): Principal => ({
  kind,
  id,
  subject: undefined,
  expiresAt: undefined,
  assertSubscribe: () => {},
  assertPublish: () => {},
  maySubscribe: () => true,
});
/** A JWT subject, or an anonymous client for `undefined`. */
const who = (id: string | undefined): Principal => principal(id === undefined ? 'anonymous' : 'jwt', id);
const key = (n: number): Principal => principal('key', `key:${n}`);

describe('Limits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(2_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('refuses a connection past the per-address cap with rate_limited and Retry-After', () => {
    const limits = new Limits(options);
    const release = limits.holdConnection('1.2.3.4');
    limits.holdConnection('1.2.3.4');
    expect(() => limits.holdConnection('1.2.3.4')).toThrow(
      expect.objectContaining({ code: 'rate_limited', retryAfter: 5 }),
    );
    limits.holdConnection('5.6.7.8');
    release();
    expect(limits.connectionsOf('1.2.3.4')).toBe(1);
    expect(() => limits.holdConnection('1.2.3.4')).not.toThrow();
  });

  it('counts long polls apart from live connections', () => {
    const limits = new Limits(options);
    limits.holdLongPoll('a');
    expect(() => limits.holdLongPoll('a')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(() => limits.holdConnection('a')).not.toThrow();
  });

  it('limits publishing per connection (2 s burst), then refills with time', () => {
    const limits = new Limits(options);
    const conn = {};
    limits.admitPublish(conn, who('jwt:a'), 'a', 20);
    expect(() => limits.admitPublish(conn, who('jwt:a'), 'a', 1)).toThrow(
      expect.objectContaining({ code: 'rate_limited', retryAfter: 1 }),
    );
    vi.advanceTimersByTime(1_000);
    limits.admitPublish(conn, who('jwt:a'), 'a', 1);
  });

  it('limits a principal across its connections; anonymous clients are charged by address', () => {
    const limits = new Limits(options);
    limits.admitPublish({}, who('jwt:a'), 'a', 20);
    limits.admitPublish({}, who('jwt:a'), 'a', 10);
    expect(() => limits.admitPublish({}, who('jwt:a'), 'a', 1)).toThrow(
      expect.objectContaining({ code: 'rate_limited' }),
    );
    // Another key and an anonymous address have their own budgets.
    limits.admitPublish({}, who('jwt:b'), 'a', 20);
    limits.admitPublish({}, who(undefined), 'a', 20);
    limits.admitPublish({}, who(undefined), 'a', 10);
    expect(() => limits.admitPublish({}, who(undefined), 'a', 1)).toThrow(
      expect.objectContaining({ code: 'rate_limited' }),
    );
    limits.admitPublish({}, who(undefined), 'b', 1);
  });

  it('does not limit API keys by default, nor their connections; maxPublishRatePerApiKey limits each key', () => {
    const open = new Limits(options);
    const conn = {};
    for (let i = 0; i < 100; i++) open.admitPublish(conn, key(0), 'a', 1000);
    const limited = new Limits({ ...options, maxPublishRatePerApiKey: 100 });
    limited.admitPublish({}, key(0), 'a', 150);
    limited.admitPublish({}, key(0), 'a', 50);
    expect(() => limited.admitPublish({}, key(0), 'a', 1)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    limited.admitPublish({}, key(1), 'a', 200);
  });

  it('gives each WebSocket a frame budget; 0 turns it off', () => {
    const bucket = new Limits(options).socketFrames();
    for (let i = 0; i < 10; i++) expect(bucket?.take(1, Date.now())).toBe(0);
    expect(bucket?.take(1, Date.now())).toBeGreaterThan(0);
    expect(new Limits({ ...options, maxWsOpsPerSecond: 0 }).socketFrames()).toBeUndefined();
  });

  it('0 turns every limit off', () => {
    const off = new Limits({
      ...options,
      maxConnectionsPerIp: 0,
      maxLongPollsPerIp: 0,
      maxPublishRatePerConnection: 0,
      maxPublishRatePerPrincipal: 0,
    });
    for (let i = 0; i < 1000; i++) {
      off.holdConnection('a');
      off.holdLongPoll('a');
      off.admitPublish({}, who('k'), 'a', 1000);
    }
  });
});

describe('validateLimits', () => {
  const base = { ...options, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };
  it.each([
    [{ maxConnectionsPerIp: -1 }, 'maxConnectionsPerIp'],
    [{ maxPublishRatePerPrincipal: Number.NaN }, 'maxPublishRatePerPrincipal'],
    [{ headersTimeoutMs: 0 }, 'headersTimeoutMs'],
    [{ trustedProxies: ['proxy.local'] }, 'trustedProxies'],
  ])('refuses %j naming the option', (bad, name) => {
    expect(() => validateLimits({ ...base, ...bad })).toThrow(name);
  });
  it('accepts the defaults', () => {
    expect(() => validateLimits(base)).not.toThrow();
  });
});

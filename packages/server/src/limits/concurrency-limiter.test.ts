import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';

describe('ConcurrencyLimiter', () => {
  it('holds up to max per key and frees on release', () => {
    const c = new ConcurrencyLimiter(2);
    const r1 = c.acquire('a');
    const r2 = c.acquire('a');
    expect(r1).toBeDefined();
    expect(r2).toBeDefined();
    expect(c.acquire('a')).toBeUndefined();
    expect(c.acquire('b')).toBeDefined();
    r1?.();
    expect(c.count('a')).toBe(1);
    expect(c.acquire('a')).toBeDefined();
  });

  it('release is idempotent and forgets keys at zero', () => {
    const c = new ConcurrencyLimiter(1);
    const r = c.acquire('a');
    r?.();
    r?.();
    expect(c.count('a')).toBe(0);
    expect(c.size).toBe(0);
    expect(c.acquire('a')).toBeDefined();
  });

  it('0 means unlimited', () => {
    const c = new ConcurrencyLimiter(0);
    for (let i = 0; i < 10_000; i++) expect(c.acquire('a')).toBeDefined();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryAfterSeconds, TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('admits a burst, then refuses with the time until a token is back', () => {
    const b = new TokenBucket(10, 20, Date.now());
    for (let i = 0; i < 20; i++) expect(b.take(1, Date.now())).toBe(0);
    expect(b.take(1, Date.now())).toBeCloseTo(0.1);
    vi.advanceTimersByTime(100);
    expect(b.take(1, Date.now())).toBe(0);
    expect(b.take(1, Date.now())).toBeGreaterThan(0);
  });

  it('refills at its rate and never above the burst', () => {
    const b = new TokenBucket(100, 50, Date.now());
    b.take(50, Date.now());
    vi.advanceTimersByTime(60_000);
    expect(b.full(Date.now())).toBe(true);
    for (let i = 0; i < 50; i++) expect(b.take(1, Date.now())).toBe(0);
    expect(b.take(1, Date.now())).toBeGreaterThan(0);
  });

  it('admits a cost above the burst from a full bucket, then makes it wait for the debt', () => {
    const b = new TokenBucket(100, 200, Date.now());
    expect(b.take(1000, Date.now())).toBe(0);
    // 800 in debt + 1 needed at 100/s.
    expect(b.take(1, Date.now())).toBeCloseTo(8.01);
    vi.advanceTimersByTime(8_010);
    expect(b.take(1, Date.now())).toBe(0);
  });

  it('a partial batch is refused whole and charged nothing', () => {
    const b = new TokenBucket(10, 10, Date.now());
    b.take(8, Date.now());
    expect(b.take(5, Date.now())).toBeCloseTo(0.3);
    expect(b.take(2, Date.now())).toBe(0);
  });

  it('a clock that steps back neither adds nor removes tokens', () => {
    const b = new TokenBucket(10, 10, Date.now());
    b.take(10, Date.now());
    expect(b.take(1, Date.now() - 5_000)).toBeGreaterThan(0);
    vi.advanceTimersByTime(100);
    expect(b.take(1, Date.now())).toBe(0);
  });

  it('Retry-After is whole seconds, at least 1', () => {
    expect(retryAfterSeconds(0.01)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1.2)).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(5_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('limits each key on its own', () => {
    const r = new RateLimiter(1, 2);
    expect(r.take('a', 1)).toBe(0);
    expect(r.take('a', 1)).toBe(0);
    expect(r.take('a', 1)).toBeGreaterThan(0);
    expect(r.take('b', 1)).toBe(0);
  });

  it('rate 0 means unlimited and tracks nothing', () => {
    const r = new RateLimiter(0, 0);
    for (let i = 0; i < 1000; i++) expect(r.take('a', 1000)).toBe(0);
    expect(r.size).toBe(0);
  });

  it('forgets idle keys after a minute, so memory follows active clients', () => {
    const r = new RateLimiter(10, 20);
    for (let i = 0; i < 500; i++) r.take(`k${i}`, 1);
    expect(r.size).toBe(500);
    vi.advanceTimersByTime(61_000);
    r.take('fresh', 1);
    expect(r.size).toBe(1);
  });

  it('keeps a key that is still paying off its burst', () => {
    const r = new RateLimiter(1, 100);
    r.take('busy', 100);
    vi.advanceTimersByTime(61_000);
    r.take('other', 1);
    expect(r.size).toBe(2);
    // 61 tokens back of 100: not yet full, so not forgotten.
    expect(r.take('busy', 70)).toBeGreaterThan(0);
  });

  it('stays within maxKeys by dropping the oldest key', () => {
    const r = new RateLimiter(1, 1, Date.now, 100);
    for (let i = 0; i < 1000; i++) r.take(`k${i}`, 1);
    expect(r.size).toBe(100);
  });
});

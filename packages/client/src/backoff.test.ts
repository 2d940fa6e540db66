import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay (full jitter)', () => {
  const o = { base: 100, cap: 1000 };

  it('draws uniformly below min(cap, base * 2^attempt)', () => {
    expect(backoffDelay(0, o, () => 0.999)).toBe(99);
    expect(backoffDelay(3, o, () => 0.5)).toBe(400);
    expect(backoffDelay(0, o, () => 0)).toBe(0);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [4, 10, 50, 10_000]) expect(backoffDelay(attempt, o, () => 0.999)).toBeLessThan(1000);
  });

  it('spreads a crowd over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(5, o));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(900);
  });

  it('honours a server floor (Retry-After) even above the cap', () => {
    expect(backoffDelay(0, o, () => 0, 300)).toBe(300);
    expect(backoffDelay(9, o, () => 0.999, 5000)).toBe(5000);
  });
});

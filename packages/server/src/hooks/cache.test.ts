import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './cache.ts';

describe('ExpiringCache', () => {
  it('forgets entries after their time and keeps at most its cap', () => {
    let now = 0;
    const cache = new ExpiringCache<string>(2, () => now);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 100);
    cache.set('c', 'C', 100);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe('C');
    now = 100;
    expect(cache.get('b')).toBeUndefined();
  });

  it('keeps nothing with a zero time', () => {
    const cache = new ExpiringCache<string>(10);
    cache.set('a', 'A', 0);
    expect(cache.get('a')).toBeUndefined();
  });
});

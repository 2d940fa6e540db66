import { describe, expect, it } from 'vitest';
import { BusiestChannels } from './busiest-channels.ts';

describe('BusiestChannels', () => {
  it('counts exactly while the channels fit, most first', () => {
    const b = new BusiestChannels(4);
    b.add('a', 1);
    b.add('b', 5);
    b.add('a', 2);
    b.add('c', 1);
    expect(b.top(2)).toEqual([
      { channel: 'b', messages: 5 },
      { channel: 'a', messages: 3 },
    ]);
    b.clear();
    expect(b.top(10)).toEqual([]);
  });

  it('keeps a heavy channel among thousands of one-off channels, in bounded memory', () => {
    const b = new BusiestChannels(16);
    for (let i = 0; i < 10_000; i++) {
      b.add(`noise:${i}`, 1);
      if (i % 4 === 0) b.add('hot', 1);
    }
    const top = b.top(100);
    expect(top.length).toBe(16);
    expect(top[0]?.channel).toBe('hot');
    // Over-counted by at most what it inherited from evicted counters: never under its true 2,500.
    expect(top[0]?.messages).toBeGreaterThanOrEqual(2_500);
  });
});

import { describe, expect, it } from 'vitest';
import { ChannelCap } from './channel-cap.ts';

describe('ChannelCap', () => {
  const none = () => false;

  it('picks never-written channels first, then the least recently used, and counts evictions', () => {
    const cap = new ChannelCap<{ used: number }>(3);
    for (const name of ['a', 'b', 'c']) cap.add(name, { used: 0 });
    cap.written('a');
    cap.written('b');
    expect(cap.full()).toBe(true);
    expect(cap.victim(none, 0)).toBe('c');
    cap.delete('c');
    // A use moves a channel back only after a second: `a` used at 500 ms stays first, at 2 s it moves.
    cap.use('a', 500);
    expect(cap.victim(none, 500)).toBe('a');
    cap.use('a', 2_000);
    expect(cap.victim(none, 2_000)).toBe('b');
    expect(cap.evicted).toBe(3);
  });

  it('never picks a watched channel; none when every channel is watched; a scan ends', () => {
    const cap = new ChannelCap<{ used: number }>(3);
    for (const name of ['a', 'b', 'c']) {
      cap.add(name, { used: 0 });
      cap.written(name);
    }
    expect(cap.victim(() => true, 0)).toBeUndefined();
    expect(cap.evicted).toBe(0);
    expect(cap.victim((n) => n !== 'c', 0)).toBe('c');
    // Watched channels met on the way went to the back: the next scan starts past them.
    expect([...cap.all()].map(([n]) => n)).toEqual(['c', 'a', 'b']);
  });

  it('0 means no cap', () => {
    const cap = new ChannelCap<{ used: number }>(0);
    for (let i = 0; i < 1000; i++) cap.add(`c${i}`, { used: 0 });
    expect(cap.full()).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { evictOldest } from './history-budget.ts';
import { MemoryEngine, messageBytes } from './memory-engine.ts';
import { Message } from './message.ts';

// Threat T14 in SECURITY.md: history memory is bounded per channel and in total, and so is the channel count.
const limits = { size: 100_000, maxAgeMs: 3_600_000 };
const data = (n: number) => JSON.stringify('x'.repeat(n));
const SIZE = messageBytes(new Message('c0', 'e', 1, undefined, data(1000), 0));

describe('evictOldest', () => {
  it('frees the globally oldest messages first, across channels', () => {
    const channels = new Map([
      ['a', [1, 4, 9]],
      ['b', [2, 3, 10]],
      ['c', [5]],
    ]);
    const dropped: number[] = [];
    const freed = evictOldest(
      channels.values(),
      5,
      (times) => times[0],
      (times) => {
        dropped.push(times.shift() as number);
        return 1;
      },
    );
    expect(freed).toBe(5);
    expect(dropped).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops when everything is gone', () => {
    const lists = [[1], [2]];
    expect(
      evictOldest(
        lists,
        100,
        (l) => l[0],
        (l) => {
          l.shift();
          return 10;
        },
      ),
    ).toBe(20);
  });
});

describe('MemoryEngine budgets', () => {
  it('trims a channel past its byte budget, keeping its newest messages', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0, maxChannelHistoryBytes: SIZE * 10 });
    for (let i = 0; i < 50; i++) await engine.append('c0', [{ event: undefined, data: data(1000) }], limits);
    expect(await engine.state('c0', limits)).toMatchObject({ first: 41, last: 50 });
    expect(engine.historyBytes()).toBe(SIZE * 10);
    await engine.close();
  });

  it('keeps the newest message even when it alone is over the channel budget', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0, maxChannelHistoryBytes: 10 });
    await engine.append('c0', [{ event: undefined, data: data(1000) }], limits);
    expect(await engine.state('c0', limits)).toMatchObject({ first: 1, last: 1 });
    await engine.close();
  });

  it('past the total budget, frees the oldest messages of any channel down to 90% of it', async () => {
    let now = 1_000_000;
    const engine = new MemoryEngine({ sweepIntervalMs: 0, now: () => now, maxHistoryBytes: SIZE * 100 });
    // An old quiet channel, then a busy one.
    for (let i = 0; i < 20; i++) await engine.append('q0', [{ event: undefined, data: data(1000) }], limits);
    now += 1000;
    for (let i = 0; i < 85; i++) await engine.append('b0', [{ event: undefined, data: data(1000) }], limits);
    // At the 101st message 11 went, all from the quiet channel's oldest; then 4 more came.
    expect(engine.historyBytes()).toBe(SIZE * 94);
    expect((await engine.state('q0', limits)).first).toBe(12);
    expect((await engine.state('b0', limits)).first).toBe(1);
    for (let i = 0; i < 1000; i++) await engine.append('b0', [{ event: undefined, data: data(1000) }], limits);
    expect(engine.historyBytes()).toBeLessThanOrEqual(SIZE * 100);
    expect(engine.historySize()).toBeLessThanOrEqual(100);
    await engine.close();
  });

  it('at the channel cap, forgets channels never written to, then the least recently used', async () => {
    let now = 1_000_000;
    const engine = new MemoryEngine({ sweepIntervalMs: 0, maxChannels: 3, now: () => now });
    const a = await engine.append('a', [{ event: undefined, data: '1' }], limits);
    await engine.state('read-only-1', limits);
    now += 2_000;
    await engine.state('read-only-2', limits);
    // A fourth channel pushes out the oldest never-written one.
    await engine.append('b', [{ event: undefined, data: '1' }], limits);
    expect(engine.channelCount()).toBe(3);
    await engine.append('c', [{ event: undefined, data: '1' }], limits);
    expect(engine.channelCount()).toBe(3);
    expect(engine.channelsEvicted()).toBe(2);
    // Every channel holds history now: the least recently used one (`a`, read long ago) goes.
    now += 2_000;
    await engine.read('b', 1, 10, limits);
    await engine.read('c', 1, 10, limits);
    await expect(engine.state('d', limits)).resolves.toMatchObject({ first: 1, last: 0 });
    expect(engine.channelsEvicted()).toBe(3);
    expect(engine.historySize()).toBe(2);
    // Its next use starts a new epoch: a client resuming there is told by a reset.
    const again = await engine.state('a', limits);
    expect(again.epoch).not.toBe(a.epoch);
    expect(again).toMatchObject({ first: 1, last: 0 });
    await engine.close();
  });

  it('never forgets a channel a feed watches; refuses a new one (503) when every channel is watched', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0, maxChannels: 2 });
    const feed = engine.openFeed({ messages: () => {}, resync: () => {} });
    feed.watch('w1');
    feed.watch('w2');
    await engine.state('w1', limits);
    await engine.state('w2', limits);
    await expect(engine.state('new', limits)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    feed.unwatch('w1');
    await expect(engine.state('new', limits)).resolves.toBeDefined();
    expect((await engine.state('w2', limits)).last).toBe(0);
    await engine.close();
  });

  it('a flood of fresh channel names stays at the cap and never refuses a real publish', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0, maxChannels: 100 });
    for (let i = 0; i < 1000; i++) await engine.state(`junk-${i}`, limits);
    expect(engine.channelCount()).toBe(100);
    await expect(engine.append('real', [{ event: undefined, data: '1' }], limits)).resolves.toBeDefined();
    expect(engine.channelCount()).toBe(100);
    await engine.close();
  });
});

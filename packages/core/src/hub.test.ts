import { describe, expect, it, vi } from 'vitest';
import type { Engine } from './engine.ts';
import type { FeedListener } from './feed.ts';
import { Hub } from './hub.ts';
import { MemoryEngine } from './memory-engine.ts';
import { createFramer, type Message } from './message.ts';
import { DEFAULT_NAMESPACE, Namespaces } from './namespaces.ts';
import type { ResetNotice, Sink } from './sink.ts';
import { SLOW_CONSUMER_CODE } from './slow-consumers.ts';

/** A sink that records what the core delivers, with a settable backlog. */
class RecordingSink implements Sink {
  readonly transport = 'test';
  readonly events: Array<{ offset: number; epoch: string } | { reset: ResetNotice }> = [];
  closedWith: number | undefined;
  unsent = 0;
  deliver(m: Message): void {
    this.events.push({ offset: m.offset, epoch: m.epoch });
  }
  reset(notice: ResetNotice): void {
    this.events.push({ reset: notice });
  }
  backlog(): number {
    return this.unsent;
  }
  async drained(): Promise<void> {}
  close(code: number): void {
    this.closedWith = code;
  }
  offsets(): number[] {
    return this.events.flatMap((e) => ('offset' in e ? [e.offset] : []));
  }
}

/**
 * The in-memory engine with a live feed that loses notifications, as a feed spread over several
 * nodes can: the hub must notice the hole by offset and fill it from history.
 */
function lossyFeed(engine: MemoryEngine, dropEvery: number): Engine {
  let n = 0;
  return Object.assign(Object.create(engine) as Engine, {
    lossyFeed: true,
    openFeed(listener: FeedListener) {
      return engine.openFeed({
        messages: (channel, messages) => {
          if (++n % dropEvery !== 0) listener.messages(channel, messages);
        },
        resync: () => listener.resync(),
      });
    },
  });
}

const data = (i: number) => [{ data: { i } }];

describe('Hub', () => {
  it('delivers every message once, in order, to a subscriber that resumes while publishing goes on', async () => {
    const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    for (let i = 0; i < 50; i++) await hub.publish('c', data(i));
    const state = await hub.state('c');
    const sink = new RecordingSink();
    const publishing = (async () => {
      for (let i = 50; i < 300; i++) await hub.publish('c', data(i));
    })();
    await hub.subscribe('c', sink, { epoch: state.epoch, offset: 10 });
    await publishing;
    expect(sink.offsets()).toEqual(Array.from({ length: 290 }, (_, i) => i + 11));
    hub.close();
  });

  it('frames a live message once for all its subscribers, and history does not keep the framing', async () => {
    let encoded = 0;
    const framer = createFramer((m) => {
      encoded++;
      return Buffer.from(m.data);
    });
    const framed: Buffer[] = [];
    const framing = (): RecordingSink =>
      Object.assign(new RecordingSink(), { deliver: (m: Message) => framed.push(m.frame(framer)) });
    const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    for (let i = 0; i < 3; i++) await hub.subscribe('c', framing(), undefined);
    await hub.publish('c', data(1));
    expect(framed.map(String)).toEqual(['{"i":1}', '{"i":1}', '{"i":1}']);
    expect(new Set(framed).size).toBe(1);
    expect(encoded).toBe(1);
    // A reader of history (a resume) frames the stored message again: the fan-out let go of its bytes.
    const [stored] = (await hub.pull('c', undefined, 10)).messages;
    expect(String(stored?.frame(framer))).toBe('{"i":1}');
    expect(encoded).toBe(2);
    hub.close();
  });

  it('reads the same page without a promise (pullNow) as with one (pull), and says when it cannot', async () => {
    const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    for (let i = 0; i < 30; i++) await hub.publish('c', data(i));
    const { epoch } = await hub.state('c');
    const cursors = [
      undefined,
      'start',
      { epoch, offset: 10 },
      { epoch, offset: 30 },
      { epoch: 'gone', offset: 3 },
    ] as const;
    for (const channel of ['c', 'empty']) {
      for (const cursor of cursors) {
        for (const limit of [1, 5, 100]) {
          const now = hub.pullNow(channel, cursor, limit);
          expect(now).toBeDefined();
          expect(now).toEqual(await hub.pull(channel, cursor, limit));
        }
      }
    }
    hub.close();
    const memory = new MemoryEngine({ sweepIntervalMs: 0 });
    const withoutReadNow = new Hub({ engine: Object.assign(Object.create(memory) as Engine, { readNow: undefined }) });
    expect(withoutReadNow.pullNow('c', undefined, 10)).toBeUndefined();
    withoutReadNow.close();
  });

  it('fills holes of a lossy live feed from history', async () => {
    const hub = new Hub({ engine: lossyFeed(new MemoryEngine({ sweepIntervalMs: 0 }), 3) });
    const sink = new RecordingSink();
    await hub.subscribe('c', sink, undefined);
    for (let i = 0; i < 30; i++) await hub.publish('c', data(i));
    await expect.poll(() => sink.offsets().length).toBeGreaterThanOrEqual(29);
    // The last notification may be the dropped one; the next publish reveals the hole.
    await hub.publish('c', data(30));
    await expect.poll(() => sink.offsets()).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    hub.close();
  });

  it('finds a lost last message by the position check on the next tick', async () => {
    const hub = new Hub({ engine: lossyFeed(new MemoryEngine({ sweepIntervalMs: 0 }), 2) });
    const sink = new RecordingSink();
    await hub.subscribe('c', sink, undefined);
    await hub.publish('c', data(1));
    await hub.publish('c', data(2)); // its notification is dropped, and nothing follows it
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.offsets()).toEqual([1]);
    hub.tick();
    await expect.poll(() => sink.offsets()).toEqual([1, 2]);
    hub.close();
  });

  it('recovers a subscription whose history read failed, on the next position check', async () => {
    const memory = new MemoryEngine({ sweepIntervalMs: 0 });
    let failReads = false;
    const engine = Object.assign(lossyFeed(memory, 2), {
      read: (...args: Parameters<Engine['read']>) =>
        failReads ? Promise.reject(new Error('engine down')) : memory.read(...args),
    });
    const errors: unknown[] = [];
    const hub = new Hub({ engine, onError: (e) => errors.push(e) });
    const sink = new RecordingSink();
    await hub.subscribe('c', sink, undefined);
    await hub.publish('c', data(1));
    await hub.publish('c', data(2)); // dropped
    failReads = true;
    await hub.publish('c', data(3)); // reveals the hole; the history read fails
    await expect.poll(() => errors.length).toBe(1);
    failReads = false;
    hub.tick();
    await expect.poll(() => sink.offsets()).toEqual([1, 2, 3]);
    hub.close();
  });

  it('wakes a held long poll whose message was lost, on the position check', async () => {
    const hub = new Hub({ engine: lossyFeed(new MemoryEngine({ sweepIntervalMs: 0 }), 1) });
    let woken: boolean | undefined;
    hub.waitForMessage(['lp'], 5_000, { settled: (w) => (woken = w) });
    await hub.pull('lp', undefined, 10);
    await hub.publish('lp', data(1)); // every notification is lost
    expect(woken).toBeUndefined();
    hub.tick();
    await expect.poll(() => woken).toBe(true);
    hub.close();
  });

  it('watches exactly the channels someone waits for', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0 });
    const watched = new Set<string>();
    const spy = Object.assign(Object.create(engine) as Engine, {
      openFeed(listener: FeedListener) {
        const feed = engine.openFeed(listener);
        return {
          watch: (c: string) => {
            watched.add(c);
            return feed.watch(c);
          },
          unwatch: (c: string) => {
            watched.delete(c);
            feed.unwatch(c);
          },
          close: () => feed.close(),
        };
      },
    });
    const hub = new Hub({ engine: spy });
    const { subscription } = await hub.subscribe('a', new RecordingSink(), undefined);
    const wait = hub.waitForMessage(['a', 'b'], 5_000, { settled: () => {} });
    expect([...watched].sort()).toEqual(['a', 'b']);
    wait.cancel();
    expect([...watched]).toEqual(['a']);
    hub.unsubscribe(subscription);
    expect(watched.size).toBe(0);
    hub.close();
  });

  it('on a networked engine, keeps watching an idle channel for one heartbeat interval', async () => {
    const engine = new MemoryEngine({ sweepIntervalMs: 0 });
    const unwatched: string[] = [];
    const networked = Object.assign(Object.create(engine) as Engine, {
      lossyFeed: true,
      openFeed(listener: FeedListener) {
        const feed = engine.openFeed(listener);
        return {
          ...feed,
          watch: (c: string) => feed.watch(c),
          close: () => feed.close(),
          unwatch: (c: string) => unwatched.push(c),
        };
      },
    });
    const hub = new Hub({ engine: networked });
    const { subscription } = await hub.subscribe('linger', new RecordingSink(), undefined);
    hub.unsubscribe(subscription);
    hub.tick();
    expect(unwatched).toEqual([]);
    hub.tick();
    expect(unwatched).toEqual(['linger']);
    hub.close();
  });

  it('reports a reset and continues in the new epoch when the channel is forgotten', async () => {
    let now = 0;
    const engine = new MemoryEngine({ sweepIntervalMs: 0, now: () => now });
    const hub = new Hub({ engine });
    const sink = new RecordingSink();
    await hub.publish('c', data(1));
    const old = (await hub.state('c')).epoch;
    now = 10 * 3_600_000; // history expired and the idle channel is swept away
    engine.sweep();
    await hub.subscribe('c', sink, { epoch: old, offset: 1 });
    await hub.publish('c', data(2));
    const [first, second] = sink.events;
    expect(first).toMatchObject({ reset: { channel: 'c', from: 1 } });
    expect(second).toMatchObject({ offset: 1 });
    expect((first as { reset: ResetNotice }).reset.epoch).not.toBe(old);
    hub.close();
  });

  it('cuts a subscriber whose backlog stays over the bound past the grace, or passes four times it', async () => {
    vi.useFakeTimers();
    try {
      const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }), maxBacklogBytes: 1000 });
      const slow = new RecordingSink();
      const burst = new RecordingSink();
      const flooded = new RecordingSink();
      for (const sink of [slow, burst, flooded]) await hub.subscribe('c', sink, undefined);
      slow.unsent = 2000; // over the bound and stays there
      burst.unsent = 2000; // over the bound, then drains within the grace
      flooded.unsent = 5000; // over four times the bound
      await hub.publish('c', data(1));
      expect(flooded.closedWith).toBe(SLOW_CONSUMER_CODE);
      expect(slow.closedWith).toBeUndefined();
      burst.unsent = 0;
      vi.advanceTimersByTime(1_500);
      expect(slow.closedWith).toBe(SLOW_CONSUMER_CODE);
      expect(burst.closedWith).toBeUndefined();
      hub.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('wakes a long poll on publish and times out otherwise', async () => {
    const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    const wait = (channels: string[], ms: number) => {
      const calls: boolean[] = [];
      let handle: { cancel(): void; wake(): void } | undefined;
      const settled = new Promise<boolean>((resolve) => {
        handle = hub.waitForMessage(channels, ms, {
          settled: (woken) => {
            calls.push(woken);
            resolve(woken);
          },
        });
      });
      return { settled, calls, cancel: () => handle?.cancel(), wake: () => handle?.wake() };
    };
    const woken = wait(['a', 'b'], 5_000);
    await hub.publish('b', data(1));
    expect(await woken.settled).toBe(true);
    expect(await wait(['a'], 20).settled).toBe(false);
    const left = wait(['a'], 5_000);
    left.cancel();
    left.wake();
    expect(await left.settled).toBe(false);
    expect(left.calls).toEqual([false]);
    // A settled wait is forgotten: a later publish finds no waits left.
    await hub.publish('a', data(2));
    expect((hub as unknown as { interest: Map<string, unknown> }).interest.size).toBe(0);
    hub.close();
  });

  it('refuses data over the namespace limit and bad event names, writing nothing', async () => {
    const hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    await expect(hub.publish('c', [{ data: 'x'.repeat(70_000) }])).rejects.toMatchObject({ code: 'too_large' });
    await expect(hub.publish('c', [{ data: 1 }, { data: 2, event: 'bad name' }])).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect((await hub.state('c')).last).toBe(0);
    hub.close();
  });

  it('counts the limit in UTF-8 bytes: multi-byte data at the limit is taken, one byte over is refused', async () => {
    const maxMessageBytes = 32;
    const hub = new Hub({
      engine: new MemoryEngine({ sweepIntervalMs: 0 }),
      namespaces: new Namespaces({ ...DEFAULT_NAMESPACE, maxMessageBytes }),
    });
    // "€" is 1 UTF-16 code unit and 3 bytes: 10 of them in quotes are 12 characters and 32 bytes.
    await expect(hub.publish('c', [{ data: '€'.repeat(10) }])).resolves.toMatchObject({ duplicate: false });
    await expect(hub.publish('c', [{ data: `${'€'.repeat(10)}x` }])).rejects.toMatchObject({ code: 'too_large' });
    // 11 characters: short enough for the length alone to settle it (11 x 3 <= 32).
    await expect(hub.publish('c', [{ data: '€'.repeat(9) }])).resolves.toMatchObject({ duplicate: false });
    expect((await hub.state('c')).last).toBe(2);
    hub.close();
  });
});

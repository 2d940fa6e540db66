import { Hub, MemoryEngine, type Message, type Sink } from '@herald/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveSubscriptions } from './live-subscriptions.ts';

/** A sink that counts what it is given. */
class CountingSink implements Sink {
  readonly transport = 'test';
  delivered = 0;
  deliver(_m: Message): void {
    this.delivered++;
  }
  reset(): void {}
  backlog(): number {
    return 0;
  }
  async drained(): Promise<void> {}
  close(): void {}
}

describe('LiveSubscriptions', () => {
  let hub: Hub;
  afterEach(() => hub.close());

  function setup(): { subs: LiveSubscriptions; sink: CountingSink } {
    hub = new Hub({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) });
    return { subs: new LiveSubscriptions(hub), sink: new CountingSink() };
  }

  it('keeps a subscription and ends it on delete', async () => {
    const { subs, sink } = setup();
    await subs.add('a', sink, undefined, () => {});
    expect(subs.has('a')).toBe(true);
    expect(hub.subscriptionCount()).toBe(1);
    expect(subs.delete('a')).toBe(true);
    expect(subs.delete('a')).toBe(false);
    expect(hub.subscriptionCount()).toBe(0);
  });

  it('drops a subscription whose channel was deleted while it was being made', async () => {
    const { subs, sink } = setup();
    const adding = subs.add('a', sink, 'start', () => {});
    expect(subs.has('a')).toBe(true);
    subs.delete('a');
    await adding;
    expect(subs.has('a')).toBe(false);
    expect(hub.subscriptionCount()).toBe(0);
    await hub.publish('a', [{ data: 1 }]);
    expect(sink.delivered).toBe(0);
  });

  it('drops a subscription that resolves after the connection ended, and any added later', async () => {
    const { subs, sink } = setup();
    const adding = subs.add('a', sink, 'start', () => {});
    subs.end();
    await adding;
    await subs.add('b', sink, undefined, () => {});
    expect(subs.size).toBe(0);
    expect(hub.subscriptionCount()).toBe(0);
  });

  it('keeps only the newest of a subscribe, delete and subscribe again of one channel', async () => {
    const { subs, sink } = setup();
    const first = subs.add('a', sink, 'start', () => {});
    subs.delete('a');
    const second = subs.add('a', sink, 'start', () => {});
    await Promise.all([first, second]);
    expect(subs.channels()).toEqual(['a']);
    expect(hub.subscriptionCount()).toBe(1);
    await hub.publish('a', [{ data: 1 }]);
    expect(sink.delivered).toBe(1);
  });
});

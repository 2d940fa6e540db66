import type { Engine, FeedListener } from '@herald/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ENGINES, startCluster, type TestCluster } from '../helpers/cluster.ts';
import { publish, uniqueChannel } from '../helpers/http.ts';
import { subscribe } from '../helpers/subscribers.ts';

const HEARTBEAT_MS = 400;

/** Channels whose next live notification the wrapped node will drop, as a lossy network would. */
const dropNext = new Set<string>();

/** A node's engine whose feed drops the notifications asked for; everything else goes to the engine as is. */
function dropping(engine: Engine): Engine {
  return {
    append: (...args) => engine.append(...args),
    read: (...args) => engine.read(...args),
    readMany: (requests) => engine.readMany(requests),
    state: (...args) => engine.state(...args),
    states: (requests) => engine.states(requests),
    ready: () => engine.ready(),
    close: () => engine.close(),
    lossyFeed: engine.lossyFeed,
    ...(engine.createPresence && {
      createPresence: () => engine.createPresence?.() as ReturnType<NonNullable<Engine['createPresence']>>,
    }),
    openFeed: (listener: FeedListener) =>
      engine.openFeed({
        messages: (channel, messages) => {
          if (dropNext.delete(channel)) return;
          listener.messages(channel, messages);
        },
        resync: () => listener.resync(),
      }),
  };
}

describe.each(CLUSTER_ENGINES)('a notification lost between %s and a node', (kind) => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(
      2,
      { streamHeartbeatMs: HEARTBEAT_MS },
      (engine, i) => (i === 1 ? dropping(engine) : engine),
      kind,
    );
  });
  afterAll(() => cluster.close());

  it.each(['sse', 'ws-mux', 'longpoll'] as const)(
    '%s: the last message is delivered within one heartbeat interval by the position check',
    async (transport) => {
      const [publisher, lossy] = cluster.nodes as [
        NonNullable<(typeof cluster.nodes)[0]>,
        NonNullable<(typeof cluster.nodes)[0]>,
      ];
      const channel = uniqueChannel(`drop-${transport}`);
      const sub = await subscribe(lossy, transport, channel, undefined, { waitSeconds: 20 });
      try {
        await publish(publisher, channel, 'first');
        await sub.items.until((i) => i.type === 'message' && i.offset === 1, 5_000, 'first message');
        dropNext.add(channel);
        const sent = Date.now();
        await publish(publisher, channel, 'lost, and the last');
        const [item] = await sub.items.take(1, HEARTBEAT_MS * 3);
        const took = Date.now() - sent;
        expect(item).toMatchObject({ type: 'message', offset: 2, data: 'lost, and the last' });
        expect(dropNext.has(channel)).toBe(false); // it really was dropped
        // Found by the next tick: at most one interval, plus the read.
        expect(took).toBeLessThan(HEARTBEAT_MS + 300);
      } finally {
        await sub.close();
      }
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.ts';
import { publishBatch, uniqueChannel } from '../helpers/http.ts';
import { offsets, type Subscriber, subscribe, TRANSPORTS } from '../helpers/subscribers.ts';

const CHANNELS = 50;
const PER_CHANNEL = 200; // 10,000 messages in all
const BATCH = 20;

// No sticky sessions: a channel's subscribers sit on two nodes, its publisher on the third.
describe('three nodes on one Redis', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(3);
  });
  afterAll(() => cluster.close());

  it('10,000 messages over 50 channels reach every subscriber, on every transport and node, once and in order', async () => {
    const { nodes } = cluster;
    const node = (i: number) => nodes[i % nodes.length] as (typeof nodes)[number];
    const channels = Array.from({ length: CHANNELS }, (_, i) => uniqueChannel(`fan${i}`));
    const subscribers: Subscriber[] = [];
    await Promise.all(
      channels.map(async (channel, c) => {
        for (const k of [0, 1]) {
          const transport = TRANSPORTS[(c * 2 + k) % TRANSPORTS.length] as (typeof TRANSPORTS)[number];
          subscribers.push(await subscribe(node(c + k), transport, channel, undefined, { pollDelayMs: 50 }));
        }
      }),
    );
    try {
      const used = new Set(subscribers.map((s) => s.transport));
      expect(used.size).toBe(TRANSPORTS.length);
      await Promise.all(
        channels.map(async (channel, c) => {
          for (let from = 1; from <= PER_CHANNEL; from += BATCH) {
            const items = Array.from({ length: BATCH }, (_, i) => ({ data: { c, n: from + i } }));
            await publishBatch(node(c + 2), channel, items);
          }
        }),
      );
      await Promise.all(
        subscribers.map(async (sub) => {
          const c = channels.indexOf(sub.channel);
          const got = await sub.items.until(
            (item) => item.type === 'message' && item.offset >= PER_CHANNEL,
            20_000,
            `${sub.transport} on ${sub.channel}`,
          );
          expect(got.filter((item) => item.type !== 'message')).toEqual([]);
          expect(offsets(got)).toEqual(Array.from({ length: PER_CHANNEL }, (_, i) => i + 1));
          const datas = got.map((item) => (item.type === 'message' ? item.data : undefined));
          expect(datas).toEqual(Array.from({ length: PER_CHANNEL }, (_, i) => ({ c, n: i + 1 })));
        }),
      );
    } finally {
      await Promise.all(subscribers.map((s) => s.close()));
    }
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ENGINES, startCluster, type TestCluster } from '../helpers/cluster.ts';
import { publish, publishBatch, uniqueChannel } from '../helpers/http.ts';
import { offsets, type Subscriber, subscribe, TRANSPORTS } from '../helpers/subscribers.ts';

const CHANNELS = 50;
const PER_CHANNEL = 200; // 10,000 messages in all
const BATCH = 20;

// No sticky sessions: a channel's subscribers sit on two nodes, its publisher on the third.
describe.each(CLUSTER_ENGINES)('three nodes on one %s', (kind) => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(3, {}, undefined, kind);
  });
  afterAll(() => cluster.close());
  const node = (i: number) => cluster.nodes[i % cluster.nodes.length] as (typeof cluster.nodes)[number];

  it('10,000 messages over 50 channels reach every subscriber, on every transport and node, once and in order', async () => {
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

  it('concurrent publishers on two nodes to one channel get contiguous offsets, each once', async () => {
    const channel = uniqueChannel('race');
    // The helper resolves once the stream says it holds a position (NDJSON's first line; SSE's
    // herald.subscribed), so nothing published after this can precede it.
    const sub = await subscribe(node(2), 'ndjson', channel);
    // Per node: 4 writers in parallel, alternating single messages and batches of 3.
    const acked: Array<{ data: string; offset: number }> = [];
    const writer = async (n: number, w: number): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const tag = `${n}.${w}.${i}`;
        if (i % 2 === 0) {
          const { offset } = await publish(node(n), channel, tag);
          acked.push({ data: tag, offset });
        } else {
          const items = ['a', 'b', 'c'].map((x) => ({ data: `${tag}${x}` }));
          const batch = await publishBatch(node(n), channel, items);
          const got = batch.messages.map((m) => m.offset);
          expect(got, `batch ${tag}: contiguous`).toEqual([got[0], (got[0] ?? 0) + 1, (got[0] ?? 0) + 2]);
          for (const [k, m] of batch.messages.entries())
            acked.push({ data: items[k]?.data as string, offset: m.offset });
        }
      }
    };
    try {
      await Promise.all([0, 1].flatMap((n) => [0, 1, 2, 3].map((w) => writer(n, w))));
      const total = 2 * 4 * (10 + 10 * 3);
      expect(acked.map((a) => a.offset).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      // The third node's subscriber sees the same order the answers said.
      const got = await sub.items.until((item) => item.type === 'message' && item.offset >= total, 10_000, 'all');
      const byOffset = new Map(acked.map((a) => [a.offset, a.data]));
      expect(got.map((item) => (item.type === 'message' ? [item.offset, item.data] : item))).toEqual(
        Array.from({ length: total }, (_, i) => [i + 1, byOffset.get(i + 1)]),
      );
    } finally {
      await sub.close();
    }
  }, 30_000);
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Published, publish, uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Item, type Subscriber, subscribe, TRANSPORTS, untilOffset } from '../helpers/subscribers.ts';

/** Asserts one subscriber's stream: messages only, offsets first..last each exactly once, in order. */
function expectContiguous(items: readonly Item[], first: number, last: number, label: string): void {
  const bad = items.find((i) => i.type !== 'message');
  expect(bad, `${label}: only messages`).toBeUndefined();
  const got = items.flatMap((i) => (i.type === 'message' ? [i.offset] : []));
  const want = Array.from({ length: last - first + 1 }, (_, k) => first + k);
  if (got.length !== want.length || got.some((o, k) => o !== want[k])) {
    const dup = got.filter((o, k) => got.indexOf(o) !== k);
    const missing = want.filter((o) => !got.includes(o));
    throw new Error(
      `${label}: ${got.length} messages, want ${want.length} (${first}..${last}); duplicates ${JSON.stringify(dup.slice(0, 10))}, missing ${JSON.stringify(missing.slice(0, 10))}`,
    );
  }
}

// Concurrent publishers and subscribers: no loss, no duplicate, one order within a
// channel, and no race between a subscriber's history read and the live feed.
describe('concurrency', () => {
  let server: TestServer;
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it('4 publishers × 100 messages reach a subscriber of every transport, gap-free and in one order', async () => {
    const channel = uniqueChannel();
    const subs = await Promise.all(TRANSPORTS.map((t) => subscribe(server, t, channel, '0')));
    open.push(...subs);
    const answers = await Promise.all(
      [0, 1, 2, 3].map(async (p) => {
        const mine: Published[] = [];
        for (let i = 0; i < 100; i++) mine.push(await publish(server, channel, { p, i }));
        return mine;
      }),
    );
    // The 201 answers: one epoch, offsets unique and gap-free, each publisher's strictly increasing.
    const all = answers.flat();
    expect(new Set(all.map((a) => a.epoch)).size).toBe(1);
    expect(all.map((a) => a.offset).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, k) => k + 1));
    for (const mine of answers) {
      expect(mine.every((a, k) => k === 0 || a.offset > (mine[k - 1] as Published).offset)).toBe(true);
    }
    const dataAt = new Map<number, unknown>();
    answers.forEach((mine, p) => {
      mine.forEach((a, i) => {
        dataAt.set(a.offset, { p, i });
      });
    });
    await Promise.all(
      subs.map(async (sub) => {
        const items = await untilOffset(sub, 400, 10_000);
        expectContiguous(items, 1, 400, sub.transport);
        for (const item of items) if (item.type === 'message') expect(item.data).toEqual(dataAt.get(item.offset));
      }),
    );
  });

  it('10 subscribers resume while a publisher sends 500 msg/s for 2 s: offsets +1 each, no duplicate, no hole', async () => {
    const channel = uniqueChannel();
    let last = 0;
    let epoch = '';
    let running = true;
    const publisher = (async () => {
      const end = Date.now() + 2_000;
      let n = 0;
      while (Date.now() < end) {
        const tick = Date.now();
        const batch = await Promise.all(Array.from({ length: 5 }, () => publish(server, channel, ++n)));
        last = Math.max(last, ...batch.map((a) => a.offset));
        epoch = batch[0]?.epoch ?? epoch;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10 - (Date.now() - tick))));
      }
      running = false;
    })();
    const kinds = [...TRANSPORTS, 'ws', 'sse'] as const;
    const resumed = await Promise.all(
      kinds.map(async (transport, i) => {
        await new Promise((resolve) => setTimeout(resolve, 100 + i * 120));
        await eventually(() => epoch !== '', 5_000, 'the first publish');
        expect(running, 'the publisher still runs when the subscriber resumes').toBe(true);
        const from = Math.max(0, last - 40);
        const sub = await subscribe(server, transport, channel, `${epoch}:${from}`);
        open.push(sub);
        return { sub, from };
      }),
    );
    await publisher;
    const final = await publish(server, channel, 'end');
    await Promise.all(
      resumed.map(async ({ sub, from }) => {
        const items = await untilOffset(sub, final.offset, 15_000);
        expectContiguous(items, from + 1, final.offset, `${sub.transport} from ${from}`);
      }),
    );
  });
});

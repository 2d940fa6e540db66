import { DEFAULT_NAMESPACE, MemoryEngine } from '@herald/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishRange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Item, type Subscriber, subscribe, TRANSPORTS } from '../helpers/subscribers.ts';

function messages(channel: string, from: number, to: number): Item[] {
  const out: Item[] = [];
  for (let n = from; n <= to; n++) out.push({ type: 'message', channel, offset: n, data: n });
  return out;
}

// A cursor whose next message already left history: reset first, then what remains (docs/protocol.md section 1).
describe('a trimmed cursor yields a reset, then the rest', () => {
  let server: TestServer;
  /** The engine's clock: tests move it forward instead of sleeping. */
  let now = Date.now();
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer({
      engine: new MemoryEngine({ sweepIntervalMs: 0, now: () => now }),
      defaultNamespace: { ...DEFAULT_NAMESPACE, history: { size: 10, maxAgeMs: 3_600_000 } },
      namespaces: { aged: { history: { size: 1_000, maxAgeMs: 2_000 } } },
    });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it.each(TRANSPORTS)('history size 10, 25 published while away, resume from E:3 over %s', async (transport) => {
    const channel = uniqueChannel(transport);
    const first = await subscribe(server, transport, channel, '0');
    open.push(first);
    const epoch = await publishRange(server, channel, 1, 3);
    expect(await first.items.take(3)).toEqual(messages(channel, 1, 3));
    await first.close();
    await publishRange(server, channel, 4, 25);
    const sub = await subscribe(server, transport, channel, `${epoch}:3`);
    open.push(sub);
    expect(await sub.items.take(11)).toEqual([
      { type: 'reset', channel, epoch, from: 16 },
      ...messages(channel, 16, 25),
    ]);
  });

  it('history age 2 s, away 3 s: resume from E:3 on every transport gets a reset to the first message kept', async () => {
    const channels = TRANSPORTS.map((t) => uniqueChannel(`aged:${t}`));
    const epochs = await Promise.all(channels.map((c) => publishRange(server, c, 1, 5)));
    now += 3_000;
    await Promise.all(channels.map((c) => publishRange(server, c, 6, 8)));
    await Promise.all(
      TRANSPORTS.map(async (transport, i) => {
        const channel = channels[i] as string;
        const epoch = epochs[i] as string;
        const sub = await subscribe(server, transport, channel, `${epoch}:3`);
        open.push(sub);
        expect(await sub.items.take(4)).toEqual([
          { type: 'reset', channel, epoch, from: 6 },
          ...messages(channel, 6, 8),
        ]);
      }),
    );
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, publishRange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Item, offsets, type Subscriber, subscribe, TRANSPORTS, untilOffset } from '../helpers/subscribers.ts';

/** The message items for offsets `from..to` of a channel whose message n carries data n. */
function messages(channel: string, from: number, to: number): Item[] {
  const out: Item[] = [];
  for (let n = from; n <= to; n++) out.push({ type: 'message', channel, offset: n, data: n });
  return out;
}

// The resume rule (contract section 1) on every transport: exactly the messages after the cursor,
// or a reset first, never silence.
describe.each(TRANSPORTS)('resume over %s', (transport) => {
  let server: TestServer;
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  /** A channel with messages 1..10 (data n); returns its name and epoch. */
  async function tenMessages(): Promise<{ channel: string; epoch: string }> {
    const channel = uniqueChannel(transport);
    const epoch = await publishRange(server, channel, 1, 10);
    return { channel, epoch };
  }

  async function resume(channel: string, after: string): Promise<Subscriber> {
    const sub = await subscribe(server, transport, channel, after);
    open.push(sub);
    return sub;
  }

  it('from E:7 gets 8, 9, 10, then live 11', async () => {
    const { channel, epoch } = await tenMessages();
    const sub = await resume(channel, `${epoch}:7`);
    expect(await sub.items.take(3)).toEqual(messages(channel, 8, 10));
    await publish(server, channel, 11);
    expect(await sub.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });

  it('from E:10 gets nothing, then live 11', async () => {
    const { channel, epoch } = await tenMessages();
    const sub = await resume(channel, `${epoch}:10`);
    await publish(server, channel, 11);
    expect(await sub.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });

  it('from E:108 (ahead of the channel) gets reset{epoch: E, from: 11} first', async () => {
    const { channel, epoch } = await tenMessages();
    const sub = await resume(channel, `${epoch}:108`);
    // The reset comes first, before anything is published (a pull transport's first request may
    // reach the hub after a publish made now, and would then rightly say from: 12).
    expect(await sub.items.next()).toEqual({ type: 'reset', channel, epoch, from: 11 });
    await publish(server, channel, 11);
    expect(await sub.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });

  it('from another epoch gets a reset with the current epoch, then everything', async () => {
    const { channel, epoch } = await tenMessages();
    const sub = await resume(channel, 'otherEpoch:5');
    expect(await sub.items.take(11)).toEqual([{ type: 'reset', channel, epoch, from: 1 }, ...messages(channel, 1, 10)]);
    await publish(server, channel, 11);
    expect(await sub.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });

  it('from cursor 0 gets everything in history, no reset', async () => {
    const { channel } = await tenMessages();
    const sub = await resume(channel, '0');
    expect(await sub.items.take(10)).toEqual(messages(channel, 1, 10));
    await publish(server, channel, 11);
    expect(await sub.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });

  it('after a disconnect, resuming from its own cursor gets exactly the missed messages in order', async () => {
    const channel = uniqueChannel(transport);
    const first = await resume(channel, '0');
    await publishRange(server, channel, 1, 5);
    expect(offsets(await untilOffset(first, 5))).toEqual([1, 2, 3, 4, 5]);
    const cursor = first.cursor();
    expect(cursor).toBeDefined();
    await first.close();
    await publishRange(server, channel, 6, 10);
    const second = await resume(channel, cursor as string);
    expect(await second.items.take(5)).toEqual(messages(channel, 6, 10));
    await publish(server, channel, 11);
    expect(await second.items.next()).toEqual(messages(channel, 11, 11)[0]);
  });
});

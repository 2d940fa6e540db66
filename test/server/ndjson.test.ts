import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openNdjson } from '../helpers/clients.ts';
import { eventsUrl, messagesUrl, publish, publishRange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// HTTP streaming (NDJSON), contract section 5.
describe('NDJSON streaming', () => {
  let server: TestServer;
  const closers: Array<() => void> = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });
  afterAll(() => server.close());

  async function ndjson(url: string) {
    const stream = await openNdjson(url);
    closers.push(() => stream.close());
    return stream;
  }

  /** The next `n` non-empty lines, parsed. */
  async function lines(stream: Awaited<ReturnType<typeof ndjson>>, n: number): Promise<unknown[]> {
    const out: unknown[] = [];
    while (out.length < n) {
      const line = await stream.frames.next();
      if (line !== '') out.push(JSON.parse(line));
    }
    return out;
  }

  it('headers at once, subscribed first, then one message object a line', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 'old');
    const stream = await ndjson(messagesUrl(server, channel));
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(stream.response.headers.get('transfer-encoding')).toBe('chunked');
    expect(await lines(stream, 1)).toEqual([{ subscribed: { channel, epoch, cursor: `${epoch}:1` } }]);
    await publish(server, channel, { team: 'A' }, { event: 'goal' });
    await publish(server, channel, [1, 2]);
    expect(await lines(stream, 2)).toEqual([
      { channel, offset: 2, event: 'goal', data: { team: 'A' }, time: expect.any(Number) },
      { channel, offset: 3, data: [1, 2], time: expect.any(Number) },
    ]);
  });

  it('subscribed names the position resumed from; a reset is a reset line', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 4);
    const resumed = await ndjson(messagesUrl(server, channel, { after: `${epoch}:2` }));
    expect(await lines(resumed, 3)).toEqual([
      { subscribed: { channel, epoch, cursor: `${epoch}:2` } },
      { channel, offset: 3, data: 3, time: expect.any(Number) },
      { channel, offset: 4, data: 4, time: expect.any(Number) },
    ]);
    const reset = await ndjson(messagesUrl(server, channel, { after: `${epoch}:99` }));
    const [subscribed, line] = await lines(reset, 2);
    expect(subscribed).toMatchObject({ subscribed: { channel, epoch } });
    expect(line).toEqual({ reset: { channel, epoch, from: 5 } });
  });

  it('/v1/events streams many channels: it starts with one subscribed line per channel', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    const ea = await publishRange(server, a, 1, 2);
    const eb = await publishRange(server, b, 1, 1);
    const stream = await ndjson(eventsUrl(server, [a, b], { after: `${ea}:1,${eb}:1` }));
    // docs/protocol.md section 10: "NDJSON over many channels starts with one subscribed line per channel".
    const [first, second, third] = await lines(stream, 3);
    expect([first, second]).toEqual(
      expect.arrayContaining([
        { subscribed: { channel: a, epoch: ea, cursor: `${ea}:1` } },
        { subscribed: { channel: b, epoch: eb, cursor: `${eb}:1` } },
      ]),
    );
    expect(third).toEqual({ channel: a, offset: 2, data: 2, time: expect.any(Number) });
    await publish(server, b, 'to b');
    expect(await lines(stream, 1)).toEqual([{ channel: b, offset: 2, data: 'to b', time: expect.any(Number) }]);
  });
});

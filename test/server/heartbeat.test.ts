import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openNdjson, openSse, openWs, type WsClient } from '../helpers/clients.ts';
import { eventsUrl, messagesUrl, publish, uniqueChannel } from '../helpers/http.ts';
import { Inbox } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const STREAM_MS = 100;
const PING_MS = 150;

// Heartbeats on idle connections (contract sections 4-6), with short intervals.
describe('heartbeats', () => {
  let server: TestServer;
  const closers: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    server = await startTestServer({ streamHeartbeatMs: STREAM_MS, wsPingMs: PING_MS });
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => server.close());

  it.each([
    ['one channel', false],
    ['/v1/events', true],
  ])('an idle SSE stream (%s) gets comment lines', async (_what, multi) => {
    const channel = uniqueChannel();
    const stream = await openSse(multi ? eventsUrl(server, [channel]) : messagesUrl(server, channel));
    closers.push(() => stream.close());
    const started = Date.now();
    await stream.frames.until((f) => f.kind === 'comment');
    await stream.frames.until((f) => f.kind === 'comment');
    expect(Date.now() - started).toBeLessThan(STREAM_MS * 10);
    // Nothing but the stream's start (herald.subscribed) and comments.
    const events = stream.frames.all.flatMap((f) => (f.kind === 'event' ? [f.event] : []));
    expect(events).toEqual(['herald.subscribed']);
    expect(stream.raw()).toMatch(/\n:[^\n]*\n/);
  });

  it.each([
    ['one channel', false],
    ['/v1/events', true],
  ])('an idle NDJSON stream (%s) gets empty lines', async (_what, multi) => {
    const channel = uniqueChannel();
    const stream = await openNdjson(multi ? eventsUrl(server, [channel]) : messagesUrl(server, channel));
    closers.push(() => stream.close());
    expect(JSON.parse(await stream.frames.next())).toHaveProperty('subscribed');
    expect(await stream.frames.take(2)).toEqual(['', '']);
    // Heartbeats do not disturb delivery.
    await publish(server, channel, 'x');
    const line = await stream.frames.until((l) => l !== '');
    expect(JSON.parse(line.at(-1) as string)).toMatchObject({ channel, offset: 1, data: 'x' });
  });

  /** Opens a socket and counts the server's protocol pings. */
  async function socketWithPings(url: string, autoPong = true): Promise<{ client: WsClient; pings: Inbox<number> }> {
    const client = await openWs(url, { autoPong });
    closers.push(() => client.close());
    const pings = new Inbox<number>();
    client.ws.on('ping', () => pings.push(Date.now()));
    return { client, pings };
  }

  it.each([
    ['bound', (s: TestServer) => messagesUrl(s, uniqueChannel())],
    ['multiplexed', (s: TestServer) => `${s.url}/v1/ws`],
  ])('an idle %s WebSocket gets ping frames and, answering them, stays open', async (_what, url) => {
    const { client, pings } = await socketWithPings(url(server));
    await pings.take(3, PING_MS * 10);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('a WebSocket that does not answer pings is closed', async () => {
    // Timed from the open, not from the first ping seen: that ping may come before the listener is on.
    const started = Date.now();
    const { client } = await socketWithPings(`${server.url}/v1/ws`, false);
    const closed = await Promise.race([
      client.closed,
      new Promise<undefined>((resolve) => setTimeout(resolve, PING_MS * 10)),
    ]);
    expect(closed, 'closed by the server').toBeDefined();
    // One interval to the first ping, one more to find it unanswered.
    expect(Date.now() - started).toBeLessThan(PING_MS * 6);
  });

  it('a client that cannot answer pings stays open by sending op ping (browsers)', async () => {
    const { client, pings } = await socketWithPings(`${server.url}/v1/ws`, false);
    const timer = setInterval(() => client.send({ op: 'ping' }), PING_MS / 3);
    try {
      await pings.take(4, PING_MS * 12);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      clearInterval(timer);
    }
  });
});

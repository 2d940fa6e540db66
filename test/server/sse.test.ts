import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEventSource, openSse, type SseFrame } from '../helpers/clients.ts';
import { errorCode, eventsUrl, messagesUrl, post, publish, publishRange, uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type SseEvent = Extract<SseFrame, { kind: 'event' }>;
const isEvent = (f: SseFrame): f is SseEvent => f.kind === 'event';

// Server-Sent Events, contract section 4.
describe('SSE', () => {
  let server: TestServer;
  const closers: Array<() => void> = [];
  beforeAll(async () => {
    server = await startTestServer({ sseRetryMs: 1_234 });
  });
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });
  afterAll(() => server.close());

  async function sse(url: string, headers: Record<string, string> = {}) {
    const stream = await openSse(url, headers);
    closers.push(() => stream.close());
    return stream;
  }

  /** The next `n` events (comments, retry and herald.subscribed skipped). */
  async function events(stream: Awaited<ReturnType<typeof sse>>, n: number): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    while (out.length < n) {
      const frame = await stream.frames.next();
      if (isEvent(frame) && frame.event !== 'herald.subscribed') out.push(frame);
    }
    return out;
  }

  /** Waits for the stream's `herald.subscribed` events (one per channel) and returns them. */
  async function subscribed(stream: Awaited<ReturnType<typeof sse>>, channels = 1): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    while (out.length < channels) {
      const frame = await stream.frames.next();
      if (isEvent(frame)) {
        expect(frame.event).toBe('herald.subscribed');
        out.push(frame);
      }
    }
    return out;
  }

  it('headers, retry first, herald.subscribed, then id/event/data per message, byte for byte', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 'old');
    const stream = await sse(messagesUrl(server, channel));
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-cache');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    expect(await stream.frames.next()).toEqual({ kind: 'retry', ms: 1_234 });
    await subscribed(stream);
    await publish(server, channel, { team: 'A' }, { event: 'goal' });
    await publish(server, channel, { score: '2-1' });
    await events(stream, 2);
    const start = `{"channel":"${channel}","epoch":"${epoch}","cursor":"${epoch}:1"}`;
    expect(stream.raw()).toBe(
      `retry: 1234\n\nid: ${epoch}:1\nevent: herald.subscribed\ndata: ${start}\n\n` +
        `id: ${epoch}:2\nevent: goal\ndata: {"team":"A"}\n\nid: ${epoch}:3\ndata: {"score":"2-1"}\n\n`,
    );
  });

  it('herald.subscribed carries the start as its id: a reconnect that saw no message resumes from there', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 'before');
    const first = await sse(messagesUrl(server, channel));
    const [start] = await subscribed(first);
    expect(start).toEqual({
      kind: 'event',
      id: `${epoch}:1`,
      event: 'herald.subscribed',
      data: JSON.stringify({ channel, epoch, cursor: `${epoch}:1` }),
    });
    // Cut before any message; what is published meanwhile comes on the reconnect that sends the id
    // (a browser EventSource sends its last event id by itself), and nothing from before the start.
    first.close();
    await publish(server, channel, 'while away');
    const again = await sse(messagesUrl(server, channel), { 'last-event-id': start?.id ?? '' });
    expect((await subscribed(again))[0]?.id).toBe(`${epoch}:1`);
    const [missed] = await events(again, 1);
    expect(missed).toMatchObject({ id: `${epoch}:2`, data: '"while away"' });
  });

  it('/v1/events: a herald.subscribed per channel; the one that completes the start carries the cursor of all', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    const ea = await publishRange(server, a, 1, 3);
    const eb = await publishRange(server, b, 1, 1);
    const stream = await sse(eventsUrl(server, [a, b], { after: `${ea}:1,${eb}:1` }));
    const starts = await subscribed(stream, 2);
    const data = starts.map((e) => JSON.parse(e.data) as { channel: string });
    expect(data.map((d) => d.channel).sort()).toEqual([a, b].sort());
    expect(data).toContainEqual({ channel: a, epoch: ea, cursor: `${ea}:1` });
    expect(data).toContainEqual({ channel: b, epoch: eb, cursor: `${eb}:1` });
    expect(starts.map((e) => e.id)).toEqual([undefined, `${ea}:1,${eb}:1`]);
    // History after a's cursor follows, with ids that move on from the start.
    expect((await events(stream, 2)).map((e) => e.id)).toEqual([`${ea}:2,${eb}:1`, `${ea}:3,${eb}:1`]);
  });

  it('a reset is an event named herald.reset with the epoch and the first offset delivered', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 3);
    const stream = await sse(messagesUrl(server, channel, { after: 'elsewhere:9' }));
    const [reset, first] = await events(stream, 2);
    expect(reset?.event).toBe('herald.reset');
    expect(JSON.parse(reset?.data ?? '')).toMatchObject({ epoch, from: 1 });
    expect(first).toEqual({ kind: 'event', id: `${epoch}:1`, event: undefined, data: '1' });
  });

  it('a reset carries an id, so reconnecting with it does not report the reset again', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 2);
    const first = await sse(messagesUrl(server, channel, { after: 'gone:9' }));
    const [reset] = await events(first, 1);
    expect(reset).toMatchObject({ event: 'herald.reset', id: `${epoch}:0` });
    first.close();
    const again = await sse(messagesUrl(server, channel, { after: 'gone:9' }), { 'last-event-id': reset?.id ?? '' });
    expect((await events(again, 2)).map((e) => [e.event, e.id])).toEqual([
      [undefined, `${epoch}:1`],
      [undefined, `${epoch}:2`],
    ]);
  });

  it('resumes from the Last-Event-ID header, which wins over ?after', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 8);
    const stream = await sse(messagesUrl(server, channel, { after: `${epoch}:2` }), {
      'last-event-id': `${epoch}:5`,
    });
    const got = await events(stream, 3);
    expect(got.map((e) => e.id)).toEqual([`${epoch}:6`, `${epoch}:7`, `${epoch}:8`]);
    await publish(server, channel, 9);
    expect((await events(stream, 1))[0]?.id).toBe(`${epoch}:9`);
  });

  it('/v1/events streams many channels: data is the whole message, id one cursor for all', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    const ea = await publishRange(server, a, 1, 1);
    const eb = await publishRange(server, b, 1, 1);
    const stream = await sse(eventsUrl(server, [a, b], { after: `${ea}:1,${eb}:1` }));
    // One at a time: the order across channels is not a promise (on a networked engine each channel's
    // notification travels apart), only each channel's own order and the cursor of each event.
    await publish(server, b, 'to b', { event: 'note' });
    const [first] = await events(stream, 1);
    await publish(server, a, 'to a');
    const [second] = await events(stream, 1);
    expect(first?.event).toBe('note');
    expect(JSON.parse(first?.data ?? '')).toEqual({
      channel: b,
      offset: 2,
      event: 'note',
      data: 'to b',
      time: expect.any(Number),
    });
    expect(first?.id).toBe(`${ea}:1,${eb}:2`);
    expect(JSON.parse(second?.data ?? '')).toEqual({ channel: a, offset: 2, data: 'to a', time: expect.any(Number) });
    expect(second?.id).toBe(`${ea}:2,${eb}:2`);
    // Reconnecting with the last id gets only what came after it.
    stream.close();
    await publish(server, a, 'missed');
    const again = await sse(eventsUrl(server, [a, b]), { 'last-event-id': second?.id ?? '' });
    const [missed] = await events(again, 1);
    expect(JSON.parse(missed?.data ?? '')).toMatchObject({ channel: a, offset: 3, data: 'missed' });
  });

  it('/v1/events over many channels: each id moves only the part of the channel delivered, and resumes every channel', async () => {
    const channels = Array.from({ length: 16 }, (_, i) => uniqueChannel(`m${i}`));
    // Even channels have history and a cursor; odd ones are empty and start from `0`, so their part is
    // `<epoch>:0` (an epoch this test does not know) until something is delivered on them.
    const parts: Array<string | undefined> = [];
    for (const [i, channel] of channels.entries()) {
      parts.push(i % 2 === 0 ? `${await publishRange(server, channel, 1, 2)}:2` : undefined);
    }
    const after = parts.map((p) => p ?? '0').join(',');
    const expectId = (id: string | undefined): void => {
      const got = (id ?? '').split(',');
      expect(got).toHaveLength(channels.length);
      got.forEach((part, i) => {
        if (parts[i] === undefined) expect(part).toMatch(/^[A-Za-z0-9_-]+:0$/);
        else expect(part).toBe(parts[i]);
      });
    };
    const stream = await sse(eventsUrl(server, channels, { after }));
    let lastId: string | undefined;
    for (const i of [5, 0, 15, 5, 8, 3, 0, 14, 1]) {
      const published = await publish(server, channels[i] as string, i);
      parts[i] = `${published.epoch}:${published.offset}`;
      const [event] = await events(stream, 1);
      expect(JSON.parse(event?.data ?? '')).toMatchObject({ channel: channels[i], offset: published.offset });
      expectId(event?.id);
      lastId = event?.id;
    }
    // The last id resumes every channel where the stream left it: only what came after, with its own id.
    stream.close();
    const missed = await publish(server, channels[11] as string, 'missed');
    const again = await sse(eventsUrl(server, channels), { 'last-event-id': lastId ?? '' });
    const [event] = await events(again, 1);
    expect(JSON.parse(event?.data ?? '')).toMatchObject({ channel: channels[11], offset: missed.offset });
    const expected = (lastId ?? '').split(',');
    expected[11] = `${missed.epoch}:${missed.offset}`;
    expect(event?.id).toBe(expected.join(','));
  });

  it('field injection: CR, LF, "data:", "id:", "retry:", U+2028 and U+0000 in data make exactly one event', async () => {
    const channel = uniqueChannel();
    const nasty = 'a\r\ndata: forged\n\nid: x\rretry: 1\u2028b\u0000c';
    await publish(server, channel, 'before');
    const es = openEventSource(messagesUrl(server, channel, { after: '0' }));
    closers.push(() => es.close());
    expect(JSON.parse((await es.events.next()).data)).toBe('before');
    await publish(server, channel, nasty);
    await publish(server, channel, { nested: nasty });
    await publish(server, channel, 'after');
    const got = await es.events.take(3);
    expect(got.map((e) => JSON.parse(e.data))).toEqual([nasty, { nested: nasty }, 'after']);
    expect(got.map((e) => e.lastEventId.replace(/^.*:/, ''))).toEqual(['2', '3', '4']);
    // Raw view: no id or retry line but ours (herald.subscribed's and the four messages').
    const stream = await sse(messagesUrl(server, channel, { after: '0' }));
    await events(stream, 4);
    const lines = stream.raw().split(/\r\n|\r|\n/);
    expect(lines.filter((l) => l.startsWith('retry:'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('id:'))).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('data:'))).toHaveLength(5);
  });

  it.each(['bad\nname', 'x\rdata: y', 'a b', '', 'herald.close', 'herald.subscribed', 'herald.reset'])(
    'an event name %j is a 400',
    async (event) => {
      const res = await post(server, `/v1/channels/${uniqueChannel()}/messages`, { data: 1, event });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('bad_request');
    },
  );

  it('the reserved prefix is exactly "herald.": a name merely like it is a message like any other', async () => {
    const channel = uniqueChannel();
    const stream = await sse(messagesUrl(server, channel));
    await subscribed(stream);
    for (const event of ['heraldry', 'Herald.close', 'x.herald.close']) await publish(server, channel, 1, { event });
    expect((await events(stream, 3)).map((e) => e.event)).toEqual(['heraldry', 'Herald.close', 'x.herald.close']);
  });
});

// A browser-like EventSource reconnects by itself when the server ends the stream (here: the connection
// lifetime cap, close code 4201), resumes through Last-Event-ID and never sees a message twice.
describe('EventSource reconnecting', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ maxConnectionLifetimeMs: 250, streamHeartbeatMs: 50, sseRetryMs: 30 });
  });
  afterAll(() => server.close());

  it('gets every message exactly once across reconnects', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const es = openEventSource(messagesUrl(server, channel, { after: `${epoch}:0` }), ['herald.close']);
    try {
      let n = 1;
      const total = 60;
      while (n < total) {
        await publish(server, channel, ++n);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await es.events.waitFor(
        () => es.events.all.some((e) => e.type === 'message' && JSON.parse(e.data) === total),
        5_000,
        `message ${total}`,
      );
      const messages = es.events.all.filter((e) => e.type === 'message');
      expect(messages.map((e) => JSON.parse(e.data))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(messages.map((e) => e.lastEventId)).toEqual(messages.map((_, i) => `${epoch}:${i + 1}`));
      const closes = es.events.all.filter((e) => e.type === 'herald.close');
      expect(closes.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(closes[0]?.data ?? '')).toMatchObject({ code: 4201 });
      expect(es.opens()).toBeGreaterThanOrEqual(2);
      // Every reconnect sent the last id it had, while the URL still carries ?after=E:0.
      expect(es.requests.slice(1).every((h) => h['Last-Event-ID']?.startsWith(`${epoch}:`))).toBe(true);
    } finally {
      es.close();
    }
  });

  it('an EventSource that got no message reconnects from its start: what was published meanwhile arrives', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 'before');
    const es = openEventSource(messagesUrl(server, channel), ['herald.subscribed']);
    try {
      await es.events.until((e) => e.type === 'herald.subscribed', 3_000, 'herald.subscribed');
      // Published while the first stream still runs or during the reconnect: either way it arrives once.
      await publish(server, channel, 'meanwhile');
      await es.events.waitFor(() => es.opens() >= 2, 3_000, 'a reconnect (lifetime cap 250 ms)');
      const [message] = await es.events.until((e) => e.type === 'message', 3_000, 'the message');
      expect(message).toMatchObject({ data: '"meanwhile"', lastEventId: `${epoch}:2` });
      // Without a cursor in its URL, its reconnects sent the start (or a later position) it was given.
      expect(es.requests[0]?.['Last-Event-ID']).toBeUndefined();
      expect(es.requests[1]?.['Last-Event-ID']).toMatch(new RegExp(`^${epoch}:[12]$`));
      expect(es.events.all.filter((e) => e.type === 'message')).toHaveLength(1);
    } finally {
      es.close();
    }
  });

  it('a stream the hub ends leaves its connection open for the next request (keep-alive)', async () => {
    const channel = uniqueChannel();
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    const until = (done: () => boolean, what: string) =>
      eventually(async () => done(), 3_000, what).catch(() => {
        throw new Error(`${what}; got ${JSON.stringify(text)}`);
      });
    const path = new URL(messagesUrl(server, channel)).pathname;
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
    // The lifetime cap (250 ms) ends the stream: herald.close, then the chunked end marker.
    await until(() => text.includes('herald.close') && text.endsWith('\r\n0\r\n\r\n'), 'the stream ended');
    const streamed = text.length;
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => /^HTTP\/1\.1 200 /.test(text.slice(streamed)), 'the next request answered');
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});

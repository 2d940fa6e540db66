import { request } from 'node:http';
import { DEFAULT_NAMESPACE, MemoryEngine, type Sink, type Subscription } from '@herald/core';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, expectHealthy, type HostileHub, rawExchange, send, startHub } from './hostile-kit.ts';

// Hostile input on the streaming and polling transports (SSE, NDJSON, long poll): SSE field injection
// (threat T10 in SECURITY.md), bad resume positions, forged tokens, per-address caps and readers that never read.
const secret = 'another-hostile-secret-long-enough-for-hs256';
let hub: HostileHub;
let key: Record<string, string>;

beforeAll(async () => {
  hub = await startHub({
    jwt: { secret },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
  });
  key = { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' };
});
afterEach(() => expectHealthy(hub));
afterAll(() => hub.close());

/** CR and LF that would inject SSE fields (threat T10 in SECURITY.md), plus U+2028 and U+0000. */
const INJECTION = 'a\r\ndata: forged\n\nid: x\rretry: 1\u2028\u0000event: evil\r\n\r\n';

/** Opens a stream on its own connection, reads it for `ms`, then destroys the connection. */
function readStream(path: string, accept: string, ms: number, headers: Record<string, string> = {}) {
  const url = new URL(path, hub.url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        headers: { accept, ...headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        const done = (): void => resolve({ status: res.statusCode ?? 0, text });
        res.on('end', done);
        res.on('close', done);
        setTimeout(() => req.destroy(), ms);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens an SSE stream on its own connection and keeps it open until `close`. */
function holdStream(target: { url: string }, path: string) {
  const url = new URL(path, target.url);
  return new Promise<{ status: number; close: () => void }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { accept: 'text/event-stream' },
        agent: false,
      },
      (res) => resolve({ status: res.statusCode ?? 0, close: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The events in an SSE text, but the stream's own herald.subscribed (one per channel). */
function sseEvents(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => e.event !== 'herald.subscribed' && events.push(e) });
  parser.feed(text);
  return events;
}

describe('SSE and NDJSON field injection (T10)', () => {
  it('data with CR, LF, U+2028 and NUL arrives as exactly one SSE event equal to the input', async () => {
    const post = await send(hub, '/v1/channels/inject/messages', {
      method: 'POST',
      headers: key,
      body: JSON.stringify({ data: INJECTION }),
    });
    expect(post.status).toBe(201);
    const { status, text } = await readStream('/v1/channels/inject/messages?after=0', 'text/event-stream', 500);
    expect(status).toBe(200);
    const events = sseEvents(text);
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.data ?? '')).toBe(INJECTION);
    expect(events[0]?.event).toBeUndefined();
    // Only our own retry: (first line) and id: lines (herald.subscribed's and the message's).
    expect(text.match(/^retry:/gm)).toHaveLength(1);
    expect(text.match(/^id:/gm)).toHaveLength(2);
    expect(text).not.toMatch(/^data: forged/m);
  });

  it('the same on a multi-channel SSE stream', async () => {
    const { text } = await readStream('/v1/events?channel=inject&channel=other&after=0,0', 'text/event-stream', 500);
    const events = sseEvents(text);
    expect(events).toHaveLength(1);
    expect((JSON.parse(events[0]?.data ?? '') as { data: string }).data).toBe(INJECTION);
  });

  it('the same on NDJSON: one message line that parses back to the input', async () => {
    const { text } = await readStream('/v1/channels/inject/messages?after=0', 'application/x-ndjson', 500);
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2); // subscribed + the message
    expect((JSON.parse(lines[1] ?? '') as { data: string }).data).toBe(INJECTION);
  });
});

describe('bad resume positions and credentials on streams', () => {
  it.each([
    ['a 10 KB Last-Event-ID', { 'last-event-id': `E:${'9'.repeat(10_000)}` }, '/v1/channels/s/messages'],
    [
      'a Last-Event-ID with 1,000 entries for two channels',
      { 'last-event-id': Array(1000).fill('0').join(',') },
      '/v1/events?channel=a&channel=b',
    ],
    ['a Last-Event-ID that is a path', { 'last-event-id': '../../etc/passwd' }, '/v1/channels/s/messages'],
  ])('%s is a 400 (an SSE client must stop)', async (_name, headers, path) => {
    const a = await send(hub, path, { headers: { accept: 'text/event-stream', ...headers } });
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('1,001 channels on one SSE request are a 400', async () => {
    const qs = Array.from({ length: 1_001 }, (_, i) => `channel=c${i}`).join('&');
    const a = await send(hub, `/v1/events?${qs}`, { headers: { accept: 'text/event-stream' } });
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it.each([
    ['an expired token (401)', -60, ['user:1:*'], 401],
    ['a token for other channels (403)', 60, ['user:2:*'], 403],
  ])('SSE and NDJSON with %s', async (_name, exp, channels, status) => {
    const token = await new SignJWT({ channels })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + exp)
      .sign(new TextEncoder().encode(secret));
    for (const accept of ['text/event-stream', 'application/x-ndjson']) {
      const a = await send(hub, `/v1/channels/user:1:feed/messages?token=${token}`, { headers: { accept } });
      expect(a.status).toBe(status);
    }
  });

  it('a forged signature on a long poll is a 401', async () => {
    const token = await new SignJWT({ channels: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode('forged-forged-forged-forged-forged-forged'));
    const a = await send(hub, `/v1/channels/user:1:feed/messages?wait=5&token=${token}`);
    expect([a.status, codeOf(a)]).toEqual([401, 'unauthorized']);
  });
});

describe('per-address caps, readers that never read, and the channel cap', () => {
  let strict: HostileHub;
  beforeAll(async () => {
    strict = await startHub({
      engine: new MemoryEngine({ sweepIntervalMs: 0, maxChannels: 50 }),
      maxConnectionsPerIp: 2,
      maxLongPollsPerIp: 2,
      maxBacklogBytes: 64 * 1024,
      allowedOrigins: ['https://app.example'],
    });
  });
  afterEach(() => expectHealthy(strict));
  afterAll(() => strict.close());

  it('an SSE request from an evil origin is a 403', async () => {
    const a = await send(strict, '/v1/channels/s/messages', {
      headers: { accept: 'text/event-stream', origin: 'https://evil.example' },
    });
    expect([a.status, codeOf(a)]).toEqual([403, 'forbidden']);
  });

  it('the 3rd stream from one address: SSE gets 200 + retry + close 4101, NDJSON 429 with Retry-After', async () => {
    const held = await Promise.all([0, 1].map(() => holdStream(strict, '/v1/channels/s/messages')));
    expect(held.map((r) => r.status)).toEqual([200, 200]);
    const sse = await send(strict, '/v1/channels/s/messages', { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(200);
    expect(sse.body).toMatch(/^retry: 5000\n/);
    expect(sse.body).toContain('event: herald.close\ndata: {"code":4101,');
    const ndjson = await send(strict, '/v1/channels/s/messages', { headers: { accept: 'application/x-ndjson' } });
    expect([ndjson.status, codeOf(ndjson)]).toEqual([429, 'rate_limited']);
    expect(ndjson.headers['retry-after']).toBe('5');
    for (const h of held) h.close();
  });

  it('the 3rd long poll held for one address is a 429; the held ones still answer', async () => {
    const held = [0, 1].map(() => send(strict, '/v1/channels/s/messages?wait=1'));
    await expect.poll(() => strict.herald.stats.connections['long-poll']).toBe(2);
    const third = await send(strict, '/v1/channels/s/messages?wait=1');
    expect([third.status, codeOf(third)]).toEqual([429, 'rate_limited']);
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([204, 204]);
  });

  it.each([
    ['SSE', 'text/event-stream', '"code":4100'],
    ['NDJSON', 'application/x-ndjson', '{"close":{"code":4100'],
  ])('an %s reader that never reads is cut (4100) instead of growing memory', async (_name, accept, closing) => {
    const data = 'x'.repeat(60_000);
    const x = await rawExchange(
      strict.port,
      (socket) => {
        socket.write(
          `GET /v1/channels/flood/messages HTTP/1.1\r\nHost: x\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`,
        );
        socket.pause();
        (async () => {
          await expect.poll(() => strict.herald.stats.connections.sse + strict.herald.stats.connections.ndjson).toBe(1);
          for (
            let i = 0;
            i < 2_000 && strict.herald.stats.connections.sse + strict.herald.stats.connections.ndjson > 0;
            i++
          ) {
            await strict.herald.hub.publish('flood', [{ data }]);
          }
          socket.resume();
        })().catch(() => socket.destroy());
      },
      8_000,
    );
    expect(x.status).toBe(200);
    expect(x.text).toContain(closing);
  });

  it('past the channel cap idle channels make room; a 503 (SSE: close 4102) only when every channel is watched', async () => {
    // A flood of written channels never locks anyone out: the least recently used ones are forgotten.
    for (let i = 0; i < 200; i++) await strict.herald.hub.publish(`full-${i}`, [{ data: i }]);
    expect((await send(strict, '/v1/channels/brand-new/messages')).status).toBe(204);
    // Fill the cap with channels someone waits for: those are never forgotten.
    const sink: Sink = {
      transport: 'ws',
      deliver: () => {},
      reset: () => {},
      backlog: () => 0,
      drained: async () => {},
      close: () => {},
    };
    const subscriptions: Subscription[] = [];
    for (let i = 0; i < 50; i++) {
      subscriptions.push((await strict.herald.hub.subscribe(`watched-${i}`, sink, undefined)).subscription);
    }
    const pull = await send(strict, '/v1/channels/brand-new-2/messages');
    expect([pull.status, codeOf(pull)]).toEqual([503, 'unavailable']);
    expect(pull.headers['retry-after']).toBe('5');
    const sse = await send(strict, '/v1/channels/brand-new-2/messages', { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(200);
    expect(sse.body).toContain('event: herald.close\ndata: {"code":4102,');
    // Watched channels keep working; once one is let go, new channels fit again.
    expect((await send(strict, '/v1/channels/watched-1/messages')).status).toBe(204);
    for (const sub of subscriptions) strict.herald.hub.unsubscribe(sub);
    expect((await send(strict, '/v1/channels/brand-new-2/messages')).status).toBe(204);
  });
});

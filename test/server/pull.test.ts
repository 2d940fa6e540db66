import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, eventsUrl, messagesUrl, publish, publishRange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface PullBody {
  channel: string;
  epoch: string;
  cursor: string;
  more?: boolean;
  reset?: { epoch: string; from: number };
  messages: Array<{ offset: number; event?: string; data: unknown; time: number }>;
}

/** Asserts the header every pull answer carries (contract section 3). */
function expectPollInterval(res: Response): void {
  const value = res.headers.get('herald-poll-interval');
  expect(value, `Herald-Poll-Interval on a ${res.status}`).toMatch(/^[0-9]+$/);
}

// Plain pull (polling), contract section 3.
describe('plain pull', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ namespaces: { big: { history: { size: 5_000, maxAgeMs: 3_600_000 } } } });
  });
  afterAll(() => server.close());

  it('answers application/json in the documented shape', async () => {
    const channel = uniqueChannel();
    const before = Date.now();
    const a = await publish(server, channel, { team: 'A' }, { event: 'goal' });
    await publish(server, channel, { score: '2-1' });
    const res = await fetch(messagesUrl(server, channel));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectPollInterval(res);
    const body = (await res.json()) as PullBody;
    expect(body).toEqual({
      channel,
      epoch: a.epoch,
      cursor: `${a.epoch}:2`,
      messages: [
        { offset: 1, event: 'goal', data: { team: 'A' }, time: expect.any(Number) },
        { offset: 2, data: { score: '2-1' }, time: expect.any(Number) },
      ],
    });
    expect(body.messages[0]?.time).toBeGreaterThanOrEqual(before - 1_000);
    expect(body.messages[0]?.time).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('ETag without a cursor; If-None-Match gets 304 with no body until something is published', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const first = await fetch(messagesUrl(server, channel));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toBe(`"${epoch}:1"`);
    const again = await fetch(messagesUrl(server, channel), { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    expectPollInterval(again);
    expect(await again.text()).toBe('');
    await publish(server, channel, 2);
    const changed = await fetch(messagesUrl(server, channel), { headers: { 'if-none-match': etag as string } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"${epoch}:2"`);
    expect(((await changed.json()) as PullBody).messages.map((m) => m.data)).toEqual([1, 2]);
  });

  it('/v1/events without cursors has an ETag too: 304 until any of its channels changes', async () => {
    const [a, b] = [uniqueChannel(), uniqueChannel()];
    await publish(server, a, 1);
    const first = await fetch(eventsUrl(server, [a, b]));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"m\.[A-Za-z0-9_-]{27}"$/);
    const again = await fetch(eventsUrl(server, [a, b]), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expectPollInterval(again);
    // Another order is another answer (the cursor is positional), so another tag.
    const swapped = await fetch(eventsUrl(server, [b, a]), { headers: { 'if-none-match': etag } });
    expect(swapped.status).toBe(200);
    await publish(server, b, 2);
    const changed = await fetch(eventsUrl(server, [a, b]), { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as { messages: unknown[] }).messages).toHaveLength(2);
  });

  it('a 304 is at most 200 bytes on the wire, and carries CORS headers when a browser asks', async () => {
    const channel = uniqueChannel();
    await publish(server, channel, 1);
    const etag = (await fetch(messagesUrl(server, channel))).headers.get('etag') as string;
    const path = new URL(messagesUrl(server, channel)).pathname;
    const plain = await rawExchange(server.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\n\r\n`);
    expect(plain).toMatch(/^HTTP\/1\.1 304 /);
    expect(plain).toMatch(/\r\nherald-poll-interval: [0-9]+\r\n/i);
    expect(plain).not.toMatch(/access-control/i);
    expect(Buffer.byteLength(plain)).toBeLessThanOrEqual(200);
    const browser = await rawExchange(
      server.url,
      `GET ${path} HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nIf-None-Match: ${etag}\r\n\r\n`,
    );
    expect(browser).toMatch(/^HTTP\/1\.1 304 /);
    expect(browser).toMatch(/\r\naccess-control-allow-origin: \*\r\n/i);
  });

  it('204 when nothing is new after a cursor, with the poll interval', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const res = await fetch(messagesUrl(server, channel, { after: `${epoch}:1` }));
    expect(res.status).toBe(204);
    expectPollInterval(res);
    expect(await res.text()).toBe('');
  });

  it('Herald-Poll-Interval is on every pull answer, also of /v1/events and of an empty channel', async () => {
    const channel = uniqueChannel();
    const empty = await fetch(messagesUrl(server, channel));
    expect([200, 204]).toContain(empty.status);
    expectPollInterval(empty);
    await publish(server, channel, 1);
    const multi = await fetch(eventsUrl(server, [channel]));
    expect(multi.status).toBe(200);
    expectPollInterval(multi);
  });

  it('limit: default 100, capped at 1000, with more: true while more remain', async () => {
    const channel = uniqueChannel('big:limits');
    const epoch = await publishRange(server, channel, 1, 1_000);
    await publishRange(server, channel, 1_001, 1_200);
    const page = async (query: Record<string, string>): Promise<PullBody> => {
      const res = await fetch(messagesUrl(server, channel, query));
      expect(res.status).toBe(200);
      return (await res.json()) as PullBody;
    };
    const byDefault = await page({ after: `${epoch}:0` });
    expect(byDefault.messages.map((m) => m.offset)).toEqual(range(1, 100));
    expect(byDefault.more).toBe(true);
    expect(byDefault.cursor).toBe(`${epoch}:100`);
    const capped = await page({ after: `${epoch}:0`, limit: '5000' });
    expect(capped.messages).toHaveLength(1_000);
    expect(capped.more).toBe(true);
    const rest = await page({ after: capped.cursor, limit: '1000' });
    expect(rest.messages.map((m) => m.offset)).toEqual(range(1_001, 1_200));
    expect(rest.more).toBeUndefined();
    expect(rest.cursor).toBe(`${epoch}:1200`);
    const latest = await page({ limit: '3' });
    expect(latest.messages.map((m) => m.offset)).toEqual([1_198, 1_199, 1_200]);
  });

  it.each(['0', '-1', '1.5', 'abc', '', '1e2'])('limit=%j is a 400 bad_request', async (limit) => {
    const res = await fetch(messagesUrl(server, 'limits', { limit }));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('bad_request');
  });

  it('a full page after a cursor is immutable; a partial page and a page after 0 are no-cache', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 15);
    const full = await fetch(messagesUrl(server, channel, { after: `${epoch}:0`, limit: '10' }));
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toMatch(/^public, max-age=[0-9]+, immutable$/);
    const partial = await fetch(messagesUrl(server, channel, { after: `${epoch}:10`, limit: '10' }));
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).toBe('no-cache');
    const fromStart = await fetch(messagesUrl(server, channel, { after: '0', limit: '10' }));
    expect(fromStart.headers.get('cache-control')).toBe('no-cache');
    const latest = await fetch(messagesUrl(server, channel, { limit: '10' }));
    expect(latest.headers.get('cache-control')).toBe('no-cache');
  });

  it('/v1/events pulls many channels: each message carries its channel, one cursor covers them', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    const ea = await publishRange(server, a, 1, 2);
    const eb = await publishRange(server, b, 1, 1);
    const res = await fetch(eventsUrl(server, [a, b], { after: `${ea}:1,otherEpoch:3` }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      cursor: string;
      messages: Array<{ channel: string; offset: number; data: unknown }>;
      resets?: Array<{ channel: string; epoch: string; from: number }>;
    };
    expect(body.messages.map((m) => [m.channel, m.offset, m.data])).toEqual([
      [a, 2, 2],
      [b, 1, 1],
    ]);
    expect(body.resets).toEqual([{ channel: b, epoch: eb, from: 1 }]);
    const next = await fetch(eventsUrl(server, [a, b], { after: body.cursor }));
    expect(next.status).toBe(204);
    expectPollInterval(next);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Sends one raw request and resolves with the answer's head (a 304 has no body), as on the wire. */
function rawExchange(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error('no answer')));
  });
}

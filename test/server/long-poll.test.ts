import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, eventsUrl, messagesUrl, publish, publishRange, stats, uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface PullBody {
  cursor: string;
  messages: Array<{ offset: number; data: unknown; channel?: string }>;
}

// Long polling (`?wait=S`), contract section 3.
describe('long polling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ longPollMaxMs: 2_000 });
  });
  afterAll(() => server.close());

  /** Waits until the hub holds `n` long polls. */
  const held = (n: number) =>
    eventually(async () => (await stats(server)).connections.longpoll === n, 3_000, `${n} held long poll(s)`);

  it('a held request answers within 100 ms of a publish', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const started = Date.now();
    const answer = fetch(messagesUrl(server, channel, { after: `${epoch}:1`, wait: '10' }));
    await held(1);
    const publishedAt = Date.now();
    await publish(server, channel, 2);
    const res = await answer;
    const body = (await res.json()) as PullBody;
    const latency = Date.now() - publishedAt;
    expect(res.status).toBe(200);
    expect(res.headers.get('herald-poll-interval')).toMatch(/^[0-9]+$/);
    expect(body.messages.map((m) => m.data)).toEqual([2]);
    expect(body.cursor).toBe(`${epoch}:2`);
    expect(latency).toBeLessThan(100);
    expect(publishedAt - started).toBeLessThan(3_000);
  });

  it('answers at once when messages are already after the cursor', async () => {
    const channel = uniqueChannel();
    const epoch = await publishRange(server, channel, 1, 3);
    const started = Date.now();
    const res = await fetch(messagesUrl(server, channel, { after: `${epoch}:1`, wait: '10' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as PullBody).messages.map((m) => m.offset)).toEqual([2, 3]);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('without a cursor waits for the next new message', async () => {
    const channel = uniqueChannel();
    await publishRange(server, channel, 1, 3);
    const answer = fetch(messagesUrl(server, channel, { wait: '10' }));
    await held(1);
    await publish(server, channel, 4);
    const res = await answer;
    expect(((await res.json()) as PullBody).messages.map((m) => m.data)).toEqual([4]);
  });

  it('204 at the timeout (wait=1), and a wait above the cap is capped', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const timed = async (wait: string): Promise<{ res: Response; ms: number }> => {
      const started = Date.now();
      const res = await fetch(messagesUrl(server, channel, { after: `${epoch}:1`, wait }));
      return { res, ms: Date.now() - started };
    };
    const [one, capped] = await Promise.all([timed('1'), timed('600')]);
    expect(one.res.status).toBe(204);
    expect(one.res.headers.get('herald-poll-interval')).toMatch(/^[0-9]+$/);
    expect(one.ms).toBeGreaterThanOrEqual(900);
    expect(one.ms).toBeLessThan(1_900);
    expect(capped.res.status).toBe(204);
    expect(capped.ms).toBeGreaterThanOrEqual(1_900);
    expect(capped.ms).toBeLessThan(4_000);
  });

  it('a client that goes away frees the held request at once', async () => {
    const channel = uniqueChannel();
    const { epoch } = await publish(server, channel, 1);
    const abort = new AbortController();
    const answer = fetch(messagesUrl(server, channel, { after: `${epoch}:1`, wait: '60' }), {
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await held(1);
    abort.abort();
    await answer;
    const left = Date.now();
    await eventually(async () => (await stats(server)).connections.longpoll === 0, 1_000, 'the long poll freed');
    expect(Date.now() - left).toBeLessThan(500);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^herald_connections\{transport="longpoll"\} 0$/m);
  });

  it('/v1/events wakes on a message to any of its channels', async () => {
    const a = uniqueChannel('a');
    const b = uniqueChannel('b');
    const { epoch: ea } = await publish(server, a, 1);
    const { epoch: eb } = await publish(server, b, 1);
    const answer = fetch(eventsUrl(server, [a, b], { after: `${ea}:1,${eb}:1`, wait: '10' }));
    await held(1);
    await publish(server, b, 2);
    const res = await answer;
    const body = (await res.json()) as PullBody;
    expect(body.messages.map((m) => [m.channel, m.offset])).toEqual([[b, 2]]);
    expect(body.cursor).toBe(`${ea}:1,${eb}:2`);
  });

  it.each(['-1', 'abc', '1s', ''])('wait=%j is a 400 bad_request', async (wait) => {
    const res = await fetch(messagesUrl(server, 'waits', { wait }));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('bad_request');
  });
});

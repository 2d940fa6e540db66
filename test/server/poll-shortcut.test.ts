import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Router } from '../../packages/server/src/router.ts';
import { publish, rawExchange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

/** An HS256 token that may subscribe to `channels`. */
function token(channels: string[]): Promise<string> {
  return new SignJWT({ channels })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(SECRET));
}

/**
 * Asks `path` as the clients send it (origin-form: `/v1/...`, which the shortcut of
 * transports/poll.ts may answer) and in absolute form (`http://host/v1/...`, always routed), and
 * returns both answers and whether each went through the router (a refused origin never does).
 */
async function bothWays(server: TestServer, path: string, headers: Record<string, string> = {}) {
  const match = vi.spyOn(Router.prototype, 'match');
  try {
    const short = await rawExchange(server.url, 'GET', path, headers);
    const shortRouted = match.mock.calls.length > 0;
    match.mockClear();
    const routed = await rawExchange(server.url, 'GET', `${server.url}${path}`, headers);
    return { short, routed, shortRouted, routedRouted: match.mock.calls.length > 0 };
  } finally {
    match.mockRestore();
  }
}

function statusOf(answer: string): number {
  return Number(answer.slice(9, 12));
}

// A plain poll's shortcut (transports/poll.ts) must answer exactly as the route: status, headers (CORS
// ones included), body, for every error too. Anything it does not take is routed as before.
describe('plain poll shortcut', () => {
  let open: TestServer;
  let listed: TestServer;
  let channel: string;
  let privateChannel: string;
  let emptyChannel: string;
  let emptyEtag: string;
  let etag: string;
  let cursor: string;

  beforeAll(async () => {
    open = await startTestServer({ jwt: { secret: SECRET }, namespaces: { private: { anonymousSubscribe: false } } });
    listed = await startTestServer({ allowedOrigins: ['https://app.example'] });
    channel = uniqueChannel('a:b@c.d');
    privateChannel = uniqueChannel('private:');
    const published = await publish(open, channel, { n: 1 });
    cursor = published.cursor;
    etag = `"${published.epoch}:1"`;
    await publish(open, privateChannel, { n: 1 });
    await publish(listed, channel, { n: 1 });
    emptyChannel = uniqueChannel('empty');
    emptyEtag = (await fetch(`${open.url}/v1/channels/${emptyChannel}/messages`)).headers.get('etag') as string;
  });
  afterAll(async () => {
    await open.close();
    await listed.close();
  });

  const path = (query = '') => `/v1/channels/${channel}/messages${query}`;
  const privatePath = (query = '') => `/v1/channels/${privateChannel}/messages${query}`;
  const emptyPath = () => `/v1/channels/${emptyChannel}/messages`;

  it.each([
    ['a page', () => path(), {}, 200],
    ['a page to a browser', () => path(), { Origin: 'https://a.example' }, 200],
    ['a 304', () => path(), { 'If-None-Match': 'ETAG' }, 304],
    ['a 304 to a browser', () => path(), { 'If-None-Match': 'ETAG', Origin: 'https://a.example' }, 304],
    ['a 304 to a weak tag', () => path(), { 'If-None-Match': 'W/ETAG' }, 304],
    ['a page for a stale tag', () => path(), { 'If-None-Match': '"x:1"' }, 200],
    ['a page with limit', () => path('?limit=1'), {}, 200],
    ['a page after a cursor', () => path('?after=0'), {}, 200],
    ['a 204 at the end', () => path('?after=CURSOR'), { Origin: 'https://a.example' }, 204],
    ['a 400 for a bad limit', () => path('?limit=abc'), { Origin: 'https://a.example' }, 400],
    ['a 400 for a bad cursor', () => path('?after=nope'), {}, 400],
    ['a 400 for two cursors', () => path('?after=0&after=0'), {}, 400],
    ['a 400 for two tokens', () => path('?token=a&token=b'), {}, 400],
    ['a 401 for a wrong key', () => path(), { Authorization: 'Bearer wrong' }, 401],
    ['a 401 without credentials', () => privatePath(), { Origin: 'https://a.example' }, 401],
    ['a page for the API key', () => privatePath(), { Authorization: 'Bearer test-key' }, 200],
    ['a page for the API key in the query', () => privatePath('?token=test-key'), {}, 200],
    ['a page for Accept: application/json', () => path(), { Accept: 'application/json' }, 200],
    ['a 304 with a query', () => path('?limit=5'), { 'If-None-Match': 'ETAG' }, 304],
    ['a 204 for a channel never published to', () => emptyPath(), { Origin: 'https://a.example' }, 204],
    ['a 304 for a channel never published to', () => emptyPath(), { 'If-None-Match': 'EMPTY_ETAG' }, 304],
  ] as const)('answers %s as the route does', async (_name, target, headers, status) => {
    const filled = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v.replace('EMPTY_ETAG', emptyEtag).replace('ETAG', etag)] as const),
    ) as Record<string, string>;
    const { short, routed, shortRouted, routedRouted } = await bothWays(
      open,
      target().replace('CURSOR', cursor),
      filled,
    );
    expect(statusOf(short)).toBe(status);
    expect(short).toBe(routed);
    expect(shortRouted, 'the shortcut answered').toBe(false);
    expect(routedRouted, 'the absolute-form target was routed').toBe(true);
  });

  it('answers a JWT (checked asynchronously) as the route does: allowed, and refused for another channel', async () => {
    const allowed = { Authorization: `Bearer ${await token([privateChannel])}` };
    const page = await bothWays(open, privatePath(), allowed);
    expect(statusOf(page.short)).toBe(200);
    expect(page.short).toBe(page.routed);
    expect(page.shortRouted).toBe(false);
    const other = { Authorization: `Bearer ${await token(['private:other'])}` };
    const refused = await bothWays(open, privatePath(), { ...other, Origin: 'https://a.example' });
    expect(statusOf(refused.short)).toBe(403);
    expect(refused.short).toMatch(/\r\naccess-control-allow-origin: \*\r\n/);
    expect(refused.short).toBe(refused.routed);
  });

  it.each([
    ['no Origin', {}, 200],
    ['a listed Origin', { Origin: 'https://APP.example' }, 200],
    ['a listed Origin, conditional', { Origin: 'https://app.example', 'If-None-Match': 'ETAG' }, 304],
    ['no Origin, conditional', { 'If-None-Match': 'ETAG' }, 304],
  ] as const)('with an origin list, answers %s as the route does', async (_name, headers, status) => {
    const tag = (await fetch(`${listed.url}${path()}`)).headers.get('etag') as string;
    const filled = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('ETAG', tag)]));
    const { short, routed, shortRouted } = await bothWays(listed, path(), filled);
    expect(statusOf(short)).toBe(status);
    expect(short).toMatch(/\r\nvary: Origin\r\n/i);
    expect(short).toBe(routed);
    expect(shortRouted).toBe(false);
  });

  it.each([
    ['a long poll', () => path('?wait=0'), {}, 200],
    ['a bad wait (400)', () => path('?wait=x'), {}, 400],
    ['an Accept it does not serve (406)', () => path(), { Accept: 'text/html' }, 406],
    ['a percent-encoded channel', () => `/v1/channels/${encodeURIComponent(channel)}/messages`, {}, 200],
    ['a trailing slash', () => path('/'), {}, 200],
    ['an invalid channel name (400)', () => `/v1/channels/${'x'.repeat(129)}/messages`, {}, 400],
  ] as const)('leaves %s to the router', async (_name, target, headers, status) => {
    const { short, routed, shortRouted } = await bothWays(open, target(), headers);
    expect(statusOf(short)).toBe(status);
    expect(short).toBe(routed);
    expect(shortRouted, 'routed').toBe(true);
  });

  it('builds the page again once it changes: a publish, another limit, another channel', async () => {
    const one = uniqueChannel('page');
    const two = uniqueChannel('page');
    const page = async (name: string, query = '') =>
      (await (await fetch(`${open.url}/v1/channels/${name}/messages${query}`)).json()) as {
        channel: string;
        messages: Array<{ data: { n: number } }>;
      };
    await publish(open, one, { n: 1 });
    await publish(open, two, { n: 9 });
    expect((await page(one)).messages.map((m) => m.data.n)).toEqual([1]);
    expect((await page(one)).messages.map((m) => m.data.n)).toEqual([1]);
    await publish(open, one, { n: 2 });
    expect((await page(one)).messages.map((m) => m.data.n)).toEqual([1, 2]);
    expect((await page(one, '?limit=1')).messages.map((m) => m.data.n)).toEqual([2]);
    const other = await page(two);
    expect(other.channel).toBe(two);
    expect(other.messages.map((m) => m.data.n)).toEqual([9]);
    expect((await page(one)).messages.map((m) => m.data.n)).toEqual([1, 2]);
  });

  it('leaves an origin not listed to the pipeline: 403, refused before routing', async () => {
    const { short, routed } = await bothWays(listed, path(), { Origin: 'https://evil.example' });
    expect(statusOf(short)).toBe(403);
    expect(short).toMatch(/\r\nvary: Origin\r\n/i);
    expect(short).toBe(routed);
  });
});

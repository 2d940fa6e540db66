import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Router } from '../../packages/server/src/router.ts';
import { rawExchange, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * One raw POST and its whole answer as on the wire (head and body), with what differs from one
 * publish to the next taken out (Date, the channel, and the epoch, offset, cursor and time of what was
 * written): two answers are then comparable byte for byte.
 */
async function exchange(
  base: string,
  target: string,
  channel: string,
  headers: Record<string, string>,
  body: string,
): Promise<string> {
  const answer = await rawExchange(base, 'POST', target, headers, body);
  return answer
    .replaceAll(channel, 'CHANNEL')
    .replace(/"offset":\d+/g, '"offset":N')
    .replace(/"epoch":"[^"]*"/g, '"epoch":"E"')
    .replace(/"cursor":"[^"]*"/g, '"cursor":"C"')
    .replace(/"time":\d+/g, '"time":T');
}

/**
 * Posts to `path` as clients do (origin-form, which the pipeline may hand to the publish handler
 * without routing) and in absolute form (`http://host/v1/...`, always routed), each to a channel of
 * its own (the same offsets then), and returns both answers and whether each went through the router.
 */
async function bothWays(
  server: TestServer,
  path: (channel: string) => string,
  headers: Record<string, string>,
  body: string,
) {
  const match = vi.spyOn(Router.prototype, 'match');
  try {
    const one = uniqueChannel('s');
    const short = await exchange(server.url, path(one), one, headers, body);
    const shortRouted = match.mock.calls.length > 0;
    match.mockClear();
    const two = uniqueChannel('s');
    const routed = await exchange(server.url, `${server.url}${path(two)}`, two, headers, body);
    return { short, routed, shortRouted, routedRouted: match.mock.calls.length > 0 };
  } finally {
    match.mockRestore();
  }
}

function statusOf(answer: string): number {
  return Number(answer.slice(9, 12));
}

const KEY = { Authorization: 'Bearer test-key', 'Content-Type': 'application/json' };
const ONE = '{"data":{"n":1}}';

// A single publish that skips the router (request-pipeline.ts, `publish`) must answer exactly as the
// route: status, headers (CORS ones included), body, for every error too.
describe('publish without the router', () => {
  let open: TestServer;
  let listed: TestServer;

  beforeAll(async () => {
    open = await startTestServer();
    listed = await startTestServer({ allowedOrigins: ['https://app.example'] });
  });
  afterAll(async () => {
    await open.close();
    await listed.close();
  });

  const path = (channel: string) => `/v1/channels/${channel}/messages`;

  it.each([
    ['a message', KEY, ONE, 201],
    ['a message from a browser', { ...KEY, Origin: 'https://a.example' }, ONE, 201],
    ['a message with an event', KEY, '{"event":"e","data":[1,"x"]}', 201],
    ['a message whose data is parsed', KEY, '{ "data" : {"a":1,"a":2} }', 201],
    ['a batch', KEY, '[{"data":1},{"data":2,"event":"e"}]', 201],
    ['a replayable message', { ...KEY, 'Idempotency-Key': 'k1' }, ONE, 201],
    ['a 400 for a bad idempotency key', { ...KEY, 'Idempotency-Key': ' ' }, ONE, 400],
    ['a 400 for bad JSON', KEY, '{"data":', 400],
    ['a 400 for no data', KEY, '{"event":"e"}', 400],
    ['a 400 for a bad event', KEY, '{"data":1,"event":"a b"}', 400],
    ['a 401 without credentials', { 'Content-Type': 'application/json', Origin: 'https://a.example' }, ONE, 401],
    ['a 401 for a wrong key', { ...KEY, Authorization: 'Bearer wrong' }, ONE, 401],
    ['a 415 for another type', { ...KEY, 'Content-Type': 'text/plain' }, ONE, 415],
  ] as const)('answers %s as the route does', async (_name, headers, body, status) => {
    const { short, routed, shortRouted, routedRouted } = await bothWays(open, path, headers, body);
    expect(statusOf(short)).toBe(status);
    expect(short).toBe(routed);
    expect(shortRouted, 'not routed').toBe(false);
    expect(routedRouted, 'the absolute-form target was routed').toBe(true);
  });

  it.each([
    ['no Origin', KEY, 201],
    ['a listed Origin', { ...KEY, Origin: 'https://APP.example' }, 201],
    ['an Origin not listed (403)', { ...KEY, Origin: 'https://evil.example' }, 403],
  ] as const)('with an origin list, answers %s as the route does', async (_name, headers, status) => {
    const { short, routed, shortRouted } = await bothWays(listed, path, headers, ONE);
    expect(statusOf(short)).toBe(status);
    expect(short).toMatch(/\r\nvary: Origin\r\n/i);
    expect(short).toBe(routed);
    expect(shortRouted).toBe(false);
  });

  it.each([
    ['a query', (c: string) => `${path(c)}?token=test-key`, 201],
    ['a percent-encoded channel', (c: string) => `/v1/channels/${encodeURIComponent(`a:${c}`)}/messages`, 201],
    ['a trailing slash', (c: string) => `${path(c)}/`, 201],
    ['an invalid channel name (400)', () => `/v1/channels/${'x'.repeat(129)}/messages`, 400],
  ] as const)('leaves %s to the router', async (_name, target, status) => {
    const { short, routed, shortRouted } = await bothWays(open, target, KEY, ONE);
    expect(statusOf(short)).toBe(status);
    expect(short).toBe(routed);
    expect(shortRouted, 'routed').toBe(true);
  });
});

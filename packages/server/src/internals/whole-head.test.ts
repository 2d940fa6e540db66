import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeWholeHead } from './whole-head.ts';

const CORS = ['access-control-allow-origin', '*'];
const TAIL = ['etag', '"e1:7"', 'herald-poll-interval', '15000', 'cache-control', 'no-cache'];
const PAGE = '{"messages":[]}';

/**
 * What every test request asks for: `/<way>/<status>`, the way `whole` (writeWholeHead) or `plain`
 * (writeHead with the same pairs, what node:http itself writes), `/set/` first when a header is set
 * before, `/off/` first without internals.
 */
function answer(path: string, res: ServerResponse, heads: string[]): void {
  const [, way, status] = /\/(whole|plain)\/(\d+)$/.exec(path) ?? [];
  const code = Number(status);
  const parts =
    code === 200
      ? [CORS, ['content-type', 'application/json', 'content-length', `${PAGE.length}`], TAIL]
      : [CORS, TAIL];
  if (path.startsWith('/set/')) res.setHeader('vary', 'Origin');
  if (way === 'plain') res.writeHead(code, parts.flat());
  else {
    const writeHead = res.writeHead;
    let called = false;
    res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
      called = true;
      return writeHead.apply(res, args);
    }) as ServerResponse['writeHead'];
    writeWholeHead(res, code, parts, !path.startsWith('/off/'));
    heads.push(called ? 'writeHead' : 'whole');
  }
  res.end(code === 200 ? PAGE : undefined);
}

/** Sends `requests` on one connection and reads until the hub closes it, Date values blanked. */
async function exchange(port: number, requests: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  socket.write(requests);
  let text = '';
  for await (const chunk of socket) text += chunk;
  return text.replace(/\r\nDate: [^\r]*/g, '\r\nDate: -');
}

/** One request for `path`, with `extra` header lines. */
function get(path: string, extra = '', version = '1.1', method = 'GET'): string {
  return `${method} ${path} HTTP/${version}\r\nHost: x\r\n${extra}\r\n`;
}

/** The connection's last request: the hub closes after answering it. */
const LAST = get('/plain/204', 'Connection: close\r\n');

// The canary for whole-head.ts: on the Node in use, the head is written without writeHead (if Node's
// internals change, writeHead is used instead and this fails) with exactly the bytes writeHead writes,
// and node:http goes on with the connection as it would.
describe('writeWholeHead', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  async function serve(settings: { keepAliveTimeout?: number; maxRequestsPerSocket?: number } = {}) {
    const heads: string[] = [];
    const server = createServer((req, res) => answer(req.url as string, res, heads));
    Object.assign(server, settings);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    /** The answers of node:http's writeHead and of writeWholeHead to the same requests (`WAY` in their paths). */
    const both = async (requests: string) => {
      const plain = await exchange(port, requests.replaceAll('WAY', 'plain'));
      const whole = await exchange(port, requests.replaceAll('WAY', 'whole'));
      return { plain, whole };
    };
    return { both, heads };
  }

  it.each([
    ['a 200, kept alive', get('/WAY/200') + LAST],
    ['a 304, kept alive', get('/WAY/304') + LAST],
    ['a 204, kept alive', get('/WAY/204') + LAST],
    ['a 200 to Connection: close', get('/WAY/200', 'Connection: close\r\n')],
    ['a 304 to Connection: close', get('/WAY/304', 'Connection: close\r\n')],
    ['a 200 to HTTP/1.0', get('/WAY/200', '', '1.0')],
    ['a 304 to HTTP/1.0', get('/WAY/304', '', '1.0')],
    ['a 200 to HTTP/1.0 keep-alive', get('/WAY/200', 'Connection: keep-alive\r\n', '1.0') + LAST],
    ['a 304 to HTTP/1.0 keep-alive', get('/WAY/304', 'Connection: keep-alive\r\n', '1.0') + LAST],
    ['a 200 to HEAD', get('/WAY/200', '', '1.1', 'HEAD') + LAST],
    ['a 200 after 100-continue', get('/WAY/200', 'Expect: 100-continue\r\n') + LAST],
    ['pipelined answers', get('/WAY/200') + get('/WAY/304') + get('/WAY/200') + get('/WAY/204') + LAST],
  ])('writes what writeHead writes: %s', async (_, requests) => {
    const { both, heads } = await serve();
    const { plain, whole } = await both(requests);
    expect(whole).toBe(plain);
    expect(whole).toMatch(/HTTP\/1\.1 \d{3} [^\r]+\r\naccess-control-allow-origin: \*\r\n/);
    expect(whole).toContain('\r\nDate: -\r\n');
    expect(heads.length).toBeGreaterThan(0);
    expect(heads.every((h) => h === 'whole')).toBe(true);
  });

  it('writes what writeHead writes under other keep-alive settings', async () => {
    for (const settings of [{ keepAliveTimeout: 0 }, { maxRequestsPerSocket: 2 }, { keepAliveTimeout: 65_500 }]) {
      const { both, heads } = await serve(settings);
      // With at most 2 requests per connection, the second answer says close (and the last one is a 503).
      const requests = settings.maxRequestsPerSocket
        ? get('/WAY/304') + get('/WAY/200') + LAST
        : get('/WAY/200') + LAST;
      const { plain, whole } = await both(requests);
      expect(whole).toBe(plain);
      expect(heads.every((h) => h === 'whole')).toBe(true);
      if (settings.maxRequestsPerSocket) {
        expect(whole).toContain('\r\nKeep-Alive: timeout=5, max=2\r\n\r\nHTTP/1.1 200 OK\r\n');
        expect(whole).toContain('\r\nConnection: close\r\n\r\n{"messages":[]}HTTP/1.1 503 ');
      }
    }
  });

  it('is writeHead without internals, and after a header was set', async () => {
    const { both, heads } = await serve();
    for (const prefix of ['/off', '/set']) {
      const { plain, whole } = await both(get(`${prefix}/WAY/200`) + get(`${prefix}/WAY/304`) + LAST);
      expect(whole).toBe(plain);
    }
    expect(heads).toEqual(['writeHead', 'writeHead', 'writeHead', 'writeHead']);
  });
});

import { DEFAULT_NAMESPACE } from '@herald/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, expectHealthy, type HostileHub, rawExchange, send, startHub } from './hostile-kit.ts';

// Hostile input against the HTTP front door and the publish API (threats T2, T3, T6, T7, T9, T13 in
// SECURITY.md; contract section 8): each case gets its exact status, and the hub is healthy after it.
let hub: HostileHub;
let key: Record<string, string>;

beforeAll(async () => {
  hub = await startHub({
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 2_000,
    namespaces: { open: { ...DEFAULT_NAMESPACE, anonymousPublish: true } },
  });
  key = { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' };
});
afterEach(() => expectHealthy(hub));
afterAll(() => hub.close());

const publish = (body: string | Buffer, channel = 'hostile', headers = key) =>
  send(hub, `/v1/channels/${channel}/messages`, { method: 'POST', headers, body });

describe('publish bodies', () => {
  it('data nested 100,000 arrays deep is a 400, not a 500', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const a = await publish(`{"data":${deep}}`);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('a body that is 100,000 arrays deep at the top is a 400', async () => {
    const a = await publish(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it.each([
    ['truncated JSON', '{"data":[1,2'],
    ['trailing garbage', '{"data":1} x'],
    ['NaN', '{"data":NaN}'],
    ['single quotes', "{'data':1}"],
    ['a lone surrogate escape in an event', '{"data":1,"event":"\\ud800"}'],
  ])('%s is a 400', async (_name, body) => {
    const a = await publish(body);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('invalid UTF-8 bytes in a JSON body are a 400 (never stored as U+FFFD)', async () => {
    const a = await publish(
      Buffer.concat([Buffer.from('{"data":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
    );
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('a 100 MiB chunked body is a 413 the client reads (the rest is discarded, not buffered)', async () => {
    const rssBefore = process.memoryUsage().rss;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const head = `POST /v1/channels/hostile/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hub.apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    const x = await rawExchange(
      hub.port,
      (socket) => {
        socket.write(head);
        let sent = 0;
        const pump = (): void => {
          while (sent < 100 * 1024 * 1024 && !socket.destroyed) {
            sent += piece.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
        };
        pump();
      },
      10_000,
    );
    expect(x.status).toBe(413);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('a declared Content-Length of 1 TB is a 413 at once', async () => {
    const x = await rawExchange(
      hub.port,
      `POST /v1/channels/hostile/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hub.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n{`,
    );
    expect(x.status).toBe(413);
  });

  it('__proto__ and constructor keys are stored as plain data and pollute nothing', async () => {
    const a = await publish(
      '{"data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}},"__proto__":{"y":1}}',
    );
    expect(a.status).toBe(201);
    const page = await send(hub, '/v1/channels/hostile/messages?limit=1');
    expect(JSON.parse(page.body).messages[0].data).toEqual(
      JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  it('an event name with CR/LF (SSE field injection) is a 400', async () => {
    const a = await publish('{"data":1,"event":"x\\r\\ndata: forged\\n\\nid: 1"}');
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('an Idempotency-Key of 10 KB is a 400', async () => {
    const a = await publish('{"data":1}', 'hostile', { ...key, 'idempotency-key': 'k'.repeat(10_000) });
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('a Content-Type built to backtrack (8 KB of "+") is a quick 415', async () => {
    const started = Date.now();
    const a = await publish('{"data":1}', 'hostile', { ...key, 'content-type': `application/${'+'.repeat(8_000)}` });
    expect([a.status, codeOf(a)]).toEqual([415, 'unsupported_media_type']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('POST /v1/publish with 1,001 items is a 400', async () => {
    const messages = Array.from({ length: 1_001 }, () => ({ channel: 'hostile', data: 1 }));
    const a = await send(hub, '/v1/publish', { method: 'POST', headers: key, body: JSON.stringify({ messages }) });
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('POST /v1/publish: a path-ish channel fails alone, the others are published', async () => {
    const body = JSON.stringify({
      messages: [
        { channel: '../etc', data: 1 },
        { channel: 'hostile', data: 2 },
      ],
    });
    const a = await send(hub, '/v1/publish', { method: 'POST', headers: key, body });
    expect(a.status).toBe(200);
    const { results } = JSON.parse(a.body) as { results: Array<{ error?: { code: string }; offset?: number }> };
    expect(results[0]?.error?.code).toBe('bad_request');
    expect(results[1]?.offset).toBeGreaterThan(0);
  });
});

describe('names, cursors and query parameters', () => {
  it.each([
    ['../ traversal, encoded', '..%2F..%2Fetc%2Fpasswd'],
    ['a NUL byte', 'a%00b'],
    ['CR LF', 'a%0D%0Aevent%3Ax'],
    ['a glob star', 'a*'],
    ['a NATS wildcard', 'a%3E'],
    ['a space', 'a%20b'],
    ['129 characters', 'c'.repeat(129)],
    ['a backslash path', '..%5C..%5Cwindows'],
  ])('a channel with %s is a 400 on pull and on publish', async (_name, channel) => {
    const pull = await send(hub, `/v1/channels/${channel}/messages`);
    expect([pull.status, codeOf(pull)]).toEqual([400, 'bad_request']);
    const pub = await publish('{"data":1}', channel);
    expect([pub.status, codeOf(pub)]).toEqual([400, 'bad_request']);
  });

  it('an encoded dot-dot channel is removed by URL normalization: 404, no channel is touched', async () => {
    const a = await send(hub, '/v1/channels/%2E%2E/messages');
    expect([a.status, codeOf(a)]).toEqual([404, 'not_found']);
  });

  it('a 100 KB query string is a 431 and the connection is closed', async () => {
    const x = await rawExchange(
      hub.port,
      `GET /v1/events?channel=a&x=${'y'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(x.status).toBe(431);
    expect(x.closedByServer).toBe(true);
  });

  it('1,001 channel= parameters are a 400 (more than one request may subscribe)', async () => {
    const qs = Array.from({ length: 1_001 }, (_, i) => `channel=c${i}`).join('&');
    const a = await send(hub, `/v1/events?${qs}`);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('3,000 channel= parameters (over the header size) are a 431', async () => {
    const qs = Array.from({ length: 3_000 }, (_, i) => `channel=ch${i}`).join('&');
    const x = await rawExchange(hub.port, `GET /v1/events?${qs} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(x.status).toBe(431);
  });

  it.each([
    ['a 10 KB cursor', `after=E:${'1'.repeat(10_000)}`],
    ['limit=1e999', 'limit=1e999'],
    ['wait=1e309', 'wait=1e309'],
    ['a cursor with CR LF', 'after=E%0D%0A:1'],
    ['a negative zero offset', 'after=E:-0'],
  ])('%s is a 400', async (_name, qs) => {
    const a = await send(hub, `/v1/channels/hostile/messages?${qs}`);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
  });

  it('unknown query parameters are ignored', async () => {
    const a = await send(hub, '/v1/channels/hostile/messages?__proto__=1&constructor=x&foo[]=1');
    expect([200, 204]).toContain(a.status);
  });
});

describe('headers and connections', () => {
  it('an Authorization header of 12 KB is a 401 with the usual body', async () => {
    const a = await send(hub, '/v1/channels/hostile/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'x'.repeat(12_000)}` },
      body: '{"data":1}',
    });
    expect([a.status, codeOf(a)]).toEqual([401, 'unauthorized']);
  });

  it('?token= of 8 KB garbage is a 401', async () => {
    const a = await send(hub, `/v1/channels/hostile/messages?token=${'g'.repeat(8_000)}`);
    expect([a.status, codeOf(a)]).toEqual([401, 'unauthorized']);
  });

  it.each([
    ['a NUL in a header value', 'X-A: a\0b\r\n'],
    ['a bare CR in a header value', 'X-A: a\rb\r\n'],
    ['a header without a colon', 'NoColonHere\r\n'],
    ['obs-fold continuation', 'X-A: a\r\n  folded\r\n'],
  ])('%s is a 400 from the parser and the socket is closed', async (_name, header) => {
    const x = await rawExchange(hub.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${header}\r\n`);
    expect(x.status).toBe(400);
    expect(x.closedByServer).toBe(true);
  });

  it('an absolute-form target with a broken host is a 400', async () => {
    const x = await rawExchange(hub.port, 'GET http://[::1/v1/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(x.status).toBe(400);
  });

  it('2,000 headers on a plain GET are a 431 and the next request is served', async () => {
    const headers = Array.from({ length: 2_000 }, (_, i) => `X-Flood-${i}: v`).join('\r\n');
    const x = await rawExchange(hub.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n`);
    expect(x.status).toBe(431);
    expect((await send(hub, '/healthz')).status).toBe(200);
  });

  it('an unknown method is a 400 from the parser; a known one on the wrong path a 405', async () => {
    expect((await rawExchange(hub.port, 'FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(400);
    const a = await send(hub, '/healthz', { method: 'DELETE' });
    expect([a.status, codeOf(a)]).toEqual([405, 'method_not_allowed']);
  });

  it('slowloris: headers sent a byte at a time get 408 and are cut at headersTimeout (1 s here)', async () => {
    const x = await rawExchange(
      hub.port,
      (socket) => {
        const text = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: a\r\n'.repeat(100)}`;
        let i = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || i >= text.length) return clearInterval(timer);
          socket.write(text[i++] as string);
        }, 50);
      },
      5_000,
    );
    expect(x.status).toBe(408);
    expect(x.closedByServer).toBe(true);
    expect(x.ms).toBeLessThan(3_500);
  });

  it('a connection that never sends a byte is closed after headersTimeout', async () => {
    const x = await rawExchange(hub.port, () => {}, 5_000);
    expect(x.closedByServer).toBe(true);
    expect(x.ms).toBeGreaterThanOrEqual(900);
    expect(x.ms).toBeLessThan(3_500);
  });

  it('a body that trickles in is cut with 408 at requestTimeout (2 s here)', async () => {
    const x = await rawExchange(
      hub.port,
      (socket) => {
        socket.write(
          `POST /v1/channels/hostile/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hub.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
        );
        const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(' ')), 100);
      },
      6_000,
    );
    expect(x.status).toBe(408);
    expect(x.ms).toBeLessThan(4_500);
  });
});

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Contract section 8: every bad input gets its status and the JSON error shape, and the hub stays healthy.
let s: TestServer;
let auth: Record<string, string>;

beforeAll(async () => {
  s = await startTestServer();
  auth = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' };
});
afterAll(() => s.close());

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
}

const publish = (body: string, headers: Record<string, string> = auth, channel = 'errs') =>
  fetch(`${s.url}/v1/channels/${channel}/messages`, { method: 'POST', headers, body });

describe('400 bad_request', () => {
  it.each([
    ['malformed JSON', '{"data":'],
    ['a body that is not an object or array', '5'],
    ['an empty batch', '[]'],
    ['missing data', '{"event":"x"}'],
    ['a bad event name', '{"data":1,"event":"a b\\n"}'],
    ['a batch with a bad item', '[{"data":1},{"data":2,"event":"bad name"}]'],
  ])('publish with %s', async (_name, body) => {
    await expectError(await publish(body), 400, 'bad_request');
  });

  it('publish to a bad channel name', async () => {
    await expectError(await publish('{"data":1}', auth, 'a%20b'), 400, 'bad_request');
  });

  it('a publish rejected as a whole batch writes nothing', async () => {
    await publish('[{"data":1},{"data":2,"event":"bad name"}]', auth, 'atomic');
    const info = (await (await fetch(`${s.url}/v1/channels/atomic`)).json()) as { lastOffset: number };
    expect(info.lastOffset).toBe(0);
  });

  it.each([
    ['after=abc'],
    ['after=E:-1'],
    ['after=E:1e309'],
    ['after=E:9007199254740993'],
    [`after=${'x'.repeat(200)}:1`],
    ['limit=0'],
    ['limit=-1'],
    ['limit=1.5'],
    ['limit=abc'],
    ['wait=-1'],
    ['wait=abc'],
    ['after=0&after=0'],
  ])('pull with %s', async (query) => {
    await expectError(await fetch(`${s.url}/v1/channels/errs/messages?${query}`), 400, 'bad_request');
  });

  it.each([['text/event-stream'], ['application/x-ndjson']])('a bad cursor on a %s request', async (accept) => {
    await expectError(
      await fetch(`${s.url}/v1/channels/errs/messages?after=nope`, { headers: { accept } }),
      400,
      'bad_request',
    );
  });

  it.each([
    ['no channel', ''],
    ['a bad channel', 'channel=a*'],
    ['a channel twice', 'channel=a&channel=a'],
    ['a cursor for another channel count', 'channel=a&channel=b&after=0'],
  ])('/v1/events with %s', async (_name, query) => {
    await expectError(await fetch(`${s.url}/v1/events?${query}`), 400, 'bad_request');
  });

  it('POST /v1/publish without messages', async () => {
    await expectError(
      await fetch(`${s.url}/v1/publish`, { method: 'POST', headers: auth, body: '{"messages":[]}' }),
      400,
      'bad_request',
    );
  });
});

describe('401, 404, 405, 406, 415', () => {
  it('401 for a publish without credentials, with a wrong key, and with a malformed header', async () => {
    await expectError(await publish('{"data":1}', { 'content-type': 'application/json' }), 401, 'unauthorized');
    await expectError(
      await publish('{"data":1}', { 'content-type': 'application/json', authorization: 'Bearer nope' }),
      401,
      'unauthorized',
    );
    await expectError(
      await publish('{"data":1}', { 'content-type': 'application/json', authorization: 'Basic xyz' }),
      401,
      'unauthorized',
    );
  });

  it('404 for an unknown route', async () => {
    await expectError(await fetch(`${s.url}/v2/nothing`), 404, 'not_found');
  });

  it('405 with Allow for a wrong method on a known path', async () => {
    const res = await fetch(`${s.url}/v1/channels/errs/messages`, { method: 'DELETE' });
    expect(res.headers.get('allow')).toContain('POST');
    await expectError(res, 405, 'method_not_allowed');
  });

  it('406 for an Accept the URL cannot serve', async () => {
    await expectError(
      await fetch(`${s.url}/v1/channels/errs/messages`, { headers: { accept: 'text/html' } }),
      406,
      'not_acceptable',
    );
  });

  it('415 for a body that is not application/json, with a message that says so', async () => {
    const res = await publish('{"data":1}', {
      authorization: auth.authorization as string,
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_media_type');
    expect(body.error.message).toContain('application/json');
  });
});

describe('413 too_large', () => {
  it('for data over the message limit (64 KiB)', async () => {
    await expectError(await publish(JSON.stringify({ data: 'x'.repeat(70_000) })), 413, 'too_large');
  });

  it('for a declared body over the body limit, answered without reading it', async () => {
    const status = await rawPost({ 'content-length': String(5 * 1024 * 1024) }, 64 * 1024, 5 * 1024 * 1024);
    expect(status).toBe(413);
  });

  it('for a chunked body over the body limit: the client reads the 413, not a reset', async () => {
    const status = await rawPost({ 'transfer-encoding': 'chunked' }, 64 * 1024, 4 * 1024 * 1024);
    expect(status).toBe(413);
  });
});

/** POSTs `total` bytes in `chunk`-sized writes and resolves with the status the client reads. */
function rawPost(headers: Record<string, string>, chunk: number, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${s.url}/v1/channels/errs/messages`);
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...auth, ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    const piece = Buffer.alloc(chunk, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('WebSocket bad input', () => {
  const open = (path: string, options = {}): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}${path}`, options);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const nextFrame = (ws: WebSocket): Promise<Record<string, unknown>> =>
    new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
  const closed = (ws: WebSocket): Promise<number> =>
    new Promise((resolve) => ws.once('close', (code) => resolve(code)));

  it.each([
    ['not JSON', 'nope'],
    ['not an object', '[1,2]'],
    ['no op', '{"ref":1}'],
    ['an unknown op', '{"op":"explode","ref":1}'],
    ['a channel of the wrong type', '{"op":"subscribe","ref":1,"channel":{"a":1}}'],
    ['a bad channel', '{"op":"subscribe","ref":1,"channel":"a b"}'],
    ['a cursor of the wrong type', '{"op":"subscribe","ref":1,"channel":"a","after":5}'],
    ['a bad cursor', '{"op":"subscribe","ref":1,"channel":"a","after":"zz"}'],
    ['a ref of the wrong type', '{"op":"ping","ref":{"x":1}}'],
    ['a __proto__ key', '{"op":"publish","ref":1,"channel":"a","__proto__":{"polluted":1},"data":1,"event":7}'],
    ['unsubscribe of a channel not subscribed', '{"op":"unsubscribe","ref":1,"channel":"a"}'],
  ])('%s gets an error bad_request and the socket stays up', async (_name, frame) => {
    const ws = await open('/v1/ws', { headers: { authorization: auth.authorization } });
    ws.send(frame);
    const reply = await nextFrame(ws);
    expect(reply).toMatchObject({ op: 'error', code: 'bad_request' });
    ws.send('{"op":"ping","ref":9}');
    expect(await nextFrame(ws)).toEqual({ op: 'pong', ref: 9 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    ws.close();
  });

  it('an oversized frame closes with 1009', async () => {
    const ws = await open('/v1/ws');
    ws.send('x'.repeat(1024 * 1024 + 10));
    expect(await closed(ws)).toBe(1009);
  });

  it('invalid UTF-8 in a text frame closes with 1007', async () => {
    const ws = await open('/v1/ws');
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed(ws)).toBe(1007);
  });

  it('an upgrade to an unknown path or with a bad cursor is refused with its status', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${s.url.replace('http', 'ws')}${path}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
    expect(await status('/v1/nothing')).toBe(404);
    expect(await status('/v1/channels/a/messages?after=zz')).toBe(400);
    expect(await status('/v1/channels/a%20b/messages')).toBe(400);
    expect(await status('/v1/ws?token=wrong')).toBe(401);
  });
});

describe('after all of the above', () => {
  it('the hub is healthy and holds no connection', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${s.url}/v1/stats`)).json()) as { connections: Record<string, number> }).connections,
      )
      .toEqual({ websocket: 0, sse: 0, ndjson: 0, 'long-poll': 0, poll: 0 });
  });
});

import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectHealthy, type HostileHub, rawExchange, rawWebSocket, startHub } from './hostile-kit.ts';

// Hostile WebSocket frames and upgrades (threats T1-T5, T8, T11 in SECURITY.md; contract section 6): every case
// ends with its exact close code or status, and the hub is healthy after it.
const secret = 'a-hostile-test-secret-long-enough-for-hs256';
let hub: HostileHub;
let key: Record<string, string>;

beforeAll(async () => {
  hub = await startHub({
    jwt: { secret },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
  });
  key = { Authorization: `Bearer ${hub.apiKey}` };
});
afterEach(() => expectHealthy(hub));
afterAll(() => hub.close());

const TEXT = 0x1;
const BINARY = 0x2;
const CONT = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const MiB = 1024 * 1024;

/** Opens /v1/ws by hand and expects the 101. */
async function mux(headers: Record<string, string> = {}) {
  const ws = await rawWebSocket(hub.port, '/v1/ws', headers);
  expect(ws.status).toBe(101);
  return ws;
}

const jwt = (claims: Record<string, unknown>, expSec = 60) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSec)
    .sign(new TextEncoder().encode(secret));

describe('frames that break the rules (raw TCP)', () => {
  it.each([
    ['a 64-bit length with the top bit set (0x8000000000000001)', 0x8000000000000001n],
    ['a length of 2^53 + 1', 2n ** 53n + 1n],
    ['a length of 2 MiB against a 1 MiB limit', BigInt(2 * MiB)],
  ])('%s closes with 1009 before any payload is read', async (_name, announce) => {
    const ws = await mux();
    ws.send(TEXT, 'x', { announce });
    expect(await ws.closeCode()).toBe(1009);
  });

  it('fragments that add up past the frame limit close with 1009', async () => {
    const ws = await mux();
    const piece = Buffer.alloc(300 * 1024, 0x61);
    ws.send(TEXT, piece, { fin: false });
    for (let i = 0; i < 3; i++) ws.send(CONT, piece, { fin: false });
    ws.send(CONT, piece);
    expect(await ws.closeCode()).toBe(1009);
  });

  it.each([
    ['a continuation frame with no message started', (ws: Sender) => ws.send(CONT, 'x')],
    [
      'a new text frame inside a fragmented message',
      (ws: Sender) => {
        ws.send(TEXT, '{"op":', { fin: false });
        ws.send(TEXT, '"ping"}');
      },
    ],
    ['an unmasked client frame', (ws: Sender) => ws.send(TEXT, '{"op":"ping"}', { mask: false })],
    ['RSV1 set without an extension', (ws: Sender) => ws.send(TEXT, '{"op":"ping"}', { rsv: 4 })],
    ['RSV2 and RSV3 set', (ws: Sender) => ws.send(TEXT, '{"op":"ping"}', { rsv: 3 })],
    ['a reserved data opcode (0x3)', (ws: Sender) => ws.send(0x3, 'x')],
    ['a reserved control opcode (0xB)', (ws: Sender) => ws.send(0xb, 'x')],
    ['a fragmented ping', (ws: Sender) => ws.send(PING, 'x', { fin: false })],
    ['a ping of 126 bytes', (ws: Sender) => ws.send(PING, Buffer.alloc(126))],
    ['a close frame with code 1005', (ws: Sender) => ws.send(CLOSE, Buffer.from([0x03, 0xed]))],
    ['a close frame with code 999', (ws: Sender) => ws.send(CLOSE, Buffer.from([0x03, 0xe7]))],
    ['a close frame with a 1-byte body', (ws: Sender) => ws.send(CLOSE, Buffer.from([0x03]))],
  ])('%s closes with 1002', async (_name, act) => {
    const ws = await mux();
    act(ws);
    expect(await ws.closeCode()).toBe(1002);
  });

  it('invalid UTF-8 split across two fragments closes with 1007', async () => {
    const ws = await mux();
    ws.send(TEXT, Buffer.from([0x7b, 0xe2, 0x82]), { fin: false });
    ws.send(CONT, Buffer.from([0x28, 0x7d]));
    expect(await ws.closeCode()).toBe(1007);
  });

  it('a close reason that is not UTF-8 closes with 1007', async () => {
    const ws = await mux();
    ws.send(CLOSE, Buffer.from([0x03, 0xe8, 0xff, 0xfe]));
    expect(await ws.closeCode()).toBe(1007);
  });
});

type Sender = { send: (opcode: number, payload: Buffer | string, options?: Record<string, unknown>) => void };

describe('frames with hostile content keep the socket up', () => {
  it('a binary frame gets an error bad_request', async () => {
    const ws = await mux();
    ws.send(BINARY, Buffer.from('{"op":"ping","ref":1}'));
    expect(JSON.parse(await ws.text((t) => t.includes('"error"')))).toMatchObject({ op: 'error', code: 'bad_request' });
    ws.send(TEXT, '{"op":"ping","ref":2}');
    await ws.text((t) => t === '{"op":"pong","ref":2}');
    ws.socket.destroy();
  });

  it.each([
    ['an op that is a number', '{"op":5,"ref":1}'],
    ['op "constructor"', '{"op":"constructor","ref":1}'],
    ['op "__proto__"', '{"op":"__proto__","ref":1}'],
    ['op "toString"', '{"op":"toString","ref":1}'],
    ['a ref of 100 characters', `{"op":"ping","ref":"${'r'.repeat(100)}"}`],
    ['a channel that is an array', '{"op":"subscribe","ref":1,"channel":["a"]}'],
    [
      'data nested 100,000 deep',
      `{"op":"publish","ref":1,"channel":"deep","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ],
  ])('%s gets an error bad_request', async (_name, frame) => {
    const ws = await mux(key);
    ws.send(TEXT, frame);
    expect(JSON.parse(await ws.text((t) => t.includes('"error"')))).toMatchObject({ op: 'error', code: 'bad_request' });
    ws.send(TEXT, '{"op":"ping","ref":"alive"}');
    await ws.text((t) => t.includes('"alive"'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    ws.socket.destroy();
  });

  it('a bound socket answers a publish op with bad_request and stays', async () => {
    const ws = await rawWebSocket(hub.port, '/v1/channels/bound/messages', key);
    expect(ws.status).toBe(101);
    ws.send(TEXT, '{"op":"publish","ref":1,"channel":"bound","data":1}');
    expect(JSON.parse(await ws.text((t) => t.includes('"error"')))).toMatchObject({ code: 'bad_request' });
    ws.socket.destroy();
  });

  it('a flood of 5,000 subscribes: 1,000 succeed, the rest are refused, all are released at close', async () => {
    const ws = await mux();
    const frames = Array.from({ length: 5_000 }, (_, i) =>
      JSON.stringify({ op: 'subscribe', ref: i, channel: `flood-${i}` }),
    );
    for (const f of frames) ws.send(TEXT, f);
    await ws.text((t) => t.includes('"ref":4999'), 10_000);
    const replies = ws.texts.map((t) => JSON.parse(t) as { op: string; code?: string });
    expect(replies.filter((r) => r.op === 'ok')).toHaveLength(1_000);
    expect(replies.filter((r) => r.op === 'error' && r.code === 'bad_request')).toHaveLength(4_000);
    expect(hub.herald.hub.subscriptionCount()).toBe(1_000);
    ws.socket.destroy();
    await expect.poll(() => hub.herald.hub.subscriptionCount()).toBe(0);
  });

  it('op auth with a 20 KB token gets unauthorized and the socket stays', async () => {
    const ws = await mux();
    ws.send(TEXT, JSON.stringify({ op: 'auth', ref: 1, token: 'x'.repeat(20_000) }));
    expect(JSON.parse(await ws.text((t) => t.includes('"error"')))).toMatchObject({ code: 'unauthorized' });
    ws.send(TEXT, '{"op":"ping","ref":2}');
    await ws.text((t) => t === '{"op":"pong","ref":2}');
    ws.socket.destroy();
  });

  it('op auth with an alg:none token gets unauthorized and grants nothing', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ channels: ['*'], exp: 9_999_999_999 })}.`;
    const ws = await mux();
    ws.send(TEXT, JSON.stringify({ op: 'auth', ref: 1, token: none }));
    expect(JSON.parse(await ws.text((t) => t.includes('"ref":1')))).toMatchObject({ code: 'unauthorized' });
    ws.send(TEXT, '{"op":"subscribe","ref":2,"channel":"user:1:inbox"}');
    expect(JSON.parse(await ws.text((t) => t.includes('"ref":2')))).toMatchObject({ code: 'unauthorized' });
    ws.socket.destroy();
  });
});

describe('upgrades that break the rules', () => {
  it('2,000 headers before the WebSocket ones (ws CVE-2024-37890) are a 400; the next upgrade is served', async () => {
    // Node keeps the first 2,000 headers, so Sec-WebSocket-Key is dropped: ws must refuse, not crash.
    const flood = Array.from({ length: 2_000 }, (_, i) => `X-F${i}: v\r\n`).join('');
    const ws = await rawWebSocket(hub.port, '/v1/ws', {}, flood);
    expect(ws.status).toBe(400);
    (await mux()).socket.destroy();
  });

  it('Sec-WebSocket-Protocol with 30,000 spaces (ws CVE-2021-32640) is a quick 431', async () => {
    const started = Date.now();
    const ws = await rawWebSocket(hub.port, '/v1/ws', { 'Sec-WebSocket-Protocol': `b${' '.repeat(30_000)}x` });
    expect(ws.status).toBe(431);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('Sec-WebSocket-Protocol with 15,000 spaces (under the header limit) is a quick 400', async () => {
    const started = Date.now();
    const ws = await rawWebSocket(hub.port, '/v1/ws', { 'Sec-WebSocket-Protocol': `b${' '.repeat(15_000)}x` });
    expect(ws.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('an unsupported Sec-WebSocket-Version is a 400', async () => {
    const x = await rawExchange(
      hub.port,
      'GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n',
    );
    expect(x.status).toBe(400);
  });

  it('a missing Sec-WebSocket-Key is a 400', async () => {
    const x = await rawExchange(
      hub.port,
      'GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(x.status).toBe(400);
  });

  it('an upgrade with a request target that is not a URL is a 400', async () => {
    const ws = await rawWebSocket(hub.port, 'http://[bad/v1/ws');
    expect(ws.status).toBe(400);
  });

  it.each([
    ['a token signed with another key', async () => (await jwt({ channels: ['*'] })).replace(/.{4}$/, 'AAAA')],
    ['an expired token', () => jwt({ channels: ['*'] }, -60)],
    [
      'an alg:none token',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"channels":["*"],"exp":9999999999}').toString('base64url')}.`,
    ],
  ])('an upgrade with %s is a 401', async (_name, make) => {
    const ws = await rawWebSocket(hub.port, `/v1/ws?token=${await make()}`);
    expect(ws.status).toBe(401);
  });

  it('a valid token for other channels is a 403 on a bound upgrade', async () => {
    const token = await jwt({ channels: ['user:42:*'] });
    const ws = await rawWebSocket(hub.port, `/v1/channels/user:43:inbox/messages?token=${token}`);
    expect(ws.status).toBe(403);
  });
});

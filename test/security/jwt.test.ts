import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({
    jwt: { secret, publicKeys: [rsaPublicPem], issuer: 'https://issuer.test', audience: 'herald' },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
  });
});
afterAll(() => s.close());

const now = () => Math.floor(Date.now() / 1000);
type Claims = Record<string, unknown>;

function hs256(claims: Claims, expSec = 60): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://issuer.test')
    .setAudience('herald');
  if (expSec !== 0) jwt.setExpirationTime(now() + expSec);
  return jwt.sign(new TextEncoder().encode(secret));
}

const pull = (channel: string, token: string) =>
  fetch(`${s.url}/v1/channels/${channel}/messages`, { headers: { authorization: `Bearer ${token}` } });
const publish = (channel: string, token: string) =>
  fetch(`${s.url}/v1/channels/${channel}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"data":1}',
  });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('JWT channel permissions', () => {
  it('a token may subscribe to the private channels its claim names, and no others (403)', async () => {
    const token = await hs256({ channels: ['user:42:*'] });
    expect([200, 204]).toContain((await pull('user:42:inbox', token)).status);
    expect([200, 204]).toContain((await pull('user:42:a:b', token)).status);
    expect((await pull('user:43:inbox', token)).status).toBe(403);
    expect((await pull('user:42', token)).status).toBe(403);
  });

  it('anonymous clients are refused a private namespace with 401', async () => {
    expect((await fetch(`${s.url}/v1/channels/user:42:inbox/messages`)).status).toBe(401);
  });

  it('a token may publish only where its publish claim allows', async () => {
    const token = await hs256({ publish: ['chat:*'] });
    expect((await publish('chat:r1', token)).status).toBe(201);
    expect((await publish('news', token)).status).toBe(403);
  });

  it('an RS256 token verified with the configured public key works', async () => {
    const token = await new SignJWT({ publish: ['rsa:*'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://issuer.test')
      .setAudience('herald')
      .setExpirationTime(now() + 60)
      .sign(rsa.privateKey);
    expect((await publish('rsa:x', token)).status).toBe(201);
  });
});

describe('JWTs that must be refused with 401', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ publish: ['*'], exp: now() + 60 })}.`],
    ['expired', () => hs256({ publish: ['*'] }, -60)],
    ['without exp', () => hs256({ publish: ['*'] }, 0)],
    [
      'not yet valid',
      () =>
        new SignJWT({ publish: ['*'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://issuer.test')
          .setAudience('herald')
          .setExpirationTime(now() + 600)
          .setNotBefore(now() + 300)
          .sign(new TextEncoder().encode(secret)),
    ],
    [
      'a wrong issuer',
      () =>
        new SignJWT({ publish: ['*'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://evil.test')
          .setAudience('herald')
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode(secret)),
    ],
    [
      'a wrong audience',
      () =>
        new SignJWT({ publish: ['*'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://issuer.test')
          .setAudience('other')
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode(secret)),
    ],
    [
      'HS256 signed with the RSA public key (algorithm switching)',
      () =>
        new SignJWT({ publish: ['*'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://issuer.test')
          .setAudience('herald')
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode(rsaPublicPem)),
    ],
    [
      'a wrong key',
      () =>
        new SignJWT({ publish: ['*'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('https://issuer.test')
          .setAudience('herald')
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode('another-secret-another-secret-another')),
    ],
    ['a malformed channels claim', () => hs256({ publish: 'chat:*' })],
    ['a 10 KB token', async () => `${b64({ alg: 'HS256' })}.${b64({ pad: 'x'.repeat(10_000) })}.sig`],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const res = await publish('chat:r1', await make());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid or expired token' } });
  });
});

describe('token expiry on live connections', () => {
  it('closes a WebSocket with 4200 when its token expires, about on time', async () => {
    const token = await hs256({ channels: ['user:1:*'] }, 2);
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/ws?token=${token}`);
    const opened = Date.now();
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4200);
    expect(Date.now() - opened).toBeLessThan(4_000);
  });

  it('keeps a WebSocket whose token was refreshed with op auth', async () => {
    const short = await hs256({ channels: ['user:1:*'] }, 2);
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${short}` } });
    await new Promise((resolve) => ws.on('open', resolve));
    const frames: unknown[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify({ op: 'auth', ref: 1, token: await hs256({ channels: ['user:1:*'] }, 60) }));
    let closed = false;
    ws.on('close', () => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 3_200));
    expect(frames).toContainEqual({ op: 'ok', ref: 1 });
    expect(closed).toBe(false);
    ws.close();
  });

  it('ends an SSE stream with a herald.close event carrying 4200', async () => {
    const token = await hs256({ channels: ['user:7:*'] }, 2);
    const res = await fetch(`${s.url}/v1/channels/user:7:feed/messages?token=${token}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(res.status).toBe(200);
    const text = await res.text(); // the hub ends the stream
    expect(text).toContain('event: herald.close\ndata: {"code":4200,"reason":"token expired"}');
  });
});

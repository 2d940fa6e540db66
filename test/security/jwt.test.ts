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

interface SignOptions {
  alg?: 'HS256' | 'RS256';
  key?: Uint8Array | CryptoKey | import('node:crypto').KeyObject;
  issuer?: string;
  audience?: string;
  /** Seconds from now; 0 = no exp claim. */
  exp?: number;
  /** Seconds from now. */
  nbf?: number;
}

/** Signs a token; defaults are the hub's configuration (HS256 secret, issuer, audience, 60 s). */
function sign(claims: Claims, o: SignOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? 'HS256' })
    .setIssuer(o.issuer ?? 'https://issuer.test')
    .setAudience(o.audience ?? 'herald');
  const exp = o.exp ?? 60;
  if (exp !== 0) jwt.setExpirationTime(now() + exp);
  if (o.nbf !== undefined) jwt.setNotBefore(now() + o.nbf);
  return jwt.sign(o.key ?? new TextEncoder().encode(secret));
}

const hs256 = (claims: Claims, exp = 60): Promise<string> => sign(claims, { exp });

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
    const token = await sign({ publish: ['rsa:*'] }, { alg: 'RS256', key: rsa.privateKey });
    expect((await publish('rsa:x', token)).status).toBe(201);
  });
});

describe('JWTs that must be refused with 401', () => {
  const all = { publish: ['*'] };
  const cases: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ publish: ['*'], exp: now() + 60 })}.`],
    ['expired', () => sign(all, { exp: -60 })],
    ['without exp', () => sign(all, { exp: 0 })],
    ['not yet valid', () => sign(all, { exp: 600, nbf: 300 })],
    ['a wrong issuer', () => sign(all, { issuer: 'https://evil.test' })],
    ['a wrong audience', () => sign(all, { audience: 'other' })],
    [
      'HS256 signed with the RSA public key (algorithm switching)',
      () => sign(all, { key: new TextEncoder().encode(rsaPublicPem) }),
    ],
    ['a wrong key', () => sign(all, { key: new TextEncoder().encode('another-secret-another-secret-another') })],
    ['a malformed channels claim', () => hs256({ publish: 'chat:*' })],
    ['a 10 KB token', async () => `${b64({ alg: 'HS256' })}.${b64({ pad: 'x'.repeat(10_000) })}.sig`],
  ];

  let refusal: unknown;
  beforeAll(async () => {
    refusal = await (await publish('chat:r1', await sign(all, { exp: -60 }))).json();
    expect(refusal).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it.each(cases)('%s', async (_name, make) => {
    const res = await publish('chat:r1', await make());
    expect(res.status).toBe(401);
    // One answer for every failure: no oracle telling which check failed.
    expect(await res.json()).toEqual(refusal);
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

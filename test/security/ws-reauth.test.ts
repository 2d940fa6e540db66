import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// `op: auth` replaces what the connection may do, not only its expiry. And forged tokens sent as `op: auth` cost a verification each, so a socket gets only a few.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
type Frame = Record<string, unknown>;
let s: TestServer;
const open: WsClient[] = [];

beforeAll(async () => {
  s = await startTestServer({
    jwt: { secret },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
    shutdownTimeoutMs: 300,
  });
});
afterAll(() => s.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function token(claims: Record<string, unknown>, expSeconds = 60): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
    .sign(new TextEncoder().encode(secret));
}

async function connect(query = ''): Promise<WsClient> {
  const c = await openWs(`${s.url}/v1/ws${query}`);
  open.push(c);
  return c;
}

let refs = 0;
async function call(c: WsClient, op: Frame): Promise<Frame> {
  const ref = ++refs;
  c.send({ ...op, ref });
  return (await c.frames.until((f) => f.ref === ref, 3_000, `answer to ref ${ref}`)).at(-1) as Frame;
}

const publish = (channel: string, data: unknown) =>
  fetch(`${s.url}/v1/channels/${channel}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });

describe('op: auth re-checks every subscription against the new token', () => {
  it('ends the subscriptions the new token does not allow, with one frame each, and keeps the rest', async () => {
    const a = await token({ sub: 'u42', channels: ['user:42:*', 'user:shared'] });
    const b = await token({ sub: 'u43', channels: ['user:43:*', 'user:shared'] });
    const c = await connect(`?token=${a}`);
    expect(await call(c, { op: 'subscribe', channel: 'user:42:inbox' })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'subscribe', channel: 'user:42:alerts' })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'subscribe', channel: 'user:shared' })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'subscribe', channel: 'news' })).toMatchObject({ op: 'ok' });

    const ok = await call(c, { op: 'auth', token: b });
    expect(ok).toMatchObject({ op: 'ok' });
    const ended = c.frames.all.filter((f) => f.op === 'unsubscribed');
    expect(ended.map((f) => f.channel).sort()).toEqual(['user:42:alerts', 'user:42:inbox']);
    for (const f of ended) expect(f).toMatchObject({ code: 'forbidden', message: expect.any(String) });

    await publish('user:42:inbox', { secret: 1 });
    await publish('user:shared', { shared: 1 });
    await publish('news', { news: 1 });
    await c.frames.until((f) => f.op === 'message' && f.channel === 'news', 3_000, 'the news message');
    const messages = c.frames.all.filter((f) => f.op === 'message').map((f) => f.channel);
    expect(messages).toEqual(['user:shared', 'news']);

    // The new identity's rights apply from now on, and the old ones are gone.
    expect(await call(c, { op: 'subscribe', channel: 'user:43:inbox' })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'subscribe', channel: 'user:42:inbox' })).toMatchObject({
      op: 'error',
      code: 'forbidden',
    });
  });

  it('switches the expiry to the new token: the socket closes with 4200 when the new one expires', async () => {
    const long = await token({ sub: 'u42', channels: ['user:42:*'] }, 600);
    const short = await token({ sub: 'u42', channels: ['user:42:*'] }, 2);
    const c = await connect(`?token=${long}`);
    expect(await call(c, { op: 'auth', token: short })).toMatchObject({ op: 'ok' });
    const started = Date.now();
    const closed = await c.closed;
    expect(closed.code).toBe(4200);
    expect(Date.now() - started).toBeLessThan(4_500);
  });

  it('a refused token changes nothing: the old rights and subscriptions stay', async () => {
    const a = await token({ sub: 'u42', channels: ['user:42:*'] });
    const c = await connect(`?token=${a}`);
    expect(await call(c, { op: 'subscribe', channel: 'user:42:inbox' })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'auth', token: 'forged.token.here' })).toMatchObject({
      op: 'error',
      code: 'unauthorized',
    });
    await publish('user:42:inbox', { still: true });
    await c.frames.until((f) => f.op === 'message' && f.channel === 'user:42:inbox', 3_000, 'the message');
  });
});

describe('failed op: auth on one socket', () => {
  it('a few are answered with errors; past the limit the socket is closed with a do-not-reconnect code', async () => {
    const c = await connect();
    const forged = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.sig`;
    for (let i = 0; i < 3; i++) {
      expect(await call(c, { op: 'auth', token: forged })).toMatchObject({ op: 'error', code: 'unauthorized' });
    }
    for (let i = 0; i < 20; i++) c.send({ op: 'auth', token: forged, ref: `f${i}` });
    const closed = await c.closed;
    expect(closed.code).toBeGreaterThanOrEqual(4000);
    expect(closed.code).toBeLessThan(4100);
    // At most the limit's worth of verifications were answered.
    expect(c.frames.all.filter((f) => f.op === 'error').length).toBeLessThanOrEqual(5);
  });

  it('a good token in between does not reset the count, and the socket is usable until the limit', async () => {
    const good = await token({ sub: 'u42', channels: ['user:42:*'] });
    const c = await connect();
    expect(await call(c, { op: 'auth', token: 'bad' })).toMatchObject({ code: 'unauthorized' });
    expect(await call(c, { op: 'auth', token: good })).toMatchObject({ op: 'ok' });
    expect(await call(c, { op: 'subscribe', channel: 'user:42:inbox' })).toMatchObject({ op: 'ok' });
  });
});

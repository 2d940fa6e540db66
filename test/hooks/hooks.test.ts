import { DEFAULT_NAMESPACE, type HookSettings, type NamespaceSettings } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSse, openWs, type SseFrame, type WsClient } from '../helpers/clients.ts';
import { type HookServer, startHookServer } from '../helpers/hook-server.ts';
import { errorCode, messagesUrl, publish, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Backend hooks (docs/bridges.md "Backend hooks"): a real hook server, real hubs.

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
type SseEvent = Extract<SseFrame, { kind: 'event' }>;

const ns = (hooks: HookSettings, over: Partial<NamespaceSettings> = {}): NamespaceSettings => ({
  ...DEFAULT_NAMESPACE,
  ...over,
  hooks,
});

let app: HookServer;
let server: TestServer;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  app = await startHookServer();
  const hook = (path: string) => `${app.url}${path}`;
  app.on('/subscribe', (body) => ({ json: { allow: !String(body.channel).includes('secret') } }));
  app.on('/publish', (body) => {
    const data = body.data as { text?: string };
    if (data.text === 'spam') return { json: { allow: false } };
    return { json: { allow: true, data: { text: String(data.text).toUpperCase(), by: body.user }, event: 'said' } };
  });
  app.on('/hang', () => 'hang');
  app.on('/connect', (body) => {
    const client = body.client as { headers: Record<string, string> };
    const user = /session=(\w+)/.exec(client.headers.cookie ?? '')?.[1];
    if (user === undefined) return { status: 401 };
    return { json: { user, channels: [`private:${user}-*`] } };
  });
  server = await startTestServer({
    jwt: { secret: SECRET },
    shutdownTimeoutMs: 500,
    namespaces: {
      guarded: ns({ subscribe: hook('/subscribe'), headers: { 'x-hook-secret': 's3' } }),
      cached: ns({ subscribe: hook('/subscribe'), cacheMs: 60_000 }),
      chat: ns({ publish: hook('/publish') }, { anonymousPublish: true }),
      slow: ns({ subscribe: hook('/hang'), publish: hook('/hang'), timeoutMs: 300 }, { anonymousPublish: true }),
      lenient: ns({ subscribe: hook('/hang'), timeoutMs: 300, failure: 'allow' }),
      private: ns(
        { connect: hook('/connect'), forwardHeaders: ['cookie', 'authorization'] },
        { anonymousSubscribe: false },
      ),
    },
  });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

async function sse(url: string, headers: Record<string, string> = {}) {
  const stream = await openSse(url, headers);
  closers.push(() => stream.close());
  return stream;
}

async function ws(path = '/v1/ws', headers: Record<string, string> = {}): Promise<WsClient> {
  const client = await openWs(`${server.url}${path}`, { headers });
  closers.push(() => client.close());
  return client;
}

/** The next event but the stream's own herald.subscribed. */
async function nextEvent(stream: Awaited<ReturnType<typeof sse>>): Promise<SseEvent> {
  for (;;) {
    const frame = await stream.frames.next();
    if (frame.kind === 'event' && frame.event !== 'herald.subscribed') return frame;
  }
}

describe('subscribe hook', () => {
  it('a deny refuses the subscribe: 403 on SSE and long poll, a forbidden error on WebSocket', async () => {
    const channel = `guarded:secret-${uniqueChannel()}`;
    const stream = await sse(messagesUrl(server, channel));
    expect(stream.response.status).toBe(403);
    expect(await errorCode(stream.response)).toBe('forbidden');
    const poll = await fetch(messagesUrl(server, channel, { after: '0', wait: '1000' }));
    expect(poll.status).toBe(403);
    await poll.body?.cancel();
    const client = await ws();
    client.send({ op: 'subscribe', ref: 1, channel });
    expect(await client.frames.next()).toMatchObject({ op: 'error', ref: 1, code: 'forbidden' });
    await expect(openWs(`${server.url}/v1/channels/${channel}/messages`)).rejects.toThrow(/403/);
  });

  it('an allow lets the subscribe through; the hook gets the channel, the user and its configured headers', async () => {
    const channel = `guarded:open-${uniqueChannel()}`;
    const stream = await sse(messagesUrl(server, channel), { cookie: 'session=zed' });
    expect(stream.response.status).toBe(200);
    const call = app.requests.findLast((r) => r.body.channel === channel);
    expect(call?.path).toBe('/subscribe');
    expect(call?.headers['x-hook-secret']).toBe('s3');
    // The cookie is forwarded (the default forwardHeaders); the user is null for an anonymous client.
    expect(call?.body).toMatchObject({ channel, user: null, client: { headers: { cookie: 'session=zed' } } });
    const client = await ws();
    client.send({ op: 'subscribe', ref: 1, channel });
    expect(await client.frames.next()).toMatchObject({ op: 'ok', ref: 1, channel });
  });

  it('cacheMs reuses an answer for the same client and channel only', async () => {
    const channel = `cached:${uniqueChannel()}`;
    const calls = () => app.requests.filter((r) => r.body.channel === channel).length;
    for (const cookie of ['session=a', 'session=a', 'session=b']) {
      const stream = await sse(messagesUrl(server, channel), { cookie });
      expect(stream.response.status).toBe(200);
    }
    expect(calls()).toBe(2);
  });

  it('API keys skip the hook; a JWT holder is sent as its subject, never with its token', async () => {
    const channel = `guarded:secret-${uniqueChannel()}`;
    const asKey = await sse(messagesUrl(server, channel), { authorization: `Bearer ${server.apiKey}` });
    expect(asKey.response.status).toBe(200);
    expect(app.requests.some((r) => r.body.channel === channel)).toBe(false);
    const token = await new SignJWT({ sub: 'ann' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    const asJwt = await sse(messagesUrl(server, channel), { authorization: `Bearer ${token}` });
    expect(asJwt.response.status).toBe(403);
    const call = app.requests.findLast((r) => r.body.channel === channel);
    expect(call?.body.user).toBe('ann');
    expect(JSON.stringify(call)).not.toContain(token);
    expect(JSON.stringify(call)).not.toContain(server.apiKey);
  });
});

describe('publish hook', () => {
  it('a transform is what is stored and what SSE subscribers see (WebSocket and HTTP publishes)', async () => {
    const channel = `chat:${uniqueChannel()}`;
    const stream = await sse(messagesUrl(server, channel));
    expect(stream.response.status).toBe(200);
    const client = await ws();
    client.send({ op: 'publish', ref: 1, channel, data: { text: 'hello' } });
    expect(await client.frames.next()).toMatchObject({ op: 'ok', ref: 1, offset: 1 });
    const first = await nextEvent(stream);
    expect(first.event).toBe('said');
    expect(JSON.parse(first.data)).toEqual({ text: 'HELLO', by: null });
    const res = await fetch(messagesUrl(server, channel), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { text: 'again' } }),
    });
    expect(res.status).toBe(201);
    expect(JSON.parse((await nextEvent(stream)).data)).toEqual({ text: 'AGAIN', by: null });
    // The backend's own publishes (API key) are not sent to the hook.
    await publish(server, channel, { text: 'from the backend' });
    expect(JSON.parse((await nextEvent(stream)).data)).toEqual({ text: 'from the backend' });
  });

  it('a deny refuses the message: 403 over HTTP, a forbidden error over WebSocket, nothing stored', async () => {
    const channel = `chat:${uniqueChannel()}`;
    const res = await fetch(messagesUrl(server, channel), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { text: 'spam' } }),
    });
    expect(res.status).toBe(403);
    const client = await ws();
    client.send({ op: 'publish', ref: 7, channel, data: { text: 'spam' } });
    expect(await client.frames.next()).toMatchObject({ op: 'error', ref: 7, code: 'forbidden' });
    const info = await fetch(`${server.url}/v1/channels/${channel}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    const body = (await info.json()) as { lastOffset: number };
    expect(body.lastOffset ?? 0).toBe(0);
  });
});

describe('a hook that hangs', () => {
  it('gets the failure policy after timeoutMs: deny by default, and the request does not hang', async () => {
    const channel = `slow:${uniqueChannel()}`;
    const started = Date.now();
    const stream = await sse(messagesUrl(server, channel));
    expect(stream.response.status).toBe(403);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3_000);
    const client = await ws();
    client.send({ op: 'publish', ref: 2, channel, data: { text: 'hi' } });
    expect(await client.frames.next(3_000)).toMatchObject({ op: 'error', ref: 2, code: 'forbidden' });
  });

  it('lets the client through after timeoutMs when the namespace says failure: allow', async () => {
    const channel = `lenient:${uniqueChannel()}`;
    const started = Date.now();
    const stream = await sse(messagesUrl(server, channel));
    expect(stream.response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await publish(server, channel, { ok: true });
    expect(JSON.parse((await nextEvent(stream)).data)).toEqual({ ok: true });
  });
});

describe('connect hook', () => {
  it('a cookie the application accepts grants its channels; without it, 401; other channels 403', async () => {
    const mine = `private:alice-${uniqueChannel()}`;
    const granted = await sse(messagesUrl(server, mine), { cookie: 'session=alice' });
    expect(granted.response.status).toBe(200);
    await publish(server, mine, { for: 'alice' });
    expect(JSON.parse((await nextEvent(granted)).data)).toEqual({ for: 'alice' });
    const anonymous = await sse(messagesUrl(server, mine));
    expect(anonymous.response.status).toBe(401);
    const other = await sse(messagesUrl(server, `private:bob-${uniqueChannel()}`), { cookie: 'session=alice' });
    expect(other.response.status).toBe(403);
    // Only the client's own cookie went to the application (authorization is never forwarded).
    const call = app.requests.findLast((r) => r.path === '/connect');
    expect(call?.body.client).toMatchObject({ headers: { cookie: 'session=alice' } });
    expect(call?.headers.cookie).toBeUndefined();
    expect(call?.headers.authorization).toBeUndefined();
  });

  it('works on a multiplexed WebSocket: the upgrade request’s cookie is asked about on subscribe', async () => {
    const mine = `private:carol-${uniqueChannel()}`;
    const client = await ws('/v1/ws', { cookie: 'session=carol' });
    client.send({ op: 'subscribe', ref: 1, channel: mine });
    expect(await client.frames.next()).toMatchObject({ op: 'ok', ref: 1, channel: mine });
    client.send({ op: 'subscribe', ref: 2, channel: `private:dave-${uniqueChannel()}` });
    expect(await client.frames.next()).toMatchObject({ op: 'error', ref: 2, code: 'forbidden' });
  });
});

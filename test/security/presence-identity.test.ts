import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { openTestEngine } from '../helpers/engines.ts';
import { uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A presence member's identity is what the hub verified (the JWT `sub`), never what
// the client writes into its `info`. On the in-process store and on the one Redis nodes share.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
type Frame = Record<string, unknown>;

describe.each(['memory', 'redis'] as const)('presence identity (%s engine)', (kind) => {
  let s: TestServer;
  const open: WsClient[] = [];

  beforeAll(async () => {
    const storage = await openTestEngine(kind);
    const server = await startTestServer({
      engine: storage.engine,
      jwt: { secret },
      namespaces: { room: { ...DEFAULT_NAMESPACE, presence: true } },
      shutdownTimeoutMs: 300,
    });
    s = {
      ...server,
      close: async () => {
        await server.close();
        await storage.cleanup();
      },
    };
  });
  afterAll(() => s.close());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  const token = (sub: string) =>
    new SignJWT({ sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));

  async function connect(credential?: string): Promise<WsClient> {
    const c = await openWs(`${s.url}/v1/ws${credential === undefined ? '' : `?token=${credential}`}`);
    open.push(c);
    return c;
  }

  let refs = 0;
  async function call(c: WsClient, op: Frame): Promise<Frame> {
    const ref = ++refs;
    c.send({ ...op, ref });
    return (await c.frames.until((f) => f.ref === ref, 3_000, `answer to ref ${ref}`)).at(-1) as Frame;
  }
  // Generous: on Redis a notice crosses the server and back, and CI runs many suites at once.
  const nextChange = async (c: WsClient) =>
    (await c.frames.until((f) => f.op === 'join' || f.op === 'leave', 10_000, 'a join or leave')).at(-1) as Frame;

  it('a member claiming another identity in its info is shown as who it is', async () => {
    const channel = uniqueChannel('room:');
    const watcher = await connect();
    await call(watcher, { op: 'subscribe', channel });
    const mallory = await connect(await token('mallory'));
    const forged = { name: 'alice', sub: 'alice', user: 'alice', role: 'admin' };
    const ok = await call(mallory, { op: 'subscribe', channel, info: forged });

    expect(await nextChange(watcher)).toEqual({
      op: 'join',
      channel,
      client: ok.client,
      user: 'mallory',
      info: forged,
    });
    const list = await (await fetch(`${s.url}/v1/channels/${channel}/presence`)).json();
    const members = (list as { members: Frame[] }).members;
    expect(members.find((m) => m.client === ok.client)).toEqual({ client: ok.client, user: 'mallory', info: forged });
    // The anonymous watcher has no user: it cannot be mistaken for anyone.
    const anonymous = members.find((m) => m.client !== ok.client);
    expect(anonymous).toEqual({ client: expect.any(String), info: {} });
    expect(anonymous).not.toHaveProperty('user');

    expect((await call(watcher, { op: 'presence', channel })).members).toEqual(members);
  });

  it('an anonymous member cannot pose as a user through its info', async () => {
    const channel = uniqueChannel('room:');
    const watcher = await connect(await token('bob'));
    await call(watcher, { op: 'subscribe', channel });
    const anon = await connect();
    await call(anon, { op: 'subscribe', channel, info: { user: 'bob', sub: 'bob' } });
    const join = await nextChange(watcher);
    expect(join).not.toHaveProperty('user');
    expect(join.info).toEqual({ user: 'bob', sub: 'bob' });
  });

  it('op: auth with another subject: the others see the member leave and join as the new user', async () => {
    const channel = uniqueChannel('room:');
    const watcher = await connect();
    await call(watcher, { op: 'subscribe', channel });
    const c = await connect(await token('first'));
    const ok = await call(c, { op: 'subscribe', channel, info: { n: 1 } });
    expect(await nextChange(watcher)).toMatchObject({ op: 'join', client: ok.client, user: 'first' });
    expect(await call(c, { op: 'auth', token: await token('second') })).toMatchObject({ op: 'ok' });
    expect(await nextChange(watcher)).toMatchObject({ op: 'leave', client: ok.client, user: 'first' });
    expect(await nextChange(watcher)).toMatchObject({ op: 'join', client: ok.client, user: 'second', info: { n: 1 } });
  });
});

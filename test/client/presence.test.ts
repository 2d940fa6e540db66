import { connect, type HeraldClient, type HeraldError, type PresenceMember, presence } from '@herald/client';
import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { FAST, publishDirect, waitFor } from './helpers.ts';
import { startTcpProxy } from './proxies.ts';

// The SDK's presence API (docs/client.md "Presence") against a real hub, over the WebSocket (members, live
// joins and leaves, the hub-set `user`) and over the other transports (watching through the HTTP list).
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({
    jwt: { secret: SECRET },
    namespaces: {
      room: { ...DEFAULT_NAMESPACE, presence: true },
      priv: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false },
    },
    shutdownTimeoutMs: 300,
  });
});
afterAll(() => s.close());

function token(claims: Record<string, unknown>, seconds = 300): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(SECRET));
}

function client(t: TestContext, options: Parameters<typeof connect>[1] = {}): HeraldClient {
  const c = connect(s.url, { ...FAST, ...options });
  t.onTestFinished(() => c.close());
  return c;
}

const names = (members: readonly PresenceMember[]) => members.map((m) => m.info.name).sort();

describe('presence over the WebSocket', () => {
  it('lists the members with self, tells joins and leaves as they happen, with the user the hub verified', async (t) => {
    const room = `room:${uniqueChannel()}`;
    const ann = client(t, { transports: ['websocket'] });
    const annSub = ann.subscribe(room, { info: { name: 'ann', sub: 'claims-to-be-root' } });
    const annRoom = presence(annSub);
    const joins: PresenceMember[] = [];
    const leaves: PresenceMember[] = [];
    annRoom.on('join', (m) => joins.push(m));
    annRoom.on('leave', (m) => leaves.push(m));
    await waitFor(() => annRoom.self !== undefined && annRoom.members.some((m) => m.client === annRoom.self));
    expect(presence(annSub)).toBe(annRoom);
    expect(annRoom.members).toEqual([{ client: annRoom.self, info: { name: 'ann', sub: 'claims-to-be-root' } }]);

    // Bob joins with a token: his `user` is the token's `sub`, set by the hub.
    const bob = client(t, { transports: ['websocket'], token: await token({ sub: 'user-bob' }) });
    const bobRoom = presence(bob.subscribe(room, { info: { name: 'bob' } }));
    await waitFor(() => joins.length === 1, 3000, 'bob joined');
    expect(joins[0]).toMatchObject({ user: 'user-bob', info: { name: 'bob' } });
    expect(names(annRoom.members)).toEqual(['ann', 'bob']);
    expect(annRoom.count).toBe(2);
    await waitFor(() => bobRoom.synced && bobRoom.members.length === 2, 3000, "bob's list");
    expect(bobRoom.self).toBe(joins[0]?.client);
    expect(bobRoom.members.find((m) => m.info.name === 'ann')?.user).toBeUndefined();

    await bob.close();
    await waitFor(() => leaves.length === 1, 3000, 'bob left');
    expect(leaves[0]).toMatchObject({ user: 'user-bob', info: { name: 'bob' } });
    expect(names(annRoom.members)).toEqual(['ann']);
    expect(annRoom.count).toBe(1);
  });

  it('a member that resubscribes under a new id is not told as leaving and joining itself', async (t) => {
    const room = `room:${uniqueChannel()}`;
    const proxy = await startTcpProxy(s.url);
    t.onTestFinished(() => proxy.close());
    const c = connect(proxy.url, { ...FAST, transports: ['websocket'] });
    t.onTestFinished(() => c.close());
    const sub = c.subscribe(room, { info: { name: 'cid' } });
    const r = presence(sub);
    const told: string[] = [];
    r.on('join', (m) => told.push(`join ${m.info.name}`));
    r.on('leave', (m) => told.push(`leave ${m.info.name}`));
    await waitFor(() => r.self !== undefined && r.members.length === 1);
    const first = r.self;
    // The network drops the socket: the SDK reconnects and resubscribes, and the hub drops the old member.
    const syncs: number[] = [];
    r.on('sync', (list) => syncs.push(list.length));
    proxy.cut();
    await waitFor(() => r.self !== first && syncs.length > 0 && r.members.length === 1, 5000, 'back in');
    expect(r.members[0]?.client).toBe(r.self);
    expect(told).toEqual([]);
  });

  it('ends with a not_found error where the namespace has no presence', async (t) => {
    const c = client(t, { transports: ['websocket'] });
    const r = presence(c.subscribe(`plain:${uniqueChannel()}`));
    const errors: HeraldError[] = [];
    r.on('error', (e) => errors.push(e));
    await waitFor(() => errors.length === 1, 3000, 'the error');
    expect(errors[0]?.code).toBe('not_found');
  });
});

describe.each(['sse', 'long-poll'] as const)('presence over %s (watching, not a member)', (transport) => {
  it('reads the list over HTTP and tells joins and leaves from the difference', async (t) => {
    const room = `room:${uniqueChannel()}`;
    const watcher = client(t, { transports: [transport as never] });
    const r = presence(watcher.subscribe(room, { info: { name: 'watcher' } }), { interval: 100 });
    const told: string[] = [];
    r.on('join', (m) => told.push(`join ${m.info.name}`));
    r.on('leave', (m) => told.push(`leave ${m.info.name}`));
    await waitFor(() => r.synced && watcher.state.state === 'open', 3000, 'first read');
    expect(r.members).toEqual([]);
    expect(r.self).toBeUndefined();

    const member = client(t, { transports: ['websocket'] });
    member.subscribe(room, { info: { name: 'dee' } });
    await waitFor(() => told.length === 1, 3000, 'dee seen');
    expect(names(r.members)).toEqual(['dee']);
    await member.close();
    await waitFor(() => told.length === 2, 3000, 'dee gone');
    expect(told).toEqual(['join dee', 'leave dee']);
    expect(r.members).toEqual([]);
  });
});

describe('a subscription the hub ends after a token change (op: auth, unsubscribed)', () => {
  it('ends that subscription with a forbidden error; the others go on', async (t) => {
    const first = await token({ channels: ['priv:*', 'room:*'] }, 2);
    const later = await token({ channels: ['room:*'] });
    let calls = 0;
    const c = client(t, { transports: ['websocket'], getToken: () => (++calls === 1 ? first : later) });
    const priv = c.subscribe(`priv:${uniqueChannel()}`);
    const kept = c.subscribe(`room:${uniqueChannel()}`);
    const errors: HeraldError[] = [];
    let ended = false;
    priv.on('error', (e) => errors.push(e));
    priv.on('end', () => {
      ended = true;
    });
    const got: unknown[] = [];
    kept.on('message', (m) => got.push(m.data));
    await waitFor(() => priv.cursor !== undefined && kept.cursor !== undefined, 3000, 'both placed');

    // The SDK sends the second token before the first expires; the hub answers `unsubscribed` for priv.
    await waitFor(() => ended, 4000, 'priv ended');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'forbidden' });
    expect(errors[0]?.message).toContain(priv.channel);
    expect(priv.closed).toBe(true);
    expect(c.state.state).toBe('open');
    await publishDirect(s.url, s.apiKey, kept.channel, 'still here');
    await waitFor(() => got.length === 1, 3000, 'kept delivers');
    expect(got).toEqual(['still here']);
  });
});

import { DEFAULT_NAMESPACE } from '@herald/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSse, openWs, type WsClient } from '../helpers/clients.ts';
import { errorCode, uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type Frame = Record<string, unknown>;
let s: TestServer;
const open: WsClient[] = [];

beforeAll(async () => {
  s = await startTestServer({
    namespaces: {
      room: { ...DEFAULT_NAMESPACE, presence: true },
      vip: { ...DEFAULT_NAMESPACE, presence: true, anonymousSubscribe: false },
    },
    shutdownTimeoutMs: 300,
  });
});
afterAll(() => s.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(query = ''): Promise<WsClient> {
  const c = await openWs(`${s.url}/v1/ws${query}`);
  open.push(c);
  return c;
}

let refs = 0;
/** Sends an op and resolves with the answer (`ok` or `error`) carrying its ref. */
async function call(c: WsClient, op: Frame): Promise<Frame> {
  const ref = ++refs;
  c.send({ ...op, ref });
  const frames = await c.frames.until((f) => f.ref === ref, 3_000, `answer to ref ${ref}`);
  return frames.at(-1) as Frame;
}

/** The next presence frame (join or leave) this client receives. */
async function nextChange(c: WsClient): Promise<Frame> {
  const frames = await c.frames.until((f) => f.op === 'join' || f.op === 'leave', 3_000, 'a join or leave');
  return frames.at(-1) as Frame;
}

const presenceOf = async (channel: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/channels/${channel}/presence`, { headers });

describe('presence over the multiplexed WebSocket', () => {
  it('announces joins and leaves to the other members and lists the members', async () => {
    const channel = uniqueChannel('room:');
    const ann = await connect();
    const bob = await connect();
    const joined = await call(ann, { op: 'subscribe', channel, info: { name: 'Ann' } });
    expect(joined).toMatchObject({ op: 'ok', channel });
    expect(joined.client).toMatch(/^[A-Za-z0-9_-]{8}$/);
    const bobOk = await call(bob, { op: 'subscribe', channel, info: { name: 'Bob', colour: '#00f' } });
    expect(bobOk.client).not.toBe(joined.client);

    expect(await nextChange(ann)).toEqual({
      op: 'join',
      channel,
      client: bobOk.client,
      info: { name: 'Bob', colour: '#00f' },
    });

    const list = await call(bob, { op: 'presence', channel });
    expect(list).toEqual({
      op: 'ok',
      ref: list.ref,
      channel,
      client: bobOk.client,
      count: 2,
      members: [
        { client: joined.client, info: { name: 'Ann' } },
        { client: bobOk.client, info: { name: 'Bob', colour: '#00f' } },
      ],
    });
    const http = await presenceOf(channel);
    expect(http.status).toBe(200);
    expect(await http.json()).toEqual({ channel, count: 2, members: list.members });

    await call(bob, { op: 'unsubscribe', channel });
    expect(await nextChange(ann)).toEqual({
      op: 'leave',
      channel,
      client: bobOk.client,
      info: { name: 'Bob', colour: '#00f' },
    });
    // A member never hears about itself.
    expect(bob.frames.all.filter((f) => f.op === 'join' || f.op === 'leave')).toEqual([]);
  });

  it('counts a member without info, and a closed or cut socket leaves at once', async () => {
    const channel = uniqueChannel('room:');
    const watcher = await connect();
    await call(watcher, { op: 'subscribe', channel });
    const quiet = await connect();
    const quietOk = await call(quiet, { op: 'subscribe', channel });
    expect(await nextChange(watcher)).toEqual({ op: 'join', channel, client: quietOk.client, info: {} });
    await quiet.close();
    expect(await nextChange(watcher)).toMatchObject({ op: 'leave', client: quietOk.client });

    const cut = await connect();
    const cutOk = await call(cut, { op: 'subscribe', channel, info: { name: 'gone' } });
    await nextChange(watcher);
    cut.ws.terminate();
    expect(await nextChange(watcher)).toMatchObject({ op: 'leave', client: cutOk.client, info: { name: 'gone' } });
    await eventually(async () => ((await (await presenceOf(channel)).json()) as { count: number }).count === 1);
  });

  it('keeps one identity per socket across channels', async () => {
    const a = uniqueChannel('room:');
    const b = uniqueChannel('room:');
    const c = await connect();
    const first = await call(c, { op: 'subscribe', channel: a, info: { n: 1 } });
    const second = await call(c, { op: 'subscribe', channel: b, info: { n: 2 } });
    expect(second.client).toBe(first.client);
    const members = (await (await presenceOf(b)).json()) as { members: Frame[] };
    expect(members.members).toEqual([{ client: first.client, info: { n: 2 } }]);
  });

  it('does not list SSE subscribers (only multiplexed WebSocket subscribers are members)', async () => {
    const channel = uniqueChannel('room:');
    const sse = await openSse(`${s.url}/v1/channels/${channel}/messages`);
    try {
      expect(sse.response.status).toBe(200);
      const answer = (await (await presenceOf(channel)).json()) as { count: number };
      expect(answer.count).toBe(0);
    } finally {
      sse.close();
    }
  });

  it('refuses a bad info and keeps the socket open', async () => {
    const channel = uniqueChannel('room:');
    const c = await connect();
    for (const info of ['Ann', [1], null, 7]) {
      expect(await call(c, { op: 'subscribe', channel, info })).toMatchObject({ op: 'error', code: 'bad_request' });
    }
    const big = await call(c, { op: 'subscribe', channel, info: { text: 'x'.repeat(2000) } });
    expect(big).toMatchObject({ op: 'error', code: 'too_large' });
    expect(await call(c, { op: 'subscribe', channel, info: { ok: true } })).toMatchObject({ op: 'ok' });
  });

  it('answers not_found for namespaces without presence and ignores info there', async () => {
    const channel = uniqueChannel('plain:');
    const c = await connect();
    const ok = await call(c, { op: 'subscribe', channel, info: { name: 'x' } });
    expect(ok.op).toBe('ok');
    expect(ok.client).toBeUndefined();
    expect(await call(c, { op: 'presence', channel })).toMatchObject({ op: 'error', code: 'not_found' });
    const http = await presenceOf(channel);
    expect(http.status).toBe(404);
    expect(await errorCode(http)).toBe('not_found');
  });

  it('needs subscribe rights to see who is there', async () => {
    const channel = uniqueChannel('vip:');
    const anonymous = await connect();
    expect(await call(anonymous, { op: 'presence', channel })).toMatchObject({ op: 'error', code: 'unauthorized' });
    expect((await presenceOf(channel)).status).toBe(401);
    const keyed = await connect(`?token=${s.apiKey}`);
    expect(await call(keyed, { op: 'subscribe', channel, info: { name: 'vip' } })).toMatchObject({ op: 'ok' });
    const http = await presenceOf(channel, { authorization: `Bearer ${s.apiKey}` });
    expect(((await http.json()) as { count: number }).count).toBe(1);
    expect((await presenceOf('bad name!')).status).toBe(400);
  });
});

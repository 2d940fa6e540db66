import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWs, type WsClient } from '../helpers/clients.ts';
import { auth, errorCode, publish } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Subscriber, subscribe, type Transport } from '../helpers/subscribers.ts';

// Names that a naive key or subject builder would merge (threat T13 in SECURITY.md) stay apart.
const SIMILAR = ['a.b', 'a:b', 'a_b', 'a-b', 'A.b', 'A:b', 'a@b', `a${'b'.repeat(127)}`];
// Names outside ^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$, as they appear in a URL path.
const INVALID = [`a${'b'.repeat(128)}`, 'a*', 'a>', 'a%20b', 'a%00', '_a', '.a', 'a%2Fb', 'a%3F', 'a%0Ab', '%C3%A9'];

describe('channel names', () => {
  let server: TestServer;
  const open: Array<Subscriber | WsClient> = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it.each<Transport>(['ws-mux', 'sse', 'poll'])('similar names each get only their own messages (%s)', async (t) => {
    // Unique per transport run, but the similar part is what a key builder would see.
    const prefix = `t13${t.replace('-', '')}`;
    const names = SIMILAR.map((n) => `${prefix}${n}`.slice(0, 128));
    expect(new Set(names).size).toBe(names.length);
    const subs = await Promise.all(names.map((name) => subscribe(server, t, name, '0')));
    open.push(...subs);
    for (const [i, name] of names.entries()) await publish(server, name, { to: name, i });
    for (const [i, sub] of subs.entries()) {
      const name = names[i] as string;
      expect(await sub.items.next()).toEqual({ type: 'message', channel: name, offset: 1, data: { to: name, i } });
    }
    // Nothing else arrives: a second round shows each still sees only its own.
    for (const [i, name] of names.entries()) await publish(server, name, { to: name, i, round: 2 });
    for (const [i, sub] of subs.entries()) {
      const name = names[i] as string;
      expect(await sub.items.next()).toEqual({
        type: 'message',
        channel: name,
        offset: 2,
        data: { to: name, i, round: 2 },
      });
    }
  });

  it('a 128-character name works everywhere', async () => {
    const name = `Z${'9'.repeat(127)}`;
    const published = await publish(server, name, 'long');
    expect(published.channel).toBe(name);
    const res = await fetch(`${server.url}/v1/channels/${name}/messages`);
    expect(res.status).toBe(200);
  });

  it.each(INVALID)('%s is a 400 to publish, pull and stream', async (name) => {
    const path = `/v1/channels/${name}/messages`;
    const publishRes = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: auth(server, { 'content-type': 'application/json' }),
      body: '{"data":1}',
    });
    expect(publishRes.status).toBe(400);
    expect(await errorCode(publishRes)).toBe('bad_request');
    for (const accept of ['application/json', 'text/event-stream', 'application/x-ndjson']) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept } });
      expect(res.status, accept).toBe(400);
      expect(await errorCode(res)).toBe('bad_request');
    }
    const events = await fetch(`${server.url}/v1/events?channel=${name}`);
    expect(events.status).toBe(400);
  });

  it('invalid names in frames and multi-publish items are refused too', async () => {
    const client = await openWs(`${server.url}/v1/ws`, { headers: auth(server) });
    open.push(client);
    const names = [`a${'b'.repeat(128)}`, 'a*', 'a>', 'a b', 'a\u0000'];
    for (const [ref, channel] of names.entries()) client.send({ op: 'subscribe', ref, channel });
    for (const [ref, channel] of names.entries()) client.send({ op: 'publish', ref: ref + 10, channel, data: 1 });
    const answers = await client.frames.take(names.length * 2);
    expect(answers.every((f) => f.op === 'error' && f.code === 'bad_request')).toBe(true);
    const res = await fetch(`${server.url}/v1/publish`, {
      method: 'POST',
      headers: auth(server, { 'content-type': 'application/json' }),
      body: JSON.stringify({ messages: names.map((channel) => ({ channel, data: 1 })) }),
    });
    const { results } = (await res.json()) as { results: Array<{ error?: { code: string } }> };
    expect(results.map((r) => r.error?.code)).toEqual(names.map(() => 'bad_request'));
  });
});

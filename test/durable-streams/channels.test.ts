import { connect, type HeraldClient } from '@herald/client';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, FAST, waitFor } from '../client/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A JSON stream is a Herald channel: what one side writes, the other reads. */
describe('Durable Streams and Herald channels', () => {
  let server: TestServer;
  let client: HeraldClient | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await server?.close();
  });

  it('a JSON stream written through /v1/stream reaches the Herald SDK over WebSocket', async () => {
    server = await startTestServer();
    const auth = { authorization: `Bearer ${server.apiKey}` };
    const url = `${server.url}/v1/stream/ds-room`;
    const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' } });
    expect(put.status).toBe(201);
    client = connect(server.url, { ...FAST, token: server.apiKey, transports: ['websocket'] });
    const got = collect(client.subscribe('ds-room'));
    await waitFor(() => client?.state.state === 'open', 3000, 'open');
    expect(client.state).toMatchObject({ transport: 'websocket' });

    const post = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify([{ n: 1 }, { n: 2 }]),
    });
    expect(post.status).toBe(204);
    await waitFor(() => got.length === 2, 3000, 'two messages');
    expect(got.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }]);
    // Stream offsets and channel offsets name the same positions (docs/durable-streams.md).
    expect(got.map((m) => m.offset)).toEqual([1, 2]);
    expect(post.headers.get('stream-next-offset')).toBe('0000000000000000_0000000000000002');
  });

  it('a message published to /v1/channels is read back through /v1/stream', async () => {
    server = await startTestServer();
    const auth = { authorization: `Bearer ${server.apiKey}` };
    const url = `${server.url}/v1/stream/ds-feed`;
    const put = await fetch(url, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"from":"stream"}',
    });
    const tail = put.headers.get('stream-next-offset');
    expect(tail).toBe('0000000000000000_0000000000000001');

    const published = await fetch(`${server.url}/v1/channels/ds-feed/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'note', data: { from: 'channel' } }),
    });
    expect(published.status).toBe(201);

    const after = await fetch(`${url}?offset=${tail}`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual([{ from: 'channel' }]);
    const all = await fetch(url);
    expect(await all.json()).toEqual([{ from: 'stream' }, { from: 'channel' }]);
    expect(all.headers.get('stream-next-offset')).toBe('0000000000000000_0000000000000002');
  });

  it('streams take the channel credentials: no key, no write; a namespace without anonymous reads, no read', async () => {
    server = await startTestServer({ namespaces: { private: { anonymousSubscribe: false } } });
    const put = await fetch(`${server.url}/v1/stream/open`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(401);
    const auth = { authorization: `Bearer ${server.apiKey}` };
    const created = await fetch(`${server.url}/v1/stream/private/room`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'secret',
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${server.url}/v1/stream/private/room`)).status).toBe(401);
    const read = await fetch(`${server.url}/v1/stream/private/room`, { headers: auth });
    expect(await read.text()).toBe('secret');
  });

  it('JWT claims name the stream paths a bearer may read and write (`/` in a path is `:` in a pattern)', async () => {
    const secret = 'ds-jwt-secret-0123456789-0123456789';
    server = await startTestServer({ jwt: { secret }, namespaces: { team: { anonymousSubscribe: false } } });
    const token = await new SignJWT({ channels: ['team:a*'], publish: ['team:a*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    const bearer = { authorization: `Bearer ${token}` };
    const put = (path: string) =>
      fetch(`${server.url}/v1/stream/${path}`, {
        method: 'PUT',
        headers: { ...bearer, 'content-type': 'text/plain' },
        body: 'x',
      });
    expect((await put('team/alpha')).status).toBe(201);
    expect((await put('team/beta')).status).toBe(403);
    const append = await fetch(`${server.url}/v1/stream/team/alpha`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/plain' },
      body: 'y',
    });
    expect(append.status).toBe(204);
    expect(await (await fetch(`${server.url}/v1/stream/team/alpha`, { headers: bearer })).text()).toBe('xy');
    expect((await fetch(`${server.url}/v1/stream/team/alpha`)).status).toBe(401);
  });
});

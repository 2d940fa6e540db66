import { connect, type HeraldError, type SubscribeOptions, type TransportName } from '@herald/client';
import { DEFAULT_NAMESPACE } from '@herald/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, waitFor } from './helpers.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const TRANSPORTS: TransportName[] = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'];

let server: TestServer;
let jwt: string;
let serial = 0;

beforeAll(async () => {
  server = await startTestServer({
    jwt: { secret: SECRET },
    namespaces: { user: { ...DEFAULT_NAMESPACE, anonymousSubscribe: false } },
    streamHeartbeatMs: 200,
    shutdownTimeoutMs: 100,
  });
  // May read `user:bob:*` only: `user:alice` is refused with 403 rather than 401.
  jwt = await new SignJWT({ channels: ['user:bob:*'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));
});

afterAll(async () => {
  await server?.close();
});

/**
 * `live`: the private channel is subscribed without a cursor (refused while the SDK pins its start);
 * `cursor`: with one, so an HTTP transport asks for both channels in one request, which is refused
 * as a whole and the SDK must find out which channel it was.
 */
const CASES = TRANSPORTS.flatMap((transport) =>
  (['anonymous', 'jwt'] as const).flatMap((who) =>
    (['live', 'cursor'] as const).map((start) => ({ transport, who, start })),
  ),
);

describe('one channel refused, the others keep flowing', () => {
  it.each(CASES)('$transport, $who, private channel subscribed $start', async ({ transport, who, start }) => {
    const n = ++serial;
    const open = `news-${n}`;
    const closed = `user:alice-${n}`;
    const client = connect(server.url, { ...FAST, transports: [transport], ...(who === 'jwt' ? { token: jwt } : {}) });
    try {
      const clientErrors: HeraldError[] = [];
      client.on('error', (e) => clientErrors.push(e));
      const news = client.subscribe(open, { after: '0' });
      const got = collect(news);
      const options: SubscribeOptions = start === 'cursor' ? { after: '0' } : {};
      const refused = client.subscribe(closed, options);
      const errors: HeraldError[] = [];
      let ended = false;
      refused.on('error', (e) => errors.push(e));
      refused.on('end', () => {
        ended = true;
      });
      refused.on('message', () => {
        throw new Error('a refused subscription must not receive');
      });

      await waitFor(() => ended, 5000, 'the refused subscription to end');
      await publishDirect(server.url, server.apiKey, closed, 'secret');
      for (let i = 1; i <= 3; i++) await publishDirect(server.url, server.apiKey, open, i);
      await waitFor(() => got.length === 3, 5000, 'the allowed channel');

      expect(got.map((m) => m.data)).toEqual([1, 2, 3]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.code).toBe(who === 'jwt' ? 'forbidden' : 'unauthorized');
      expect(refused.closed).toBe(true);
      expect(news.closed).toBe(false);
      expect(clientErrors).toEqual([]);
      expect(client.state).toMatchObject({ state: 'open', transport });
    } finally {
      await client.close();
    }
  });
});

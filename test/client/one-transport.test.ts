import type { HeraldClient } from '@herald/client';
import { connect as connectSse } from '@herald/client/sse';
import { connect as connectWs } from '@herald/client/websocket';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, waitFor } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './proxies.ts';

// The `@herald/client/websocket` and `@herald/client/sse` entries (and /herald-ws.js, /herald-sse.js):
// the same client with one transport, so they must receive, resume across a cut, and refuse the others.
const ENTRIES = [
  { transport: 'websocket', connect: connectWs },
  { transport: 'sse', connect: connectSse },
] as const;

describe.each(ENTRIES)('the $transport-only entry', ({ transport, connect }) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let client: HeraldClient | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await proxy?.close();
    await server?.close();
  });

  it('receives and resumes after a cut, over its one transport', async () => {
    server = await startTestServer({ streamHeartbeatMs: 200, shutdownTimeoutMs: 100 });
    proxy = await startTcpProxy(server.url);
    // Node 20 has no global WebSocket: the entry takes one as an option, like in a browser without it.
    client = connect(proxy.url, { ...FAST, token: server.apiKey, WebSocket });
    const channel = `one-${transport}`;
    const sub = client.subscribe(channel);
    const got = collect(sub);
    await waitFor(() => client?.state.state === 'open' && sub.cursor !== undefined, 3000, 'open');
    expect(client.state.transport).toBe(transport);
    for (let i = 1; i <= 3; i++) await publishDirect(server.url, server.apiKey, channel, i);
    await waitFor(() => got.length === 3, 3000, 'first messages');
    proxy.cut();
    for (let i = 4; i <= 6; i++) await publishDirect(server.url, server.apiKey, channel, i);
    await waitFor(() => got.length >= 6, 5000, 'messages after the cut');
    expect(got.map((m) => m.offset)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('throws unsupported when asked only for transports it does not carry', () => {
    const other = transport === 'websocket' ? 'sse' : 'websocket';
    expect(() => connect('http://127.0.0.1:1', { ...FAST, transports: [other, 'poll'], WebSocket })).toThrow(
      expect.objectContaining({ code: 'unsupported' }),
    );
  });
});

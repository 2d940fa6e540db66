import { connect, type HeraldClient } from '@herald/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect, FAST, publishDirect, recordStates, waitFor } from './helpers.ts';
import { type HttpProxy, startHttpProxy, startTcpProxy, type TcpProxy } from './proxies.ts';

describe('fallback and liveness', () => {
  let server: TestServer;
  let proxy: HttpProxy | TcpProxy | undefined;
  let client: HeraldClient | undefined;

  afterEach(async () => {
    await client?.close();
    await proxy?.close();
    await server?.close();
    client = undefined;
    proxy = undefined;
  });

  it('falls back to SSE when the WebSocket upgrade is refused, says why, and reports it', async () => {
    server = await startTestServer({ shutdownTimeoutMs: 100 });
    const p = await startHttpProxy(server.url, { buffer: false });
    proxy = p;
    const storage = new Map<string, string>();
    client = connect(p.url, {
      ...FAST,
      token: server.apiKey,
      storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
    });
    const states = recordStates(client);
    const got = collect(client.subscribe('fb'));
    await waitFor(() => client?.state.state === 'open', 3000, 'open');
    await publishDirect(server.url, server.apiKey, 'fb', 'hello');
    await waitFor(() => got.length === 1, 3000, 'message');

    expect(client.state).toMatchObject({
      state: 'open',
      transport: 'sse',
      fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' },
    });
    expect(states[0]).toMatchObject({ state: 'connecting', fallback: { reason: 'upgrade_refused' } });
    expect([...storage.values()]).toEqual(['sse']);
    await waitFor(() => p.reports.length === 1, 2000, 'fallback report');
    expect(p.reports).toEqual([{ fallback: { from: 'websocket', to: 'sse', reason: 'upgrade_refused' } }]);
  });

  it('diagnoses buffered streams and falls back to long polling without losing messages', async () => {
    server = await startTestServer({ shutdownTimeoutMs: 100, streamHeartbeatMs: 100 });
    const p = await startHttpProxy(server.url, { buffer: true });
    proxy = p;
    client = connect(p.url, { ...FAST, token: server.apiKey });
    const states = recordStates(client);
    const got = collect(client.subscribe('buf'));
    await waitFor(() => client?.state.transport === 'long-poll' && client.state.state === 'open', 5000, 'long-poll');
    await publishDirect(server.url, server.apiKey, 'buf', 2);
    await waitFor(() => got.length === 1, 3000, 'message');
    await new Promise((resolve) => setTimeout(resolve, 100)); // a duplicate would show up now

    const fallbacks = states.flatMap((s) => (s.fallback === undefined ? [] : [s.fallback]));
    expect(fallbacks.map((f) => `${f.from}>${f.to}:${f.reason}`)).toEqual(
      expect.arrayContaining(['websocket>sse:upgrade_refused', 'sse>ndjson:buffered', 'ndjson>long-poll:buffered']),
    );
    expect(fallbacks.find((f) => f.reason === 'buffered')?.detail).toMatch(/no data within 0.6 s/);
    expect(got.map((m) => m.data)).toEqual([2]);
  });

  it.each(['websocket', 'sse'] as const)(
    '%s: the watchdog detects a silent dead connection and recovers',
    async (t) => {
      server = await startTestServer({ shutdownTimeoutMs: 100, streamHeartbeatMs: 100 });
      const p = await startTcpProxy(server.url);
      proxy = p;
      client = connect(p.url, { ...FAST, token: server.apiKey, transports: [t] });
      const states = recordStates(client);
      const got = collect(client.subscribe('wd'));
      await waitFor(() => client?.state.state === 'open', 3000, 'open');
      await publishDirect(server.url, server.apiKey, 'wd', 1);
      await waitFor(() => got.length === 1, 3000, 'first message');

      p.freeze(); // the socket stays open but nothing passes any more, either way
      await publishDirect(server.url, server.apiKey, 'wd', 2);
      await waitFor(() => got.length === 2, 4000, 'message after recovery');
      expect(states.find((s) => s.state === 'reconnecting')?.reason).toMatch(/no data or heartbeat/);
      expect(got.map((m) => m.data)).toEqual([1, 2]);
    },
  );
});

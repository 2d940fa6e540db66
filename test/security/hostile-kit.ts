import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { HeraldInit } from '@herald/server';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { destroyRawSockets } from './raw-websocket.ts';

export { buildFrame, type FrameOptions, type RawSocket, rawWebSocket } from './raw-websocket.ts';

/** A hub for hostile tests: in this process, so its sockets can be counted. */
export interface HostileHub extends TestServer {
  readonly port: number;
  /** RSS when the hub was started (after warm-up), to bound growth. */
  readonly rssAtStart: number;
}

/** Starts a hub on loopback with a short shutdown grace. */
export async function startHub(options: Partial<HeraldInit> = {}): Promise<HostileHub> {
  const server = await startTestServer({ shutdownTimeoutMs: 200, ...options });
  const port = Number(new URL(server.url).port);
  return { ...server, port, rssAtStart: process.memoryUsage().rss };
}

/** An HTTP answer read in full. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One HTTP request on its own connection (no keep-alive pool, so a leaked socket is the server's).
 * Resolves with the status, headers and body; a reset before an answer rejects.
 */
export function send(
  hub: { url: string },
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const url = new URL(path, hub.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: init.method ?? 'GET',
        headers: init.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The `error.code` of a JSON error body. */
export function codeOf(answer: Answer): string | undefined {
  try {
    return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** What a raw TCP exchange produced: the bytes received and whether the server closed the socket. */
export interface RawExchange {
  readonly text: string;
  readonly status: number | undefined;
  readonly closedByServer: boolean;
  readonly ms: number;
}

/**
 * Opens a TCP connection, writes `data` (bytes, or a function that writes over time) and collects what
 * comes back until the server closes or `timeoutMs` passes.
 */
export function rawExchange(
  port: number,
  data: string | Buffer | ((socket: Socket) => void),
  timeoutMs = 3_000,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m === null ? undefined : Number(m[1]), closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      if (typeof data === 'function') data(socket);
      else socket.write(data);
    });
  });
}

/** TCP connections the hub's server holds now. */
export function openSockets(hub: TestServer): Promise<number> {
  return new Promise((resolve, reject) => hub.herald.http.getConnections((e, n) => (e ? reject(e) : resolve(n))));
}

/** Transports with live connections, from `/v1/stats`. */
async function liveConnections(hub: TestServer): Promise<Record<string, number>> {
  const answer = await send(hub, '/v1/stats');
  return (JSON.parse(answer.body) as { connections: Record<string, number> }).connections;
}

/**
 * The hub survived: `/healthz` answers 200, `/v1/stats` shows no live connection of any transport,
 * the HTTP server holds no socket (every test connection is closed), and RSS grew less than `rssSlackMb`
 * since the hub started.
 */
export async function expectHealthy(hub: HostileHub, rssSlackMb = 200): Promise<void> {
  destroyRawSockets();
  expect((await send(hub, '/healthz')).status).toBe(200);
  await expect
    .poll(() => liveConnections(hub), { timeout: 4_000 })
    .toEqual({
      websocket: 0,
      sse: 0,
      ndjson: 0,
      'long-poll': 0,
      poll: 0,
    });
  await expect.poll(() => openSockets(hub), { timeout: 4_000 }).toBe(0);
  expect(process.memoryUsage().rss - hub.rssAtStart).toBeLessThan(rssSlackMb * 1024 * 1024);
}

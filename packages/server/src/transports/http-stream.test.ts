import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { type Engine, Hub, MemoryEngine, Message } from '@herald/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/authenticator.ts';
import { Ticker } from '../heartbeat.ts';
import { SSE_HEARTBEAT, sseClose, sseEvent, sseRetry } from '../http/sse-text.ts';
import { ServerStats } from '../stats.ts';
import { HttpStream } from './http-stream.ts';
import { NDJSON_FORMAT } from './ndjson.ts';
import { SSE_FORMAT } from './sse.ts';
import { WriteTurns } from './write-turns.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const RETRY_MS = 1000;
const PRINCIPAL: Principal = {
  kind: 'key',
  id: 'key:0',
  subject: undefined,
  expiresAt: undefined,
  assertSubscribe: () => {},
  assertPublish: () => {},
  maySubscribe: () => true,
};

/** The body of a chunked answer read so far: the chunks' data, and whether the last chunk came. */
function dechunk(bytes: Buffer): { body: string; ended: boolean } {
  const text = bytes.toString('latin1');
  let at = text.indexOf('\r\n\r\n') + 4;
  let body = '';
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return { body, ended: false };
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (size === 0) return { body, ended: true };
    if (text.length < eol + 2 + size + 2) return { body, ended: false };
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A stream (SSE unless told) on channel `c` (no cursor) of a real server, and the raw socket of its client. */
async function openSse(
  servers: Server[],
  hubs: Hub[],
  tickers: Ticker[],
  internals: boolean,
  {
    engine = new MemoryEngine({ sweepIntervalMs: 0 }) as Engine,
    format = SSE_FORMAT,
    preamble = sseRetry(RETRY_MS) as string | null,
  } = {},
) {
  const hub = new Hub({ engine });
  hubs.push(hub);
  const streams = new Ticker(3_600_000, 0, false);
  tickers.push(streams);
  const ctx = {
    hub,
    stats: new ServerStats(),
    turns: new WriteTurns(),
    streams,
    internals,
    draining: () => false,
    options: { sseRetryMs: RETRY_MS },
  };
  const target = { multi: false, channels: ['c'], cursors: [undefined], principal: PRINCIPAL };
  let opened: (stream: HttpStream) => void = () => {};
  const stream = new Promise<HttpStream>((resolve) => {
    opened = resolve;
  });
  let created: (stream: HttpStream) => void = () => {};
  const createdStream = new Promise<HttpStream>((resolve) => {
    created = resolve;
  });
  const server = createServer((req, res) => {
    const s = new HttpStream(ctx, res, format, target);
    created(s);
    void s.open(req).then(() => opened(s));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client: Socket = connect(address.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  client.write('GET /v1/channels/c/messages HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
  const read = () => dechunk(Buffer.concat(chunks));
  /** Waits until the body read so far satisfies `done`. */
  const until = async (done: (r: { body: string; ended: boolean }) => boolean) => {
    const deadline = Date.now() + 2000;
    while (!done(read())) {
      if (Date.now() > deadline) throw new Error(`timed out; read: ${JSON.stringify(read())}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return read();
  };
  // No preamble to wait for (null): the stream as soon as it exists, before its subscribe has a position.
  if (preamble === null) return { stream: await createdStream, client, until, head: '' };
  const s = await stream;
  // The preamble, then (SSE) the herald.subscribed event, whose epoch the memory engine chose.
  const { body: head } = await until(
    (r) => r.body.startsWith(preamble) && r.body.endsWith('\n\n') && r.body !== preamble,
  );
  expect(head).toMatch(/\nevent: herald\.subscribed\ndata: \{"channel":"c",[^\n]*\n\n$/);
  return { stream: s, client, until, head };
}

const message = (offset: number) => new Message('c', 'e1', offset, undefined, `{"n":${offset}}`, Date.now());
const eventOf = (offset: number) => sseEvent(`{"n":${offset}}`, undefined, `e1:${offset}`);

describe.each([true, false])('HttpStream (internals %s)', (internals) => {
  const servers: Server[] = [];
  const hubs: Hub[] = [];
  const tickers: Ticker[] = [];
  afterEach(async () => {
    for (const t of tickers.splice(0)) t.stop();
    for (const h of hubs.splice(0)) h.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('holds a lone message until the end of the turn, counted in the backlog', async () => {
    const { stream, client, until, head } = await openSse(servers, hubs, tickers, internals);
    stream.deliver(message(1));
    const held = stream.held;
    expect(held).toBeDefined();
    expect(stream.socket.writableLength).toBe(0);
    expect(stream.backlog()).toBe(held?.length);
    await nextTurn();
    expect(stream.held).toBeUndefined();
    expect(stream.backlog()).toBe(stream.socket.writableLength);
    await until((r) => r.body === head + eventOf(1));
    client.destroy();
  });

  it('keeps a heartbeat and the close after the held message, and ends the body after them', async () => {
    const { stream, client, until, head } = await openSse(servers, hubs, tickers, internals);
    stream.deliver(message(1));
    stream.heartbeat();
    stream.deliver(message(2));
    stream.shutdown(4000, 'bye');
    const { body } = await until((r) => r.ended);
    expect(body).toBe(head + eventOf(1) + SSE_HEARTBEAT + eventOf(2) + sseClose(4000, 'bye'));
    client.destroy();
  });

  it('sends the held bytes when asked to drain', async () => {
    const { stream, client, until, head } = await openSse(servers, hubs, tickers, internals);
    stream.deliver(message(1));
    const drained = stream.drained();
    expect(stream.held).toBeUndefined();
    await drained;
    await until((r) => r.body === head + eventOf(1));
    client.destroy();
  });

  it('sends no heartbeat before the subscribed line, however long the engine takes to give a position', async () => {
    const memory = new MemoryEngine({ sweepIntervalMs: 0 });
    let answer: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const engine = Object.assign(Object.create(memory) as Engine, {
      state: async (...args: Parameters<Engine['state']>) => {
        await slow;
        return memory.state(...args);
      },
    });
    const opened = await openSse(servers, hubs, tickers, internals, {
      engine,
      format: NDJSON_FORMAT,
      preamble: null,
    });
    const { stream, client, until } = opened;
    stream.heartbeat();
    await nextTurn();
    answer();
    const { body } = await until((r) => r.body.includes('\n'));
    expect(body.split('\n')[0]).toMatch(/^\{"subscribed":/);
    stream.heartbeat();
    await until((r) => r.body.endsWith('\n\n'));
    client.destroy();
  });

  it('sends a lone close at once, ahead of the end of the body', async () => {
    const { stream, client, until, head } = await openSse(servers, hubs, tickers, internals);
    stream.shutdown(4000, 'bye');
    expect(stream.held).toBeUndefined();
    const { body } = await until((r) => r.ended);
    expect(body).toBe(head + sseClose(4000, 'bye'));
    client.destroy();
  });
});

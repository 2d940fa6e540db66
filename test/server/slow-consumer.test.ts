import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer } from '../helpers/child.ts';
import { openPausable, openWs, type PausableStream, type WsClient } from '../helpers/clients.ts';
import { channelInfo, type HubAddress, messagesUrl, publishBatch, stats, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Item, type Subscriber, subscribe, type Transport, untilOffset } from '../helpers/subscribers.ts';

const LIMIT = 64 * 1024;
const PAYLOAD = 'x'.repeat(4_000);
/** Published before giving up on a cut: far beyond kernel buffers plus the limit. */
const GIVE_UP_BYTES = 64 * 1024 * 1024;

/** Offsets in a stream of messages; fails on a hole or a duplicate. */
function contiguous(offsets: readonly number[], first: number, label: string): number {
  offsets.forEach((o, k) => {
    if (o !== first + k) throw new Error(`${label}: offset ${o} at position ${k}, want ${first + k}`);
  });
  return first + offsets.length - 1;
}

/** The default namespace with another history size. */
function history(size: number) {
  return {
    history: { size, maxAgeMs: 3_600_000 },
    anonymousSubscribe: true,
    anonymousPublish: false,
    maxMessageBytes: 64 * 1024,
    presence: false,
  };
}

/** Opens a WebSocket, an SSE and an NDJSON reader from the start of `channel`, then stops reading on all three. */
async function pausedReaders(server: HubAddress, channel: string) {
  const ws: WsClient = await openWs(messagesUrl(server, channel, { after: '0' }));
  await ws.frames.next();
  ws.ws.pause();
  const sse: PausableStream = await openPausable(messagesUrl(server, channel, { after: '0' }), 'text/event-stream');
  await sse.lines.next();
  sse.pause();
  const ndjson: PausableStream = await openPausable(
    messagesUrl(server, channel, { after: '0' }),
    'application/x-ndjson',
  );
  await ndjson.lines.next();
  ndjson.pause();
  return {
    ws,
    sse,
    ndjson,
    async close() {
      sse.close();
      ndjson.close();
      await ws.close();
    },
  };
}

// Slow consumers are cut, not buffered (docs/protocol.md section 7a).
describe('slow consumers', () => {
  let server: TestServer;
  const closers: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    server = await startTestServer({
      maxBacklogBytes: LIMIT,
      defaultNamespace: history(50_000),
    });
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => server.close());

  it('a paused WebSocket, SSE and NDJSON reader are cut with 4100; a healthy one gets all; they resume from history', async () => {
    const channel = uniqueChannel();
    const healthy: Subscriber = await subscribe(server, 'ws-mux', channel, '0');
    closers.push(() => healthy.close());
    const readers = await pausedReaders(server, channel);
    closers.push(() => readers.close());
    const { ws, sse, ndjson } = readers;

    // Publish until the hub has cut all three slow readers.
    let published = 0;
    let last = 0;
    let epoch = '';
    for (;;) {
      // Batches well under the limit: the cut must come from the reader falling behind.
      const batch = await publishBatch(
        server,
        channel,
        Array.from({ length: 8 }, () => ({ data: PAYLOAD })),
      );
      epoch = batch.epoch;
      last = batch.messages.at(-1)?.offset ?? last;
      published += 8 * PAYLOAD.length;
      const subs = (await channelInfo(server, channel)).subscribers;
      // A reader reads again as soon as it is cut (a paused socket never sees the close until it reads
      // again), well within the grace the hub gives a close frame to flush.
      if ((subs.websocket ?? 0) < 2) ws.ws.resume();
      if ((subs.sse ?? 0) === 0) sse.resume();
      if ((subs.ndjson ?? 0) === 0) ndjson.resume();
      if ((subs.websocket ?? 0) === 1 && (subs.sse ?? 0) === 0 && (subs.ndjson ?? 0) === 0) break;
      if (published > GIVE_UP_BYTES) throw new Error(`not cut after ${published} bytes: ${JSON.stringify(subs)}`);
    }

    // Each slow reader learns why: close code 4100 / a final close event or line carrying 4100.
    expect((await ws.closed).code).toBe(4100);
    await sse.lines.ended();
    await ndjson.lines.ended();
    const sseClose = sse.lines.all.lastIndexOf('event: herald.close');
    expect(sseClose, 'a herald.close event').toBeGreaterThan(0);
    expect(JSON.parse((sse.lines.all[sseClose + 1] ?? '').replace(/^data: /, ''))).toMatchObject({ code: 4100 });
    const ndjsonLines = ndjson.lines.all.filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ndjsonLines.at(-1)).toMatchObject({ close: { code: 4100, reason: expect.any(String) } });

    // What each got is a gap-free prefix; it resumes from its cursor and gets the rest from history.
    const wsLast = contiguous(
      ws.frames.all.flatMap((f) => (typeof f.offset === 'number' ? [f.offset] : [])),
      1,
      'ws before the cut',
    );
    // Message ids only: the stream's herald.subscribed event carries its start position as an id too.
    const sseIds = sse.lines.all
      .filter((l, i, all) => l.startsWith('id: ') && all[i + 1] !== 'event: herald.subscribed')
      .map((l) => l.slice(4));
    const sseLast = contiguous(
      sseIds.map((id) => Number(id.slice(id.lastIndexOf(':') + 1))),
      1,
      'sse before the cut',
    );
    const ndjsonLast = contiguous(
      ndjsonLines.flatMap((l) => (typeof l.offset === 'number' ? [l.offset] : [])),
      1,
      'ndjson before the cut',
    );
    expect(Math.max(wsLast, sseLast, ndjsonLast)).toBeLessThanOrEqual(last);
    // Published while they are away.
    last = (await publishBatch(server, channel, [{ data: 'while away' }])).messages.at(-1)?.offset ?? last;
    const resumed = await Promise.all([
      subscribe(server, 'ws', channel, `${epoch}:${wsLast}`),
      subscribe(server, 'sse', channel, sseIds.at(-1) ?? '0'),
      subscribe(server, 'poll', channel, `${epoch}:${ndjsonLast}`),
    ]);
    closers.push(...resumed.map((r) => () => r.close()));
    const firsts = [wsLast + 1, sseLast + 1, ndjsonLast + 1];
    await Promise.all(
      resumed.map(async (sub, i) => {
        const items: Item[] = await untilOffset(sub, last, 10_000);
        contiguous(
          items.map((m) => (m.type === 'message' ? m.offset : -1)),
          firsts[i] as number,
          `${sub.transport} after resuming`,
        );
      }),
    );
    // The healthy subscriber got everything, in order, while the others stalled.
    const all = await untilOffset(healthy, last, 10_000);
    contiguous(
      all.map((m) => (m.type === 'message' ? m.offset : -1)),
      1,
      'healthy subscriber',
    );
  });
});

// The hub's own memory (a hub in a child process, read from /v1/stats) while three readers stall.
describe('slow consumers and hub memory', () => {
  let server: Awaited<ReturnType<typeof startChildServer>>;
  beforeAll(async () => {
    server = await startChildServer({ maxBacklogBytes: 256 * 1024, defaultNamespace: history(100) });
  });
  afterAll(() => server.close());

  it('48 MB published past three stalled readers: they are cut and the RSS grows far less than they would hold', async () => {
    const channel = uniqueChannel();
    const readers = await pausedReaders(server, channel);
    try {
      await publishBatch(server, channel, [{ data: 'warm up' }]);
      const before = (await stats(server)).memory.rss;
      const payload = 'y'.repeat(16_000);
      const volume = 48 * 1024 * 1024;
      for (let sent = 0; sent < volume; sent += 8 * payload.length) {
        await publishBatch(
          server,
          channel,
          Array.from({ length: 8 }, () => ({ data: payload })),
        );
      }
      const after = (await stats(server)).memory.rss;
      expect((await channelInfo(server, channel)).subscribers).toEqual({});
      // Unbounded buffering would hold about 3 × 48 MB (measured: +180 MB); bounded it grows about 45 MB.
      expect(after - before).toBeLessThan(100 * 1024 * 1024);
    } finally {
      await readers.close();
    }
  });
});

// A reader that keeps up is not a slow consumer, whatever the size of one publish.
describe('a burst is not a slow consumer', () => {
  let server: TestServer;
  const open: Subscriber[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it.each<Transport>(['sse', 'sse-multi', 'ndjson', 'ndjson-multi', 'ws', 'ws-mux'])(
    'one accepted ~1 MB batch (default limits) does not cut a %s reader that keeps up',
    async (transport) => {
      const channel = uniqueChannel();
      const sub = await subscribe(server, transport, channel, '0');
      open.push(sub);
      // Live first (the burst must go through the fan-out, not the history replay).
      await publishBatch(server, channel, [{ data: 'live' }]);
      await untilOffset(sub, 1);
      const batch = Array.from({ length: 1_000 }, (_, i) => ({ data: `${i}`.padEnd(1_000, '.') }));
      await publishBatch(server, channel, batch);
      await untilOffset(sub, 1_001, 10_000);
      await publishBatch(server, channel, [{ data: 'after the burst' }]);
      expect(await sub.items.next()).toEqual({ type: 'message', channel, offset: 1_002, data: 'after the burst' });
    },
  );
});

import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, openWs, type SseFrame } from '../helpers/clients.ts';
import { errorCode, publish, uniqueChannel } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const secret = 'a-stats-test-secret-that-is-long-enough-for-hs256';

/** The fields of a snapshot the tests read (the full shape is in docs/http-api.md). */
interface Snapshot {
  time: number;
  intervalMs: number;
  connections: Record<string, number> & { total: number };
  messages: { inPerSec: number; outPerSec: number; published: number; delivered: number };
  deliveredPerSec: Record<string, number>;
  bytesOutPerSec: Record<string, number>;
  bytesOut: Record<string, number>;
  subscriptions: number;
  historyMessages: number | null;
  topChannels: Array<{ channel: string; subscribers: number; messagesPerSec: number; historyLength: number }>;
  eventLoopLagMs: { p50: number; p99: number; max: number };
  memory: { rss: number; heapUsed: number; heapTotal: number };
}

function snapshot(frame: SseFrame): Snapshot | undefined {
  return frame.kind === 'event' && frame.event === undefined ? (JSON.parse(frame.data) as Snapshot) : undefined;
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ statsIntervalMs: 100, jwt: { secret }, shutdownTimeoutMs: 300 });
});
afterAll(() => s.close());

const streamUrl = (query = '') => `${s.url}/v1/stats/stream${query}`;

describe('GET /v1/stats/stream', () => {
  it('needs the API key (a JWT is not enough)', async () => {
    const anonymous = await fetch(streamUrl());
    expect(anonymous.status).toBe(401);
    expect(await errorCode(anonymous)).toBe('unauthorized');
    const jwt = await new SignJWT({ channels: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode(secret));
    expect((await fetch(streamUrl(`?token=${jwt}`))).status).toBe(403);
    expect((await fetch(streamUrl('?token=wrong'))).status).toBe(401);
  });

  it('sends a snapshot at once, then live rates, connections and top channels', async () => {
    const stream = await openSse(streamUrl(`?token=${s.apiKey}`));
    const ws = await openWs(`${s.url}/v1/ws`);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const first = await stream.frames.until((f) => snapshot(f) !== undefined, 2_000);
      expect(first.some((f) => f.kind === 'retry')).toBe(true);
      const initial = snapshot(first.at(-1) as SseFrame) as Snapshot;
      expect(initial).toMatchObject({ intervalMs: 100, connections: { sse: 0 } });
      expect(initial.memory.rss).toBeGreaterThan(0);

      const channel = uniqueChannel('live');
      ws.send({ op: 'subscribe', ref: 1, channel });
      await ws.frames.until((f) => f.ref === 1);
      const publishing = (async () => {
        for (let i = 0; i < 20; i++) {
          await publish(s, channel, { i });
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const busy = await stream.frames.until(
        (f) => {
          const snap = snapshot(f);
          return snap !== undefined && snap.messages.inPerSec > 0 && snap.messages.outPerSec > 0;
        },
        5_000,
        'a snapshot with traffic',
      );
      await publishing;
      const live = snapshot(busy.at(-1) as SseFrame) as Snapshot;
      expect(live.connections.websocket).toBe(1);
      expect(live.connections.total).toBeGreaterThanOrEqual(1);
      expect(live.deliveredPerSec.websocket).toBeGreaterThan(0);
      expect(live.bytesOutPerSec.websocket).toBeGreaterThan(0);
      expect(live.messages.published).toBeGreaterThan(0);
      const top = live.topChannels.find((c) => c.channel === channel);
      expect(top?.subscribers).toBe(1);
      expect(top?.historyLength).toBeGreaterThan(0);
      expect(live.eventLoopLagMs.max).toBeGreaterThanOrEqual(0);
      expect(live.time).toBeGreaterThan(initial.time);
    } finally {
      stream.close();
      await ws.close();
    }
  });

  it('lists the busiest channels by message rate, with or without subscribers', async () => {
    const stream = await openSse(streamUrl(`?token=${s.apiKey}`));
    const busy = uniqueChannel('busy');
    const quiet = uniqueChannel('quiet');
    try {
      await stream.frames.until((f) => snapshot(f) !== undefined, 2_000);
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing; i++) {
          await publish(s, busy, { i });
          if (i % 5 === 0) await publish(s, quiet, { i });
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const frames = await stream.frames.until(
        (f) => {
          const top = snapshot(f)?.topChannels ?? [];
          const a = top.find((c) => c.channel === busy);
          const b = top.find((c) => c.channel === quiet);
          return a !== undefined && b !== undefined && a.messagesPerSec > b.messagesPerSec && b.messagesPerSec > 0;
        },
        5_000,
        'both channels ranked by rate',
      );
      publishing = false;
      await publisher;
      const top = (snapshot(frames.at(-1) as SseFrame) as Snapshot).topChannels;
      const row = top.find((c) => c.channel === busy);
      expect(row?.subscribers).toBe(0);
      expect(row?.historyLength).toBeGreaterThan(0);
      // Most messages first.
      const rates = top.map((c) => c.messagesPerSec);
      expect(rates).toEqual([...rates].sort((x, y) => y - x));
      // Once publishing stops, the rate falls to 0 (rates are per interval, not since start).
      await stream.frames.until(
        (f) => (snapshot(f)?.topChannels.find((c) => c.channel === busy)?.messagesPerSec ?? 0) === 0,
        3_000,
        'the rate back to 0',
      );
    } finally {
      stream.close();
    }
  });

  it('sends every watcher the same snapshot from one timer', async () => {
    const a = await openSse(streamUrl(`?token=${s.apiKey}`));
    const b = await openSse(streamUrl(`?token=${s.apiKey}`));
    try {
      const times = async (stream: typeof a) =>
        (await stream.frames.take(8, 3_000)).flatMap((f) => snapshot(f)?.time ?? []);
      const [ta, tb] = await Promise.all([times(a), times(b)]);
      // Apart from each one's first (sent on connect), the ticks are shared.
      const shared = ta.slice(1).filter((t) => tb.includes(t));
      expect(shared.length).toBeGreaterThan(2);
    } finally {
      a.close();
      b.close();
    }
  });

  it('ends with a herald.close event when the hub shuts down', async () => {
    const own = await startTestServer({ statsIntervalMs: 100, shutdownTimeoutMs: 2_000 });
    const stream = await openSse(`${own.url}/v1/stats/stream?token=${own.apiKey}`);
    await stream.frames.until((f) => snapshot(f) !== undefined);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    const rest = await stream.frames.until((f) => f.kind === 'event' && f.event === 'herald.close', 2_000);
    const close = rest.at(-1) as { data: string };
    expect(JSON.parse(close.data)).toEqual({ code: 1001, reason: 'server shutting down' });
  });
});

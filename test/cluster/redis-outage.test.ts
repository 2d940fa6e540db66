/**
 * F2 and F2b (RELIABILITY.md): two hubs on a private redis-server, subscribers on node B (raw SSE, raw
 * WebSocket and the SDK over WebSocket), a publisher on node A. Mid-stream redis-server is SIGKILLed,
 * then restarted on the same port: empty (no persistence) or with its data (AOF fsynced on every write).
 *
 * During the outage: publishes get 503 + Retry-After quickly and are never stored, /readyz fails on
 * both nodes, open streams stay open with heartbeats, and a new SSE request still gets 200. After it:
 * the nodes recover by themselves; an empty Redis means a new epoch that every subscriber is told about
 * with a reset before the new messages; a Redis that kept its data means no reset and nothing lost.
 */
import { randomBytes } from 'node:crypto';
import { type Engine, HeraldError } from '@herald/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type HeraldClient, type Subscription } from '../../packages/client/src/node.ts';
import { FAST } from '../client/helpers.ts';
import { type FetchStream, openSse, openWs, type SseFrame, type WsClient } from '../helpers/clients.ts';
import { openRedisEngine } from '../helpers/engines.ts';
import { uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { type PrivateRedis, type RedisPersistence, startPrivateRedis } from '../helpers/redis-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const RATE = 100; // publishes per second, outage included
const BEFORE = 60; // acknowledged publishes before the kill
const OUTAGE_MS = 2_500;
const AFTER = 40; // acknowledged publishes after the nodes are ready again
const HEARTBEAT_MS = 200;

/** One publish attempt and its answer. */
interface Attempt {
  seq: number;
  startedAt: number;
  ms: number;
  status: number;
  retryAfter: string | null;
  epoch?: string;
  offset?: number;
}

/** Something a subscriber received, with its arrival time. */
type Seen =
  | { at: number; kind: 'message'; epoch: string; offset: number; seq: number }
  | { at: number; kind: 'reset'; epoch: string; from: number }
  | { at: number; kind: 'heartbeat' }
  | { at: number; kind: 'other'; text: string };

let redis: PrivateRedis | undefined;
let hubs: TestServer[] = [];
let streams: Array<FetchStream<SseFrame>> = [];
let sockets: WsClient[] = [];
let sdk: HeraldClient | undefined;
let publisher: Publisher | undefined;

afterEach(async () => {
  await publisher?.stop(); // a test that failed midway leaves its publisher running
  publisher = undefined;
  await sdk?.close();
  for (const s of streams) s.close();
  await Promise.all(sockets.map((s) => s.close()));
  // Closing a hub waits for its engine; a Redis that is still down must not hold that up.
  await Promise.all(hubs.map((h) => h.herald.close()));
  await redis?.stop();
  sdk = undefined;
  streams = [];
  sockets = [];
  hubs = [];
  redis = undefined;
});

describe('redis-server SIGKILLed mid-stream', () => {
  it('publishes fail fast with 503, streams stay open; Redis comes back empty: a reset to the new epoch, then the new messages', async () => {
    await outage('none');
  }, 40_000);

  it('publishes fail fast with 503, streams stay open; Redis comes back with its data: no reset, nothing lost', async () => {
    await outage('aof-always');
  }, 40_000);

  // Node B's two Redis connections reconnect independently: when its pub/sub connection is back first,
  // a new-epoch message arrives while a history read still fails. Seen in about half the runs of the
  // first case; made certain here by failing B's reads until 500 ms after its feed heard again.
  it('comes back empty while node B still cannot read history when its feed hears the new epoch: B still resets', async () => {
    await outage('none', { lateReads: true });
  }, 40_000);
});

/**
 * One outage: two hubs on a private Redis, subscribers on B, a publisher on A; Redis SIGKILLed after
 * {@link BEFORE} acknowledged publishes and restarted {@link OUTAGE_MS} later; then every check above.
 */
async function outage(persistence: RedisPersistence, faults: { lateReads?: boolean } = {}): Promise<void> {
  redis = await startPrivateRedis(persistence);
  const prefix = `herald-outage-${randomBytes(4).toString('hex')}`;
  let lateReads: LateReads | undefined;
  for (let i = 0; i < 2; i++) {
    const { engine } = await openRedisEngine(prefix, redis.url);
    if (i === 1 && faults.lateReads === true) lateReads = failReadsUntilFeedHears(engine);
    hubs.push(await startTestServer({ engine, streamHeartbeatMs: HEARTBEAT_MS, shutdownTimeoutMs: 200 }));
  }
  const [a, b] = hubs as [TestServer, TestServer];
  const channel = uniqueChannel('outage');

  // Subscribers on B.
  const sse = await openSse(`${b.url}/v1/channels/${channel}/messages`);
  streams.push(sse);
  expect(sse.response.status).toBe(200);
  const sseSeen = readSse(sse);
  const ws = await openWs(`${b.url}/v1/ws`);
  sockets.push(ws);
  const wsSeen = readWs(ws);
  ws.send({ op: 'subscribe', ref: 1, channel });
  await ws.frames.until((f) => f.op === 'ok' && f.ref === 1, 5_000, 'subscribe ok');
  sdk = connect(b.url, { ...FAST, transports: ['websocket'], reportFallbacks: false });
  const sub = sdk.subscribe(channel);
  const sdkSeen = readSdk(sub);
  await eventually(() => sub.cursor !== undefined, 5_000, 'the SDK subscription');

  // Publisher on A.
  const pub = startPublisher(a, channel);
  publisher = pub;
  await eventually(() => pub.acked().length >= BEFORE, 10_000, `${BEFORE} acknowledged publishes`);
  const server = redis;
  await server.kill();
  const killedAt = Date.now();

  // During the outage.
  await eventually(
    async () => (await readyStatus(a)) !== 200 && (await readyStatus(b)) !== 200,
    2_000,
    'readyz to fail on both nodes',
  );
  const lateSse = await openSse(`${b.url}/v1/channels/${channel}/messages`);
  streams.push(lateSse);
  const lateStatus = lateSse.response.status;
  lateSse.close();
  const pong = await wsPing(ws, 2);
  await sleepUntil(killedAt + OUTAGE_MS);
  const readyDuringOutage = [await readyStatus(a), await readyStatus(b)];
  lateReads?.arm();
  await server.restart();
  const restartedAt = Date.now();

  // After it.
  await eventually(
    async () => (await readyStatus(a)) === 200 && (await readyStatus(b)) === 200,
    5_000,
    'readyz 200 on both nodes after the restart',
    50,
  );
  const readyAt = Date.now();
  const ackedBeforeReady = pub.acked().length;
  await eventually(() => pub.acked().length >= ackedBeforeReady + AFTER, 8_000, `${AFTER} publishes after recovery`);
  const attempts = await pub.stop();

  const acked = attempts.filter((p) => p.status === 201);
  const preKill = acked.filter((p) => p.startedAt < killedAt);
  const outage = attempts.filter((p) => p.startedAt >= killedAt && p.startedAt + p.ms < restartedAt);
  const failed = attempts.filter((p) => p.status !== 201);
  const postReady = attempts.filter((p) => p.startedAt >= readyAt);
  const epochBefore = preKill[0]?.epoch as string;
  const epochAfter = acked.at(-1)?.epoch as string;

  // Publishes during the outage: 503 with Retry-After, each answered within 2 s, none acknowledged.
  expect(outage.length, 'publishes attempted during the outage').toBeGreaterThan((OUTAGE_MS / 1_000) * RATE * 0.5);
  expect(outage.filter((p) => p.status !== 503 || p.retryAfter === null)).toEqual([]);
  expect(outage.filter((p) => p.ms >= 2_000)).toEqual([]);
  expect(
    readyDuringOutage.filter((s) => s === 200),
    'readyz 200 during the outage',
  ).toEqual([]);
  expect(lateStatus, 'a new SSE request during the outage (an EventSource stops for good on a 5xx)').toBe(200);
  expect(pong, 'the WebSocket answers op:ping during the outage').toBe(true);
  // Heartbeats kept coming on the open SSE stream through the outage.
  const beats = sseSeen.filter((s) => s.kind === 'heartbeat' && s.at > killedAt && s.at < restartedAt);
  expect(beats.length, 'SSE heartbeats during the outage').toBeGreaterThanOrEqual(
    Math.floor(OUTAGE_MS / HEARTBEAT_MS / 2),
  );
  expect(
    maxGap([killedAt, ...beats.map((s) => s.at), restartedAt]),
    'longest silence on SSE during the outage',
  ).toBeLessThan(4 * HEARTBEAT_MS);
  expect(sse.frames.isEnded, 'the SSE stream stays open').toBe(false);
  expect(ws.ws.readyState, 'the WebSocket stays open').toBe(ws.ws.OPEN);
  // After the restart every publish from readiness on is acknowledged.
  expect(postReady.filter((p) => p.status !== 201)).toEqual([]);

  // History as the nodes see it now: what failed is not there, what was acknowledged (in this epoch) is.
  const history = await readHistory(a, channel);
  const stored = new Set(history.messages.map((m) => m.data.seq));
  const ambiguous = failed.filter((p) => p.startedAt < killedAt); // in flight when Redis died
  expect(
    failed.filter((p) => !ambiguous.includes(p) && stored.has(p.seq)),
    'failed publishes found in history',
  ).toEqual([]);
  expect(history.epoch).toBe(epochAfter);
  expect(
    acked.filter((p) => p.epoch === epochAfter && !stored.has(p.seq)),
    'acknowledged publishes missing',
  ).toEqual([]);

  const lastAfter = acked.filter((p) => p.epoch === epochAfter).at(-1)?.offset as number;
  const subscribers = [
    ['sse', sseSeen],
    ['ws', wsSeen],
    ['sdk', sdkSeen],
  ] as const;
  const caughtUp = (seen: readonly Seen[]): boolean => {
    const last = lastMessage(seen);
    return last?.epoch === epochAfter && last.offset === lastAfter;
  };
  const behind = await eventually(() => subscribers.every(([, seen]) => caughtUp(seen)), 5_000, 'catch-up').then(
    () => [],
    () =>
      subscribers
        .filter(([, seen]) => !caughtUp(seen))
        .map(
          ([name, seen]) =>
            `${name} (${describeEvents(seen).length} events): …${describeEvents(seen).slice(-6).join(' ')}`,
        ),
  );
  await new Promise((resolve) => setTimeout(resolve, 200)); // a late duplicate would show up now
  expect(
    behind,
    `subscribers not at ${epochAfter}:${lastAfter} within 5 s (SSE stream ended: ${sse.frames.isEnded}, heartbeats after the restart: ${sseSeen.filter((x) => x.kind === 'heartbeat' && x.at > restartedAt).length})`,
  ).toEqual([]);

  const storedOffsets = new Map(history.messages.map((m) => [m.offset, m.data.seq]));
  for (const [name, seen] of subscribers) {
    expect(
      seen.filter((s) => s.kind === 'other'),
      `${name}: unexpected frames`,
    ).toEqual([]);
    // Liveness (I5): delivery, or the reset, resumes within 5 s of Redis being back.
    const resumed = seen.find((s) => (s.kind === 'message' || s.kind === 'reset') && s.at > restartedAt);
    expect((resumed?.at ?? Number.POSITIVE_INFINITY) - restartedAt, `${name}: ms until delivery resumed`).toBeLessThan(
      5_000,
    );
  }
  if (persistence === 'none') {
    expect(epochAfter, 'a new epoch after Redis came back empty').not.toBe(epochBefore);
    for (const [name, seen] of subscribers)
      checkResetStream(name, seen, epochBefore, epochAfter, preKill, storedOffsets);
  } else {
    expect(epochAfter, 'the same epoch after Redis came back with its data').toBe(epochBefore);
    for (const p of preKill) expect(storedOffsets.get(p.offset as number), `acked offset ${p.offset}`).toBe(p.seq);
    const expected = history.messages.map((m) => `${epochAfter}:${m.offset}:${m.data.seq}`);
    for (const [name, seen] of subscribers)
      expect(describeEvents(seen), `${name}: no reset, every message once`).toEqual(expected);
  }
  if (lateReads !== undefined) expect(lateReads.failed(), 'reads on B failed by the injected fault').toBeGreaterThan(0);
}

/** See {@link failReadsUntilFeedHears}. */
interface LateReads {
  /** From now on reads fail, until 500 ms after the feed delivers its next message. */
  arm(): void;
  /** Reads failed so far. */
  failed(): number;
}

/**
 * Makes `engine` behave as a Redis engine whose command connection comes back after its pub/sub
 * connection: once armed, history reads fail with `unavailable` until 500 ms after the feed delivered
 * a message again. Wraps the engine object before the hub uses it.
 */
function failReadsUntilFeedHears(engine: Engine): LateReads {
  let failing = false;
  let armed = false;
  let failed = 0;
  const read = engine.read.bind(engine);
  engine.read = (channel, from, limit, limits) => {
    if (!failing) return read(channel, from, limit, limits);
    failed++;
    return Promise.reject(new HeraldError('unavailable', 'the engine is unavailable (injected)', 1));
  };
  const openFeed = engine.openFeed.bind(engine);
  engine.openFeed = (listener) =>
    openFeed({
      messages(channel, messages) {
        if (armed) {
          armed = false;
          setTimeout(() => {
            failing = false;
          }, 500);
        }
        listener.messages(channel, messages);
      },
      resync: () => listener.resync(),
    });
  return {
    arm() {
      failing = true;
      armed = true;
    },
    failed: () => failed,
  };
}

/**
 * The stream of a subscriber when Redis came back empty: the old epoch's messages contiguous from 1
 * (only acknowledged ones), then one reset naming the new epoch from 1, then the new epoch's history.
 */
function checkResetStream(
  name: string,
  seen: readonly Seen[],
  epochBefore: string,
  epochAfter: string,
  preKill: readonly Attempt[],
  stored: ReadonlyMap<number, number>,
): void {
  const events = seen.filter((s) => s.kind === 'message' || s.kind === 'reset');
  const resetAt = events.findIndex((s) => s.kind === 'reset');
  expect(resetAt, `${name}: a reset`).toBeGreaterThanOrEqual(0);
  const before = events.slice(0, resetAt);
  const reset = events[resetAt];
  const after = events.slice(resetAt + 1);
  expect(reset, `${name}: the reset`).toMatchObject({ kind: 'reset', epoch: epochAfter, from: 1 });
  expect(describeEvents(before), `${name}: before the reset`).toEqual(
    preKill.slice(0, before.length).map((p) => `${epochBefore}:${p.offset}:${p.seq}`),
  );
  // Acknowledged messages a node had not relayed when Redis died are gone with the epoch, and the reset
  // covers them, so only a non-empty prefix is required here.
  expect(before.length, `${name}: messages delivered before the outage`).toBeGreaterThan(0);
  expect(describeEvents(after), `${name}: after the reset`).toEqual(
    [...stored].map(([offset, seq]) => `${epochAfter}:${offset}:${seq}`),
  );
}

/** Messages as `epoch:offset:seq`, resets as `reset epoch:from`. */
function describeEvents(seen: readonly Seen[]): string[] {
  return seen.flatMap((s) => {
    if (s.kind === 'message') return [`${s.epoch}:${s.offset}:${s.seq}`];
    if (s.kind === 'reset') return [`reset ${s.epoch}:${s.from}`];
    return [];
  });
}

function lastMessage(seen: readonly Seen[]): (Seen & { kind: 'message' }) | undefined {
  for (let i = seen.length - 1; i >= 0; i--) {
    const s = seen[i];
    if (s?.kind === 'message') return s;
  }
  return undefined;
}

/** What a raw SSE subscriber of one channel sees; heartbeats included. */
function readSse(stream: FetchStream<SseFrame>): Seen[] {
  const seen: Seen[] = [];
  let epoch = '';
  stream.frames.tap((f) => {
    const at = Date.now();
    if (f.kind === 'comment') seen.push({ at, kind: 'heartbeat' });
    else if (f.kind === 'retry') return;
    else if (f.event === 'herald.reset') {
      const r = JSON.parse(f.data) as { epoch: string; from: number };
      epoch = r.epoch;
      seen.push({ at, kind: 'reset', epoch: r.epoch, from: r.from });
    } else if (f.event === undefined && f.id !== undefined) {
      const [e = '', offset = ''] = f.id.split(':');
      epoch = e;
      seen.push({
        at,
        kind: 'message',
        epoch,
        offset: Number(offset),
        seq: (JSON.parse(f.data) as { seq: number }).seq,
      });
    } else seen.push({ at, kind: 'other', text: `${f.event}: ${f.data}` });
  });
  return seen;
}

/** What an SDK subscription delivers: messages and resets, in order. */
function readSdk(sub: Subscription): Seen[] {
  const seen: Seen[] = [];
  sub.on('message', (m) => {
    const epoch = m.cursor.slice(0, m.cursor.lastIndexOf(':'));
    seen.push({ at: Date.now(), kind: 'message', epoch, offset: m.offset, seq: (m.data as { seq: number }).seq });
  });
  sub.on('reset', (r) => seen.push({ at: Date.now(), kind: 'reset', epoch: r.epoch, from: r.from }));
  sub.on('error', (e) => seen.push({ at: Date.now(), kind: 'other', text: `error ${e.code}` }));
  return seen;
}

/** What a raw multiplexed WebSocket subscriber sees (epochs from the subscribe answer and resets). */
function readWs(ws: WsClient): Seen[] {
  const seen: Seen[] = [];
  let epoch = '';
  ws.frames.tap((f) => {
    const at = Date.now();
    if (f.op === 'ok' && f.ref === 1) epoch = f.epoch as string;
    else if (f.op === 'reset') {
      epoch = f.epoch as string;
      seen.push({ at, kind: 'reset', epoch, from: f.from as number });
    } else if (f.op === 'message') {
      seen.push({ at, kind: 'message', epoch, offset: f.offset as number, seq: (f.data as { seq: number }).seq });
    } else if (f.op !== 'pong') seen.push({ at, kind: 'other', text: JSON.stringify(f) });
  });
  return seen;
}

/** Sends `op: ping` and waits up to 1 s for the pong. */
async function wsPing(ws: WsClient, ref: number): Promise<boolean> {
  ws.send({ op: 'ping', ref });
  return ws.frames
    .waitFor(() => ws.frames.all.some((f) => f.op === 'pong' && f.ref === ref), 1_000, 'pong')
    .then(
      () => true,
      () => false,
    );
}

/** A publisher started by {@link startPublisher}. */
interface Publisher {
  acked(): Attempt[];
  /** Stops after the publish in flight; resolves with every attempt. */
  stop(): Promise<Attempt[]>;
}

/** Publishes `{seq}` at RATE per second (no retries, outage included) until stopped. */
function startPublisher(hub: TestServer, channel: string): Publisher {
  const attempts: Attempt[] = [];
  let stopped = false;
  const loop = (async () => {
    const start = Date.now();
    for (let seq = 1; !stopped; seq++) {
      const wait = start + ((seq - 1) * 1_000) / RATE - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const startedAt = Date.now();
      const res = await fetch(`${hub.url}/v1/channels/${channel}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${hub.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `pub-${seq}`,
        },
        body: JSON.stringify({ data: { seq } }),
        signal: AbortSignal.timeout(5_000),
      }).catch((error: unknown) => error as Error);
      const ms = Date.now() - startedAt;
      if (res instanceof Error) {
        attempts.push({ seq, startedAt, ms, status: 0, retryAfter: null });
        continue;
      }
      const body = (await res.json()) as { epoch?: string; offset?: number };
      const attempt: Attempt = { seq, startedAt, ms, status: res.status, retryAfter: res.headers.get('retry-after') };
      if (res.status === 201) Object.assign(attempt, { epoch: body.epoch, offset: body.offset });
      attempts.push(attempt);
    }
  })();
  return {
    acked: () => attempts.filter((p) => p.status === 201),
    async stop() {
      stopped = true;
      await loop;
      return attempts;
    },
  };
}

async function readyStatus(hub: TestServer): Promise<number> {
  const res = await fetch(`${hub.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  await res?.body?.cancel();
  return res?.status ?? 0;
}

/** The channel's whole history (as one page) read through `hub`. */
async function readHistory(
  hub: TestServer,
  channel: string,
): Promise<{ epoch: string; messages: Array<{ offset: number; data: { seq: number } }> }> {
  const res = await fetch(`${hub.url}/v1/channels/${channel}/messages?after=0&limit=1000`);
  expect(res.status).toBe(200);
  return (await res.json()) as { epoch: string; messages: Array<{ offset: number; data: { seq: number } }> };
}

function maxGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return gap;
}

async function sleepUntil(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

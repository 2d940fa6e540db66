import { afterAll, beforeAll, expect, it } from 'vitest';
import { openNdjson, openSse, openWs, type SseFrame } from '../helpers/clients.ts';
import { auth, channelInfo, eventsUrl, messagesUrl, publish, uniqueChannel } from '../helpers/http.ts';
import { eventually } from '../helpers/inbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// One subscriber count (docs/http-api.md "Subscriber counts"), per channel and per transport, held long polls included,
// and every endpoint that reports subscribers reports that count.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ statsIntervalMs: 100, shutdownTimeoutMs: 300 });
});
afterAll(() => s.close());

interface StatsBody {
  subscriptions: number;
  topChannels: Array<{ channel: string; subscribers: number }>;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

async function statsBody(): Promise<StatsBody> {
  return (await (await fetch(`${s.url}/v1/stats`, { headers: auth(s) })).json()) as StatsBody;
}

/** The stats stream's next snapshot (what the dashboard shows). */
async function streamed(): Promise<StatsBody> {
  const stream = await openSse(`${s.url}/v1/stats/stream?token=${s.apiKey}`);
  try {
    const frames = await stream.frames.until((f) => f.kind === 'event' && f.event === undefined, 2_000);
    return JSON.parse((frames.at(-1) as Extract<SseFrame, { kind: 'event' }>).data) as StatsBody;
  } finally {
    stream.close();
  }
}

/** The subscriber-count gauge of `/metrics`, summed over transports. */
async function gauge(): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, transport, value] of text.matchAll(/^herald_subscriptions\{transport="([^"]+)"\} (\d+)$/gm)) {
    counts[transport as string] = Number(value);
  }
  return counts;
}

it('counts sockets, streams and held long polls alike in channel info, stats, the stats stream and metrics', async () => {
  const channel = uniqueChannel();
  const other = uniqueChannel();
  const opened: Array<{ close(): unknown }> = [];
  const polls: AbortController[] = [];
  const hold = (url: string): Promise<Response> => {
    const abort = new AbortController();
    polls.push(abort);
    return fetch(url, { signal: abort.signal });
  };
  try {
    const ws = await openWs(`${s.url}/v1/ws`);
    opened.push(ws);
    ws.send({ op: 'subscribe', ref: 1, channel });
    await ws.frames.until((f) => f.ref === 1, 2_000);
    opened.push(await openSse(messagesUrl(s, channel)));
    opened.push(await openNdjson(messagesUrl(s, channel)));
    // Two held long polls: one on the channel alone, one on it and another channel (/v1/events).
    const single = hold(messagesUrl(s, channel, { wait: '10' }));
    const multi = hold(eventsUrl(s, [channel, other], { wait: '10' }));

    await eventually(async () => sum((await channelInfo(s, channel)).subscribers) === 5, 3_000, 'five subscribers');
    const byTransport = (await channelInfo(s, channel)).subscribers;
    expect(Object.values(byTransport).sort()).toEqual([1, 1, 1, 2]);
    const longPoll = Object.keys(byTransport).find((t) => /long-?poll/.test(t)) as string;
    expect(byTransport[longPoll]).toBe(2);
    expect((await channelInfo(s, other)).subscribers).toEqual({ [longPoll]: 1 });

    const stats = await statsBody();
    expect(stats.topChannels.find((c) => c.channel === channel)?.subscribers).toBe(5);
    expect(stats.topChannels.find((c) => c.channel === other)?.subscribers).toBe(1);
    expect(stats.subscriptions).toBe(6);
    const live = await streamed();
    expect(live.topChannels.find((c) => c.channel === channel)?.subscribers).toBe(5);
    expect(live.subscriptions).toBe(6);
    const metrics = await gauge();
    expect(sum(metrics)).toBe(6);
    expect(metrics[longPoll]).toBe(3);

    // A message answers both held polls: they are no longer subscribers, everywhere.
    await publish(s, channel, { n: 1 });
    expect((await single).status).toBe(200);
    expect((await multi).status).toBe(200);
    await eventually(
      async () => (await channelInfo(s, channel)).subscribers[longPoll] === undefined,
      3_000,
      'polls answered',
    );
    expect(sum((await channelInfo(s, channel)).subscribers)).toBe(3);
    expect((await channelInfo(s, other)).subscribers).toEqual({});
    expect((await statsBody()).subscriptions).toBe(3);
    expect(sum(await gauge())).toBe(3);
  } finally {
    for (const poll of polls) poll.abort();
    await Promise.all(opened.map((o) => o.close()));
  }
});

it('a long poll that leaves is no longer counted', async () => {
  const channel = uniqueChannel();
  const abort = new AbortController();
  const held = fetch(messagesUrl(s, channel, { wait: '10' }), { signal: abort.signal }).catch(() => undefined);
  await eventually(async () => sum((await channelInfo(s, channel)).subscribers) === 1, 3_000, 'the poll held');
  abort.abort();
  await held;
  await eventually(async () => sum((await channelInfo(s, channel)).subscribers) === 0, 3_000, 'the poll gone');
});

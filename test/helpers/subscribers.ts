import { openNdjson, openSse, openWs } from './clients.ts';
import { channelInfo, eventsUrl, type HubAddress, messagesUrl } from './http.ts';
import { Inbox } from './inbox.ts';

/** Every way to receive a channel (contract sections 3-6). */
export const TRANSPORTS = ['poll', 'longpoll', 'sse', 'sse-multi', 'ndjson', 'ndjson-multi', 'ws', 'ws-mux'] as const;
/** One of {@link TRANSPORTS}. */
export type Transport = (typeof TRANSPORTS)[number];

/** What a subscriber received, the same for every transport. */
export type Item =
  | { type: 'message'; channel: string; offset: number; event?: string; data: unknown }
  | { type: 'reset'; channel: string; epoch: string; from: number }
  | { type: 'close'; code: number; reason: string };

/** A client of one channel over one transport, that keeps its cursor as that transport's client would. */
export interface Subscriber {
  readonly transport: Transport;
  readonly channel: string;
  readonly items: Inbox<Item>;
  /** The cursor to resume from (what a real client keeps). */
  cursor(): string | undefined;
  /** Leaves (aborts the request, closes the socket). */
  close(): Promise<void>;
}

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Long-poll `wait`, seconds. */
  waitSeconds?: number;
  /** Pause between plain polls that got 204, ms. */
  pollDelayMs?: number;
}

/**
 * Subscribes to `channel` over `transport` from `after` (undefined = only new messages) and resolves once
 * the subscription is in place: anything published after that reaches it. Pull transports without a
 * cursor start at the channel's current end, as a polling client would after a first pull.
 */
export async function subscribe(
  server: HubAddress,
  transport: Transport,
  channel: string,
  after?: string,
  options: SubscribeOptions = {},
): Promise<Subscriber> {
  switch (transport) {
    case 'poll':
    case 'longpoll':
      return pullSubscriber(server, transport, channel, after, options);
    case 'sse':
    case 'sse-multi':
      return sseSubscriber(server, transport, channel, after);
    case 'ndjson':
    case 'ndjson-multi':
      return ndjsonSubscriber(server, transport, channel, after);
    case 'ws':
      return boundWsSubscriber(server, channel, after);
    case 'ws-mux':
      return muxWsSubscriber(server, channel, after);
  }
}

/** The offsets of the messages among `items`. */
export function offsets(items: readonly Item[]): number[] {
  return items.flatMap((i) => (i.type === 'message' ? [i.offset] : []));
}

/** Waits until `sub` received a message with offset `offset` (or later); returns everything consumed. */
export function untilOffset(sub: Subscriber, offset: number, timeoutMs = 5_000): Promise<Item[]> {
  return sub.items.until(
    (i) => i.type === 'message' && i.offset >= offset,
    timeoutMs,
    `${sub.transport} message ${offset}`,
  );
}

/** Positions a client tracks from what it was told: the epoch and the last offset. */
class Position {
  epoch: string | undefined;
  last: number | undefined;
  set(epoch: string, last: number): void {
    this.epoch = epoch;
    this.last = last;
  }
  cursor(): string | undefined {
    return this.epoch === undefined || this.last === undefined ? undefined : `${this.epoch}:${this.last}`;
  }
}

async function pullSubscriber(
  server: HubAddress,
  transport: 'poll' | 'longpoll',
  channel: string,
  after: string | undefined,
  options: SubscribeOptions,
): Promise<Subscriber> {
  let cursor = after;
  if (cursor === undefined) {
    const info = await channelInfo(server, channel);
    cursor = `${info.epoch}:${info.lastOffset}`;
  }
  const items = new Inbox<Item>();
  const abort = new AbortController();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const query: Record<string, string> = { after: cursor as string, limit: '1000' };
      if (transport === 'longpoll') query.wait = String(options.waitSeconds ?? 5);
      const res = await fetch(messagesUrl(server, channel, query), { signal: abort.signal });
      if (res.status === 204) {
        if (transport === 'poll') await new Promise((r) => setTimeout(r, options.pollDelayMs ?? 10));
        continue;
      }
      if (res.status !== 200) throw new Error(`${transport} answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as {
        cursor: string;
        reset?: { epoch: string; from: number };
        messages: Array<{ offset: number; event?: string; data: unknown }>;
      };
      if (body.reset !== undefined) items.push({ type: 'reset', channel, ...body.reset });
      for (const m of body.messages) items.push(messageItem(channel, m));
      cursor = body.cursor;
    }
  })();
  loop.catch((error: unknown) => items.end(error instanceof Error ? error : new Error(String(error))));
  return {
    transport,
    channel,
    items,
    cursor: () => cursor,
    async close() {
      stopped = true;
      abort.abort();
      await loop.catch(() => {});
      items.end(new Error('closed by the client'));
    },
  };
}

async function sseSubscriber(
  server: HubAddress,
  transport: 'sse' | 'sse-multi',
  channel: string,
  after: string | undefined,
): Promise<Subscriber> {
  const query: Record<string, string> = after === undefined ? {} : { after };
  const url = transport === 'sse' ? messagesUrl(server, channel, query) : eventsUrl(server, [channel], query);
  const stream = await openSse(url);
  if (stream.response.status !== 200) throw new Error(`SSE answered ${stream.response.status}`);
  // Resolve once the subscription holds a position (like NDJSON's first line): what is published
  // after that reaches the stream, on every engine.
  await stream.frames.until((f) => f.kind === 'event' && f.event === 'herald.subscribed', 5_000, 'herald.subscribed');
  const items = new Inbox<Item>();
  let lastId: string | undefined;
  stream.frames.tap((f) => {
    if (f.kind !== 'event') return;
    if (f.id !== undefined) lastId = f.id;
    const data = JSON.parse(f.data) as Record<string, unknown>;
    if (f.event === 'herald.subscribed') return;
    if (f.event === 'herald.reset') {
      items.push({ type: 'reset', channel, epoch: data.epoch as string, from: data.from as number });
    } else if (f.event === 'herald.close') {
      items.push({ type: 'close', code: data.code as number, reason: data.reason as string });
    } else if (transport === 'sse') {
      const offset = Number(f.id?.slice(f.id.lastIndexOf(':') + 1));
      items.push(messageItem(channel, { offset, event: f.event, data }));
    } else {
      items.push(messageItem(data.channel as string, data as { offset: number; event?: string; data: unknown }));
    }
  });
  stream.frames.onEnd((reason) => items.end(reason));
  return {
    transport,
    channel,
    items,
    cursor: () => lastId ?? after,
    async close() {
      stream.close();
    },
  };
}

async function ndjsonSubscriber(
  server: HubAddress,
  transport: 'ndjson' | 'ndjson-multi',
  channel: string,
  after: string | undefined,
): Promise<Subscriber> {
  const query: Record<string, string> = after === undefined ? {} : { after };
  const url = transport === 'ndjson' ? messagesUrl(server, channel, query) : eventsUrl(server, [channel], query);
  const stream = await openNdjson(url);
  if (stream.response.status !== 200) throw new Error(`NDJSON answered ${stream.response.status}`);
  const items = new Inbox<Item>();
  const position = new Position();
  const first = await stream.frames.next();
  const subscribed = JSON.parse(first) as { subscribed?: { epoch: string; cursor: string } };
  if (subscribed.subscribed === undefined) throw new Error(`first NDJSON line is not subscribed: ${first}`);
  stream.frames.tap((line) => {
    if (line === '') return;
    frameItem(JSON.parse(line) as Record<string, unknown>, channel, items, position);
  });
  stream.frames.onEnd((reason) => items.end(reason));
  return {
    transport,
    channel,
    items,
    cursor: () => position.cursor(),
    async close() {
      stream.close();
    },
  };
}

async function boundWsSubscriber(server: HubAddress, channel: string, after: string | undefined): Promise<Subscriber> {
  const client = await openWs(messagesUrl(server, channel, after === undefined ? {} : { after }));
  const items = new Inbox<Item>();
  const position = new Position();
  const first = await client.frames.next();
  if (first.subscribed === undefined) throw new Error(`first frame is not subscribed: ${JSON.stringify(first)}`);
  client.frames.tap((frame) => frameItem(frame, channel, items, position));
  client.closed.then(({ code, reason }) => {
    items.push({ type: 'close', code, reason });
    items.end(new Error(`socket closed ${code}`));
  });
  return { transport: 'ws', channel, items, cursor: () => position.cursor(), close: () => client.close() };
}

async function muxWsSubscriber(server: HubAddress, channel: string, after: string | undefined): Promise<Subscriber> {
  const client = await openWs(`${server.url}/v1/ws`);
  const items = new Inbox<Item>();
  const position = new Position();
  client.send(after === undefined ? { op: 'subscribe', ref: 1, channel } : { op: 'subscribe', ref: 1, channel, after });
  const answer = await client.frames.next();
  if (answer.op !== 'ok') throw new Error(`subscribe answered ${JSON.stringify(answer)}`);
  client.frames.tap((frame) => {
    const { op, ...rest } = frame;
    if (op === 'ok') frameItem({ subscribed: rest }, channel, items, position);
    else if (op === 'message') frameItem(rest, channel, items, position);
    else if (op === 'reset') frameItem({ reset: rest }, channel, items, position);
  });
  client.closed.then(({ code, reason }) => {
    items.push({ type: 'close', code, reason });
    items.end(new Error(`socket closed ${code}`));
  });
  return { transport: 'ws-mux', channel, items, cursor: () => position.cursor(), close: () => client.close() };
}

/** One NDJSON line / bound WebSocket frame (contract section 5) into items and the client's position. */
function frameItem(frame: Record<string, unknown>, channel: string, items: Inbox<Item>, position: Position): void {
  if (typeof frame.subscribed === 'object' && frame.subscribed !== null) {
    const s = frame.subscribed as { epoch: string; cursor: string };
    position.set(s.epoch, Number(s.cursor.slice(s.cursor.lastIndexOf(':') + 1)));
  } else if (typeof frame.reset === 'object' && frame.reset !== null) {
    const r = frame.reset as { channel: string; epoch: string; from: number };
    position.set(r.epoch, r.from - 1);
    items.push({ type: 'reset', channel: r.channel, epoch: r.epoch, from: r.from });
  } else if (typeof frame.close === 'object' && frame.close !== null) {
    const c = frame.close as { code: number; reason: string };
    items.push({ type: 'close', code: c.code, reason: c.reason });
  } else if (typeof frame.offset === 'number') {
    position.last = frame.offset;
    items.push(messageItem((frame.channel as string | undefined) ?? channel, frame as { offset: number }));
  }
}

function messageItem(channel: string, m: { offset: number; event?: string | undefined; data?: unknown }): Item {
  const item: Item & { type: 'message' } = { type: 'message', channel, offset: m.offset, data: m.data };
  if (m.event !== undefined) item.event = m.event;
  return item;
}

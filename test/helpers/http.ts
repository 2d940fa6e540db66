import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
/** What the client helpers need to reach a hub: a TestServer, or a hub in a child process. */
export interface HubAddress {
  readonly url: string;
  readonly apiKey: string;
}

/** The 201 answer to a single publish (contract section 2). */
export interface Published {
  channel: string;
  epoch: string;
  offset: number;
  cursor: string;
  time: number;
}

/** The 201 answer to a batch publish. */
export interface PublishedBatch {
  channel: string;
  epoch: string;
  messages: Array<{ offset: number; cursor: string; time: number }>;
}

/** What `GET /v1/channels/{channel}` answers. */
export interface ChannelInfo {
  channel: string;
  epoch: string;
  lastOffset: number;
  firstOffset: number;
  historyLength: number;
  subscribers: Record<string, number>;
}

/** What `GET /v1/stats` answers (the fields the tests read). */
export interface Stats {
  connections: Record<'websocket' | 'sse' | 'ndjson' | 'long-poll' | 'poll', number>;
  memory: { rss: number; heapUsed: number };
}

/** A fresh channel name, unique within the test run (tests never share a channel). */
export function uniqueChannel(prefix = 'ch'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Headers of an API-key client. */
export function auth(server: HubAddress, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${server.apiKey}`, ...extra };
}

/** URL of one channel's messages. */
export function messagesUrl(server: HubAddress, channel: string, query: Record<string, string> = {}): string {
  const qs = new URLSearchParams(query).toString();
  return `${server.url}/v1/channels/${encodeURIComponent(channel)}/messages${qs === '' ? '' : `?${qs}`}`;
}

/** URL of `/v1/events` for several channels. */
export function eventsUrl(server: HubAddress, channels: readonly string[], query: Record<string, string> = {}): string {
  const qs = new URLSearchParams([...channels.map((c) => ['channel', c]), ...Object.entries(query)]);
  return `${server.url}/v1/events?${qs.toString()}`;
}

/** POSTs a JSON body with the API key; returns the raw response. */
export function post(server: HubAddress, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: auth(server, { 'content-type': 'application/json', ...headers }),
    body: JSON.stringify(body),
  });
}

/** Publishes one message and expects 201. */
export async function publish(
  server: HubAddress,
  channel: string,
  data: unknown,
  options: { event?: string; idempotencyKey?: string } = {},
): Promise<Published> {
  const headers: Record<string, string> = {};
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const body = options.event === undefined ? { data } : { data, event: options.event };
  const res = await post(server, `/v1/channels/${encodeURIComponent(channel)}/messages`, body, headers);
  if (res.status !== 201) throw new Error(`publish to ${channel}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Published;
}

/** Publishes a batch (a JSON array) and expects 201. */
export async function publishBatch(
  server: HubAddress,
  channel: string,
  items: ReadonlyArray<{ data: unknown; event?: string }>,
): Promise<PublishedBatch> {
  const res = await post(server, `/v1/channels/${encodeURIComponent(channel)}/messages`, items);
  if (res.status !== 201) throw new Error(`batch publish to ${channel}: ${res.status} ${await res.text()}`);
  return (await res.json()) as PublishedBatch;
}

/** Publishes data `from`, `from + 1`, … `to` in one batch; returns the channel's epoch. */
export async function publishRange(server: HubAddress, channel: string, from: number, to: number): Promise<string> {
  const items: Array<{ data: number }> = [];
  for (let i = from; i <= to; i++) items.push({ data: i });
  return (await publishBatch(server, channel, items)).epoch;
}

/** `GET /v1/channels/{channel}`. */
export async function channelInfo(server: HubAddress, channel: string): Promise<ChannelInfo> {
  const res = await fetch(`${server.url}/v1/channels/${encodeURIComponent(channel)}`);
  if (res.status !== 200) throw new Error(`channel info ${channel}: ${res.status}`);
  return (await res.json()) as ChannelInfo;
}

/** `GET /v1/stats`. */
export async function stats(server: { url: string }): Promise<Stats> {
  const res = await fetch(`${server.url}/v1/stats`);
  return (await res.json()) as Stats;
}

/** Reads a JSON error body `{"error":{"code","message"}}` and returns its code. */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body.error.code;
}

/**
 * One raw request (`method target`, a Host header, `headers`, and `body` with its Content-Length when
 * there is one) on a fresh connection, and the whole answer as on the wire (head and body) with the
 * Date header taken out: two answers a second apart are then comparable byte for byte.
 */
export function rawExchange(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body = '',
): Promise<string> {
  const { hostname, port } = new URL(base);
  let request = `${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`;
  if (body !== '') request += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of Object.entries(headers)) request += `${name}: ${value}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${request}\r\n${body}`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length < end + 4 + length) return;
      socket.destroy();
      resolve(text.replace(/\r\nDate: [^\r]*/, ''));
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error(`no answer to ${target}`)));
  });
}

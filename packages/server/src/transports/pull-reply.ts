import type { ServerResponse } from 'node:http';
import { HEADERS } from '@herald/protocol';
import { JSON_CONTENT_TYPE } from '../http/respond.ts';
import { writeWholeHead } from '../internals/index.ts';
import type { PullAnswer } from './pull-page.ts';
import type { Target } from './target.ts';
import type { TransportContext } from './transport.ts';

/**
 * What writing a pull answer uses: channel settings and poll intervals from the hub, the counters,
 * and whether its head may be written past node:http's writeHead (internals/whole-head.ts).
 */
export type ReplyContext = Pick<TransportContext, 'hub' | 'stats' | 'internals'>;

/** The poll interval header's name. */
const POLL_INTERVAL = HEADERS.pollInterval;

/** An answer ready to write: a pull (200 with the page, 204 when nothing is new) or an error. */
export interface Reply {
  readonly status: number;
  /** Extra headers (caching, poll interval; the JSON content headers are added with the body). */
  readonly headers: Record<string, string | number>;
  /** JSON body; none for 204. */
  readonly body: string | undefined;
}

/**
 * Writes a pull answer on the response, after the CORS headers `cors`: what {@link writeReply} writes
 * for {@link pullReply}'s answer, in the same order, from flat name/value literals (no headers object
 * to walk, no list joined: the plain poll's 200 and 204 are written here).
 */
export function sendPull(
  ctx: ReplyContext,
  res: ServerResponse,
  target: Target,
  answer: PullAnswer,
  transport: 'poll' | 'long-poll',
  cors: readonly string[] = NO_HEADERS,
): void {
  // Numbers as text: node:http checks and appends a string value on its fast path, a number on its slow one.
  const interval = `${pollInterval(ctx, target)}`;
  const caching = cachingOf(ctx, target, answer);
  const { body, etag } = answer;
  const tail =
    etag === undefined
      ? [POLL_INTERVAL, interval, 'cache-control', caching]
      : [POLL_INTERVAL, interval, 'etag', etag, 'cache-control', caching];
  if (body === undefined) {
    writeWholeHead(res, 204, [cors, tail], ctx.internals);
    res.end();
    return;
  }
  countDelivery(ctx, answer, body, transport);
  const length = `${answer.bytes ?? Buffer.byteLength(body)}`;
  writeWholeHead(res, 200, [cors, ['content-type', JSON_CONTENT_TYPE, 'content-length', length], tail], ctx.internals);
  res.end(body);
}

/** No headers. */
export const NO_HEADERS: readonly string[] = [];

/**
 * Writes an answer on a response node:http holds: JSON when it has a body, else the bare status.
 * `cors`: CORS header pairs written first, for a response that has none set yet (the plain poll
 * shortcut: shortcutPoll in poll.ts); one `writeHead` with every header is node:http's fast path.
 */
export function writeReply(res: ServerResponse, reply: Reply, cors: readonly string[] = NO_HEADERS): void {
  const headers: Array<string | number> = cors.length === 0 ? [] : cors.slice();
  if (reply.body !== undefined) {
    headers.push('content-type', JSON_CONTENT_TYPE, 'content-length', Buffer.byteLength(reply.body));
  }
  for (const name in reply.headers) headers.push(name, reply.headers[name] as string | number);
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/** The status, caching headers and poll interval of a pull answer; counts what it delivers. */
export function pullReply(
  ctx: ReplyContext,
  target: Target,
  answer: PullAnswer,
  transport: 'poll' | 'long-poll',
): Reply {
  const headers: Record<string, string | number> = { [POLL_INTERVAL]: pollInterval(ctx, target) };
  if (answer.etag !== undefined) headers.etag = answer.etag;
  headers['cache-control'] = cachingOf(ctx, target, answer);
  if (answer.body === undefined) return { status: 204, headers, body: undefined };
  countDelivery(ctx, answer, answer.body, transport);
  return { status: 200, headers, body: answer.body };
}

/** Cache-Control of a pull answer: only a full page can never change. */
function cachingOf(ctx: ReplyContext, target: Target, answer: PullAnswer): string {
  return answer.immutable ? immutableCaching(ctx, target) : 'no-cache';
}

/** Counts the messages and bytes a pull answer delivers. */
function countDelivery(ctx: ReplyContext, answer: PullAnswer, body: string, transport: 'poll' | 'long-poll'): void {
  ctx.stats.bytesOut[transport] += body.length;
  ctx.stats.delivered[transport] += answer.messages;
}

/** Cache-Control of a full page (it never changes): shared caches may keep it when anyone may read it. */
function immutableCaching(ctx: ReplyContext, target: Target): string {
  const settings = ctx.hub.settings(target.channels[0] as string);
  const publicChannel = target.principal.kind === 'anonymous' || settings.anonymousSubscribe;
  return publicChannel
    ? `public, max-age=${Math.floor(settings.history.maxAgeMs / 1000)}, immutable`
    : 'private, max-age=60';
}

/** The shortest suggested interval of the target's channels. */
export function pollInterval(ctx: ReplyContext, target: Target): number {
  if (target.channels.length === 1) return ctx.hub.pollIntervalMs(target.channels[0] as string);
  let interval = Number.POSITIVE_INFINITY;
  for (const channel of target.channels) interval = Math.min(interval, ctx.hub.pollIntervalMs(channel));
  return interval;
}

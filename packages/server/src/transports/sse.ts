import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFramer } from '@herald/core';
import {
  CLOSE_CODES,
  ERROR_CATALOG,
  formatCursor,
  type ResetEvent,
  SSE_EVENTS,
  type SubscribedEvent,
} from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { socketAssigned } from '../http/pipelined.ts';
import { toHeraldError } from '../http/respond.ts';
import { SSE_CONTENT_TYPE, SSE_HEARTBEAT, sseClose, sseEvent, sseRetry } from '../http/sse-text.ts';
import { HttpStream, type StreamFormat, type StreamRequestContext } from './http-stream.ts';
import { streamFraming } from './stream-framing.ts';
import { afterParam, parseTarget } from './target.ts';

/** One channel: `id` is the message's own cursor, shared by every subscriber. */
const single = streamFraming((m) => Buffer.from(sseEvent(m.data, m.event, formatCursor(m))));
/** Many channels: `data` is the whole message; the `id` line (the stream's own cursor) is written before it. */
const multi = createFramer((m) => Buffer.from(sseEvent(m.toJson(), m.event)));

const HEARTBEAT = Buffer.from(SSE_HEARTBEAT);
const ID_FIELD = 'id: ';

/** Server-Sent Events framing (contract section 4). */
export const SSE_FORMAT: StreamFormat = {
  transport: 'sse',
  contentType: SSE_CONTENT_TYPE,
  preamble: (options) => sseRetry(options.sseRetryMs),
  // An event, not a bare `id:` block: eventsource-parser (the Node SDK's) and EventSource's
  // `addEventListener` see it, and its id sets EventSource's Last-Event-ID all the same.
  subscribed: (channel, epoch, last, streamCursor) =>
    sseEvent(
      JSON.stringify({ channel, epoch, cursor: formatCursor({ epoch, offset: last }) } satisfies SubscribedEvent),
      SSE_EVENTS.subscribed,
      streamCursor,
    ),
  framing: single,
  withCursor: (m, cursor, chunked) => withId(cursor, m.frame(multi), chunked),
  reset(n, cursor) {
    // The id moves Last-Event-ID to the new position, so a reconnect does not report the reset twice.
    const id = cursor ?? formatCursor({ epoch: n.epoch, offset: n.from - 1 });
    const data: ResetEvent = { channel: n.channel, epoch: n.epoch, from: n.from };
    return sseEvent(JSON.stringify(data), SSE_EVENTS.reset, id);
  },
  heartbeat: HEARTBEAT,
  close: sseClose,
};

/**
 * A multi-channel event: `id: <cursor>` (this stream's own combined cursor) and the shared frame, in
 * one buffer (one HTTP/1.1 chunk when `chunked`), so a delivery allocates once and is one write.
 */
function withId(cursor: string, frame: Buffer, chunked: boolean): Buffer {
  const size = ID_FIELD.length + Buffer.byteLength(cursor) + 1 + frame.length;
  const head = chunked ? `${size.toString(16)}\r\n` : '';
  const out = Buffer.allocUnsafe(head.length + size + (chunked ? 2 : 0));
  let at = out.write(head, 0, 'latin1');
  at += out.write(ID_FIELD, at, 'latin1');
  at += out.write(cursor, at);
  at = out.writeUInt8(0x0a, at);
  at += frame.copy(out, at);
  if (chunked) out.write('\r\n', at, 'latin1');
  return out;
}

/**
 * `Accept: text/event-stream`. Resumes from Last-Event-ID (wins) or `?after=`. While the hub drains or
 * the engine is down, answers 200 with `retry:` and a close event instead of a 5xx, because a browser
 * EventSource stops for good on any non-200 answer.
 */
export async function handleSse(
  ctx: StreamRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  principal: Principal,
): Promise<void> {
  const lastEventId = req.headers['last-event-id'];
  const resume = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : afterParam(query);
  const target = await parseTarget(ctx, req, principal, query, channel, resume);
  if (ctx.draining() || !(await ctx.hub.engineReady())) {
    res.writeHead(200, { 'content-type': SSE_FORMAT.contentType, 'cache-control': 'no-cache' });
    res.end(sseRetry(ctx.options.sseRetryMs) + sseClose(CLOSE_CODES.unavailable, 'unavailable, retry'));
    return;
  }
  if (!(await socketAssigned(req, res))) return;
  const release = holdConnection(ctx, req, res);
  if (release === undefined) return;
  res.once('close', release);
  await new HttpStream(ctx, res, SSE_FORMAT, target).open(req);
}

/**
 * Holds a live-connection slot for the client's address. Over the limit the answer is still 200 (an
 * EventSource stops for good on anything else): `retry:` as long as Retry-After and a close event 4101
 * (reconnect with backoff). Returns the release, or undefined when the stream was refused and ended.
 */
function holdConnection(
  ctx: StreamRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
): (() => void) | undefined {
  try {
    return ctx.limits.holdConnection(ctx.limits.address(req));
  } catch (error) {
    const e = toHeraldError(error);
    res.writeHead(200, { 'content-type': SSE_FORMAT.contentType, 'cache-control': 'no-cache' });
    res.end(sseRetry((e.retryAfter ?? 5) * 1000) + sseClose(ERROR_CATALOG[e.code].close, e.message));
    return undefined;
  }
}

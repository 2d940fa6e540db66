import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { isChannelName } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { readRawBody } from '../http/body.ts';
import { sendError } from '../http/respond.ts';
import { appendStream } from './append.ts';
import type { StreamsContext } from './context.ts';
import { READ_BYTES } from './context.ts';
import { createStream, type ForkRequest } from './create.ts';
import { H, header, parseDecimal, parseExpiry, parseProducer, securityHeaders, wantsClose } from './headers.ts';
import { longPoll } from './long-poll.ts';
import { formatOffset, parseOffset, type StartOffset } from './offsets.ts';
import { sendHead, sendPage, sendTail, startIndex } from './read.ts';
import { sse } from './sse.ts';
import { StreamError } from './stream-error.ts';

/** Longest `Stream-Seq` kept, characters. */
const MAX_STREAM_SEQ = 256;

/** Where streams live; a stream's path after it is its channel name, `/` standing for `:`. */
export const STREAM_PREFIX = '/v1/stream/';

/**
 * The channel of a stream path: `chat/room-1` is channel `chat:room-1` (namespace `chat`, so its
 * settings and credentials apply). 400 unless that is a valid channel name.
 */
export function streamChannel(path: string | undefined): string {
  const channel = (path ?? '').replaceAll('/', ':');
  if (!isChannelName(channel)) {
    throw new HeraldError('bad_request', 'a stream path is a channel name, `/` standing for `:` (1 to 128 characters)');
  }
  return channel;
}

/** Runs a stream handler: security headers first, and errors with their protocol headers. */
export async function guarded(res: ServerResponse, fn: () => Promise<void>): Promise<void> {
  securityHeaders(res);
  try {
    await fn();
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, error, error instanceof StreamError ? { ...error.headers } : {});
  }
}

/** `PUT`: create (or confirm) a stream, maybe as a fork, maybe closed, maybe with initial data. */
export async function handlePut(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  principal: Principal,
): Promise<void> {
  principal.assertPublish(channel, c.streams.hub.settings(channel));
  const expiry = parseExpiry(req);
  const fork = forkRequest(req);
  const { body, contentType } = await admittedBody(c, req, res, principal);
  const done = await createStream(c.streams, channel, {
    contentType,
    expiry,
    closed: wantsClose(req),
    body,
    fork,
  });
  const headers: Record<string, string> = {
    'content-type': done.meta.contentType,
    [H.nextOffset]: formatOffset(done.tail),
  };
  if (done.meta.closed) headers[H.closed] = 'true';
  if (done.created) headers.location = `http://${req.headers.host ?? 'localhost'}${req.url?.split('?', 1)[0] ?? ''}`;
  res.writeHead(done.created ? 201 : 200, headers);
  res.end();
}

/** `POST`: append, close, or both. */
export async function handlePost(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  principal: Principal,
): Promise<void> {
  principal.assertPublish(channel, c.streams.hub.settings(channel));
  const producer = parseProducer(req);
  const streamSeq = header(req, H.seq);
  // Kept in the stream's metadata: bounded like a Producer-Id.
  if (streamSeq !== undefined && (streamSeq.length === 0 || streamSeq.length > MAX_STREAM_SEQ)) {
    throw new StreamError('bad_request', `Stream-Seq is 1 to ${MAX_STREAM_SEQ} characters`);
  }
  const { body, contentType } = await admittedBody(c, req, res, principal);
  const done = await appendStream(c.streams, channel, {
    contentType,
    body,
    close: wantsClose(req),
    streamSeq,
    producer,
  });
  const headers: Record<string, string> = { [H.nextOffset]: formatOffset(done.tail) };
  if (done.closed) headers[H.closed] = 'true';
  if (done.producer !== undefined) {
    headers[H.producerEpoch] = String(done.producer.epoch);
    headers[H.producerSeq] = String(done.producer.seq);
  }
  res.writeHead(done.status, headers);
  res.end();
}

/** `DELETE`: remove the stream (retire it while forks still read it). */
export async function handleDelete(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  principal: Principal,
): Promise<void> {
  principal.assertPublish(channel, c.streams.hub.settings(channel));
  void req;
  await c.streams.locked(channel, async () => {
    const meta = await c.streams.live(channel);
    await c.streams.remove(channel, meta);
  });
  res.writeHead(204);
  res.end();
}

/** `HEAD`: metadata only. */
export async function handleHead(
  c: StreamsContext,
  res: ServerResponse,
  channel: string,
  principal: Principal,
): Promise<void> {
  principal.assertSubscribe(channel, c.streams.hub.settings(channel));
  const meta = await c.streams.live(channel);
  sendHead(res, meta, await c.streams.tail(channel, meta));
}

/** `GET`: catch-up, `offset=now`, long poll or SSE. */
export async function handleGet(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  query: URLSearchParams,
  principal: Principal,
): Promise<void> {
  principal.assertSubscribe(channel, c.streams.hub.settings(channel));
  const offsets = query.getAll('offset');
  const live = query.getAll('live');
  if (offsets.length > 1 || live.length > 1) throw new HeraldError('bad_request', 'offset and live are given once');
  const mode = live[0];
  if (mode !== undefined && mode !== 'long-poll' && mode !== 'sse') {
    throw new HeraldError('bad_request', 'live is long-poll or sse');
  }
  const offsetText = offsets[0];
  if (mode !== undefined && offsetText === undefined)
    throw new HeraldError('bad_request', `live=${mode} needs an offset`);
  const start: StartOffset | undefined = offsetText === undefined ? { kind: 'start' } : parseOffset(offsetText);
  if (start === undefined) throw new HeraldError('bad_request', 'malformed offset');
  const { streams } = c;
  const meta = await streams.live(channel);
  const from = await startIndex(streams, channel, meta, start);
  if (mode === 'long-poll') return longPoll(c, req, res, channel, meta, from);
  if (mode === 'sse') return sse(c, req, res, channel, meta, from);
  await streams.touch(channel, meta);
  if (start.kind === 'now') return sendTail(res, meta, from.index);
  const page = await streams.page(channel, meta, from.index, READ_BYTES, from.clamp);
  sendPage(req, res, meta, page, undefined);
}

/** The fork a `PUT` asks for (`Stream-Forked-From`, `Stream-Fork-Offset`, `Stream-Fork-Sub-Offset`); 400 if malformed. */
function forkRequest(req: IncomingMessage): ForkRequest | undefined {
  const from = header(req, H.forkedFrom);
  const offset = header(req, H.forkOffset);
  const subText = header(req, H.forkSubOffset);
  if (from === undefined) {
    if (offset !== undefined || subText !== undefined) {
      throw new StreamError('bad_request', 'Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From');
    }
    return undefined;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(from.trim(), 'http://stream.invalid').pathname);
  } catch {
    throw new StreamError('bad_request', 'Stream-Forked-From is a stream path');
  }
  if (!path.startsWith(STREAM_PREFIX))
    throw new StreamError('bad_request', `Stream-Forked-From starts with ${STREAM_PREFIX}`);
  const source = streamChannel(path.slice(STREAM_PREFIX.length));
  let index: number | undefined;
  if (offset !== undefined) {
    const parsed = parseOffset(offset.trim());
    if (parsed?.kind !== 'index') throw new StreamError('bad_request', 'Stream-Fork-Offset is an offset of the source');
    index = parsed.index;
  }
  const sub = subText === undefined ? 0 : parseDecimal(subText.trim());
  if (sub === undefined) throw new StreamError('bad_request', 'Stream-Fork-Sub-Offset is a non-negative integer');
  if (sub > 0 && index === undefined)
    throw new StreamError('bad_request', 'Stream-Fork-Sub-Offset needs Stream-Fork-Offset');
  return { from: source, index, sub };
}

/** The request body and its content type (undefined when absent or empty), once the rate limits admit it. */
async function admittedBody(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): Promise<{ body: Buffer; contentType: string | undefined }> {
  const body = await readRawBody(req, res, c.server.options.maxBodyBytes);
  c.server.limits.admitRequestPublish(req, principal, 1);
  const contentType = header(req, 'content-type')?.trim();
  return { body, contentType: contentType === '' ? undefined : contentType };
}

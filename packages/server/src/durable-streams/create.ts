import type { PublishInput } from '@herald/core';
import { BYTES_EVENT, byteChunks, jsonMessages, messageBytes } from './body.ts';
import { type ExpiryRequest, isJsonType, mediaType } from './headers.ts';
import { isExpired, type StreamMeta } from './meta.ts';
import { StreamError } from './stream-error.ts';
import { newStreamId, type Streams } from './streams.ts';

/** A fork asked for at creation (`Stream-Forked-From` and friends). */
export interface ForkRequest {
  readonly from: string;
  /** Index to fork at; undefined = the source's tail. */
  readonly index: number | undefined;
  /** Messages (JSON) or bytes of the message at `index` to take as well. */
  readonly sub: number;
}

/** A `PUT` of a stream. */
export interface CreateRequest {
  /** Content-Type as sent; undefined = none (the source's for a fork, else application/octet-stream). */
  readonly contentType: string | undefined;
  readonly expiry: ExpiryRequest;
  readonly closed: boolean;
  readonly body: Buffer;
  readonly fork: ForkRequest | undefined;
}

/** What a `PUT` did. */
export interface CreateOutcome {
  readonly created: boolean;
  readonly meta: StreamMeta;
  readonly tail: number;
}

/**
 * Creates a stream, or confirms an existing one with the same configuration (200), else 409.
 * A fork copies its source's messages up to the fork point into its own channel (with the same
 * indexes, so the source's offsets up to there are valid in the fork), then counts as a fork of the
 * source until it is deleted.
 */
export async function createStream(streams: Streams, channel: string, req: CreateRequest): Promise<CreateOutcome> {
  return streams.locked(channel, async () => {
    const now = Date.now();
    const existing = await streams.meta.load(channel);
    if (existing?.state === 'retired') throw new StreamError('conflict', 'the stream was deleted while forks read it');
    if (existing?.state === 'live' && !isExpired(existing, now)) return confirm(streams, channel, existing, req);
    if (existing?.state === 'live' && existing.fork !== undefined) await streams.release(existing.fork.from);
    const source = req.fork === undefined ? undefined : await forkSource(streams, req.fork);
    const contentType = req.contentType ?? source?.meta.contentType ?? 'application/octet-stream';
    if (source !== undefined && mediaType(contentType) !== mediaType(source.meta.contentType)) {
      throw new StreamError('conflict', 'a fork has the content type of its source');
    }
    const json = isJsonType(contentType);
    const initial = json ? (req.body.length > 0 ? jsonMessages(req.body, true) : []) : req.body;
    const state = await streams.hub.state(channel);
    const inherit = req.expiry.ttlSeconds === undefined && req.expiry.expiresAt === undefined;
    let meta: StreamMeta = {
      v: 1,
      id: newStreamId(),
      state: 'live',
      contentType,
      epoch: state.epoch,
      // A JSON stream created over a channel that never was a stream shows the channel's history.
      base: json && existing === undefined && source === undefined ? state.first - 1 : state.last,
      createdAt: now,
      ttlSeconds: inherit ? source?.meta.ttlSeconds : req.expiry.ttlSeconds,
      expiresAt: inherit ? source?.meta.expiresAt : req.expiry.expiresAt,
      touchedAt: now,
      closed: false,
      producers: {},
      fork: source === undefined ? undefined : { from: source.channel, index: source.index, sub: source.sub },
      forks: 0,
    };
    if (source !== undefined) await copyFork(streams, channel, source);
    const inputs = json ? (initial as unknown[]).map((data) => ({ data })) : bytesInputs(streams, channel, req.body);
    const tail = await streams.write(channel, meta, inputs);
    meta = { ...meta, closed: req.closed };
    await streams.save(channel, meta);
    if (source !== undefined) await adoptFork(streams, source.channel);
    return { created: true, meta, tail };
  });
}

/** The stored inputs of a byte append. */
export function bytesInputs(streams: Streams, channel: string, body: Buffer): PublishInput[] {
  const max = streams.hub.settings(channel).maxMessageBytes;
  return byteChunks(body, max).map((data) => ({ event: BYTES_EVENT, data }));
}

async function confirm(
  streams: Streams,
  channel: string,
  meta: StreamMeta,
  req: CreateRequest,
): Promise<CreateOutcome> {
  const sameType = req.contentType === undefined || mediaType(req.contentType) === mediaType(meta.contentType);
  const sameExpiry =
    (req.expiry.ttlSeconds === undefined && req.expiry.expiresAt === undefined && req.fork !== undefined) ||
    (req.expiry.ttlSeconds === meta.ttlSeconds && req.expiry.expiresAt === meta.expiresAt);
  const sameFork =
    req.fork === undefined
      ? meta.fork === undefined
      : meta.fork !== undefined &&
        meta.fork.from === req.fork.from &&
        (req.fork.index === undefined || req.fork.index === meta.fork.index) &&
        req.fork.sub === meta.fork.sub;
  if (!sameType || !sameExpiry || !sameFork) {
    throw new StreamError('conflict', 'a stream with another configuration exists at this path');
  }
  return { created: false, meta, tail: await streams.tail(channel, meta) };
}

interface Source {
  readonly channel: string;
  readonly meta: StreamMeta;
  readonly index: number;
  readonly sub: number;
  /** The part of the message at `index` the fork takes (bytes), when `sub` > 0 on a byte stream. */
  readonly cut: Buffer | undefined;
}

/** Checks the fork's source and point: 404 for no source, 409 for a retired one, 400 for a bad point. */
async function forkSource(streams: Streams, fork: ForkRequest): Promise<Source> {
  const meta = await streams.meta.load(fork.from);
  if (meta?.state === 'retired') throw new StreamError('conflict', 'the source stream was deleted');
  const source = await streams.live(fork.from);
  const tail = await streams.tail(fork.from, source);
  const index = fork.index ?? tail;
  if (index > tail) throw new StreamError('bad_request', 'the fork offset is past the end of the source');
  if (fork.sub === 0) return { channel: fork.from, meta: source, index, sub: 0, cut: undefined };
  if (isJsonType(source.contentType)) {
    if (index + fork.sub > tail) throw new StreamError('bad_request', 'the fork sub-offset is past the end');
    return { channel: fork.from, meta: source, index, sub: fork.sub, cut: undefined };
  }
  const page = await streams.page(fork.from, source, index, Number.MAX_SAFE_INTEGER);
  const first = page.messages[0];
  const bytes = first === undefined ? undefined : messageBytes(first);
  if (bytes === undefined || fork.sub > bytes.length) {
    throw new StreamError('bad_request', 'the fork sub-offset is past the end of the message');
  }
  return { channel: fork.from, meta: source, index, sub: fork.sub, cut: bytes.subarray(0, fork.sub) };
}

/** Copies the source's messages before the fork point (and the part of the next one) into the fork. */
async function copyFork(streams: Streams, channel: string, source: Source): Promise<void> {
  const limits = streams.hub.settings(channel).history;
  const end = source.index + (source.cut === undefined ? source.sub : 0);
  let next = 0;
  while (next < end) {
    const page = await streams.page(source.channel, source.meta, next, Number.MAX_SAFE_INTEGER);
    const take = page.messages.slice(0, end - next);
    if (take.length === 0) break;
    await streams.hub.engine.append(
      channel,
      take.map((m) => ({ event: m.event, data: m.data })),
      limits,
    );
    next += take.length;
  }
  if (source.cut !== undefined) {
    const data = JSON.stringify(source.cut.toString('base64'));
    await streams.hub.engine.append(channel, [{ event: BYTES_EVENT, data }], limits);
  }
}

/** The source counts one more fork. */
async function adoptFork(streams: Streams, channel: string): Promise<void> {
  await streams.locked(channel, async () => {
    const meta = await streams.meta.load(channel);
    if (meta !== undefined) await streams.save(channel, { ...meta, forks: meta.forks + 1 });
  });
}

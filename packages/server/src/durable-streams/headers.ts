import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';

/** Header names of the Durable Streams protocol (lower case, as node:http hands them over). */
export const H = {
  nextOffset: 'stream-next-offset',
  upToDate: 'stream-up-to-date',
  cursor: 'stream-cursor',
  closed: 'stream-closed',
  seq: 'stream-seq',
  ttl: 'stream-ttl',
  expiresAt: 'stream-expires-at',
  forkedFrom: 'stream-forked-from',
  forkOffset: 'stream-fork-offset',
  forkSubOffset: 'stream-fork-sub-offset',
  sseEncoding: 'stream-sse-data-encoding',
  producerId: 'producer-id',
  producerEpoch: 'producer-epoch',
  producerSeq: 'producer-seq',
  expectedSeq: 'producer-expected-seq',
  receivedSeq: 'producer-received-seq',
} as const;

/** Response headers a browser may read (CORS `Access-Control-Expose-Headers`). */
export const EXPOSED = [
  'Stream-Next-Offset',
  'Stream-Up-To-Date',
  'Stream-Cursor',
  'Stream-Closed',
  'Stream-TTL',
  'Stream-Expires-At',
  'Stream-SSE-Data-Encoding',
  'Producer-Epoch',
  'Producer-Seq',
  'Producer-Expected-Seq',
  'Producer-Received-Seq',
  'ETag',
  'Location',
  'Retry-After',
].join(', ');

/** Largest integer a producer header may carry (protocol 5.2.1: JavaScript-safe). */
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** One header's value when it is sent once; a repeated header is a 400. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  if (Array.isArray(v)) throw new HeraldError('bad_request', `${name} is sent more than once`);
  return v;
}

/** A non-negative decimal integer without sign, leading zeros, point or exponent, else undefined. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The media type of a Content-Type (lower case, without parameters), '' when absent. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** JSON mode (protocol 7.1) applies to `application/json` streams. */
export function isJsonType(contentType: string): boolean {
  return mediaType(contentType) === 'application/json';
}

/** SSE carries text as is for `text/*` and JSON streams; anything else goes base64 (one line per event). */
export function isTextType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type.startsWith('text/') || type === 'application/json';
}

/** Expiry asked for at creation: a TTL in seconds or an absolute time, never both (protocol 5.1). */
export interface ExpiryRequest {
  readonly ttlSeconds: number | undefined;
  readonly expiresAt: number | undefined;
}

/** RFC 3339 date-time (the `T` or space separator, optional fraction, `Z` or a numeric offset). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Reads `Stream-TTL` and `Stream-Expires-At`; 400 for a malformed value or both at once. */
export function parseExpiry(req: IncomingMessage): ExpiryRequest {
  const ttlText = header(req, H.ttl);
  const expiresText = header(req, H.expiresAt);
  if (ttlText !== undefined && expiresText !== undefined) {
    throw new HeraldError('bad_request', 'Stream-TTL and Stream-Expires-At exclude each other');
  }
  let ttlSeconds: number | undefined;
  if (ttlText !== undefined) {
    ttlSeconds = parseDecimal(ttlText.trim());
    if (ttlSeconds === undefined) throw new HeraldError('bad_request', 'Stream-TTL is a number of seconds');
  }
  let expiresAt: number | undefined;
  if (expiresText !== undefined) {
    const t = expiresText.trim();
    expiresAt = RFC3339.test(t) ? Date.parse(t) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw new HeraldError('bad_request', 'Stream-Expires-At is an RFC 3339 time');
  }
  return { ttlSeconds, expiresAt };
}

/** An idempotent producer's request headers (protocol 5.2.1). */
export interface ProducerHeaders {
  readonly id: string;
  readonly epoch: number;
  readonly seq: number;
}

/** Most characters of a Producer-Id: it is kept in the stream's metadata. */
const MAX_PRODUCER_ID = 256;

/** Reads the three producer headers: all or none, else 400. */
export function parseProducer(req: IncomingMessage): ProducerHeaders | undefined {
  const id = header(req, H.producerId);
  const epoch = header(req, H.producerEpoch);
  const seq = header(req, H.producerSeq);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw new HeraldError('bad_request', 'Producer-Id, Producer-Epoch and Producer-Seq go together');
  }
  if (id.length === 0 || id.length > MAX_PRODUCER_ID) {
    throw new HeraldError('bad_request', `Producer-Id is 1 to ${MAX_PRODUCER_ID} characters`);
  }
  const e = parseDecimal(epoch.trim());
  const s = parseDecimal(seq.trim());
  if (e === undefined || s === undefined) {
    throw new HeraldError('bad_request', 'Producer-Epoch and Producer-Seq are non-negative integers');
  }
  return { id, epoch: e, seq: s };
}

/** `Stream-Closed: true` (case-insensitive); anything else means open. */
export function wantsClose(req: IncomingMessage): boolean {
  return header(req, H.closed)?.trim().toLowerCase() === 'true';
}

/** Headers every Durable Streams answer carries, errors included (protocol 10.7). */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('cross-origin-resource-policy', 'cross-origin');
  if (res.hasHeader('access-control-allow-origin')) res.setHeader('access-control-expose-headers', EXPOSED);
}

/** Start of cursor time (protocol 8.1): 2024-10-09T00:00:00Z. */
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
/** Length of one cursor interval, ms (protocol 8.1 default). */
const CURSOR_INTERVAL_MS = 20_000;

/**
 * The cursor for a live answer (protocol 8.1): the current 20 s interval number, or, when the client
 * already holds that interval or a later one, a cursor a random 1 to 180 intervals (up to an hour)
 * past the client's, so a CDN never serves the same cached empty answer in a loop.
 */
export function nextCursor(clientCursor: string | null | undefined, now = Date.now()): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  const held = clientCursor === null || clientCursor === undefined ? undefined : parseDecimal(clientCursor);
  if (held === undefined || held < current) return String(current);
  return String(held + 1 + Math.floor(Math.random() * 180));
}

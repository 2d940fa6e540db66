import type { IncomingMessage, ServerResponse } from 'node:http';
import { H, nextCursor } from './headers.ts';
import type { StreamMeta } from './meta.ts';
import { formatOffset, type StartOffset } from './offsets.ts';
import { isJsonStream, pageBytes, pageJson, type StreamPage, type Streams } from './streams.ts';

/** Cache-Control of an answer that is not the tail: its bytes never change. */
const IMMUTABLE_PAGE = 'public, max-age=60, stale-while-revalidate=300';
/** Cache-Control of an answer at the tail: it grows, so caches revalidate (the ETag answers 304). */
const TAIL_PAGE = 'no-cache';

/** The stream index a read starts at, and whether a trimmed start moves up (a read "from the beginning"). */
export async function startIndex(
  streams: Streams,
  channel: string,
  meta: StreamMeta,
  start: StartOffset,
): Promise<{ index: number; clamp: boolean }> {
  if (start.kind === 'now') return { index: await streams.tail(channel, meta), clamp: false };
  if (start.kind === 'start') return { index: 0, clamp: true };
  return { index: start.index, clamp: false };
}

/** The ETag of a page: the stream's identity, the range, and whether the stream ended there. */
export function pageEtag(meta: StreamMeta, page: StreamPage, closedAtEnd: boolean): string {
  return `"${meta.id}:${formatOffset(page.from)}:${formatOffset(page.next)}${closedAtEnd ? ':c' : ''}"`;
}

/** Writes a page as a catch-up or long-poll answer (200, or 304 for a matching If-None-Match). */
export function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  meta: StreamMeta,
  page: StreamPage,
  live: { cursor: string | null } | undefined,
): void {
  const upToDate = page.next >= page.tail;
  const closedAtEnd = meta.closed && upToDate;
  const etag = pageEtag(meta, page, closedAtEnd);
  const headers: Record<string, string | number> = {
    'content-type': meta.contentType,
    [H.nextOffset]: formatOffset(page.next),
    etag,
    'cache-control': upToDate ? TAIL_PAGE : IMMUTABLE_PAGE,
  };
  if (upToDate) headers[H.upToDate] = 'true';
  if (closedAtEnd) headers[H.closed] = 'true';
  if (live !== undefined) headers[H.cursor] = nextCursor(live.cursor);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = isJsonStream(meta) ? Buffer.from(pageJson(page.messages)) : pageBytes(page.messages);
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}

/** `offset=now` without `live` (protocol 6): no data, the tail offset, never cached. */
export function sendTail(res: ServerResponse, meta: StreamMeta, tail: number): void {
  const body = isJsonStream(meta) ? '[]' : '';
  const headers: Record<string, string | number> = {
    'content-type': meta.contentType,
    [H.nextOffset]: formatOffset(tail),
    [H.upToDate]: 'true',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  };
  if (meta.closed) headers[H.closed] = 'true';
  res.writeHead(200, headers);
  res.end(body);
}

/** `HEAD` (protocol 5.4): the stream's metadata and tail, never cached, renews no TTL. */
export function sendHead(res: ServerResponse, meta: StreamMeta, tail: number): void {
  const headers: Record<string, string> = {
    'content-type': meta.contentType,
    [H.nextOffset]: formatOffset(tail),
    'cache-control': 'no-store',
  };
  if (meta.ttlSeconds !== undefined) headers[H.ttl] = String(meta.ttlSeconds);
  if (meta.expiresAt !== undefined) headers[H.expiresAt] = new Date(meta.expiresAt).toISOString();
  if (meta.closed) headers[H.closed] = 'true';
  res.writeHead(200, headers);
  res.end();
}

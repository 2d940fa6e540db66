import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { type BlobMeta, type BlobStore, blobName, type Engine, HeraldError, type Hub } from '@herald/core';
import parseRange from 'range-parser';
import type { Principal } from '../auth/authenticator.ts';
import { DiskBlobStore } from '../blobs/disk-blob-store.ts';
import { MemoryBlobStore } from '../blobs/memory-blob-store.ts';
import { sendError } from '../http/respond.ts';

/** What the blob endpoints need from the server. */
export interface BlobContext {
  readonly hub: Hub;
  readonly store: BlobStore;
  /** Largest blob accepted, bytes (413 beyond). */
  readonly maxBlobBytes: number;
}

/**
 * Where blobs live, first match wins: files under `blobDir` when one is given (an explicit choice by
 * whoever runs the hub); else the engine's shared store, so every node of a cluster serves every blob;
 * else memory.
 */
export function createBlobContext(
  hub: Hub,
  options: { readonly engine: Engine; readonly blobDir: string | undefined; readonly maxBlobBytes: number },
  onError: (error: unknown) => void,
): BlobContext {
  const { engine, blobDir, maxBlobBytes } = options;
  const store =
    blobDir !== undefined
      ? new DiskBlobStore(blobDir, onError)
      : (engine.createBlobStore?.({ maxBlobBytes }) ?? new MemoryBlobStore());
  return { hub, store, maxBlobBytes };
}

/**
 * The channel a blob's rights are checked against: `blob:<name>`. So API keys may do anything, a JWT
 * may upload what its `publish` patterns match (`blob:*`, `blob:avatars-*`) and read what its
 * `channels` patterns match, and the `blob` namespace settings (anonymousSubscribe, anonymousPublish)
 * say what clients without credentials may do: by default read, not upload.
 */
export function blobChannel(name: string): string {
  return `blob:${name}`;
}

/** Throws 401/403 unless `principal` may write blob `name`. */
export function assertBlobWrite(ctx: BlobContext, principal: Principal, name: string): void {
  const channel = blobChannel(name);
  principal.assertPublish(channel, ctx.hub.settings(channel));
}

/**
 * `GET` and `HEAD /v1/blobs/{name}`: the bytes with `Accept-Ranges: bytes`, a strong `ETag` and
 * `Content-Length`; `If-None-Match` → 304; one `Range` (or several that overlap or touch, merged) → 206
 * with `Content-Range` (a suffix longer than the blob is the whole blob; a range starting past the end
 * → 416 with `Content-Range: bytes *\/<size>`); disjoint ranges, or an `If-Range` that no longer
 * matches, → 200 with the whole blob. Streamed from the store as the client reads, so a
 * `<video>` plays while it loads.
 */
export async function handleBlobGet(
  ctx: BlobContext,
  req: IncomingMessage,
  res: ServerResponse,
  nameParam: string | undefined,
  principal: Principal,
): Promise<void> {
  const name = blobName(nameParam);
  const channel = blobChannel(name);
  principal.assertSubscribe(channel, ctx.hub.settings(channel));
  const blob = await ctx.store.open(name);
  if (blob === undefined) throw new HeraldError('not_found', `no blob named ${name}`);
  const { meta } = blob;
  const common: Record<string, string | number> = {
    etag: meta.etag,
    'accept-ranges': 'bytes',
    'last-modified': new Date(meta.modified).toUTCString(),
    // A PUT may replace the blob at any time: caches revalidate (cheaply, with the ETag).
    'cache-control': 'no-cache',
  };
  if (etagMatches(req.headers['if-none-match'], meta.etag)) {
    blob.close();
    res.writeHead(304, common);
    res.end();
    return;
  }
  const range = requestedRange(req, meta);
  if (range === 'unsatisfiable') {
    blob.close();
    sendError(res, new HeraldError('range_not_satisfiable'), { ...common, 'content-range': `bytes */${meta.size}` });
    return;
  }
  const [start, end] = range ?? [0, meta.size - 1];
  const headers: Record<string, string | number> = {
    ...common,
    'content-type': meta.contentType,
    'content-length': end - start + 1,
    // Uploaded bytes are served from the hub's own origin: never sniffed into HTML, never scripted.
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  };
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
  res.writeHead(range === undefined ? 200 : 206, headers);
  if (req.method === 'HEAD' || end < start) {
    blob.close();
    res.end();
    return;
  }
  // A client that leaves mid-way (a <video> seeking) ends the read: nothing to report.
  await pipeline(blob.read(start, end), res).catch(() => {});
}

/** `DELETE /v1/blobs/{name}`: 204, or 404 when there is none. Same rights as an upload. */
export async function handleBlobDelete(
  ctx: BlobContext,
  _req: IncomingMessage,
  res: ServerResponse,
  nameParam: string | undefined,
  principal: Principal,
): Promise<void> {
  const name = blobName(nameParam);
  assertBlobWrite(ctx, principal, name);
  if (!(await ctx.store.delete(name))) throw new HeraldError('not_found', `no blob named ${name}`);
  res.writeHead(204);
  res.end();
}

/** The one byte range to serve; undefined = the whole blob. */
function requestedRange(req: IncomingMessage, meta: BlobMeta): [number, number] | 'unsatisfiable' | undefined {
  const header = req.headers.range;
  if (header === undefined) return undefined;
  // If-Range: the client's partial copy is of another version, so it needs the whole new one.
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== meta.etag && ifRange !== new Date(meta.modified).toUTCString()) {
    return undefined;
  }
  // Ranges that overlap or touch are merged into one (RFC 9110 lets a server coalesce them).
  let ranges = parseRange(meta.size, header, { combine: true });
  if (ranges === -1 && meta.size > 0)
    ranges = parseRange(meta.size, clampSuffixes(header, meta.size), { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  // Malformed, another unit, or disjoint ranges (multipart answers): RFC 9110 lets us ignore Range.
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const only = ranges[0];
  return only === undefined ? undefined : [only.start, only.end];
}

/**
 * RFC 9110 14.1.3: a suffix range (`-N`) longer than the representation selects all of it, where
 * range-parser calls it unsatisfiable. Clamps every suffix length to `size` (`-0` stays unsatisfiable).
 */
function clampSuffixes(header: string, size: number): string {
  return header.replace(/([=,]\s*)-(\d+)/g, (_, before: string, n: string) => `${before}-${Math.min(Number(n), size)}`);
}

/** If-None-Match against a strong tag: a list, `*`, weak comparison (W/ ignored), RFC 9110 13.1.2. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { blobName, HeraldError } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';

import { discard } from '../http/body.ts';
import { acceptBody } from '../http/expect-continue.ts';
import { sendJson } from '../http/respond.ts';
import { assertBlobWrite, type BlobContext } from './blobs.ts';

/** `type/subtype` with optional `; key=value` parameters (values plain or quoted), at most 200 characters. */
const MEDIA_TYPE =
  /^[A-Za-z0-9][\w!#$&^.+-]{0,63}\/[A-Za-z0-9][\w!#$&^.+-]{0,63}(?:\s*;\s*[\w!#$&^.+-]+=(?:[\w!#$&^.+-]+|"[^"\\\r\n]*"))*$/;

/**
 * `PUT /v1/blobs/{name}`: stores the body under `name`, replacing any previous blob only once the new
 * one is complete (a cut upload leaves the old one). The body streams to the store as it arrives
 * (a file in the data directory, or memory), hashed on the way for the ETag. 201 for a new name, 200
 * for a replacement, body `{"name","size","contentType","etag"}`. Over `maxBlobBytes`: 413, answered
 * without reading the rest (RFC 9112 section 9.6, as for JSON bodies).
 */
export async function handleBlobPut(
  ctx: BlobContext,
  req: IncomingMessage,
  res: ServerResponse,
  nameParam: string | undefined,
  principal: Principal,
): Promise<void> {
  const name = blobName(nameParam);
  assertBlobWrite(ctx, principal, name);
  const contentType = mediaType(req.headers['content-type']);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > ctx.maxBlobBytes) {
    discard(req, res);
    throw tooLarge(ctx.maxBlobBytes);
  }
  // Authorized, named, typed and not too large: only now may a client waiting on `Expect: 100-continue` send.
  acceptBody(res);
  const writer = ctx.store.create(name);
  let received: { size: number; digest: string };
  try {
    received = await receive(req, res, writer.stream, ctx.maxBlobBytes);
  } catch (error) {
    writer.abort();
    throw error;
  }
  const meta = {
    name,
    size: received.size,
    contentType,
    etag: `"${received.digest}"`,
    modified: Date.now(),
  };
  const { replaced } = await writer.commit(meta);
  sendJson(
    res,
    replaced ? 200 : 201,
    { name, size: meta.size, contentType, etag: meta.etag },
    { etag: meta.etag, location: `/v1/blobs/${name}` },
  );
}

/** The Content-Type to store: as sent (validated, so it is safe to send back), or application/octet-stream. */
function mediaType(header: string | undefined): string {
  if (header === undefined || header.trim() === '') return 'application/octet-stream';
  const type = header.trim();
  if (type.length > 200 || !MEDIA_TYPE.test(type)) {
    throw new HeraldError('bad_request', 'Content-Type must be a media type such as video/webm');
  }
  return type;
}

function tooLarge(max: number): HeraldError {
  return new HeraldError('too_large', `a blob is at most ${max} bytes`);
}

/**
 * Copies the request body into `sink` with backpressure, counting and hashing it; resolves once the
 * sink has stored everything. Past `max` bytes it stops, lets the rest be discarded while the 413
 * goes out, and rejects. A client that goes away mid-way rejects it too.
 */
function receive(
  req: IncomingMessage,
  res: ServerResponse,
  sink: Writable,
  max: number,
): Promise<{ size: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    let settled = false;
    const finish = (error: unknown, value?: { size: number; digest: string }): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      sink.off('drain', onDrain);
      sink.off('finish', onFinish);
      if (value !== undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        discard(req, res);
        // It may be paused for backpressure: the rest must flow to be discarded.
        req.resume();
        finish(tooLarge(max));
        return;
      }
      hash.update(chunk);
      if (!sink.write(chunk)) req.pause();
    };
    const onDrain = (): void => {
      req.resume();
    };
    const onEnd = (): void => {
      sink.end();
    };
    const onFinish = (): void => finish(undefined, { size, digest: hash.digest('base64url').slice(0, 22) });
    const onClose = (): void => {
      if (!req.complete) finish(new HeraldError('bad_request', 'the upload ended before its last byte'));
    };
    const onSinkError = (error: Error): void => {
      if (settled) return;
      discard(req, res);
      req.resume();
      finish(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    // Errors of a cut connection end in 'close' above; without a listener they would be thrown.
    req.on('error', () => {});
    sink.on('drain', onDrain);
    sink.on('finish', onFinish);
    sink.on('error', onSinkError);
  });
}

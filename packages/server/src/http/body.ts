import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { acceptBody } from './expect-continue.ts';

/**
 * Reads a JSON request body of at most `maxBytes`. 415 unless `Content-Type` is application/json;
 * 413 as soon as the declared or received length passes the limit, without buffering the rest: the
 * rest is discarded while the 413 goes out, then the connection is closed (closing at once would reset
 * the connection and the client would never read the answer; RFC 9112 section 9.6). Callers check
 * credentials first: a client that sent `Expect: 100-continue` gets its `100 Continue` only here.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    discard(req, res);
    throw new HeraldError('unsupported_media_type', 'the body must be application/json (Content-Type header)');
  }
  const bytes = await readRawBody(req, res, maxBytes);
  // Invalid UTF-8 would otherwise be stored as U+FFFD silently: refuse it, as WebSockets do (1007).
  if (!isUtf8(bytes)) throw new HeraldError('bad_request', 'the body is not valid UTF-8');
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HeraldError('bad_request', 'the body is not valid JSON');
  }
}

/**
 * Reads a request body of any type, at most `maxBytes` (413 beyond, the rest discarded so the client
 * reads the answer). Credentials are checked before: `Expect: 100-continue` is answered here.
 */
export async function readRawBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    discard(req, res);
    throw new HeraldError('too_large', `the request body is larger than ${maxBytes} bytes`);
  }
  acceptBody(res);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        discard(req, res);
        reject(new HeraldError('too_large', `the request body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Drops the unread rest of a body and closes the connection shortly after the answer is sent. */
export function discard(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  res.shouldKeepAlive = false;
  req.on('data', () => {});
  req.on('error', () => {});
  res.once('finish', () => setTimeout(() => req.socket.destroy(), 500).unref());
}

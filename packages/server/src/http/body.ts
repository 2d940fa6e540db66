import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { acceptBody } from './expect-continue.ts';

/** application/json or application/<something>+json, with or without parameters. */
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON request body of at most `maxBytes`. 415 unless `Content-Type` is application/json;
 * 413 as soon as the declared or received length passes the limit, without buffering the rest: the
 * rest is discarded while the 413 goes out, then the connection is closed (closing at once would reset
 * the connection and the client would never read the answer; RFC 9112 section 9.6). Callers check
 * credentials first: a client that sent `Expect: 100-continue` gets its `100 Continue` only here.
 */
export function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  return readJsonBytesThen(req, res, maxBytes, parseJsonBytes);
}

/**
 * {@link readJsonBody} up to the bytes: `then` gets the body (valid UTF-8, not yet parsed:
 * {@link parseJsonBytes}) in the body's 'end' listener, and the promise resolves with what it returns
 * (rejects with what it throws). A handler that can answer at once (a publish to the memory engine)
 * then takes no promise hop after the last chunk.
 */
export function readJsonBytesThen<T>(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  then: (bytes: Buffer) => T | PromiseLike<T>,
): Promise<T> {
  const type = req.headers['content-type'];
  if (type !== 'application/json' && (type === undefined || !JSON_TYPE.test(type))) {
    discard(req, res);
    return Promise.reject(
      new HeraldError('unsupported_media_type', 'the body must be application/json (Content-Type header)'),
    );
  }
  return readBody(req, res, maxBytes, (bytes) => then(checkedUtf8(bytes)));
}

/**
 * Reads a request body of any type, at most `maxBytes` (413 beyond, the rest discarded so the client
 * reads the answer). Credentials are checked before: `Expect: 100-continue` is answered here.
 */
export function readRawBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer> {
  return readBody(req, res, maxBytes, (bytes) => bytes);
}

/** The body; 400 unless it is valid UTF-8. */
function checkedUtf8(bytes: Buffer): Buffer {
  // Invalid UTF-8 would otherwise be stored as U+FFFD silently: refuse it, as WebSockets do (1007).
  if (!isUtf8(bytes)) throw new HeraldError('bad_request', 'the body is not valid UTF-8');
  return bytes;
}

/** The JSON value of a body that is valid UTF-8; 400 unless it is valid JSON. */
export function parseJsonBytes(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HeraldError('bad_request', 'the body is not valid JSON');
  }
}

/**
 * Reads the body and resolves with `decode(bytes)` (rejects with what it throws). Decoding in the
 * 'end' listener saves a publish one promise hop after the last chunk.
 */
function readBody<T>(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  decode: (bytes: Buffer) => T | PromiseLike<T>,
): Promise<T> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    discard(req, res);
    return Promise.reject(new HeraldError('too_large', `the request body is larger than ${maxBytes} bytes`));
  }
  acceptBody(res);
  return new Promise<T>((resolve, reject) => {
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
    // Once the body has ended, the listeners are left on the request: it emits no more data, an error
    // now only rejects a settled promise, and taking three listeners off cost a publish ~2k instructions.
    const onEnd = (): void => {
      // Most bodies come in one chunk, which node:http already copied out of the socket's buffer.
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      try {
        resolve(decode(bytes));
      } catch (error) {
        reject(error);
      }
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

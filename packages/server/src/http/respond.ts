import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeraldError } from '@herald/core';
import { ERROR_CATALOG, type ErrorBody } from '@herald/protocol';

/** The Content-Type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const NO_HEADERS: Readonly<Record<string, string | number>> = {};

/** Sends a JSON answer. `body` is an object or ready-made JSON text; `headers` are the others (never the content ones). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string | number>> = NO_HEADERS,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // One writeHead with a flat name/value list: node:http then stores the header block in one pass. The
  // length as text: node:http checks a number header value on its regular expression's slow path.
  const length = String(Buffer.byteLength(text));
  const all: Array<string | number> = ['content-type', JSON_CONTENT_TYPE, 'content-length', length];
  for (const name in headers) all.push(name, headers[name] as string | number);
  res.writeHead(status, all);
  res.end(text);
}

/** Maps anything thrown to a catalog error; unknown errors become `internal` with no detail leaked. */
export function toHeraldError(error: unknown): HeraldError {
  if (error instanceof HeraldError) return error;
  return new HeraldError('internal');
}

/** The JSON error body of contract section 8. */
export function errorBody(error: HeraldError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}

/** Answers an error with its status and JSON body (never a stack trace). */
export function sendError(res: ServerResponse, error: unknown, headers: Record<string, string | number> = {}): void {
  const e = toHeraldError(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Record<string, string | number> = { ...headers };
  if (e.retryAfter !== undefined) extra['retry-after'] = e.retryAfter;
  if (e.code === 'method_not_allowed' && extra.allow === undefined) extra.allow = 'GET, POST, OPTIONS';
  sendJson(res, ERROR_CATALOG[e.code].status, errorBody(e), extra);
}

/** Refuses a WebSocket upgrade with an HTTP error answer on the raw socket, then closes it. */
export function refuseUpgrade(socket: Duplex, error: unknown): void {
  const e = toHeraldError(error);
  const status = ERROR_CATALOG[e.code].status;
  const body = JSON.stringify(errorBody(e));
  const retry = e.retryAfter === undefined ? '' : `Retry-After: ${e.retryAfter}\r\n`;
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${e.code}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  setTimeout(() => socket.destroy(), 1_000).unref();
}

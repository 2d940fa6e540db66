import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { ERROR_CATALOG } from '@herald/protocol';
import { errorBody, sendError, toHeraldError } from '../http/respond.ts';
import { type Reply, writeReply } from '../transports/pull-reply.ts';
import { ReleasedResponse } from './release-http.ts';

/**
 * Where a held long poll's answer goes. While the poll waits, its request is taken out of node:http
 * (releaseHttp: node's request, response, parser and their listeners, ~6 KB per held poll), and the
 * answer is later written on the bare socket the way node:http would write it; then the socket goes
 * back to node:http for the client's next request (keep-alive). When the release cannot be done, the
 * answer goes through the response as usual, as it does with internals off (`internals`, switch.ts).
 */
export class HeldReply {
  /** The response while node:http keeps it (the release could not be done), else null. */
  private res: ServerResponse | null = null;
  private released: ReleasedResponse | undefined;
  private done = false;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    private readonly onGone: () => void,
    internals: boolean,
  ) {
    this.released = ReleasedResponse.take(internals, req, res, true);
    if (this.released !== undefined) {
      this.released.socket.on('close', this.socketClosed);
    } else {
      this.res = res;
      res.on('close', onGone);
    }
  }

  /** Answers with an error (the catalog's status and body), once. */
  fail(error: unknown): void {
    const e = toHeraldError(error);
    if (this.res !== null) {
      if (this.done) return;
      this.done = true;
      this.res.off('close', this.onGone);
      sendError(this.res, e);
      return;
    }
    const headers: Record<string, number> = e.retryAfter === undefined ? {} : { 'retry-after': e.retryAfter };
    this.send({ status: ERROR_CATALOG[e.code].status, headers, body: JSON.stringify(errorBody(e)) }, true);
  }

  /** Writes the answer once (nothing when the client has left). */
  send(reply: Reply, draining: boolean): void {
    if (this.done) return;
    this.done = true;
    const { res, released } = this;
    if (res !== null) {
      res.off('close', this.onGone);
      if (!res.destroyed) writeReply(res, reply);
      return;
    }
    if (released === undefined || released.socket.destroyed) return;
    released.socket.off('close', this.socketClosed);
    // Reused only when the client sent nothing during the hold (a pipelined request would be lost).
    const reuse = released.reusable(draining);
    released.socket.write(head(reply, released.headerLines, reuse) + (reply.body ?? ''));
    released.end(reply.status, reuse);
  }

  /** The client left while the poll was held (released sockets only). */
  private readonly socketClosed = (): void => {
    this.done = true;
    this.released?.gone();
    this.onGone();
  };
}

/** The status line and headers node:http would write for this answer. */
function head(reply: Reply, kept: string, keepAlive: boolean): string {
  let text = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\nDate: ${new Date().toUTCString()}\r\n${kept}`;
  for (const [name, value] of Object.entries(reply.headers)) text += `${name}: ${value}\r\n`;
  if (reply.body !== undefined) {
    text += `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(reply.body)}\r\n`;
  }
  return `${text}${keepAlive ? 'Connection: keep-alive\r\nKeep-Alive: timeout=5' : 'Connection: close'}\r\n\r\n`;
}

import { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOG } from '@herald/protocol';
import { errorBody, sendError, sendJson, toHeraldError } from '../http/respond.ts';
import { handBack, type Listener, ownListeners, releaseHttp } from './release-http.ts';

/** An answer to write: status, extra headers, JSON body (none for 204). */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | number>;
  readonly body: string | undefined;
}

/**
 * Where a held long poll's answer goes. While the poll waits, its request is taken out of node:http
 * (releaseHttp: node's request, response, parser and their listeners, ~6 KB per held poll), and the
 * answer is later written on the bare socket the way node:http would write it; then the socket goes
 * back to node:http for the client's next request (keep-alive). When the release cannot be done, the
 * answer goes through the response as usual.
 */
export class HeldReply {
  private res: ServerResponse | null;
  private socket: Socket | null = null;
  private keepAlive = false;
  /** Headers set before the hold (CORS, Vary), written with the answer. */
  private headers: OutgoingHttpHeaders = {};
  /** The response's own 'finish' and 'close' listeners (the server's request count, stats). */
  private finish: Listener[] = [];
  private close: Listener[] = [];
  /** Bytes the client had sent when the poll was released: any more is a request node never saw. */
  private readAtRelease = 0;
  private done = false;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    private readonly onGone: () => void,
  ) {
    this.res = res;
    const socket = res.socket as Socket | null;
    if (socket !== null) {
      const keepAlive = res.shouldKeepAlive;
      const headers = res.getHeaders();
      const finish = ownListeners(res, 'finish');
      const close = ownListeners(res, 'close');
      if (releaseHttp(req, res, socket)) {
        this.res = null;
        this.socket = socket;
        this.keepAlive = keepAlive;
        this.headers = headers;
        this.finish = finish;
        this.close = close;
        this.readAtRelease = socket.bytesRead;
        socket.on('close', this.socketClosed);
        return;
      }
    }
    res.on('close', onGone);
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
    const { res, socket } = this;
    if (res !== null) {
      res.off('close', this.onGone);
      if (res.destroyed) return;
      if (reply.body === undefined) res.writeHead(reply.status, reply.headers).end();
      else sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    if (socket === null || socket.destroyed) return;
    socket.off('close', this.socketClosed);
    // Reused only when the client sent nothing during the hold (a pipelined request would be lost).
    const reuse = this.keepAlive && !draining && socket.bytesRead === this.readAtRelease;
    socket.write(head(reply, this.headers, reuse) + (reply.body ?? ''));
    const answered = { statusCode: reply.status };
    for (const f of this.finish) f.call(answered);
    for (const f of this.close) f.call(answered);
    if (!reuse || !handBack(socket)) {
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    }
  }

  /** The client left while the poll was held (released sockets only). */
  private readonly socketClosed = (): void => {
    if (!this.done) {
      this.done = true;
      for (const f of this.close) f.call({ statusCode: 200 });
    }
    this.onGone();
  };
}

/** The status line and headers node:http would write for this answer. */
function head(reply: Reply, kept: OutgoingHttpHeaders, keepAlive: boolean): string {
  let text = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\nDate: ${new Date().toUTCString()}\r\n`;
  for (const [name, value] of Object.entries(kept)) {
    if (value !== undefined) text += `${name}: ${Array.isArray(value) ? value.join(', ') : value}\r\n`;
  }
  for (const [name, value] of Object.entries(reply.headers)) text += `${name}: ${value}\r\n`;
  if (reply.body !== undefined) {
    text += `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(reply.body)}\r\n`;
  }
  return `${text}${keepAlive ? 'Connection: keep-alive\r\nKeep-Alive: timeout=5' : 'Connection: close'}\r\n\r\n`;
}

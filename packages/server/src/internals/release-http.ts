import { type IncomingMessage, type OutgoingHttpHeaders, Server, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';

// Releasing a response from node:http while it stays open (SSE, NDJSON, held long polls). It relies on node:http internals
// (Node 20: `socket.parser`, its callbacks, the names of node's socket listeners); every one is
// checked first and the release is skipped when anything differs, so a Node change costs memory, not
// correctness. release-http.test.ts fails when the release stops happening on the Node in use.

/** Any event listener, as node's EventEmitter holds them. */
export type Listener = (this: unknown, ...args: never[]) => unknown;

/** Socket listeners shared by every released stream (no closure per connection). */
function ignoreError(): void {}
function ignoreData(): void {}
function endOnEnd(this: Socket): void {
  this.end();
}

/** node:http's own listeners on a request's socket and response (bound ones are named "bound …"). */
const NODE_LISTENERS = new Set([
  'bound socketOnData',
  'bound socketOnEnd',
  'bound socketOnClose',
  'bound socketOnDrain',
  'socketOnError',
  'socketOnTimeout',
  'onSocketResume',
  'onSocketPause',
]);
/** Shared by every released response without listeners of an event (an empty array is 32 bytes). */
const NO_LISTENERS: readonly Listener[] = Object.freeze([]);
/** The listeners of `event` that are not node:http's own (the server's and the limits' outlive a release). */
function ownListeners(res: ServerResponse, event: 'finish' | 'close'): readonly Listener[] {
  const own = (res.listeners(event) as Listener[]).filter(
    (f) => !f.name.startsWith('bound ') && !NODE_LISTENERS.has(f.name),
  );
  // Kept as long as the stream or poll lives: a filtered array has room for 17 (152 B), a copy holds
  // just what it has (usually one listener: 24 B), and an empty one holds nothing.
  return own.length === 0 ? NO_LISTENERS : own.slice();
}

/** node:http's parser, as it hangs on `socket.parser` (internal API, checked before use). */
interface HttpParser {
  _consumed?: boolean;
  incoming: unknown;
  outgoing: unknown;
  socket: unknown;
  onIncoming: unknown;
  unconsume(): void;
  remove(): void;
  close(): void;
}

/**
 * Takes a streaming response's socket out of node:http once the headers are written, as node itself
 * does for an upgrade: its listeners off the socket, the parser freed (and out of the server's timeout
 * list), the response detached. Then nothing holds the request, the response, their headers and the
 * parser's bound callbacks, and an idle stream costs about what a WebSocket does. Returns false (and
 * changes nothing) when the request is not a plain complete one this can be done for safely: the
 * stream then stays on the response as before.
 */
export function releaseHttp(req: IncomingMessage, res: ServerResponse, socket: Socket): boolean {
  const parser = (socket as unknown as { parser?: HttpParser | null }).parser;
  if (
    parser == null ||
    typeof parser.unconsume !== 'function' ||
    typeof parser.remove !== 'function' ||
    typeof parser.close !== 'function' ||
    !req.complete ||
    parser.incoming !== req ||
    (socket as unknown as { _httpMessage?: unknown })._httpMessage !== res
  ) {
    return false;
  }
  res.detachSocket(socket);
  for (const event of ['data', 'end', 'close', 'drain', 'error', 'timeout', 'pause', 'resume']) {
    for (const f of socket.listeners(event) as Listener[]) {
      if (NODE_LISTENERS.has(f.name)) socket.off(event, f as (...args: unknown[]) => void);
    }
  }
  if (parser._consumed) parser.unconsume();
  parser._consumed = false;
  parser.remove();
  parser.incoming = parser.outgoing = parser.socket = parser.onIncoming = null;
  // Parser callbacks (kOnExecute, …) sit at numeric indexes named on its class; they close over the request.
  const ParserClass = parser.constructor as unknown as Record<string, unknown>;
  for (const key of [
    'kOnMessageBegin',
    'kOnHeaders',
    'kOnHeadersComplete',
    'kOnBody',
    'kOnMessageComplete',
    'kOnExecute',
    'kOnTimeout',
  ]) {
    const index = ParserClass[key];
    if (typeof index === 'number') (parser as unknown as Record<number, unknown>)[index] = null;
  }
  // Closed after the current stack unwinds: the handler may run inside the parser's own callback.
  setImmediate(() => parser.close());
  const own = socket as unknown as Record<string, unknown>;
  own.parser = null;
  // node:http wraps these per socket (closures) while a parser is attached.
  own.on = Socket.prototype.on;
  own.addListener = Socket.prototype.addListener;
  own.prependListener = Socket.prototype.prependListener;
  socket.on('error', ignoreError);
  socket.on('end', endOnEnd);
  // Keep reading, so a client that leaves (FIN) is noticed at once; nothing it sends matters now.
  socket.on('data', ignoreData);
  socket.resume();
  return true;
}

/**
 * Gives a released socket back to node:http for the client's next request on the same connection
 * (keep-alive after a held long poll), through the server's documented way to inject a connection:
 * emitting 'connection'. The server's own 'connection' listeners run again (silent-connection watch:
 * a client that sends nothing more is closed). Returns false when the socket has no HTTP server.
 */
function handBack(socket: Socket): boolean {
  const server = (socket as unknown as { server?: unknown }).server;
  if (!(server instanceof Server) || socket.destroyed) return false;
  socket.off('error', ignoreError);
  socket.off('end', endOnEnd);
  socket.off('data', ignoreData);
  server.emit('connection', socket);
  return true;
}

/**
 * A response taken out of node:http (SSE, NDJSON, a held long poll), with what is needed to finish it
 * on the bare socket as node:http would: the headers set before the release, the response's own
 * 'finish' and 'close' listeners (the server's request count and stats), and whether the connection
 * may serve another request afterwards.
 */
export class ReleasedResponse {
  private settled = false;

  private constructor(
    readonly socket: Socket,
    /**
     * Header lines set before the release (CORS, Vary), `name: value\r\n` each, for an answer
     * written later; empty for a stream, whose headers are already out. Kept as one string because
     * `getHeaders()`'s object is in dictionary mode: ~280 bytes per idle stream.
     */
    readonly headerLines: string,
    private readonly finishListeners: readonly Listener[],
    private readonly closeListeners: readonly Listener[],
    private readonly keepAlive: boolean,
    /** Bytes the client had sent at the release: any more is a request node:http never saw. */
    private readonly readAt: number,
  ) {}

  /**
   * Releases `res` (see releaseHttp); undefined when that cannot be done, or internals are off
   * (`enabled`, switch.ts), and node:http keeps it. `answerLater`: the answer's head is still to be
   * written (a held poll), so the headers set so far are kept for it.
   */
  static take(
    enabled: boolean,
    req: IncomingMessage,
    res: ServerResponse,
    answerLater: boolean,
  ): ReleasedResponse | undefined {
    if (!enabled) return undefined;
    const socket = res.socket as Socket | null;
    if (socket === null) return undefined;
    const headers = answerLater ? headerLines(res.getHeaders()) : '';
    const finish = ownListeners(res, 'finish');
    const close = ownListeners(res, 'close');
    const keepAlive = res.shouldKeepAlive;
    if (!releaseHttp(req, res, socket)) return undefined;
    return new ReleasedResponse(socket, headers, finish, close, keepAlive, socket.bytesRead);
  }

  /** Whether the connection may serve the client's next request: keep-alive, no shutdown, nothing sent meanwhile. */
  reusable(draining: boolean): boolean {
    return this.keepAlive && !draining && this.socket.bytesRead === this.readAt;
  }

  /**
   * The response is complete (its bytes are written): its listeners run as node:http's would, then the
   * connection goes back to node:http when `reuse`, else it closes (cut after a second if unread).
   */
  end(statusCode: number, reuse: boolean): void {
    if (this.settled) return;
    this.run(statusCode, true);
    const socket = this.socket;
    if (reuse && handBack(socket)) return;
    socket.end();
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  /** The client left before the response was complete: only the 'close' listeners run. */
  gone(): void {
    if (!this.settled) this.run(200, false);
  }

  private run(statusCode: number, finished: boolean): void {
    this.settled = true;
    const answered = { statusCode };
    if (finished) for (const f of this.finishListeners) f.call(answered);
    for (const f of this.closeListeners) f.call(answered);
  }
}

/** `name: value\r\n` for each header, as node:http writes them. */
function headerLines(headers: OutgoingHttpHeaders): string {
  let text = '';
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) text += `${name}: ${Array.isArray(value) ? value.join(', ') : value}\r\n`;
  }
  return text;
}

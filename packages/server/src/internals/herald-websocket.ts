import { type RawData, WebSocket } from 'ws';

/** What a socket's events are handed to (transports/ws-connection.ts). */
export interface SocketEvents {
  frame(data: RawData, isBinary: boolean): void;
  pong(): void;
  ended(): void;
  failed(error: Error): void;
  /** ws is about to write a frame of its own (a pong, a close): what the connection holds goes first. */
  beforeWrite(): void;
  /** The socket answered a ping from the peer (a peer that pings and never reads must be cut). */
  answered(): void;
}

/**
 * ws's WebSocket with its events handed straight to the connection instead of to listeners: four
 * `on(...)` calls per socket cost four closures, their contexts and a grown listener table (~0.6 KB
 * an idle socket). Given to the WebSocketServer as its `WebSocket` class (transports/upgrade.ts) while
 * internals are on; it overrides `emit`, which ws calls but does not document as a hook.
 */
export class HeraldWebSocket extends WebSocket {
  connection: SocketEvents | undefined = undefined;
  /**
   * EventEmitter starts every emitter with an empty listener table in dictionary mode (~180 bytes of
   * an idle socket). This socket's events go to `connection`, so it has none until someone calls `on`,
   * which makes the table again: node's emitter treats an undefined table as empty.
   */
  protected _events: unknown = undefined;

  // ws writes these two frames on its own (the answer to a ping, the close and the answer to one):
  // a message frame the connection holds for this turn goes out before them, in the order it was sent.
  override pong(data?: unknown, mask?: boolean, cb?: (err: Error) => void): void {
    this.connection?.beforeWrite();
    super.pong(data, mask, cb);
  }

  /**
   * Answers a ping when ws does not (`autoPong: false`, see HERALD_WEBSOCKET_OPTIONS). ws's own answer
   * keeps a callback per socket to count the pongs not yet written (a closure and its context, ~80
   * bytes of every idle socket, plus four fields); here the connection bounds what the peer leaves
   * unread, as it does for replies to its other frames.
   */
  private answerPing(data: Buffer, c: SocketEvents | undefined): void {
    if (this.readyState !== WebSocket.OPEN) return;
    this.pong(data, false);
    c?.answered();
  }

  override close(code?: number, data?: string | Buffer): void {
    this.connection?.beforeWrite();
    super.close(code, data);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const c = this.connection;
    if (event === 'ping' && !(this as unknown as WsInternals)._autoPong) this.answerPing(args[0] as Buffer, c);
    if (c !== undefined) {
      if (event === 'message') c.frame(args[0] as RawData, args[1] as boolean);
      else if (event === 'pong') c.pong();
      else if (event === 'close') c.ended();
      // Without this, an 'error' with no listener would throw, and one bad frame would crash the process.
      else if (event === 'error') {
        c.failed(args[0] as Error);
        return true;
      }
    }
    return super.emit(event, ...args);
  }
}

/** ws's own field: whether it answers pings itself (the server's `autoPong` option). */
interface WsInternals {
  _autoPong?: boolean;
}

/**
 * Hands a socket's events to `events`: without listeners when it is a {@link HeraldWebSocket}, else
 * through ws's documented events (internals off).
 */
export function handEvents(ws: WebSocket, events: SocketEvents): void {
  if (ws instanceof HeraldWebSocket) {
    ws.connection = events;
    return;
  }
  ws.on('message', (data, isBinary) => events.frame(data, isBinary));
  ws.on('pong', () => events.pong());
  ws.on('close', () => events.ended());
  ws.on('error', (error) => events.failed(error));
}

/**
 * The WebSocketServer options that make its sockets HeraldWebSockets: ws does not answer pings on its
 * own (HeraldWebSocket does, see answerPing).
 */
export const HERALD_WEBSOCKET_OPTIONS = { WebSocket: HeraldWebSocket, autoPong: false } as const;

import type { Duplex } from 'node:stream';
import { type Message, type ResetNotice, type Sink, SLOW_CONSUMER_CODE } from '@herald/core';
import { CLOSE_CODES, type ServerFrame } from '@herald/protocol';
import type { RawData, WebSocket } from 'ws';
import type { Principal } from '../auth/authenticator.ts';
import type { LiveConnection } from '../heartbeat.ts';
import { type DirectWrite, handEvents, type SocketEvents, type WsFramer } from '../internals/index.ts';
import type { TokenBucket } from '../limits/token-bucket.ts';
import { drained } from './drained.ts';
import { LiveSubscriptions } from './live-subscriptions.ts';
import type { TransportContext, TransportOptions } from './transport.ts';
import type { HeldFrames, TurnWriter } from './write-turns.ts';

/** How long a closing socket may take to flush its close frame before it is cut. */
const CLOSE_GRACE_MS = 1_000;
/** Refused `op: auth` tokens one socket may send before it is closed (each costs a signature check). */
const MAX_FAILED_AUTHS = 3;

/** What a socket uses: the hub, counters, write turns, the sockets' ticker, the internals switch, frame limits, the log. */
export type SocketContext = Pick<
  TransportContext,
  'hub' | 'stats' | 'turns' | 'sockets' | 'internals' | 'limits' | 'logger'
> & {
  readonly options: Pick<TransportOptions, 'maxBacklogBytes'>;
};

/** What a connection does with a frame from its peer (one shared function per kind of socket). */
export type OnFrame = (conn: WsConnection, data: RawData, isBinary: boolean) => void;

/**
 * A WebSocket the core writes to. Bound and multiplexed sockets differ only in the framer for
 * messages and resets, and in what they accept from the client.
 */
export class WsConnection implements Sink, LiveConnection, SocketEvents, TurnWriter {
  readonly transport = 'websocket';
  /** The message frame held until the end of this turn (WriteTurns.hold), if any. */
  held: Buffer | HeldFrames | undefined = undefined;
  /** How WriteTurns writes to the socket past node's Writable, once it has written to it (TurnWriter). */
  direct: DirectWrite | null | undefined = undefined;
  /** The socket's unsent bytes when the held bytes started (TurnWriter). */
  queuedBefore = 0;
  readonly openedAt = Date.now();
  /**
   * Set by the ticker when it adds this connection. Declared only: a field initialised here comes
   * before the constructor's own in the object, and one more of those cost an SSE delivery ~330
   * instructions (fanout-callgrind 3.37k -> 3.70k), presumably by pushing hot fields out of the object.
   */
  declare heartbeatStep: number;
  /** Live subscriptions by channel (and those in flight). */
  readonly subscriptions: LiveSubscriptions;
  /** Run once when the connection ends, after its subscriptions are dropped (presence leaves, …); created on first use. */
  private onEnd: Array<() => void> | undefined;
  private alive = true;
  private closed = false;
  private failedAuths = 0;
  /** Frames the peer may still send (maxWsOpsPerSecond); undefined = unlimited. */
  private readonly frames: TokenBucket | undefined;

  constructor(
    private readonly ctx: SocketContext,
    private readonly ws: WebSocket,
    /** The TCP socket (also the key of per-connection limits). */
    readonly socket: Duplex,
    /** Encodes messages for this socket (see internals/ws-frame.ts). */
    private readonly framer: WsFramer,
    private readonly resetFrame: (notice: ResetNotice) => string,
    public principal: Principal,
    /** Handles each frame the peer sends. */
    private readonly onFrame: OnFrame,
  ) {
    this.subscriptions = new LiveSubscriptions(ctx.hub);
    this.frames = ctx.limits.socketFrames();
    ctx.stats.connections.websocket++;
    ctx.sockets.add(this);
    handEvents(ws, this);
  }

  /** Runs `end` once when the connection ends (the list is made on first use: most sockets need none). */
  whenEnded(end: () => void): void {
    if (this.onEnd === undefined) this.onEnd = [end];
    else this.onEnd.push(end);
  }

  /** Whether the socket is open: not closed by either side, nor closing. */
  isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** A frame from the peer. */
  frame(data: RawData, isBinary: boolean): void {
    this.onFrame(this, data, isBinary);
  }

  /** The peer answered a ping. */
  pong(): void {
    this.alive = true;
  }

  /** Answered a ping of the peer's: a peer that pings and never reads is cut as a slow consumer. */
  answered(): void {
    if (this.backlog() > this.ctx.options.maxBacklogBytes) this.shutdown(SLOW_CONSUMER_CODE, 'slow consumer');
  }

  /** The WebSocket closed (either side). */
  ended(): void {
    this.cleanup();
  }

  /** A protocol or socket error; ws closes the socket after it. */
  failed(error: Error): void {
    this.ctx.logger.debug({ err: error.message }, 'websocket error');
  }

  /**
   * Writes the message's ready-made frame (shared by every socket of this framing) straight to the
   * TCP socket. Safe because permessage-deflate is off, so ws never holds frames in its own queue and
   * every frame it writes (pings, acks, close) goes out whole and in order. With internals off, the
   * message's shared payload goes through `ws.send` instead.
   */
  deliver(message: Message): void {
    if (this.closed) return;
    // Once a frame is held in this turn the socket was open; not reading the WebSocket again for every
    // later one spares a fan-out to 10,000 sockets a last-level cache miss per delivery. A close
    // frame that ws writes in this turn goes out before the held frames either way.
    if (this.held === undefined && this.ws.readyState !== 1) return;
    let bytes: number;
    if (this.ctx.internals) {
      const frame = message.frame(this.framer.wire);
      this.ctx.turns.hold(this, frame);
      bytes = frame.length;
    } else {
      const payload = message.frame(this.framer.payload);
      this.ws.send(payload, { binary: false });
      bytes = payload.length;
    }
    this.ctx.stats.bytesOut.websocket += bytes;
    this.ctx.stats.delivered.websocket++;
  }

  reset(notice: ResetNotice): void {
    this.send(this.resetFrame(notice));
  }

  /** Sends a text frame. */
  send(text: string): void {
    this.sendRaw(Buffer.from(text));
  }

  /** Sends one of the protocol's frames (packages/protocol, frames.ts). */
  sendFrame(frame: ServerFrame): void {
    this.send(JSON.stringify(frame));
  }

  /**
   * What waits to be written: in ws and the TCP socket, and the frames held for this turn. While
   * frames are held, the socket's part is the count taken when the first was (TurnWriter.queuedBefore):
   * ws itself holds nothing then, as frames are held only with permessage-deflate off.
   */
  backlog(): number {
    const held = this.held;
    return held === undefined ? this.ws.bufferedAmount : this.queuedBefore + held.length;
  }

  drained(): Promise<void> {
    // A held frame goes now: 'drain' is the socket's, and the socket must have the bytes to send it.
    this.beforeWrite();
    return drained(this.socket, this.closed || this.ws.bufferedAmount === 0);
  }

  /** Sends the frame held for this turn, so that whatever is written next comes after it. */
  beforeWrite(): void {
    if (this.held !== undefined) this.ctx.turns.flush(this);
  }

  close(code: number, reason: string): void {
    this.shutdown(code, reason);
  }

  /** Pings; a socket that did not answer the previous ping is dead and is cut. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.beforeWrite();
    this.ws.ping();
  }

  expiresAt(): number | undefined {
    return this.principal.expiresAt;
  }

  /** Sends a close frame; a peer that does not read it is cut after a short grace. */
  shutdown(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.beforeWrite();
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    this.cleanup();
  }

  /**
   * Admits one frame from the peer: counts it as alive (any frame is as good as a pong) and charges its
   * frame budget. A peer over the budget is closed with 4101 (rate limited: reconnect with backoff) and
   * the frame is ignored.
   */
  admit(): boolean {
    this.alive = true;
    // API keys are the backend's own credentials: their sockets are not rate limited (SECURITY.md, "Defaults").
    if (this.frames === undefined || this.closed || this.principal.kind === 'key') return !this.closed;
    if (this.frames.take(1, this.ctx.limits.now()) === 0) return true;
    this.shutdown(CLOSE_CODES.rate_limited, 'rate limited: too many frames');
    return false;
  }

  /** Counts a refused `op: auth`; true once the socket has had as many as it may (the caller closes it). */
  authFailed(): boolean {
    return ++this.failedAuths >= MAX_FAILED_AUTHS;
  }

  private sendRaw(bytes: Buffer): void {
    if (this.closed || this.ws.readyState !== 1) return;
    this.beforeWrite();
    this.ws.send(bytes, { binary: false });
    this.ctx.stats.bytesOut.websocket += bytes.length;
    // Replies to a peer that sends but never reads (pings, errors) must not pile up in memory either.
    if (this.backlog() > this.ctx.options.maxBacklogBytes) this.shutdown(SLOW_CONSUMER_CODE, 'slow consumer');
  }

  private cleanup(): void {
    this.closed = true;
    this.subscriptions.end();
    if (!this.ctx.sockets.delete(this)) return;
    this.ctx.stats.connections.websocket--;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    for (const end of onEnd ?? []) end();
  }
}

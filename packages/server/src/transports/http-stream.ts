import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Framer, Message, ResetNotice, Sink } from '@herald/core';
import { ERROR_CATALOG, formatCursor } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import type { LiveConnection } from '../heartbeat.ts';
import { toHeraldError } from '../http/respond.ts';
import { type DirectWrite, forgetPeer, ReleasedResponse } from '../internals/index.ts';
import { drained } from './drained.ts';
import { LiveSubscriptions } from './live-subscriptions.ts';
import { MultiCursor } from './multi-cursor.ts';
import { asChunk, type StreamFraming } from './stream-framing.ts';
import type { Target, TargetContext } from './target.ts';
import type { TransportContext, TransportOptions } from './transport.ts';
import type { HeldFrames, TurnWriter } from './write-turns.ts';

/** How a streaming transport frames what the core delivers. */
export interface StreamFormat {
  readonly transport: 'sse' | 'ndjson';
  readonly contentType: string;
  /** Written right after the headers. */
  preamble(options: StreamContext['options']): string;
  /**
   * Announces where one channel's delivery starts. `streamCursor` is the stream's resume cursor at
   * that start once every channel's start is known (the channel's own cursor on a one-channel
   * stream, the combined cursor on `/v1/events`), else undefined.
   */
  subscribed(channel: string, epoch: string, last: number, streamCursor: string | undefined): string;
  /** A message's bytes when they are the same for every stream: built once per message, shared by all. */
  readonly framing: StreamFraming;
  /**
   * For formats whose multi-channel streams give each message the stream's own combined cursor (SSE
   * ids): a message's bytes with `cursor`, the cursor after it (one HTTP/1.1 chunk when `chunked`).
   */
  readonly withCursor?: (message: Message, cursor: string, chunked: boolean) => Buffer;
  reset(notice: ResetNotice, cursor: string | undefined): string;
  readonly heartbeat: Buffer;
  close(code: number, reason: string): string;
}

/** What a stream uses: the hub, counters, write turns, the streams' ticker, the internals switch, whether the hub drains. */
export type StreamContext = Pick<TransportContext, 'hub' | 'stats' | 'turns' | 'streams' | 'internals' | 'draining'> & {
  readonly options: Pick<TransportOptions, 'sseRetryMs'>;
};

/** What the SSE and NDJSON request handlers use: the target's context, the stream's, and the connection limit. */
export type StreamRequestContext = StreamContext & TargetContext & Pick<TransportContext, 'limits'>;

/** A released stream's socket, which knows its stream (ws links its sockets the same way). */
const STREAM = Symbol('herald.stream');
interface StreamSocket extends Socket {
  [STREAM]?: HttpStream | undefined;
}

/**
 * The 'close' listener of every released stream's socket: one function for all, where a closure per
 * stream and its context cost ~90 bytes of an idle stream.
 */
function socketClosed(this: Socket): void {
  (this as StreamSocket)[STREAM]?.socketEnded();
}

/** The end of a chunked body. */
const LAST_CHUNK = '0\r\n\r\n';
/** Unsent bytes above which an ended stream's connection is closed rather than kept. */
const REUSE_MAX_BACKLOG = 64 * 1024;

/**
 * A long-lived HTTP response that the core writes to (SSE and NDJSON). Writes go straight to the
 * socket, held for the rest of the turn as a WebSocket's frames are (WriteTurns.hold); its unsent
 * bytes, held ones included, are the backlog the slow-consumer rule bounds. Once the headers are out,
 * node:http's per-request state (request, response, parser: ~5 KB an idle stream) is released and the
 * stream owns the bare socket (see releaseHttp).
 */
export class HttpStream implements Sink, LiveConnection, TurnWriter {
  readonly transport: 'sse' | 'ndjson';
  /** The bytes held until the end of this turn (WriteTurns.hold), if any. */
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
  private readonly subscriptions: LiveSubscriptions;
  private ended = false;
  /** What this stream has written, per channel (multi-channel streams only). */
  private readonly cursor: MultiCursor | undefined;
  /** Deliveries held until every channel's start position is known (multi-channel streams). */
  private queue: Array<Message | ResetNotice> | undefined;
  /** `subscribed` lines written so far: heartbeats wait for all of them (the first line is one). */
  private announced = 0;
  /** The TCP socket; after the headers every write goes straight to it. */
  readonly socket: Socket;
  /** Whether the response uses chunked transfer coding (HTTP/1.1), so writes are framed as chunks. */
  private chunked = true;
  /**
   * The shared framing of this stream's messages, set once the headers are out; undefined while
   * unknown and on streams whose messages carry their own cursor ({@link StreamFormat.withCursor}).
   */
  private framer: Framer | undefined = undefined;
  /** The response while node:http still holds it; null once released (then `released` stands for it). */
  private res: ServerResponse | null;
  /** The response once released from node:http (internals/release-http.ts). */
  private released: ReleasedResponse | undefined;
  /** Who the stream acts for (its credentials' expiry ends it). */
  private readonly principal: Principal;
  /** Channels the stream subscribes: heartbeats wait until each has its `subscribed` line. */
  private readonly channelCount: number;
  /**
   * The channels and cursors, until `open` has subscribed them; then dropped: its object and two arrays
   * are ~150 bytes of an idle stream.
   */
  private target: Target | undefined;

  constructor(
    private readonly ctx: StreamContext,
    res: ServerResponse,
    private readonly format: StreamFormat,
    target: Target,
  ) {
    this.res = res;
    this.target = target;
    this.principal = target.principal;
    this.channelCount = target.channels.length;
    // node:http assigns it before the handler runs, or, to a request pipelined behind another, once
    // the answers before it are out (the handlers wait for that: http/pipelined.ts); the stream
    // writes to it once the headers are out.
    this.socket = res.socket as Socket;
    this.transport = format.transport;
    this.subscriptions = new LiveSubscriptions(ctx.hub);
    if (target.multi) {
      this.cursor = new MultiCursor(target.channels);
      this.queue = [];
    }
  }

  /** Sends the headers, subscribes every channel and keeps the stream alive until it ends. */
  async open(req: IncomingMessage): Promise<void> {
    const { ctx } = this;
    const target = this.target as Target;
    this.target = undefined;
    const res = this.res as ServerResponse;
    res.writeHead(200, {
      'content-type': this.format.contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const socket = this.socket;
    this.chunked = res.chunkedEncoding;
    if (this.cursor === undefined || this.format.withCursor === undefined) {
      this.framer = this.chunked ? this.format.framing.chunked : this.format.framing.raw;
    }
    socket.setNoDelay(true);
    this.released = ReleasedResponse.take(this.ctx.internals, req, res, false);
    if (this.released !== undefined) {
      this.res = null;
      forgetPeer(socket);
      (socket as StreamSocket)[STREAM] = this;
      socket.on('close', socketClosed);
    } else {
      res.on('close', () => this.cleanup());
    }
    this.write(this.format.preamble(ctx.options));
    ctx.stats.connections[this.transport]++;
    ctx.streams.add(this);
    // Subscribe every channel at once: each announces its position as soon as it is known, and
    // deliveries wait (queue) until all are announced, so a multi-channel stream starts with every
    // `subscribed` line and SSE ids always cover every channel.
    await Promise.all(
      target.channels.map(async (channel, i) => {
        await this.subscriptions.add(channel, this, target.cursors[i], (p) => {
          const { cursor } = this;
          const everyStart = cursor?.start(i, p.epoch, p.last) ?? true;
          const streamCursor =
            cursor === undefined
              ? formatCursor({ epoch: p.epoch, offset: p.last })
              : everyStart
                ? cursor.current()
                : undefined;
          this.write(this.format.subscribed(channel, p.epoch, p.last, streamCursor));
          this.announced++;
          if (this.queue !== undefined && everyStart) this.flushQueue();
        });
      }),
    ).catch((error: unknown) => {
      // The headers are out: end with a final close event carrying the error's code (e.g. 4102 when
      // the engine refuses a new channel), so clients back off instead of seeing a cut connection.
      const e = toHeraldError(error);
      this.shutdown(ERROR_CATALOG[e.code].close, e.message);
      if (e.code === 'internal') throw error;
    });
  }

  deliver(message: Message): void {
    if (this.ended) return;
    if (this.queue !== undefined) {
      this.queue.push(message);
      return;
    }
    const framer = this.framer;
    this.writeRaw(framer !== undefined ? message.frame(framer) : this.withCursor(message));
    this.ctx.stats.delivered[this.transport]++;
  }

  reset(notice: ResetNotice): void {
    if (this.ended) return;
    if (this.queue !== undefined) {
      this.queue.push(notice);
      return;
    }
    this.write(this.format.reset(notice, this.advance(notice.channel, notice.epoch, notice.from - 1)));
  }

  /**
   * What waits to be written: in the response or the socket, and the bytes held for this turn. While
   * bytes are held on a released stream, the socket's part is the count taken when the first was
   * (TurnWriter.queuedBefore).
   */
  backlog(): number {
    const held = this.held;
    if (held === undefined) return (this.res ?? this.socket).writableLength;
    const res = this.res;
    return (res === null ? this.queuedBefore : res.writableLength) + held.length;
  }

  drained(): Promise<void> {
    // Held bytes go now: 'drain' is the socket's, and the socket must have the bytes to send it.
    this.ctx.turns.flush(this);
    return drained(this.socket, this.ended || this.socket.writableLength === 0);
  }

  close(code: number, reason: string): void {
    this.shutdown(code, reason);
  }

  heartbeat(): void {
    // A subscribe still waiting for its engine (a slow Redis) would otherwise let a heartbeat be the
    // stream's first line, where the contract puts `subscribed`.
    if (this.announced < this.channelCount) return;
    this.write(this.format.heartbeat);
  }

  expiresAt(): number | undefined {
    return this.principal.expiresAt;
  }

  /** Sends the final close frame and ends the response; a peer that does not read is cut soon after. */
  shutdown(code: number, reason: string): void {
    if (this.ended) return;
    this.write(this.format.close(code, reason));
    // The end of the body (node:http's or endReleased's last chunk) must come after every held byte.
    this.ctx.turns.flush(this);
    this.ended = true;
    const { res, released } = this;
    if (res !== null) {
      res.end();
      if (res.writableLength > 0) setTimeout(() => res.destroy(), 1_000).unref();
    } else if (released !== undefined) {
      this.endReleased(released);
    }
    this.cleanup();
  }

  /**
   * Ends a released stream as node:http ends a response: the last chunk, then the connection stays
   * for the client's next request (an EventSource reconnects on it) unless it has to close: no
   * chunked end marker, shutdown, a client that sent something meanwhile or does not read.
   */
  private endReleased(released: ReleasedResponse): void {
    const { socket } = released;
    if (this.chunked && !socket.destroyed) socket.write(LAST_CHUNK);
    const reuse = this.chunked && released.reusable(this.ctx.draining()) && socket.writableLength < REUSE_MAX_BACKLOG;
    if (reuse) {
      socket.off('close', socketClosed);
      (socket as StreamSocket)[STREAM] = undefined;
    }
    released.end(200, reuse);
  }

  /** The socket of a released stream closed (see {@link socketClosed}). */
  socketEnded(): void {
    this.cleanup();
  }

  /** Writes text or bytes specific to this stream (framed as a chunk when the response is chunked). */
  private write(text: string | Buffer): void {
    if (text.length === 0) return;
    this.writeRaw(this.chunked ? asChunk(text) : typeof text === 'string' ? Buffer.from(text) : text);
  }

  /**
   * Every write of the stream (messages, heartbeats, resets, the close) goes through the same hold, which
   * keeps them in order. A socket destroyed but not yet closed (`ended` is set on its 'close') is not
   * asked here: the end of the turn drops what was held for it (WriteTurns.flush), and asking would
   * read its readable state on every delivery of a fan-out.
   */
  private writeRaw(bytes: Buffer): void {
    if (this.ended || this.res?.writableEnded) return;
    this.ctx.turns.hold(this, bytes);
    this.ctx.stats.bytesOut[this.transport] += bytes.length;
  }

  private cleanup(): void {
    if (!this.ended) this.ended = true;
    this.subscriptions.end();
    if (!this.ctx.streams.delete(this)) return;
    this.ctx.stats.connections[this.transport]--;
    this.queue = undefined;
    // A client that left: the released response's 'close' listeners run (once; after end, nothing).
    this.released?.gone();
  }

  /** Records what this stream has written for `channel`; returns the combined cursor when frames need it. */
  private advance(channel: string, epoch: string, last: number): string | undefined {
    if (this.cursor === undefined || this.format.withCursor === undefined) return undefined;
    return this.cursor.advance(channel, epoch, last);
  }

  /** A message's bytes with this stream's combined cursor after it (multi-channel SSE: no shared framer). */
  private withCursor(message: Message): Buffer {
    const cursor = this.advance(message.channel, message.epoch, message.offset);
    const withCursor = this.format.withCursor;
    // open() leaves `framer` unset only for a multi-channel stream of a format with `withCursor`.
    if (cursor === undefined || withCursor === undefined) throw new Error('stream has no framing for messages');
    return withCursor(message, cursor, this.chunked);
  }

  private flushQueue(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    for (const item of queued) {
      if ('offset' in item) this.deliver(item);
      else this.reset(item);
    }
  }
}

import { type ClientOp, TRANSPORT_NAMES } from '@herald/protocol';
import type { HeraldError } from '../errors.ts';
import type { Frame } from '../frames.ts';
import type { Platform } from '../platform.ts';

/** The transports, in the SDK's default order of preference (the names every Herald tool uses). */
export type TransportName = 'websocket' | 'sse' | 'ndjson' | 'long-poll' | 'poll';

/** All transport names, best first (the protocol's list: one copy in the bundle). */
export const TRANSPORTS: readonly TransportName[] = TRANSPORT_NAMES;

/** Why a connection ended. `opened` says whether it had been confirmed working. */
export interface Failure {
  /**
   * refused: the hub/proxy would not give this transport (upgrade refused, wrong content type);
   * http: an HTTP error status; server: the hub closed with a close code; ended: the stream ended
   * without a close event; network: the request or socket failed; dead: the watchdog gave up;
   * buffered / no_response: diagnosed by the open timer.
   */
  kind: 'refused' | 'http' | 'server' | 'ended' | 'network' | 'dead' | 'buffered' | 'no_response';
  opened: boolean;
  status?: number;
  code?: number;
  reason: string;
  /** The HTTP answer's error, when there was one (it carries the server's Retry-After). */
  error?: HeraldError;
}

/** What a transport reports to the client. After `failed` it reports nothing more. */
export interface Sink {
  /** The connection is confirmed working (first byte / open event / first answer). */
  opened(): void;
  /** Something arrived (data or heartbeat): feeds the watchdog. */
  alive(): void;
  /** A parsed frame. */
  frame(frame: Frame): void;
  /** The hub refused one channel on a multiplexed connection (the others go on). */
  denied(channel: string, error: HeraldError): void;
  /** The connection is over. */
  failed(failure: Failure): void;
}

/** Timings a transport needs, in ms unless named otherwise. */
export interface TransportTimings {
  /** Long-poll `wait`, in seconds. */
  longPollWait: number;
  /** Bounds for `Herald-Poll-Interval`. */
  pollMin: number;
  pollMax: number;
  /** A single request (not a stream) that takes longer than this (plus `wait`) is abandoned. */
  requestTimeout: number;
  /** A WebSocket publish without an answer after this long is rejected. */
  publishTimeout: number;
}

/** What a transport is opened with. */
export interface TransportContext {
  base: string;
  platform: Platform;
  token: string | undefined;
  timings: TransportTimings;
  /**
   * Channels, their resume cursors and presence info, read when a request is made (poll re-reads it
   * every time). Only the WebSocket sends `info`: the hub takes presence members from it alone.
   */
  positions(): Array<{ channel: string; cursor: string | undefined; info?: Record<string, unknown> }>;
  /** Headers for fetch requests (auth). */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** The result of a publish (contract section 2). */
export interface PublishResult {
  channel: string;
  epoch: string;
  offset: number;
  cursor: string;
  time: number;
}

/** A live connection of one transport. */
export interface Connection {
  /** How far it got: request sent, answer headers received, or confirmed open. */
  readonly phase: 'request' | 'headers' | 'open';
  /** True when the client's silence watchdog applies (streams and sockets; polls time their own requests). */
  readonly watched: boolean;
  /** Stops it at once; no sink call follows. Resolves when the socket is released. */
  close(): Promise<void>;
  /** Multiplexed transports only: add/remove a channel (with its presence `info`) without reconnecting. */
  subscribe?(channel: string, cursor: string | undefined, info?: Record<string, unknown>): void;
  unsubscribe?(channel: string): void;
  publish?(channel: string, data: unknown, event: string | undefined): Promise<PublishResult>;
  /** Sends an op that has an answer (`op: presence`) and resolves with the answer's fields. */
  call?(op: ClientOp): Promise<Record<string, unknown>>;
  /** Sends an application-level ping (browsers cannot see protocol pings). */
  ping?(): void;
  /** Replaces the connection's token (WebSocket `op: auth`). */
  auth?(token: string): void;
}

/** Opens a connection of one transport. */
export type TransportFactory = (ctx: TransportContext, sink: Sink) => Connection;

/** Multiplexed transports keep one connection across subscription changes. */
export function isMultiplexed(name: TransportName): boolean {
  return name === 'websocket';
}

/** Converts positions into the channel list and positional `after` of `/v1/events`. */
export function multiAfter(positions: Array<{ channel: string; cursor: string | undefined }>): {
  channels: string[];
  after: string | undefined;
} {
  const channels = positions.map((p) => p.channel);
  const cursors = positions.map((p) => p.cursor);
  const after = cursors.every((c) => c !== undefined) ? cursors.join(',') : undefined;
  return { channels, after };
}

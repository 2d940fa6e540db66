import type { Hub } from '@herald/core';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Ticker } from '../heartbeat.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Cors } from '../http/cors.ts';
import type { Limits } from '../limits/limits.ts';
import type { HeraldOptions } from '../options.ts';
import type { ServerStats } from '../stats.ts';
import type { WriteTurns } from './write-turns.ts';

/** The settings transports read (Durable Streams too); the rest of HeraldOptions is start-up wiring. */
export type TransportOptions = Pick<
  HeraldOptions,
  | 'sseRetryMs'
  | 'longPollMaxMs'
  | 'maxSubscriptionsPerConnection'
  | 'maxFrameBytes'
  | 'maxBacklogBytes'
  | 'streamHeartbeatMs'
  | 'maxBodyBytes'
>;

/**
 * The server's shared services, from which each transport is handed the part it uses: the request
 * and upgrade dispatchers (index.ts, upgrade.ts) take all of it, each transport a narrower view
 * (StreamContext, SocketContext, MuxContext, PollContext, LongPollContext, …).
 */
export interface TransportContext {
  readonly hub: Hub;
  readonly options: TransportOptions;
  readonly stats: ServerStats;
  readonly auth: Authenticator;
  readonly cors: Cors;
  /** Per-client limits (connections, long polls, publish rates, frames). */
  readonly limits: Limits;
  /** Backend hooks of the namespaces (connect, subscribe, publish); inactive when none has any. */
  readonly hooks: Hooks;
  readonly logger: Logger;
  /** Heartbeats and lifetime of SSE and NDJSON streams. */
  readonly streams: Ticker;
  /** Pings and lifetime of WebSockets. */
  readonly sockets: Ticker;
  /** Coalesces writes to one socket within an event-loop turn once the hub falls behind. */
  readonly turns: WriteTurns;
  /** Held long polls, answered at shutdown (`cancel`: answer now with what there is). */
  readonly polls: Set<{ cancel(): void }>;
  /** Whether Node and ws internals are used (internals/switch.ts); off = plain node:http and ws. */
  readonly internals: boolean;
  /** True once a graceful shutdown started: new live connections are refused. */
  draining(): boolean;
}

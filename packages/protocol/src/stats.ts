import { TRANSPORT_NAMES, type TransportName } from './transports.ts';

/** Transports as the hub counts them in stats and metrics: the one vocabulary of transport names. */
export const HUB_TRANSPORTS = TRANSPORT_NAMES;
/** A transport name as the hub counts it. */
export type HubTransport = TransportName;
/** A figure per transport. */
export type PerTransport = Record<HubTransport, number>;

/** One update of `GET /v1/stats/stream` (its `data:`), as the dashboard reads it (docs/http-api.md). */
export interface StatsSnapshot {
  time: number;
  uptimeMs: number;
  intervalMs: number;
  connections: PerTransport & { total: number };
  messages: { inPerSec: number; outPerSec: number; published: number; delivered: number };
  deliveredPerSec: PerTransport;
  bytesOutPerSec: PerTransport;
  bytesOut: PerTransport;
  subscriptions: number;
  historyMessages: number | null;
  /**
   * The busiest channels: those with the most live subscribers and those with the most messages published
   * on this hub per second, each top 10 (so up to 20), most messages first.
   */
  topChannels: Array<{ channel: string; subscribers: number; messagesPerSec: number; historyLength: number }>;
  eventLoopLagMs: { p50: number; p99: number; max: number };
  memory: { rss: number; heapUsed: number; heapTotal: number };
  /** Message-queue bridges running in the hub's process (docs/bridges.md); absent when there are none. */
  bridges?: BridgeSnapshot[];
}

/** One message-queue bridge in a {@link StatsSnapshot}: its state and counters since the process started. */
export interface BridgeSnapshot {
  name: string;
  /** The source: `rabbitmq`, `mqtt`, `nats`, `nats-jetstream`, `redis-streams`, `postgres-outbox`. */
  type: string;
  /** `connecting`, `up`, `down`, `closing`, `closed` or `disabled`. */
  state: string;
  /** When the state last changed, ms since the epoch. */
  since: number;
  /** The last connection or publish error while it is unresolved (credentials in URLs masked). */
  lastError: string | null;
  consumed: number;
  published: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  reconnects: number;
  /** Messages waiting in the broker, where the source can tell. */
  lag: number | null;
}

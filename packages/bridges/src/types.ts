import type { PublishInput } from '@herald/core';
import type { SourceType } from './config.ts';

/**
 * Publishes into the hub: the shape of `Hub.publish` (pass `hub.publish.bind(hub)` inside `herald serve`,
 * or a function that POSTs to a remote hub from `herald bridge`). It must resolve only once the messages
 * are stored, and reject with a `HeraldError`: `bad_request`/`too_large` for a message that can never be
 * published (it is dead-lettered), anything else (`unavailable`, a network error) for a failure worth
 * retrying. An idempotency key seen before resolves with `duplicate: true` and stores nothing.
 */
export type BridgePublish = (
  channel: string,
  inputs: readonly PublishInput[],
  idempotencyKey?: string,
) => Promise<{ readonly duplicate: boolean }>;

/** Where bridges log (a subset of pino's Logger, so a pino child logger fits). */
export interface BridgeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What a counter counts: messages taken from the broker, and what became of them. */
export type BridgeOutcome = 'consumed' | 'published' | 'duplicate' | 'dead_lettered' | 'failed';

/**
 * Optional push-style metrics hooks. The counters are also in {@link BridgeStatus}, which a Prometheus
 * collector can read at scrape time; the latency has no such snapshot, hence this hook.
 */
export interface BridgeMetrics {
  /** A counter moved by `n`. `failed` counts publish attempts that failed for a reason worth retrying. */
  count?(bridge: string, type: SourceType, outcome: BridgeOutcome, n: number): void;
  /** Time from the broker taking a message to the hub storing it, ms (sources that carry a timestamp). */
  latency?(bridge: string, type: SourceType, ms: number): void;
}

/** Where a bridge is in its life. */
export type BridgeState = 'connecting' | 'up' | 'down' | 'closing' | 'closed' | 'disabled';

/** A bridge's state and counters, for `/readyz` detail, `/metrics` and the dashboard. */
export interface BridgeStatus {
  readonly name: string;
  readonly type: SourceType;
  readonly state: BridgeState;
  /** When the state last changed, ms since the epoch. */
  readonly since: number;
  /** The last connection or publish error, while it is unresolved. */
  readonly lastError: string | undefined;
  /** Messages taken from the broker (a redelivery counts again). */
  readonly consumed: number;
  /** Messages stored by the hub. */
  readonly published: number;
  /** Redeliveries the hub recognised by their idempotency key (nothing stored). */
  readonly duplicates: number;
  /** Publish attempts that failed for a reason worth retrying (the message was retried, not lost). */
  readonly failed: number;
  /** Poison messages sent to the dead-letter target. */
  readonly deadLettered: number;
  /** Connections lost since start. */
  readonly reconnects: number;
  /** Messages waiting in the broker for this bridge, where the source can tell (sampled). */
  readonly lag: number | undefined;
}

/** One running bridge. */
export interface BridgeHandle {
  readonly name: string;
  readonly type: SourceType;
  status(): BridgeStatus;
  /**
   * Stops taking messages, lets the one being published finish (up to `drainTimeoutMs`) and acks it,
   * returns every other unacknowledged message to the broker, closes the connection. Idempotent.
   */
  close(): Promise<void>;
}

/** Every bridge of a config. */
export interface Bridges {
  readonly handles: readonly BridgeHandle[];
  /** Status of every bridge, in config order. */
  status(): BridgeStatus[];
  /** True when every enabled bridge is connected. */
  ready(): boolean;
  /** Closes every bridge (in parallel). Idempotent. */
  close(): Promise<void>;
}

/** What bridges need from their host. */
export interface BridgeDeps {
  readonly publish: BridgePublish;
  /** Defaults to a logger that drops everything. */
  readonly logger?: BridgeLogger | undefined;
  readonly metrics?: BridgeMetrics | undefined;
}

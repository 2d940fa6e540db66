import type { SourceType } from './config.ts';
import type { BridgeLogger, BridgeMetrics, BridgeOutcome, BridgeState, BridgeStatus } from './types.ts';

/**
 * A bridge's counters and state. Plain numbers on the hot path; metrics hooks, when given, are told as
 * counters move. State changes are logged once each (not on every retry).
 */
export class BridgeStats {
  state: BridgeState = 'connecting';
  since = Date.now();
  lastError: string | undefined;
  consumed = 0;
  published = 0;
  duplicates = 0;
  failed = 0;
  deadLettered = 0;
  reconnects = 0;
  lag: number | undefined;

  constructor(
    readonly name: string,
    readonly type: SourceType,
    private readonly logger: BridgeLogger,
    private readonly metrics: BridgeMetrics | undefined,
  ) {}

  /** Moves a counter (and tells the metrics hook). */
  count(outcome: BridgeOutcome, n = 1): void {
    switch (outcome) {
      case 'consumed':
        this.consumed += n;
        break;
      case 'published':
        this.published += n;
        break;
      case 'duplicate':
        this.duplicates += n;
        break;
      case 'dead_lettered':
        this.deadLettered += n;
        break;
      case 'failed':
        this.failed += n;
        break;
    }
    this.metrics?.count?.(this.name, this.type, outcome, n);
  }

  /** Broker-to-hub latency of one message, ms. */
  latency(ms: number): void {
    this.metrics?.latency?.(this.name, this.type, ms);
  }

  /** Changes the state; `error` explains a `down`. A change to the same state is ignored. */
  setState(state: BridgeState, error?: unknown): void {
    if (error !== undefined) this.lastError = describe(error);
    if (state === this.state) return;
    const from = this.state;
    this.state = state;
    this.since = Date.now();
    if (state === 'up') this.lastError = undefined;
    const fields = { bridge: this.name, source: this.type, from, to: state, error: this.lastError };
    if (state === 'down') this.logger.warn(fields, 'bridge connection lost');
    else if (state === 'up' && from !== 'connecting') this.logger.info(fields, 'bridge reconnected');
    else this.logger.info(fields, `bridge ${state}`);
  }

  /** Notes an error without a state change (a publish that will be retried). */
  noteError(error: unknown): void {
    this.lastError = describe(error);
  }

  /** A snapshot. */
  snapshot(): BridgeStatus {
    const { name, type, state, since, lastError, consumed, published, duplicates, failed, deadLettered } = this;
    return {
      name,
      type,
      state,
      since,
      lastError,
      consumed,
      published,
      duplicates,
      failed,
      deadLettered,
      reconnects: this.reconnects,
      lag: this.lag,
    };
  }
}

/** A short, password-free description of an error for logs and status. */
export function describe(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  // Broker URLs in messages may carry credentials.
  return text.replace(/\/\/[^@/\s]*@/g, '//***@').slice(0, 500);
}

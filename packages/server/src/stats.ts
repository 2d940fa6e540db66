import { TRANSPORT_NAMES, type TransportName } from '@herald/protocol';

/** Transport names, as they appear in metrics and stats: the one vocabulary (`@herald/protocol`). */
export const TRANSPORTS = TRANSPORT_NAMES;
export type { TransportName };

/**
 * Plain counters the transports bump on the hot path (no label lookups per message); the metrics
 * endpoint reads them when scraped.
 */
export class ServerStats {
  readonly connections: Record<TransportName, number> = zeroes();
  readonly delivered: Record<TransportName, number> = zeroes();
  readonly bytesOut: Record<TransportName, number> = zeroes();
  readonly requests = new Map<number, number>();
  /** Client-reported transport fallbacks, keyed `from|to|reason`. */
  readonly fallbacks = new Map<string, number>();
  readonly startedAt = Date.now();

  /** Counts an HTTP answer by status. */
  countRequest(status: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
  }
}

function zeroes(): Record<TransportName, number> {
  return { websocket: 0, sse: 0, ndjson: 0, 'long-poll': 0, poll: 0 };
}

import type { BridgeSnapshot } from '@herald/protocol';
import type { Registry } from 'prom-client';
import { type BridgeLatency, registerBridgeMetrics } from './bridge-metrics.ts';

/**
 * One message-queue bridge running beside the hub, as `@herald/bridges` reports it (its `BridgeStatus`).
 * Restated here so this package does not import the bridges (the arrows go bridges -> core, cli ->
 * both): the CLI hands its bridges over, and the compiler checks that their status fits this shape.
 */
export interface BridgeReport {
  readonly name: string;
  readonly type: string;
  /** `connecting`, `up`, `down`, `closing`, `closed` or `disabled`. */
  readonly state: string;
  readonly since: number;
  readonly lastError: string | undefined;
  readonly consumed: number;
  readonly published: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly deadLettered: number;
  readonly reconnects: number;
  readonly lag: number | undefined;
}

/** Anything that reports bridges: the result of `startBridges()` fits. */
export interface BridgeSource {
  status(): readonly BridgeReport[];
}

/**
 * The bridges a hub shows in `/readyz`, `/metrics` and the stats stream. Nothing is copied on the
 * message path: every reader asks the sources for their status when it needs it (a scrape, a tick).
 * The latency histogram is the one push-style figure, fed by the bridges' `metrics.latency` hook.
 */
export class BridgeReports {
  private readonly sources = new Set<BridgeSource>();
  private readonly observe: BridgeLatency;

  constructor(registry: Registry) {
    this.observe = registerBridgeMetrics(registry, () => this.status());
  }

  /** Shows `source`'s bridges until the returned function is called. */
  add(source: BridgeSource): () => void {
    this.sources.add(source);
    return () => {
      this.sources.delete(source);
    };
  }

  /** Every bridge now, in the order the sources were added. */
  status(): BridgeReport[] {
    const all: BridgeReport[] = [];
    for (const source of this.sources) all.push(...source.status());
    return all;
  }

  /** Time from the broker to the hub storing one message, ms (pass as the bridges' `metrics.latency`). */
  latency(bridge: string, type: string, ms: number): void {
    this.observe(bridge, type, ms);
  }

  /** Every bridge as the stats stream shows it (JSON: null for what is unknown); undefined when there are none. */
  snapshots(): BridgeSnapshot[] | undefined {
    const all = this.status();
    if (all.length === 0) return undefined;
    return all.map((b) => ({
      name: b.name,
      type: b.type,
      state: b.state,
      since: b.since,
      lastError: b.lastError ?? null,
      consumed: b.consumed,
      published: b.published,
      duplicates: b.duplicates,
      failed: b.failed,
      deadLettered: b.deadLettered,
      reconnects: b.reconnects,
      lag: b.lag ?? null,
    }));
  }
}

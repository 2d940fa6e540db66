// Latency recording. Each load process keeps a node:perf_hooks histogram for its own view
// and a bucket map with the same samples rounded to 8 significant bits (<= 0.8% error):
// perf_hooks histograms cannot cross a process boundary, the bucket list can, and the
// orchestrator replays the merged buckets into one histogram for the percentiles.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { LatencyBuckets } from './ipc.ts';

// Monotonic clock in ms with fractions. CLOCK_MONOTONIC is shared by all processes on the
// machine, so a publisher's timestamp means the same in a subscriber process. process.hrtime
// reads it directly; performance.now() reads the same clock relative to this process's start
// and costs no BigInt, so the offset between them is taken once.
const MONOTONIC_OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export function nowMs(): number {
  return MONOTONIC_OFFSET_MS + performance.now();
}

/** Keeps the top 8 significant bits (<= 0.8% error): cheap on the per-delivery path. */
function bucketOf(micros: number): number {
  if (micros < 256) return micros;
  const shift = 24 - Math.clz32(micros);
  return ((micros >>> shift) << shift) + (1 << (shift - 1));
}

export class LatencyRecorder {
  private histogram: RecordableHistogram = createHistogram();
  private buckets = new Map<number, number>();

  /** Records a duration in ms (stored as whole µs, at least 1: the histogram's floor). */
  record(ms: number): void {
    const micros = Math.max(1, Math.round(ms * 1000));
    this.histogram.record(micros);
    const key = bucketOf(micros);
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + 1);
  }

  get count(): number {
    return this.histogram.count;
  }

  /** This process's own view of the current window (live progress display). */
  percentileMs(p: number): number {
    return this.histogram.count === 0 ? 0 : this.histogram.percentile(p) / 1000;
  }

  /** Exports and clears: the next window starts empty. */
  drain(): LatencyBuckets {
    const out: LatencyBuckets = [...this.buckets];
    this.buckets.clear();
    this.histogram.reset();
    return out;
  }
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Merges bucket lists from several processes and summarises them in ms. */
export function summarize(parts: readonly LatencyBuckets[]): LatencySummary {
  const merged = createHistogram();
  for (const part of parts) {
    for (const [micros, count] of part) {
      for (let i = 0; i < count; i++) merged.record(micros);
    }
  }
  if (merged.count === 0)
    return { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, meanMs: Number.NaN };
  return {
    count: merged.count,
    p50Ms: merged.percentile(50) / 1000,
    p99Ms: merged.percentile(99) / 1000,
    maxMs: merged.max / 1000,
    meanMs: merged.mean / 1000,
  };
}

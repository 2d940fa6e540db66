// Latency recording. Each load process counts its samples in buckets; the bucket lists cross the
// process boundary and the orchestrator merges them for the percentiles.
import type { LatencyBuckets } from './ipc.ts';

// Monotonic clock in ms with fractions. CLOCK_MONOTONIC is shared by all processes on the
// machine, so a publisher's timestamp means the same in a subscriber process. process.hrtime
// reads it directly; performance.now() reads the same clock relative to this process's start
// and costs no BigInt, so the offset between them is taken once, at load.
const MONOTONIC_OFFSET_MS = monotonicOffsetMs();

/**
 * hrtime minus performance.now(), in ms. A single pair of reads is off by whatever ran between
 * them: the first touch of `performance` loads a module, which once put one load process's clock
 * milliseconds behind the others' (every latency of a run read as 0). So both clocks are read
 * before, and the offset comes from the tightest of several hrtime / now / hrtime triples.
 */
function monotonicOffsetMs(): number {
  performance.now();
  process.hrtime.bigint();
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let i = 0; i < 50; i++) {
    const before = Number(process.hrtime.bigint()) / 1e6;
    const now = performance.now();
    const after = Number(process.hrtime.bigint()) / 1e6;
    if (after - before < best) {
      best = after - before;
      offset = (before + after) / 2 - now;
    }
  }
  return offset;
}

export function nowMs(): number {
  return MONOTONIC_OFFSET_MS + performance.now();
}

// A sample is kept as whole µs with its top 8 significant bits (<= 0.8% error), counted in a flat
// array indexed by (shift, top bits): one array write per delivery, no native call and no map, so
// the load generator's cost per delivery stays well below the hub's (a fan-out run must measure the hub).
const TOP_BITS = 8;
const SLOTS = (32 - TOP_BITS + 1) * (1 << (TOP_BITS - 1)) + (1 << TOP_BITS);

function slotOf(micros: number): number {
  if (micros < 1 << TOP_BITS) return micros;
  const shift = 32 - TOP_BITS - Math.clz32(micros);
  return shift * (1 << (TOP_BITS - 1)) + (micros >>> shift);
}

/** The µs value a slot stands for: the middle of the range it covers. */
function microsOf(slot: number): number {
  if (slot < 1 << TOP_BITS) return slot;
  const shift = Math.floor((slot - (1 << TOP_BITS)) / (1 << (TOP_BITS - 1))) + 1;
  const top = slot - shift * (1 << (TOP_BITS - 1));
  return top * 2 ** shift + 2 ** (shift - 1);
}

export class LatencyRecorder {
  private counts = new Float64Array(SLOTS);
  private total = 0;

  /** Records a duration in ms (stored as whole µs, at least 1). */
  record(ms: number): void {
    const micros = ms < 0.001 ? 1 : Math.min(Math.round(ms * 1000), 0x7fffffff);
    const slot = slotOf(micros);
    this.counts[slot] = (this.counts[slot] as number) + 1;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** This process's own view of the current window (live progress display). */
  percentileMs(p: number): number {
    return percentileOf(this.buckets(), this.total, p) / 1000;
  }

  /** Exports and clears: the next window starts empty. */
  drain(): LatencyBuckets {
    const out = this.buckets();
    this.counts.fill(0);
    this.total = 0;
    return out;
  }

  /** Non-empty buckets as [µs, count], smallest first. */
  private buckets(): LatencyBuckets {
    const out: LatencyBuckets = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const n = this.counts[slot] as number;
      if (n > 0) out.push([microsOf(slot), n]);
    }
    return out;
  }
}

/** The `p`th percentile (µs) of buckets sorted by value; 0 when empty. */
function percentileOf(sorted: LatencyBuckets, total: number, p: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [micros, n] of sorted) {
    seen += n;
    if (seen >= rank) return micros;
  }
  return sorted[sorted.length - 1]?.[0] ?? 0;
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
  const merged = new Map<number, number>();
  for (const part of parts) {
    for (const [micros, n] of part) merged.set(micros, (merged.get(micros) ?? 0) + n);
  }
  const sorted: LatencyBuckets = [...merged].sort((a, b) => a[0] - b[0]);
  let count = 0;
  let sum = 0;
  for (const [micros, n] of sorted) {
    count += n;
    sum += micros * n;
  }
  if (count === 0) return { count: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, meanMs: Number.NaN };
  return {
    count,
    p50Ms: percentileOf(sorted, count, 50) / 1000,
    p99Ms: percentileOf(sorted, count, 99) / 1000,
    maxMs: (sorted[sorted.length - 1]?.[0] ?? 0) / 1000,
    meanMs: sum / count / 1000,
  };
}

// The targets of scenario R (docs/performance.md, "Scenario R"), checked per repetition within one run: fan-out on Redis within
// 10% of the memory engine (fan-out is local to a node), the latency the Redis hop adds, and two
// workers against one process.
import type { Case } from '../suite/plan.ts';
import type { PeerName } from './options.ts';
import type { RunResult } from './results.ts';
import { maxStep, measured, same } from './select.ts';
import type { Check } from './targets.ts';

/** One Redis round trip for the append script and one pub/sub hop, on loopback: well under this. */
const ADDED_P50_MS = 2;
/** B 1k's bound, at the same load. */
const P99_MS = 50;

export function redisChecks(plan: readonly Case[], runs: readonly RunResult[]): Check[] {
  const ids = new Set(plan.map((c) => c.id));
  const per = (caseId: string, peer: PeerName, f: (r: RunResult) => number): number[] =>
    ids.has(caseId)
      ? measured(runs, caseId)
          .filter((r) => r.peer === peer)
          .map(f)
      : [];
  const delivered = (r: RunResult | undefined): number => maxStep(r)?.deliveredPerSec ?? Number.NaN;
  const single = (r: RunResult | undefined): number =>
    r?.rates.find((x) => x.name === 'single POST')?.messagesPerSec ?? Number.NaN;
  const p50 = (r: RunResult | undefined): number => r?.windows[0]?.latency.p50Ms ?? Number.NaN;
  const p99 = (r: RunResult | undefined): number => r?.windows[0]?.latency.p99Ms ?? Number.NaN;
  const out: Check[] = [
    {
      target: 'R fan-out WS 1k: Redis ≥ 0.9× memory (max delivered/s)',
      values: per('R fanout ws 1k', 'herald-redis', (r) => delivered(r) / delivered(same(runs, r, 'herald'))),
      ok: (v) => v >= 0.9,
      unit: '×',
      digits: 2,
    },
  ];
  for (const id of ['R latency 100', 'R latency 1k']) {
    out.push({
      target: `${id}: p50 added by Redis ≤ ${ADDED_P50_MS} ms (one process)`,
      values: per(id, 'herald-redis', (r) => p50(r) - p50(same(runs, r, 'herald'))),
      ok: (v) => v <= ADDED_P50_MS,
      unit: ' ms',
      digits: 1,
    });
    for (const peer of ['herald-redis', 'herald-redis-w2'] as const) {
      out.push({
        target: `${id}: p99 < ${P99_MS} ms through Redis (${peer === 'herald-redis' ? 'one process' : '2 workers'})`,
        values: per(id, peer, p99),
        ok: (v) => v < P99_MS,
        unit: ' ms',
        digits: 1,
      });
    }
  }
  out.push(
    {
      // The ideal is ~2×; here the workers share the load generator's core (docs/scaling.md).
      target: 'R fan-out WS 1k: 2 workers > 1 process (both on Redis)',
      values: per('R fanout ws 1k', 'herald-redis-w2', (r) => delivered(r) / delivered(same(runs, r, 'herald-redis'))),
      ok: (v) => v > 1,
      unit: '×',
      digits: 2,
    },
    {
      target: 'R single POST: 2 workers > 1 process (both on Redis)',
      values: per('R ingest', 'herald-redis-w2', (r) => single(r) / single(same(runs, r, 'herald-redis'))),
      ok: (v) => v > 1,
      unit: '×',
      digits: 2,
    },
  );
  return out;
}

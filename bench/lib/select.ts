// Picking figures out of results: the runs of a case, the same case and repetition of another
// peer, a ramp's best step, a transport's memory figure.
import type { Transport } from './ipc.ts';
import type { PeerName } from './options.ts';
import type { RunResult, WindowResult } from './results.ts';

/** Runs of a case that measured something (not skipped, not failed). */
export const measured = (runs: readonly RunResult[], caseId: string): RunResult[] =>
  runs.filter(
    (r) => r.caseId === caseId && r.skipped === undefined && !r.notes.some((n) => n.startsWith('run failed')),
  );

/** The same case and repetition, run on another peer. */
export const same = (runs: readonly RunResult[], r: RunResult, peer: PeerName): RunResult | undefined =>
  runs.find(
    (x) => x.caseId === r.caseId && x.repetition === r.repetition && x.peer === peer && x.skipped === undefined,
  );

/** The step with the most deliveries a second. */
export function maxStep(r: RunResult | undefined): WindowResult | undefined {
  return r?.windows.reduce<WindowResult | undefined>(
    (b, w) => (!b || w.deliveredPerSec > b.deliveredPerSec ? w : b),
    undefined,
  );
}

/** Headline steps: p99 under this, ms … */
export const HEADLINE_P99_MS = 100;
/** … and at least this share of the deliveries made (a maximum that drops messages is no headline). */
export const HEADLINE_DELIVERED = 0.99;

/**
 * A ramp's headline (docs/performance.md, "What the numbers mean"): the step with the most deliveries a second among those that kept
 * p99 under 100 ms with >= 99% delivered. A maximum without its latency is not a headline.
 */
export function headline(r: RunResult | undefined): WindowResult | undefined {
  return r?.windows
    .filter((w) => w.latency.p99Ms < HEADLINE_P99_MS && w.deliveryRatio >= HEADLINE_DELIVERED)
    .reduce<WindowResult | undefined>((b, w) => (!b || w.deliveredPerSec > b.deliveredPerSec ? w : b), undefined);
}

/** Peers that are not Herald: the baselines a Herald figure is compared with. */
export const isBaseline = (peer: PeerName): boolean => !peer.startsWith('herald');

/**
 * The strongest baseline of a case and repetition: the other peer with the best headline
 * (ties and missing headlines fall back to the best maximum). Fan-out figures are compared with it,
 * so a ratio never flatters Herald by picking a weak peer.
 */
export function strongest(
  runs: readonly RunResult[],
  r: RunResult,
): { run: RunResult; step: WindowResult | undefined } | undefined {
  const others = runs.filter(
    (x) =>
      x.caseId === r.caseId &&
      x.repetition === r.repetition &&
      isBaseline(x.peer) &&
      x.skipped === undefined &&
      x.windows.length > 0,
  );
  const score = (x: RunResult): number => headline(x)?.deliveredPerSec ?? 0;
  const best = others.reduce<RunResult | undefined>((b, x) => (!b || score(x) > score(b) ? x : b), undefined);
  return best === undefined ? undefined : { run: best, step: headline(best) };
}

export function kbPer(r: RunResult | undefined, t: Transport): number | undefined {
  return r?.memory.transports.find((m) => m.transport === t)?.kbPerConnection;
}

/** Scenario C: KB per connection between readings taken after a full GC (Node hubs only). */
export function retainedKbPer(r: RunResult | undefined, t: Transport): number | undefined {
  return r?.memory.transports.find((m) => m.transport === t)?.retainedKbPerConnection;
}

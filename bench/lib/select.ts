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

/** The best step that kept p99 under 100 ms with >= 95% delivered. */
export function bestUnder100(r: RunResult | undefined): WindowResult | undefined {
  return r?.windows
    .filter((w) => w.latency.p99Ms < 100 && w.deliveryRatio >= 0.95)
    .reduce<WindowResult | undefined>((b, w) => (!b || w.deliveredPerSec > b.deliveredPerSec ? w : b), undefined);
}

export function kbPer(r: RunResult | undefined, t: Transport): number | undefined {
  return r?.memory.transports.find((m) => m.transport === t)?.kbPerConnection;
}

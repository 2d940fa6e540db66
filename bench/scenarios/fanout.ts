// Scenario "fanout" (issue 6's A): the publish rate doubles each step until fewer than 95%
// of the messages arrive or p99 passes 1 s. Reports every step; the summary picks the
// highest delivered/s and the best step with p99 < 100 ms.
import type { BenchOptions } from '../lib/options.ts';
import type { WindowResult } from '../lib/results.ts';
import type { Session } from '../lib/session.ts';
import { runWindow } from '../lib/window.ts';

/** Node's HTTP server takes ~8-9k POSTs/s per core: above this, batch so ingest is not what is measured. */
const MAX_POSTS_PER_SEC = 500;

export function rampSteps(from: number, to: number): number[] {
  const steps: number[] = [];
  for (let rate = from; rate <= to; rate *= 2) steps.push(Math.round(rate));
  return steps;
}

export async function fanoutScenario(session: Session, opts: BenchOptions, label: string): Promise<WindowResult[]> {
  const results: WindowResult[] = [];
  const batchFor = (rate: number): number => Math.max(opts.batch, Math.ceil(rate / MAX_POSTS_PER_SEC));
  if (opts.warmup > 0) {
    await runWindow(session, opts, {
      label: `${label} warm-up`,
      rate: opts.rate,
      batch: batchFor(opts.rate),
      durationS: opts.warmup,
    });
  }
  for (const rate of rampSteps(opts.rate, opts.maxRate)) {
    const step = await runWindow(session, opts, {
      label: `${label} ${rate}/s`,
      rate,
      batch: batchFor(rate),
      durationS: opts.duration,
    });
    results.push(step);
    if (step.deliveryRatio < 0.95 || step.latency.p99Ms > 1000) break;
  }
  return results;
}

// The rate ramp shared by fan-out (A) and many channels (D): the publish rate grows by
// --ramp-factor each step until fewer than 95% of the messages arrive, p99 passes 1 s, or more
// than 5% of the offered messages could not even be sent (--publish-conns POSTs pending).
import type { BenchOptions } from '../lib/options.ts';
import type { WindowResult } from '../lib/results.ts';
import type { Session } from '../lib/session.ts';
import { runWindow } from '../lib/window.ts';

export function rampSteps(from: number, to: number, factor: number): number[] {
  const steps: number[] = [];
  // Two decimals: at 10k subscribers the first steps are 1, 1.5, 2.25 … messages a second.
  for (let rate = from; rate <= to * 1.0001; rate *= factor) steps.push(Math.round(rate * 100) / 100);
  return [...new Set(steps)];
}

/**
 * Messages per POST at `rate`: above --max-posts-per-sec batched when the peer can take batches,
 * else single POSTs. Suites A and D publish one POST per message (what an application
 * that publishes as events happen sends); Node's HTTP server takes ~8-9k POSTs/s per core.
 */
export function batchFor(session: Session, opts: BenchOptions, rate: number): number {
  const canBatch = session.channels > 1 ? session.peer.multiPublish : session.peer.batch;
  return canBatch ? Math.max(opts.batch, Math.ceil(rate / opts.maxPostsPerSec)) : 1;
}

export async function ramp(session: Session, opts: BenchOptions, label: string): Promise<WindowResult[]> {
  const results: WindowResult[] = [];
  if (opts.warmup > 0) {
    await runWindow(session, opts, {
      label: `${label} warm-up`,
      rate: opts.rate,
      batch: batchFor(session, opts, opts.rate),
      durationS: opts.warmup,
    });
  }
  for (const rate of rampSteps(opts.rate, opts.maxRate, opts.rampFactor)) {
    const step = await runWindow(session, opts, {
      label: `${label} ${rate}/s`,
      rate,
      batch: batchFor(session, opts, rate),
      durationS: opts.duration,
    });
    results.push(step);
    // Also stop when the offered rate was not even sent: the publisher (or the hub's ingest) is the limit.
    const notSent = step.published.skipped / Math.max(1, step.published.sent + step.published.skipped);
    if (step.deliveryRatio < 0.95 || step.latency.p99Ms > 1000 || notSent > 0.05) break;
  }
  return results;
}

// Scenario "latency" (issue 2's first scenario, issue 6's B): subscribers on one channel,
// a publisher at a fixed rate; one measured window after a warm-up.
import type { BenchOptions } from '../lib/options.ts';
import type { WindowResult } from '../lib/results.ts';
import type { Session } from '../lib/session.ts';
import { runWindow } from '../lib/window.ts';

export async function latencyScenario(session: Session, opts: BenchOptions, label: string): Promise<WindowResult[]> {
  if (opts.warmup > 0) {
    // JIT, socket buffers and allocator reach steady state before anything is counted.
    await runWindow(session, opts, {
      label: `${label} warm-up`,
      rate: opts.rate,
      batch: opts.batch,
      durationS: opts.warmup,
    });
  }
  return [
    await runWindow(session, opts, {
      label: `${label} publish`,
      rate: opts.rate,
      batch: opts.batch,
      durationS: opts.duration,
    }),
  ];
}

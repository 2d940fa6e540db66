// Scenario "latency" (B in docs/performance.md): subscribers on one channel,
// a publisher at a fixed rate; one measured window after a warm-up.
import { runWindow } from '../lib/window.ts';
import { type CaseContext, supported, withSession } from './context.ts';
import { batchFor } from './ramp.ts';

export async function latencyScenario(ctx: CaseContext): Promise<string | undefined> {
  const { opts, label } = ctx;
  const { keep, note } = supported(opts.transports, ctx.peer.transports, ctx.peer.name);
  if (keep.length === 0) return note;
  if (note) ctx.result.notes.push(note);
  await withSession(ctx, { transports: keep, subs: opts.subs, channelPerConnection: false }, async (s) => {
    const batch = Math.min(opts.batch, batchFor(s, opts, opts.rate));
    if (opts.warmup > 0) {
      // JIT, socket buffers and allocator reach steady state before anything is counted.
      await runWindow(s, opts, { label: `${label} warm-up`, rate: opts.rate, batch, durationS: opts.warmup });
    }
    ctx.result.windows = [
      await runWindow(s, opts, { label: `${label} publish`, rate: opts.rate, batch, durationS: opts.duration }),
    ];
  });
  return undefined;
}

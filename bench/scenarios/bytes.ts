// Scenario "bytes" (F in docs/performance.md): bytes on the wire per delivered message for each transport,
// counted at the subscribers' sockets (headers, framing, heartbeats and, for poll and long-poll,
// the requests), at a low rate (--rate) and a high rate (--max-rate). Few subscribers (--subs per
// transport): this measures the protocol, not the hub's speed.
import { runWindow } from '../lib/window.ts';
import { type CaseContext, supported, withSession } from './context.ts';
import { batchFor } from './ramp.ts';

export async function bytesScenario(ctx: CaseContext): Promise<string | undefined> {
  const { opts, label } = ctx;
  const { keep, note } = supported(opts.transports, ctx.peer.transports, ctx.peer.name);
  if (keep.length === 0) return note;
  if (note) ctx.result.notes.push(note);
  await withSession(ctx, { transports: keep, subs: opts.subs, channelPerConnection: false }, async (s) => {
    for (const [name, rate] of [
      ['low rate', opts.rate],
      ['high rate', opts.maxRate],
    ] as const) {
      ctx.result.windows.push(
        await runWindow(s, opts, {
          label: `${label} ${name}`,
          name,
          rate,
          batch: batchFor(s, opts, rate),
          durationS: opts.duration,
        }),
      );
    }
  });
  return undefined;
}

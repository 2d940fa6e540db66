// Scenario "fanout" (A in docs/performance.md): N subscribers on one channel, the publish rate ramped
// (bench/scenarios/ramp.ts). The summary picks the highest delivered/s and the best step with
// p99 < 100 ms.
import { type CaseContext, supported, withSession } from './context.ts';
import { ramp } from './ramp.ts';

export async function fanoutScenario(ctx: CaseContext): Promise<string | undefined> {
  const { keep, note } = supported(ctx.opts.transports, ctx.peer.transports, ctx.peer.name);
  if (keep.length === 0) return note;
  if (note) ctx.result.notes.push(note);
  await withSession(ctx, { transports: keep, subs: ctx.opts.subs, channelPerConnection: false }, async (s) => {
    ctx.result.windows = await ramp(s, ctx.opts, ctx.label);
  });
  return undefined;
}

// Scenario "channels" (D in docs/performance.md, delivery half): every subscriber on its own channel, each
// message published to a random one of them (many-channel batches where the peer has them), the
// rate ramped like fan-out. Measures routing and per-message cost rather than fan-out.
import { type CaseContext, supported, withSession } from './context.ts';
import { ramp } from './ramp.ts';

export async function channelsScenario(ctx: CaseContext): Promise<string | undefined> {
  const { keep, note } = supported(ctx.opts.transports.slice(0, 1), ctx.peer.transports, ctx.peer.name);
  if (keep.length === 0) return note;
  if (!ctx.peer.multiPublish)
    ctx.result.notes.push(`${ctx.peer.name}: no many-channel publish: one POST per message (ingest may bound it)`);
  await withSession(ctx, { transports: keep, subs: ctx.opts.subs, channelPerConnection: true }, async (s) => {
    ctx.result.windows = await ramp(s, ctx.opts, ctx.label);
  });
  return undefined;
}

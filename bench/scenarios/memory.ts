// Scenario "memory" (C in docs/performance.md): idle connections only. The session measures the hub's RSS (and
// Herald's heap) before and after each transport's connections. A hub process holds at most
// --max-hub-conns (its open-file limit is 20,000), so transports that do not fit together get a
// fresh hub each: at 10k and 19k that is one hub per transport.
import type { Transport } from '../lib/ipc.ts';
import { type CaseContext, supported, withSession } from './context.ts';

export async function memoryScenario(ctx: CaseContext): Promise<string | undefined> {
  const { opts } = ctx;
  const { keep, note } = supported(opts.transports, ctx.peer.idle, ctx.peer.name);
  if (keep.length === 0) return note;
  if (note) ctx.result.notes.push(note);
  const perHub = Math.max(1, Math.floor(opts.maxHubConns / opts.subs));
  const groups: Transport[][] = [];
  for (let i = 0; i < keep.length; i += perHub) groups.push(keep.slice(i, i + perHub));
  for (const transports of groups) {
    await withSession(
      ctx,
      { transports, subs: opts.subs, channelPerConnection: false, halves: true, collectGarbage: true },
      async () => {},
    );
  }
  return undefined;
}

// What a scenario is given for one peer in one case, and the two ways it gets a hub: with
// subscribers connected (a session) or bare (ingest, polling).
import { heraldBinFor } from '../lib/herald-build.ts';
import { type Hub, hubCpus, type Stopped, startHub, stopHub } from '../lib/hub.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { PeerSpec } from '../lib/peers.ts';
import type { RunResult } from '../lib/results.ts';
import { closeSession, openSession, type Session, type SessionPlan } from '../lib/session.ts';

export interface CaseContext {
  opts: BenchOptions;
  peer: PeerSpec;
  /** unique per run: names logs and progress bars */
  label: string;
  result: RunResult;
}

/** Fills ctx.result; throws on failure (the runner records the message). Returns a skip reason, if any. */
export type Scenario = (ctx: CaseContext) => Promise<string | undefined>;

/** Opens a session, runs `fn`, and always closes it (recording a hub crash in the result). */
export async function withSession(
  ctx: CaseContext,
  plan: SessionPlan,
  fn: (s: Session) => Promise<void>,
): Promise<void> {
  let session: Session | undefined;
  try {
    session = await openSession(ctx.opts, ctx.peer, ctx.label, plan);
    ctx.result.memory.baselineRssBytes ||= session.memory.baselineRssBytes;
    ctx.result.memory.transports.push(...session.memory.transports);
    ctx.result.notes.push(...session.notes);
    await fn(session);
  } finally {
    if (session) await closeAndRecord(ctx.result, () => closeSession(session as Session));
  }
}

/** Starts a hub without subscribers, runs `fn`, and always stops it. */
export async function withHub(ctx: CaseContext, fn: (hub: Hub) => Promise<void>): Promise<void> {
  const hub = await startHub({
    peer: ctx.peer.name,
    cpus: hubCpus(ctx.opts, ctx.peer.name),
    apiKey: ctx.opts.apiKey,
    heraldArgs: ctx.opts.heraldArgs,
    redisUrl: ctx.opts.redis,
    natsUrl: ctx.opts.nats,
    heraldBin: heraldBinFor(ctx.opts, ctx.peer.name),
    bunBin: ctx.opts.bun,
  });
  try {
    await fn(hub);
  } finally {
    await closeAndRecord(ctx.result, () => stopHub(hub));
  }
}

async function closeAndRecord(result: RunResult, close: () => Promise<Stopped>) {
  const stopped = await close();
  if (stopped.crashed) {
    result.hubCrashed = true;
    result.notes.push(`hub log tail:\n${stopped.logTail}`);
  }
  if (stopped.storeCleanup !== undefined) {
    console.log(`bench: ${result.caseId} ${result.peer}: ${stopped.storeCleanup}`);
    result.storeCleanup.push(stopped.storeCleanup);
  }
}

/** Transports of `wanted` the peer supports, and a note for the ones it does not. */
export function supported<T extends string>(
  wanted: readonly T[],
  offered: readonly T[],
  peer: string,
): { keep: T[]; note?: string } {
  const keep = wanted.filter((t) => offered.includes(t));
  const dropped = wanted.filter((t) => !offered.includes(t));
  return dropped.length === 0 ? { keep } : { keep, note: `${peer} has no ${dropped.join('/')}: skipped` };
}

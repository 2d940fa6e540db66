import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { limitParam } from '../http/query.ts';
import { type PullAnswer, pullPage, sendPull } from './poll.ts';
import { afterParam, parseTarget, type Target } from './target.ts';
import type { TransportContext } from './transport.ts';

/**
 * Long poll (`?wait=S`): answers at once when something is after the cursor, else holds the request
 * until a message arrives (then answers with everything available up to `limit`) or S seconds pass
 * (204). Without a cursor it waits for the next new message. A client that leaves frees it at once.
 */
export async function handleLongPoll(
  ctx: TransportContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  waitMs: number,
): Promise<void> {
  let target = await parseTarget(ctx, req, query, channel, afterParam(query));
  const limit = limitParam(query.get('limit') ?? undefined);
  if (ctx.draining()) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
  target = await startAtEnd(ctx, target);
  const release = ctx.limits.holdLongPoll(ctx.limits.address(req));
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  res.on('close', onClose);
  ctx.polls.add(abort);
  ctx.stats.connections.longpoll++;
  try {
    // A held request never outlives the token that opened it.
    const expires = target.principal.expiresAt ?? Number.POSITIVE_INFINITY;
    const deadline = Math.min(Date.now() + waitMs, expires);
    let answer: PullAnswer;
    for (;;) {
      // Register before reading, so a message published in between wakes us.
      const woken = ctx.hub.waitForMessage(target.channels, Math.max(0, deadline - Date.now()), abort.signal);
      answer = await pullPage(ctx, target, limit);
      if (answer.body !== undefined || abort.signal.aborted || Date.now() >= deadline) break;
      if (!(await woken)) {
        answer = await pullPage(ctx, target, limit);
        break;
      }
    }
    abort.abort();
    if (!res.destroyed) sendPull(ctx, res, target, answer, 'longpoll');
  } finally {
    release();
    res.off('close', onClose);
    ctx.polls.delete(abort);
    ctx.stats.connections.longpoll--;
  }
}

/** Channels without a cursor start at their current end ("only new messages"). */
async function startAtEnd(ctx: TransportContext, target: Target): Promise<Target> {
  if (target.cursors.every((c) => c !== undefined)) return target;
  const cursors = await Promise.all(
    target.cursors.map(async (c, i) => {
      if (c !== undefined) return c;
      const state = await ctx.hub.state(target.channels[i] as string);
      return { epoch: state.epoch, offset: state.last };
    }),
  );
  return { ...target, cursors };
}

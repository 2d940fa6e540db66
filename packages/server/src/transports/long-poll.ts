import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError, type MessageWait, type WaitOwner } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';
import { limitParam } from '../http/query.ts';
import { HeldReply } from '../internals/index.ts';
import { type PageContext, type PullAnswer, pullPage } from './pull-page.ts';
import { pullReply, type ReplyContext, sendPull } from './pull-reply.ts';
import { afterParam, parseTarget, type Target, type TargetContext } from './target.ts';
import type { TransportContext } from './transport.ts';

/** What a long poll uses: the pull path's contexts, its slot and the held polls, the internals switch, the log. */
export type LongPollContext = TargetContext &
  PageContext &
  ReplyContext &
  Pick<TransportContext, 'limits' | 'polls' | 'internals' | 'logger' | 'draining'>;

/**
 * Long poll (`?wait=S`): answers at once when something is after the cursor, else holds the request
 * until a message arrives (then answers with everything available up to `limit`) or S seconds pass
 * (204). Without a cursor it waits for the next new message. A client that leaves frees it at once.
 */
export async function handleLongPoll(
  ctx: LongPollContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  waitMs: number,
  principal: Principal,
): Promise<void> {
  let target = await parseTarget(ctx, req, principal, query, channel, afterParam(query));
  const limit = limitParam(query.get('limit') ?? undefined);
  if (ctx.draining()) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
  target = await startAtEnd(ctx, target);
  const poll = new Poll(ctx, target, limit, waitMs, ctx.limits.holdLongPoll(ctx.limits.address(req)));
  res.on('close', poll.cancel);
  let answer: PullAnswer;
  try {
    // Register (and let the engine's feed hear the channels) before reading, so a message
    // published in between wakes us.
    poll.wait();
    const heard = ctx.hub.heard(target.channels);
    if (heard !== undefined) await heard;
    answer = await pullPage(ctx, target, limit);
  } catch (error) {
    poll.end();
    throw error;
  } finally {
    res.off('close', poll.cancel);
  }
  if (answer.body === undefined && !poll.over()) {
    // Nothing yet: hold. The request leaves node:http while it waits (internals/held-reply.ts), and this
    // function returns, so nothing keeps the request and response alive meanwhile.
    poll.hold(new HeldReply(req, res, poll.cancel, ctx.internals));
    return;
  }
  poll.end();
  if (!res.destroyed) sendPull(ctx, res, target, answer, 'long-poll');
}

/**
 * One long poll: counted, cancellable (client gone, shutdown), bounded by its deadline. While held
 * it is a small state machine driven by its {@link MessageWait}: no promise or closure per poll.
 */
class Poll implements WaitOwner {
  /** A held request never outlives the token that opened it. */
  private readonly deadline: number;
  private waiting: MessageWait | undefined;
  /** How a wait that settled before the hold began ended (undefined: none did). */
  private early: boolean | undefined;
  private reply: HeldReply | undefined;
  private cancelled = false;
  private ended = false;

  constructor(
    private readonly ctx: LongPollContext,
    private readonly target: Target,
    private readonly limit: number,
    waitMs: number,
    private readonly release: () => void,
  ) {
    this.deadline = Math.min(Date.now() + waitMs, target.principal.expiresAt ?? Number.POSITIVE_INFINITY);
    ctx.polls.add(this);
    ctx.stats.connections['long-poll']++;
  }

  /** Stops waiting (the client left, the hub shuts down): the poll answers with what it has. */
  readonly cancel = (): void => {
    this.cancelled = true;
    this.waiting?.cancel();
  };

  /** Starts waiting for a message on the target's channels, until the deadline. */
  wait(): void {
    if (this.cancelled) {
      this.settled(false);
      return;
    }
    this.waiting = this.ctx.hub.waitForMessage(this.target.channels, Math.max(0, this.deadline - Date.now()), this);
  }

  over(): boolean {
    return this.cancelled || Date.now() >= this.deadline;
  }

  /** Holds until there is something to answer (or the wait ends), then answers on `reply`. */
  hold(reply: HeldReply): void {
    this.reply = reply;
    if (this.waiting === undefined && this.early !== undefined) this.next(this.early);
  }

  settled(woken: boolean): void {
    this.waiting = undefined;
    if (this.ended) return;
    if (this.reply === undefined) this.early = woken;
    else this.next(woken);
  }

  /** Reads after a wait: answers when there is something, or the wait ended unwoken; else waits on. */
  private next(woken: boolean): void {
    if (woken && !this.over()) this.wait();
    pullPage(this.ctx, this.target, this.limit).then(
      (answer) => {
        if (answer.body !== undefined || !woken || this.over()) this.answer(answer);
      },
      (error: unknown) => this.fail(error),
    );
  }

  private answer(answer: PullAnswer): void {
    if (this.ended) return;
    this.end();
    this.reply?.send(pullReply(this.ctx, this.target, answer, 'long-poll'), this.ctx.draining());
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.end();
    if (!(error instanceof HeraldError)) this.ctx.logger.error({ err: error }, 'long poll failed');
    this.reply?.fail(error);
  }

  /** Frees the poll's slot and count (once). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.waiting?.cancel();
    this.waiting = undefined;
    this.release();
    this.ctx.polls.delete(this);
    this.ctx.stats.connections['long-poll']--;
  }
}

/** Channels without a cursor start at their current end ("only new messages"). */
async function startAtEnd(ctx: PageContext, target: Target): Promise<Target> {
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

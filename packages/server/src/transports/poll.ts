import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelState } from '@herald/core';
import { HEADERS } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { limitParam } from '../http/query.ts';
import { etagOf, type PageContext, pullPage, pullPageNow } from './pull-page.ts';
import { pollInterval, type ReplyContext, sendPull } from './pull-reply.ts';
import { afterParam, parseTarget, type Target, type TargetContext } from './target.ts';
import type { TransportContext } from './transport.ts';

/** What a plain pull uses: its target, page and answer, and CORS for a bare 304. */
export type PollContext = TargetContext & PageContext & ReplyContext & Pick<TransportContext, 'cors'>;

/**
 * Plain pull (`GET` without `wait`): one page now. Without cursors, `If-None-Match` with the
 * channels' ETag gets 304 before any history is read: the cheapest poll there is, and answered
 * without a promise when the credentials and the engine allow (the request a polling client sends
 * most often).
 */
export function handlePoll(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  principal: Principal,
): Promise<void> | void {
  const target = parseTarget(ctx, req, principal, query, channel, afterParam(query));
  if (target instanceof Promise) return target.then((t) => poll(ctx, req, res, query, t));
  return poll(ctx, req, res, query, target);
}

function poll(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  target: Target,
): Promise<void> | void {
  const limit = limitParam(query.get('limit') ?? undefined);
  const inm = req.headers['if-none-match'];
  if (inm === undefined || target.cursors.some((c) => c !== undefined)) return answerPull(ctx, res, target, limit);
  const states = statesNow(ctx, target.channels);
  if (states === undefined) {
    return Promise.all(target.channels.map((c) => ctx.hub.state(c))).then((s) =>
      answerConditional(ctx, req, res, target, limit, inm, s),
    );
  }
  return answerConditional(ctx, req, res, target, limit, inm, states);
}

/** Every channel's state without a promise, or undefined when the engine cannot tell so. */
function statesNow(ctx: PollContext, channels: readonly string[]): ChannelState[] | undefined {
  const states: ChannelState[] = [];
  for (const channel of channels) {
    const state = ctx.hub.stateNow(channel);
    if (state === undefined) return undefined;
    states.push(state);
  }
  return states;
}

function answerConditional(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  limit: number,
  inm: string,
  states: readonly ChannelState[],
): Promise<void> | void {
  const etag = etagOf(states);
  if (inm !== etag && inm !== `W/${etag}`) return answerPull(ctx, res, target, limit);
  ctx.cors.trimNotModified(req, res);
  res.writeHead(304, {
    etag,
    [HEADERS.pollInterval]: pollInterval(ctx, target),
    'cache-control': 'no-cache',
  });
  res.end();
}

/** The page now when the engine can read it without a promise (memory, SQLite), else after the pull. */
function answerPull(ctx: PollContext, res: ServerResponse, target: Target, limit: number): Promise<void> | void {
  const now = pullPageNow(ctx, target, limit);
  if (now !== undefined) return sendPull(ctx, res, target, now, 'poll');
  return pullPage(ctx, target, limit).then((answer) => sendPull(ctx, res, target, answer, 'poll'));
}

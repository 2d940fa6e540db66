import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelState } from '@herald/core';
import { HEADERS, isChannelName } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { DEFAULT_LIMIT, limitParam } from '../http/query.ts';
import { writeWholeHead } from '../internals/index.ts';
import { framingOf } from './accept.ts';
import { etagOf, etagOfOne, type PageContext, pullPage, pullPageNow } from './pull-page.ts';
import { NO_HEADERS, pollInterval, type ReplyContext, sendPull } from './pull-reply.ts';
import { afterParam, channelTarget, parseTarget, type Target, type TargetContext } from './target.ts';
import type { TransportContext } from './transport.ts';

/** What a plain pull uses: its target, page and answer, and CORS for a bare 304. */
export type PollContext = TargetContext & PageContext & ReplyContext & Pick<TransportContext, 'cors'>;

/** What the plain poll shortcut uses besides the poll's own: the credentials. */
export type PollShortcutContext = PollContext & Pick<TransportContext, 'auth'>;

/** The one-channel messages URL (routes.ts), before and after the channel. */
const PREFIX = '/v1/channels/';
const SUFFIX = '/messages';

/**
 * The request pipeline's shortcut for the request a polling client sends most often: `GET
 * /v1/channels/{channel}/messages` for JSON, without `wait`. It gets the answer the route would give
 * (same checks, same errors, same headers) with less work: no route lookup, and every header, CORS
 * ones included, written in one `writeHead` (node:http's fast path; `setHeader` before it is the slow
 * one); without a query (the usual poll) not even an empty URLSearchParams is asked. Returns false,
 * having done nothing, for any other request, and for whatever the router might read otherwise
 * (percent-encoded or trailing `/`, absolute-form target): the pipeline routes those as usual.
 * Throws (or rejects) what the route would: the pipeline answers with the CORS headers. The caller
 * has checked the method, and the origin is checked here.
 */
export function shortcutPoll(
  ctx: PollShortcutContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> | boolean {
  const url = req.url as string;
  if (!url.startsWith(PREFIX)) return false;
  const slash = url.indexOf('/', PREFIX.length);
  if (slash === -1 || !url.startsWith(SUFFIX, slash)) return false;
  const end = slash + SUFFIX.length;
  if (end !== url.length && url.charCodeAt(end) !== 63 /* ? */) return false;
  const channel = url.slice(PREFIX.length, slash);
  const { headers } = req;
  if (!isChannelName(channel) || framingOf(headers.accept) !== 'json' || !ctx.cors.allows(headers.origin)) {
    return false;
  }
  const query = end === url.length ? undefined : new URLSearchParams(url.slice(end + 1));
  if (query?.has('wait')) return false;
  const principal = ctx.auth.authenticate(req, query);
  const answered =
    principal instanceof Promise
      ? principal.then((p) => pollChannel(ctx, req, res, query, channel, p))
      : pollChannel(ctx, req, res, query, channel, principal);
  return answered ?? true;
}

/** The shortcut's poll of a valid `channel`: the route's, or without a query the same answer at less cost. */
function pollChannel(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams | undefined,
  channel: string,
  principal: Principal,
): Promise<void> | void {
  if (query !== undefined) return handlePoll(ctx, req, res, query, channel, principal, true);
  // No `after` and no `limit`: the latest 100 messages, and a target only the credentials can refuse.
  const target = channelTarget(ctx, req, principal, channel);
  if (target instanceof Promise) return target.then((t) => poll(ctx, req, res, DEFAULT_LIMIT, t, true));
  return poll(ctx, req, res, DEFAULT_LIMIT, target, true);
}

/**
 * Plain pull (`GET` without `wait`): one page now. Without cursors, `If-None-Match` with the
 * channels' ETag gets 304 before any history is read: the cheapest poll there is, and answered
 * without a promise when the credentials and the engine allow (the request a polling client sends
 * most often). `corsPending`: the request pipeline set no CORS headers on `res` ({@link shortcutPoll}),
 * so the answer carries them.
 */
export function handlePoll(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  principal: Principal,
  corsPending = false,
): Promise<void> | void {
  const target = parseTarget(ctx, req, principal, query, channel, afterParam(query));
  if (target instanceof Promise) {
    return target.then((t) => poll(ctx, req, res, limitParam(query.get('limit') ?? undefined), t, corsPending));
  }
  return poll(ctx, req, res, limitParam(query.get('limit') ?? undefined), target, corsPending);
}

function poll(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  target: Target,
  corsPending: boolean,
): Promise<void> | void {
  const inm = req.headers['if-none-match'];
  if (inm === undefined || target.cursors.some((c) => c !== undefined)) {
    return answerPull(ctx, req, res, target, limit, corsPending);
  }
  if (!target.multi) {
    // One channel (the usual poll): its state and tag without an array of states.
    const state = ctx.hub.stateNow(target.channels[0] as string);
    if (state !== undefined) return answerConditional(ctx, req, res, target, limit, inm, etagOfOne(state), corsPending);
  } else {
    const states = statesNow(ctx, target.channels);
    if (states !== undefined) return answerConditional(ctx, req, res, target, limit, inm, etagOf(states), corsPending);
  }
  return Promise.all(target.channels.map((c) => ctx.hub.state(c))).then((s) =>
    answerConditional(ctx, req, res, target, limit, inm, etagOf(s), corsPending),
  );
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

/** 304 when `inm` names the current tag `etag` (weak or strong), else the page. */
function answerConditional(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  limit: number,
  inm: string,
  etag: string,
  corsPending: boolean,
): Promise<void> | void {
  if (inm !== etag && inm !== `W/${etag}`) return answerPull(ctx, req, res, target, limit, corsPending);
  let cors = NO_HEADERS;
  if (corsPending) cors = ctx.cors.headersOf(req, true);
  else ctx.cors.trimNotModified(req, res);
  // What writeReply would write for these headers, as a flat literal of strings (see sendPull).
  const head = ['etag', etag, HEADERS.pollInterval, `${pollInterval(ctx, target)}`, 'cache-control', 'no-cache'];
  writeWholeHead(res, 304, [cors, head], ctx.internals);
  res.end();
}

/** The page now when the engine can read it without a promise (memory, SQLite), else after the pull. */
function answerPull(
  ctx: PollContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
  limit: number,
  corsPending: boolean,
): Promise<void> | void {
  const cors = corsPending ? ctx.cors.headersOf(req, false) : NO_HEADERS;
  const now = pullPageNow(ctx, target, limit);
  if (now !== undefined) return sendPull(ctx, res, target, now, 'poll', cors);
  return pullPage(ctx, target, limit).then((answer) => sendPull(ctx, res, target, answer, 'poll', cors));
}

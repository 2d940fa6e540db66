import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelState, Message, PullResult } from '@herald/core';
import { formatMultiCursor, type Position } from '@herald/protocol';
import { limitParam } from '../http/query.ts';
import { sendJson } from '../http/respond.ts';
import { afterParam, parseTarget, type Target } from './target.ts';
import type { TransportContext } from './transport.ts';

/** The answer to a pull over one or many channels, before it is written. */
export interface PullAnswer {
  /** JSON body, or undefined for 204 (nothing new). */
  readonly body: string | undefined;
  /** The ETag (pulls without a cursor). */
  readonly etag: string | undefined;
  /** True when the page is full and so can never change (cacheable). */
  readonly immutable: boolean;
  /** Messages in the body. */
  readonly messages: number;
}

/**
 * Pulls one page for a target. Single channel: after the cursor, or the latest `limit` messages.
 * Many channels: channels in request order share the `limit`.
 */
export async function pullPage(ctx: TransportContext, target: Target, limit: number): Promise<PullAnswer> {
  if (!target.multi) {
    const channel = target.channels[0] as string;
    const cursor = target.cursors[0];
    const page = await ctx.hub.pull(channel, cursor, limit);
    const etag = cursor === undefined ? etagOf([page.state]) : undefined;
    if (page.messages.length === 0 && page.reset === undefined)
      return { body: undefined, etag, immutable: false, messages: 0 };
    return {
      body: singleBody(channel, page),
      etag,
      immutable: typeof cursor === 'object' && page.messages.length === limit && page.reset === undefined,
      messages: page.messages.length,
    };
  }
  // One batch for every channel: two engine round trips, however many channels.
  const requests = target.channels.map((channel, i) => ({ channel, cursor: target.cursors[i] }));
  const pages = await ctx.hub.pullMany(requests, limit);
  const messages: string[] = [];
  const resets: string[] = [];
  const cursors: Position[] = [];
  /** Each channel's state as read for this page: the ETag of a pull without cursors. */
  const states: Array<Pick<ChannelState, 'epoch' | 'last'>> = [];
  let more = false;
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i] as PullResult;
    const channel = target.channels[i] as string;
    const cursor = target.cursors[i];
    states.push(page.state);
    for (const m of page.messages) messages.push(m.toJson());
    if (page.reset !== undefined) resets.push(JSON.stringify({ channel, ...page.reset }));
    cursors.push({ epoch: page.state.epoch, offset: page.last });
    more ||= page.more && cursor !== undefined;
  }
  const anyCursor = target.cursors.some((c) => c !== undefined);
  if (anyCursor && messages.length === 0 && resets.length === 0) {
    return { body: undefined, etag: undefined, immutable: false, messages: 0 };
  }
  const body = `{"cursor":${JSON.stringify(formatMultiCursor(cursors))},"messages":[${messages.join(',')}]${
    more ? ',"more":true' : ''
  }${resets.length > 0 ? `,"resets":[${resets.join(',')}]` : ''}}`;
  return { body, etag: anyCursor ? undefined : etagOf(states), immutable: false, messages: messages.length };
}

/**
 * The ETag of a pull without cursors: `"<epoch>:<last>"` for one channel (contract section 3); for
 * several, a digest of every channel's `<epoch>:<last>` in request order (a tag names one version of
 * the answer, so any publish to any of them changes it; a digest keeps it short for many channels).
 */
function etagOf(states: ReadonlyArray<Pick<ChannelState, 'epoch' | 'last'>>): string {
  if (states.length === 1) {
    const only = states[0] as ChannelState;
    return `"${only.epoch}:${only.last}"`;
  }
  const versions = states.map((s) => `${s.epoch}:${s.last}`).join(',');
  return `"m.${createHash('sha256').update(versions).digest('base64url').slice(0, 27)}"`;
}

function singleBody(channel: string, page: PullResult): string {
  const parts: string[] = [];
  for (const m of page.messages as Message[]) parts.push(m.toJsonWithoutChannel());
  const reset = page.reset === undefined ? '' : `,"reset":${JSON.stringify(page.reset)}`;
  const more = page.more ? ',"more":true' : '';
  const { epoch } = page.state;
  return `{"channel":${JSON.stringify(channel)},"epoch":${JSON.stringify(epoch)},"cursor":"${epoch}:${page.last}","messages":[${parts.join(',')}]${more}${reset}}`;
}

/** An answer ready to write: a pull (200 with the page, 204 when nothing is new) or an error. */
export interface Reply {
  readonly status: number;
  /** Extra headers (caching, poll interval; the JSON content headers are added with the body). */
  readonly headers: Record<string, string | number>;
  /** JSON body; none for 204. */
  readonly body: string | undefined;
}

/** Writes a pull answer on the response. */
export function sendPull(
  ctx: TransportContext,
  res: ServerResponse,
  target: Target,
  answer: PullAnswer,
  transport: 'poll' | 'long-poll',
): void {
  writeReply(res, pullReply(ctx, target, answer, transport));
}

/** Writes an answer on a response node:http holds: JSON when it has a body, else the bare status. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) res.writeHead(reply.status, reply.headers).end();
  else sendJson(res, reply.status, reply.body, reply.headers);
}

/** The status, caching headers and poll interval of a pull answer; counts what it delivers. */
export function pullReply(
  ctx: TransportContext,
  target: Target,
  answer: PullAnswer,
  transport: 'poll' | 'long-poll',
): Reply {
  const channel = target.channels[0] as string;
  const settings = ctx.hub.settings(channel);
  const headers: Record<string, string | number> = { 'herald-poll-interval': pollInterval(ctx, target) };
  if (answer.etag !== undefined) headers.etag = answer.etag;
  const publicChannel = target.principal.kind === 'anonymous' || settings.anonymousSubscribe;
  headers['cache-control'] =
    answer.immutable && publicChannel
      ? `public, max-age=${Math.floor(settings.history.maxAgeMs / 1000)}, immutable`
      : answer.immutable
        ? 'private, max-age=60'
        : 'no-cache';
  if (answer.body === undefined) return { status: 204, headers, body: undefined };
  ctx.stats.bytesOut[transport] += answer.body.length;
  ctx.stats.delivered[transport] += answer.messages;
  return { status: 200, headers, body: answer.body };
}

/**
 * Plain pull (`GET` without `wait`): one page now. Without cursors, `If-None-Match` with the
 * channels' ETag gets 304 before any history is read: the cheapest poll there is, and answered
 * without a promise when the credentials and the engine allow (the request a polling client sends
 * most often).
 */
export function handlePoll(
  ctx: TransportContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
): Promise<void> | void {
  const target = parseTarget(ctx, req, query, channel, afterParam(query));
  if (target instanceof Promise) return target.then((t) => poll(ctx, req, res, query, t));
  return poll(ctx, req, res, query, target);
}

function poll(
  ctx: TransportContext,
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
function statesNow(ctx: TransportContext, channels: readonly string[]): ChannelState[] | undefined {
  const states: ChannelState[] = [];
  for (const channel of channels) {
    const state = ctx.hub.stateNow(channel);
    if (state === undefined) return undefined;
    states.push(state);
  }
  return states;
}

function answerConditional(
  ctx: TransportContext,
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
    'herald-poll-interval': pollInterval(ctx, target),
    'cache-control': 'no-cache',
  });
  res.end();
}

/** The shortest suggested interval of the target's channels. */
function pollInterval(ctx: TransportContext, target: Target): number {
  let interval = Number.POSITIVE_INFINITY;
  for (const channel of target.channels) interval = Math.min(interval, ctx.hub.pollIntervalMs(channel));
  return interval;
}

async function answerPull(ctx: TransportContext, res: ServerResponse, target: Target, limit: number): Promise<void> {
  sendPull(ctx, res, target, await pullPage(ctx, target, limit), 'poll');
}

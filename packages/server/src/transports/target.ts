import type { IncomingMessage } from 'node:http';
import { HeraldError } from '@herald/core';
import { type Cursor, parseMultiCursor } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { channelParam, cursorParam, single } from '../http/query.ts';
import type { HeraldOptions } from '../options.ts';
import type { TransportContext } from './transport.ts';

/** What parsing and authorizing a target uses: channel settings, backend hooks, one limit. */
export type TargetContext = Pick<TransportContext, 'hub' | 'hooks'> & {
  readonly options: Pick<HeraldOptions, 'maxSubscriptionsPerConnection'>;
};

/** What a subscribe/pull request asks for: one channel (`/v1/channels/{ch}/messages`) or many (`/v1/events`). */
export interface Target {
  readonly multi: boolean;
  readonly channels: readonly string[];
  /** Resume position per channel; undefined = none given. */
  readonly cursors: ReadonlyArray<Cursor | undefined>;
  readonly principal: Principal;
}

/**
 * Parses and authorizes the channels and cursor of a request for `principal` (the request pipeline
 * authenticated it: routes.ts). `resume` is the cursor text to use (the SSE transport passes
 * Last-Event-ID when present, contract section 4). Synchronous unless backend hooks must be asked: a
 * poll then takes no promise at all.
 */
export function parseTarget(
  ctx: TargetContext,
  req: IncomingMessage,
  principal: Principal,
  query: URLSearchParams,
  pathChannel: string | undefined,
  resume: string | undefined,
): Target | Promise<Target> {
  if (ctx.hooks.active) return hookedTarget(ctx, req, principal, query, pathChannel, resume);
  return buildTarget(ctx, query, pathChannel, resume, principal);
}

/**
 * {@link parseTarget} for a one-channel request without a query (no cursor), `channel` already
 * validated: the same target and the same refusals, without reading an empty query.
 */
export function channelTarget(
  ctx: TargetContext,
  req: IncomingMessage,
  principal: Principal,
  channel: string,
): Target | Promise<Target> {
  if (ctx.hooks.active) return hookedTarget(ctx, req, principal, EMPTY_QUERY, channel, undefined);
  principal.assertSubscribe(channel, ctx.hub.settings(channel));
  return { multi: false, channels: [channel], cursors: [undefined], principal };
}

/** The query of a request without one (nothing writes to a query). */
const EMPTY_QUERY = new URLSearchParams();

/**
 * {@link parseTarget} when some namespace has backend hooks: a client without credentials may be
 * granted rights by its namespace's connect hook first, and each channel then passes the subscribe hook.
 */
async function hookedTarget(
  ctx: TargetContext,
  req: IncomingMessage,
  authenticated: Principal,
  query: URLSearchParams,
  pathChannel: string | undefined,
  resume: string | undefined,
): Promise<Target> {
  const client = ctx.hooks.clientOf(req);
  const principal = ctx.hooks.guest(authenticated, client);
  const target = buildTarget(ctx, query, pathChannel, resume, principal, false);
  for (const channel of target.channels) {
    const settings = ctx.hub.settings(channel);
    await ctx.hooks.connect(principal, settings);
    principal.assertSubscribe(channel, settings);
  }
  // Subscribe hooks together: a request for many channels waits for the slowest, not for the sum.
  await Promise.all(
    target.channels.map((channel) => ctx.hooks.checkSubscribe(principal, client, channel, ctx.hub.settings(channel))),
  );
  return target;
}

function buildTarget(
  ctx: TargetContext,
  query: URLSearchParams,
  pathChannel: string | undefined,
  resume: string | undefined,
  principal: Principal,
  authorize = true,
): Target {
  let target: Target;
  if (pathChannel !== undefined) {
    const channel = channelParam(pathChannel);
    target = { multi: false, channels: [channel], cursors: [cursorParam(resume)], principal };
  } else {
    const channels = query.getAll('channel').map(channelParam);
    if (channels.length === 0) throw new HeraldError('bad_request', 'name at least one channel: ?channel=a&channel=b');
    if (channels.length > ctx.options.maxSubscriptionsPerConnection) {
      throw new HeraldError('bad_request', `at most ${ctx.options.maxSubscriptionsPerConnection} channels per request`);
    }
    if (new Set(channels).size !== channels.length) throw new HeraldError('bad_request', 'a channel is named twice');
    let cursors: Array<Cursor | undefined> = channels.map(() => undefined);
    if (resume !== undefined) {
      const parsed = parseMultiCursor(resume, channels.length);
      if (parsed === undefined) {
        throw new HeraldError('bad_request', 'the cursor does not match the channels of this request');
      }
      cursors = parsed;
    }
    target = { multi: true, channels, cursors, principal };
  }
  if (authorize) for (const channel of target.channels) principal.assertSubscribe(channel, ctx.hub.settings(channel));
  return target;
}

/** `after` from the query, validated as single-valued. */
export function afterParam(query: URLSearchParams): string | undefined {
  return single(query, 'after');
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';
import { waitParam } from '../http/query.ts';
import { framingOf } from './accept.ts';
import { handleLongPoll } from './long-poll.ts';
import { handleNdjson } from './ndjson.ts';
import { handlePoll } from './poll.ts';
import { handleSse } from './sse.ts';
import type { TransportContext } from './transport.ts';

export { shortcutPoll } from './poll.ts';
export type { TransportContext } from './transport.ts';
export { createUpgradeHandler, socketRoutes } from './upgrade.ts';

/**
 * One URL, every transport: chosen by Upgrade (elsewhere), Accept and `wait` (contract section 3).
 * Not `async`: a plain poll may be answered synchronously (see handlePoll); errors are thrown either way.
 */
export function subscribeOrPull(
  ctx: TransportContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  principal: Principal,
): Promise<void> | void {
  const framing = framingOf(req.headers.accept);
  if (framing === 'sse') return handleSse(ctx, req, res, query, channel, principal);
  if (framing === 'ndjson') return handleNdjson(ctx, req, res, query, channel, principal);
  if (framing === undefined) {
    throw new HeraldError(
      'not_acceptable',
      'this URL serves application/json, text/event-stream or application/x-ndjson',
    );
  }
  const waitMs = waitParam(query.get('wait') ?? undefined, ctx.options.longPollMaxMs);
  if (query.getAll('wait').length > 1) throw new HeraldError('bad_request', 'parameter wait is given more than once');
  if (waitMs > 0) return handleLongPoll(ctx, req, res, query, channel, waitMs, principal);
  return handlePoll(ctx, req, res, query, channel, principal);
}

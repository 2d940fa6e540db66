import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { type CloseLine, formatCursor, type ResetLine, type SubscribedLine } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { socketAssigned } from '../http/pipelined.ts';
import { HttpStream, type StreamFormat, type StreamRequestContext } from './http-stream.ts';
import { streamFraming } from './stream-framing.ts';
import { afterParam, parseTarget } from './target.ts';

const line = streamFraming((m) => Buffer.from(`${m.toJson()}\n`));
const HEARTBEAT = Buffer.from('\n');

/** NDJSON framing (contract section 5): one JSON object a line, an empty line as heartbeat. */
export const NDJSON_FORMAT: StreamFormat = {
  transport: 'ndjson',
  contentType: 'application/x-ndjson',
  preamble: () => '',
  subscribed: (channel, epoch, last) =>
    `${JSON.stringify({ subscribed: { channel, epoch, cursor: formatCursor({ epoch, offset: last }) } } satisfies SubscribedLine)}\n`,
  framing: line,
  reset: (n) =>
    `${JSON.stringify({ reset: { channel: n.channel, epoch: n.epoch, from: n.from } } satisfies ResetLine)}\n`,
  heartbeat: HEARTBEAT,
  close: (code, reason) => `${JSON.stringify({ close: { code, reason } } satisfies CloseLine)}\n`,
};

/** `Accept: application/x-ndjson`: HTTP streaming, resumable with `?after=`. */
export async function handleNdjson(
  ctx: StreamRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  channel: string | undefined,
  principal: Principal,
): Promise<void> {
  const target = await parseTarget(ctx, req, principal, query, channel, afterParam(query));
  if (ctx.draining()) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
  if (!(await ctx.hub.engineReady())) throw new HeraldError('unavailable', 'the engine is down', 2);
  if (!(await socketAssigned(req, res))) return;
  res.once('close', ctx.limits.holdConnection(ctx.limits.address(req)));
  await new HttpStream(ctx, res, NDJSON_FORMAT, target).open(req);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError, type Hub, type PublishInput } from '@herald/core';
import { isChannelName } from '@herald/protocol';
import { z } from 'zod';
import type { Principal } from '../auth/authenticator.ts';
import { readJsonBody } from '../http/body.ts';
import { channelParam } from '../http/query.ts';
import { sendJson, toHeraldError } from '../http/respond.ts';
import type { Limits } from '../limits/limits.ts';

const item = z.object({ data: z.unknown(), event: z.string().optional() }).loose();
const single = z.union([item, z.array(item).min(1).max(1000)]);
const multi = z.object({
  messages: z
    .array(z.object({ channel: z.string(), data: z.unknown(), event: z.string().optional() }).loose())
    .min(1)
    .max(1000),
});

/** What the publish endpoints need from the server. */
export interface PublishContext {
  readonly hub: Hub;
  readonly maxBodyBytes: number;
  /** Publish rates per connection and per principal (429 beyond). */
  readonly limits: Limits;
}

/**
 * `POST /v1/channels/{channel}/messages`: one message or a batch (a JSON array, published in order).
 * `Idempotency-Key` makes a retry publish nothing new and get the first answer.
 */
export async function handlePublish(
  ctx: PublishContext,
  req: IncomingMessage,
  res: ServerResponse,
  channelName: string | undefined,
  principal: Principal,
): Promise<void> {
  const channel = channelParam(channelName);
  principal.assertPublish(channel, ctx.hub.settings(channel));
  const key = idempotencyKey(req);
  const parsed = single.safeParse(await readJsonBody(req, res, ctx.maxBodyBytes));
  if (!parsed.success) {
    throw new HeraldError('bad_request', 'the body is {"data": …, "event"?: "name"} or an array of such objects');
  }
  const batch = Array.isArray(parsed.data);
  ctx.limits.admitPublish(
    req.socket,
    principal,
    ctx.limits.address(req),
    batch ? (parsed.data as unknown[]).length : 1,
  );
  const inputs: PublishInput[] = (batch ? (parsed.data as PublishInput[]) : [parsed.data as PublishInput]).map((m) => ({
    data: m.data,
    event: m.event,
  }));
  const result = await ctx.hub.publish(channel, inputs, key);
  const messages = result.messages.map((m) => ({
    offset: m.offset,
    cursor: `${result.epoch}:${m.offset}`,
    time: m.time,
  }));
  if (batch) {
    sendJson(res, 201, { channel, epoch: result.epoch, messages });
  } else {
    sendJson(res, 201, { channel, epoch: result.epoch, ...messages[0] });
  }
}

/**
 * `POST /v1/publish`: many channels at once; each item gets its own result or error, and one bad
 * item does not sink the others.
 */
export async function handleMultiPublish(
  ctx: PublishContext,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): Promise<void> {
  const parsed = multi.safeParse(await readJsonBody(req, res, ctx.maxBodyBytes));
  if (!parsed.success) {
    throw new HeraldError('bad_request', 'the body is {"messages": [{"channel", "data", "event"?}, …]}');
  }
  ctx.limits.admitPublish(req.socket, principal, ctx.limits.address(req), parsed.data.messages.length);
  const results = [];
  for (const m of parsed.data.messages) {
    try {
      if (!isChannelName(m.channel)) throw new HeraldError('bad_request', 'invalid channel name');
      principal.assertPublish(m.channel, ctx.hub.settings(m.channel));
      const r = await ctx.hub.publish(m.channel, [{ data: m.data, event: m.event }]);
      const w = r.messages[0];
      if (w === undefined) throw new HeraldError('internal');
      results.push({
        channel: m.channel,
        epoch: r.epoch,
        offset: w.offset,
        cursor: `${r.epoch}:${w.offset}`,
        time: w.time,
      });
    } catch (error) {
      const e = toHeraldError(error);
      results.push({ channel: m.channel, error: { code: e.code, message: e.message } });
    }
  }
  sendJson(res, 200, { results });
}

function idempotencyKey(req: IncomingMessage): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 256 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new HeraldError('bad_request', 'Idempotency-Key is 1-256 visible ASCII characters');
  }
  return key;
}

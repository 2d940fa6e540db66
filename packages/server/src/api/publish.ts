import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError, type Hub, type PublishInput } from '@herald/core';
import { isChannelName } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import { readJsonBody } from '../http/body.ts';
import { channelParam } from '../http/query.ts';
import { sendJson, toHeraldError } from '../http/respond.ts';
import type { Limits } from '../limits/limits.ts';

/** Most messages in one publish request. */
const MAX_BATCH = 1000;

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
  const body = await readJsonBody(req, res, ctx.maxBodyBytes);
  const batch = Array.isArray(body);
  const inputs = batch ? inputList(body) : inputOf(body);
  if (inputs === undefined) {
    throw new HeraldError('bad_request', 'the body is {"data": …, "event"?: "name"} or an array of such objects');
  }
  ctx.limits.admitRequestPublish(req, principal, inputs.length);
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
  const body = await readJsonBody(req, res, ctx.maxBodyBytes);
  const items = isObject(body) && Array.isArray(body.messages) ? multiList(body.messages) : undefined;
  if (items === undefined) {
    throw new HeraldError('bad_request', 'the body is {"messages": [{"channel", "data", "event"?}, …]}');
  }
  ctx.limits.admitRequestPublish(req, principal, items.length);
  const results = [];
  for (const m of items) {
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

// Hand-written checks of the publish bodies (a schema library cost more than the rest of a publish).
// Fields other than these are ignored, so clients may send more without breaking.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"data": …, "event"?: "name"}` as one input; undefined when it is not such an object. */
function inputOf(value: unknown): PublishInput[] | undefined {
  const input = asInput(value);
  return input === undefined ? undefined : [input];
}

function asInput(value: unknown): PublishInput | undefined {
  if (!isObject(value)) return undefined;
  const { data, event } = value;
  if (event !== undefined && typeof event !== 'string') return undefined;
  return { data, event };
}

/** A batch: 1 to MAX_BATCH inputs, each valid. */
function inputList(values: unknown[]): PublishInput[] | undefined {
  if (values.length < 1 || values.length > MAX_BATCH) return undefined;
  const inputs: PublishInput[] = [];
  for (const value of values) {
    const input = asInput(value);
    if (input === undefined) return undefined;
    inputs.push(input);
  }
  return inputs;
}

/** The items of `POST /v1/publish`: each also names its channel (validated per item later). */
function multiList(values: unknown[]): Array<PublishInput & { channel: string }> | undefined {
  if (values.length < 1 || values.length > MAX_BATCH) return undefined;
  const items: Array<PublishInput & { channel: string }> = [];
  for (const value of values) {
    const input = asInput(value);
    if (input === undefined || !isObject(value) || typeof value.channel !== 'string') return undefined;
    items.push({ ...input, channel: value.channel });
  }
  return items;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AppendResult, HeraldError, type Hub, type PublishInput } from '@herald/core';
import { formatCursor, isChannelName } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import type { ClientInfo } from '../hooks/client-info.ts';
import type { Hooks } from '../hooks/hooks.ts';
import { parseJsonBytes, readJsonBody, readJsonBytesThen } from '../http/body.ts';
import { channelParam } from '../http/query.ts';
import { sendJson, toHeraldError } from '../http/respond.ts';
import type { Limits } from '../limits/limits.ts';
import { canonicalInput } from './publish-text.ts';

/** Most messages in one publish request. */
const MAX_BATCH = 1000;

/** Set (to `true`) on the answer to a publish whose Idempotency-Key was already used: nothing new was written. */
const REPLAYED_HEADER = 'idempotent-replayed';

/** What the publish endpoints need from the server. */
export interface PublishContext {
  readonly hub: Hub;
  readonly maxBodyBytes: number;
  /** Publish rates per connection and per principal (429 beyond). */
  readonly limits: Limits;
  /** Backend hooks: connect (clients without credentials) and publish (refuse or transform a message). */
  readonly hooks?: Hooks | undefined;
}

/**
 * `POST /v1/channels/{channel}/messages`: one message or a batch (a JSON array, published in order).
 * `Idempotency-Key` makes a retry publish nothing new and get the first answer, marked
 * `Idempotent-Replayed: true`. Without backend hooks and on an engine that appends in the process
 * (memory), the body is published and answered in its 'end' listener: no promise hop after it.
 */
export function handlePublish(
  ctx: PublishContext,
  req: IncomingMessage,
  res: ServerResponse,
  channelName: string | undefined,
  principal: Principal,
): Promise<void> {
  const channel = channelParam(channelName);
  const settings = ctx.hub.settings(channel);
  const client = ctx.hooks?.active === true ? ctx.hooks.clientOf(req) : undefined;
  if (client !== undefined) return hookedPublish(ctx, req, res, channel, settings, principal, client);
  principal.assertPublish(channel, settings);
  const key = idempotencyKey(req);
  return readJsonBytesThen(req, res, ctx.maxBodyBytes, (bytes) => {
    // A single message whose data is already compact JSON is taken as it is, without parsing it.
    const single = canonicalInput(bytes);
    const body = single === undefined ? parseJsonBytes(bytes) : undefined;
    const batch = Array.isArray(body);
    const inputs = single === undefined ? publishInputs(body, batch) : [single];
    ctx.limits.admitRequestPublish(req, principal, inputs.length);
    const written = ctx.hub.publishNow(channel, inputs, key);
    if (written !== undefined) return sendPublished(res, channel, written, batch);
    return ctx.hub.publish(channel, inputs, key).then((result) => sendPublished(res, channel, result, batch));
  });
}

/** {@link handlePublish} when the channel's namespace has backend hooks: connect and publish hooks first. */
async function hookedPublish(
  ctx: PublishContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  settings: ReturnType<Hub['settings']>,
  principal: Principal,
  client: ClientInfo,
): Promise<void> {
  const who = await hookedPrincipal(ctx, principal, client, settings);
  who.assertPublish(channel, settings);
  const key = idempotencyKey(req);
  const body = await readJsonBody(req, res, ctx.maxBodyBytes);
  const batch = Array.isArray(body);
  const inputs = publishInputs(body, batch);
  ctx.limits.admitRequestPublish(req, who, inputs.length);
  const stored =
    ctx.hooks === undefined ? inputs : await ctx.hooks.checkPublish(who, client, channel, inputs, settings);
  sendPublished(res, channel, await ctx.hub.publish(channel, stored, key), batch);
}

/** The inputs of a publish body: one object, or a batch (an array); 400 unless valid. */
function publishInputs(body: unknown, batch: boolean): PublishInput[] {
  const inputs = batch ? inputList(body as unknown[]) : inputOf(body);
  if (inputs === undefined) {
    throw new HeraldError('bad_request', 'the body is {"data": …, "event"?: "name"} or an array of such objects');
  }
  return inputs;
}

/** The 201 of a publish. A replay gets the first answer unchanged (same status and body), so only a header can tell it apart. */
function sendPublished(res: ServerResponse, channel: string, result: AppendResult, batch: boolean): void {
  sendJson(res, 201, publishedJson(channel, result, batch), result.duplicate ? REPLAYED : NO_HEADERS);
}

const REPLAYED: Readonly<Record<string, string>> = { [REPLAYED_HEADER]: 'true' };
const NO_HEADERS: Readonly<Record<string, string>> = {};

/**
 * The answer to a publish: `{"channel","epoch","offset","cursor","time"}` for one message, or
 * `{"channel","epoch","messages":[{"offset","cursor","time"}, …]}` for a batch. Written as text
 * (JSON.stringify of the objects cost a tenth of a publish): the channel is a valid name and the epoch
 * matches EPOCH_PATTERN (protocol), so neither needs escaping; offsets and times are integers.
 */
export function publishedJson(channel: string, result: AppendResult, batch: boolean): string {
  const { epoch, messages } = result;
  const head = `{"channel":"${channel}","epoch":"${epoch}"`;
  if (!batch) {
    const m = messages[0];
    if (m === undefined) throw new HeraldError('internal');
    return `${head},${positionJson(epoch, m.offset, m.time)}}`;
  }
  let list = '';
  for (const m of messages) list += `${list === '' ? '' : ','}{${positionJson(epoch, m.offset, m.time)}}`;
  return `${head},"messages":[${list}]}`;
}

/** `"offset":…,"cursor":"…","time":…` of one written message. */
function positionJson(epoch: string, offset: number, time: number): string {
  return `"offset":${offset},"cursor":"${formatCursor({ epoch, offset })}","time":${time}`;
}

/**
 * `POST /v1/publish`: many channels at once; each item gets its own result or error, and one bad
 * item (not an object, a channel that is not a valid name, bad data or event) does not sink the others.
 */
export async function handleMultiPublish(
  ctx: PublishContext,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): Promise<void> {
  const body = await readJsonBody(req, res, ctx.maxBodyBytes);
  const items = isObject(body) ? body.messages : undefined;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH) {
    throw new HeraldError(
      'bad_request',
      `the body is {"messages": [{"channel", "data", "event"?}, …]} with 1 to ${MAX_BATCH} items`,
    );
  }
  ctx.limits.admitRequestPublish(req, principal, items.length);
  const client = ctx.hooks?.active === true ? ctx.hooks.clientOf(req) : undefined;
  if (client !== undefined) return hookedMultiPublish(ctx, res, principal, client, items);
  // Every append is handed to the engine before any is awaited, in item order (engines keep call
  // order per channel): a store that commits in groups (SQLite) then writes the batch in one commit.
  const results = await Promise.all(items.map((item) => publishItem(ctx, principal, item)));
  sendJson(res, 200, { results });
}

/**
 * `POST /v1/publish` when some namespace has backend hooks: items go through the connect and publish
 * hooks one by one (in order), each with its own result or error.
 */
async function hookedMultiPublish(
  ctx: PublishContext,
  res: ServerResponse,
  principal: Principal,
  client: ClientInfo,
  items: unknown[],
): Promise<void> {
  const who = ctx.hooks?.guest(principal, client) ?? principal;
  const results: object[] = [];
  for (const item of items) results.push(await publishItem(ctx, who, item, client));
  sendJson(res, 200, { results });
}

/** A client without credentials asks its namespace's connect hook for rights (backend hooks). */
async function hookedPrincipal(
  ctx: PublishContext,
  principal: Principal,
  client: ClientInfo,
  settings: ReturnType<Hub['settings']>,
): Promise<Principal> {
  if (ctx.hooks === undefined) return principal;
  const p = ctx.hooks.guest(principal, client);
  await ctx.hooks.connect(p, settings);
  return p;
}

/** One item of `POST /v1/publish`: its result, or its own error. */
async function publishItem(
  ctx: PublishContext,
  principal: Principal,
  item: unknown,
  client?: ClientInfo,
): Promise<object> {
  // Echoed only when it is a string, so a result never carries back an arbitrary JSON value.
  const channel = isObject(item) && typeof item.channel === 'string' ? item.channel : null;
  try {
    const input = asInput(item);
    if (input === undefined) throw new HeraldError('bad_request', 'an item is {"channel", "data", "event"?: "name"}');
    if (!isChannelName(channel)) throw new HeraldError('bad_request', 'invalid channel name');
    const settings = ctx.hub.settings(channel);
    const who = client === undefined ? principal : await hookedPrincipal(ctx, principal, client, settings);
    who.assertPublish(channel, settings);
    const stored =
      client === undefined || ctx.hooks === undefined
        ? [input]
        : await ctx.hooks.checkPublish(who, client, channel, [input], settings);
    const r = await ctx.hub.publish(channel, stored);
    const w = r.messages[0];
    if (w === undefined) throw new HeraldError('internal');
    return {
      channel,
      epoch: r.epoch,
      offset: w.offset,
      cursor: formatCursor({ epoch: r.epoch, offset: w.offset }),
      time: w.time,
    };
  } catch (error) {
    const e = toHeraldError(error);
    return { channel, error: { code: e.code, message: e.message } };
  }
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

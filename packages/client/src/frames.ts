import { parseCursor, type ServerOp, SSE_EVENTS, type WireMessage, type WireReset } from '@herald/protocol';

/**
 * What every transport turns its wire format into, so that resume and delivery logic exists once.
 * `epoch` on a message is set when the transport tells it (SSE ids, pull cursors).
 */
export type Frame =
  | { type: 'message'; message: WireMessage; epoch?: string | undefined }
  | { type: 'reset'; reset: WireReset }
  | { type: 'start'; channel: string; epoch: string; cursor: string | undefined; client?: string | undefined }
  | { type: 'member'; channel: string; kind: 'join' | 'leave'; member: Record<string, unknown> }
  | { type: 'close'; code: number; reason: string };

/** The hub ended one subscription of a multiplexed socket (`op: unsubscribed`, after `op: auth`). */
export interface Dropped {
  dropped: string;
  code: string;
  message: string;
}

/** A reply to a multiplexed WebSocket request (`ok` or `error`); its `ref` is matched by the sender. */
export interface Reply {
  ref: unknown;
  ok: boolean;
  body: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads a message object; `channel` fills in for single-channel bodies that omit it. */
export function toMessage(value: unknown, channel?: string): WireMessage | undefined {
  if (!isObject(value)) return undefined;
  const ch = typeof value.channel === 'string' ? value.channel : channel;
  const { offset, time, event } = value;
  if (ch === undefined || !Number.isSafeInteger(offset)) return undefined;
  if (!('data' in value)) return undefined;
  // isSafeInteger is false for anything that is not a number.
  const message: WireMessage = {
    channel: ch,
    offset: offset as number,
    data: value.data,
    time: typeof time === 'number' ? time : 0,
  };
  if (typeof event === 'string') message.event = event;
  return message;
}

/** Reads a compact message frame (subprotocol `herald.compact`); `channel` for bound sockets. */
export function toCompactMessage(value: Json, channel?: string): WireMessage | undefined {
  const ch = typeof value.c === 'string' ? value.c : channel;
  const { o, t, e } = value;
  if (ch === undefined || !Number.isSafeInteger(o) || !('d' in value)) return undefined;
  const message: WireMessage = { channel: ch, offset: o as number, data: value.d, time: typeof t === 'number' ? t : 0 };
  if (typeof e === 'string') message.event = e;
  return message;
}

/** Reads a reset object. */
export function toReset(value: unknown, channel?: string): WireReset | undefined {
  if (!isObject(value)) return undefined;
  const ch = typeof value.channel === 'string' ? value.channel : channel;
  if (ch === undefined || typeof value.epoch !== 'string' || typeof value.from !== 'number') return undefined;
  return { channel: ch, epoch: value.epoch, from: value.from };
}

function toClose(value: unknown): Frame | undefined {
  if (!isObject(value) || typeof value.code !== 'number') return undefined;
  return { type: 'close', code: value.code, reason: typeof value.reason === 'string' ? value.reason : '' };
}

/**
 * Parses one multiplexed-WebSocket text frame (contract section 6). A `pong` is undefined like any
 * frame the client does not act on: it only matters as a sign of life, which every frame is.
 */
export function parseWsFrame(text: string): Frame | Reply | Dropped | undefined {
  const value = parseJson(text);
  if (!isObject(value)) return undefined;
  // The ops the hub sends are the protocol's ServerOp: a case for an op it never sends fails to compile.
  const op = value.op as ServerOp['op'] | undefined;
  switch (op) {
    case 'message': {
      const message = toMessage(value);
      return message && { type: 'message', message };
    }
    case 'reset': {
      const reset = toReset(value);
      return reset && { type: 'reset', reset };
    }
    case 'ok':
    case 'error':
      return { ref: value.ref, ok: op === 'ok', body: value };
    case 'join':
    case 'leave':
      // Read by the presence module (kept out of the core bundle), which checks the member's fields.
      return typeof value.channel === 'string'
        ? { type: 'member', channel: value.channel, kind: op, member: value }
        : undefined;
    case 'unsubscribed':
      return typeof value.channel === 'string'
        ? {
            dropped: value.channel,
            code: String(value.code ?? 'forbidden'),
            message: String(value.message ?? 'unsubscribed by the hub'),
          }
        : undefined;
    case undefined: {
      // A compact message frame has no op (subprotocol herald.compact).
      const message = toCompactMessage(value);
      return message && { type: 'message', message };
    }
    default:
      return undefined;
  }
}

/** Parses one NDJSON line (contract section 5); an empty line is a heartbeat and yields undefined. */
export function parseNdjsonLine(line: string): Frame | undefined {
  // A blank line is no JSON: parseJson gives undefined for it.
  const value = parseJson(line);
  if (!isObject(value)) return undefined;
  if (isObject(value.subscribed)) {
    const { channel, epoch, cursor } = value.subscribed;
    if (typeof channel !== 'string' || typeof epoch !== 'string') return undefined;
    return { type: 'start', channel, epoch, cursor: typeof cursor === 'string' ? cursor : undefined };
  }
  if ('reset' in value) {
    const reset = toReset(value.reset);
    return reset && { type: 'reset', reset };
  }
  if ('close' in value) return toClose(value.close);
  const message = toMessage(value);
  return message && { type: 'message', message };
}

/**
 * Epoch of `channel` in a positional multi-channel cursor (see protocol `formatMultiCursor`): its
 * entry alone is read, so a cursor of another length than the request's channels tells nothing.
 */
export function epochIn(cursor: string | undefined, channels: readonly string[], channel: string): string | undefined {
  const entries = cursor?.split(',');
  const entry = entries?.length === channels.length ? entries[channels.indexOf(channel)] : undefined;
  const parsed = entry === undefined ? undefined : parseCursor(entry);
  return typeof parsed === 'object' ? parsed.epoch : undefined; // not for `0` ('start')
}

/** Parses one SSE event from `/v1/events` (contract section 4, many-channel framing). */
export function parseSseEvent(
  event: { event?: string | undefined; data: string; id?: string | undefined },
  channels: readonly string[],
): Frame | undefined {
  const value = parseJson(event.data);
  const single = channels.length === 1 ? channels[0] : undefined;
  if (event.event === SSE_EVENTS.reset) {
    const reset = toReset(value, single);
    return reset && { type: 'reset', reset };
  }
  if (event.event === SSE_EVENTS.close) return toClose(value);
  const message = toMessage(value, single);
  if (!message) return undefined;
  return { type: 'message', message, epoch: epochIn(event.id, channels, message.channel) };
}

/** Parses a pull / long-poll answer from `/v1/events` (contract section 3) into frames, resets first. */
export function parsePullBody(body: unknown, channels: readonly string[]): { frames: Frame[]; more: boolean } {
  const frames: Frame[] = [];
  if (!isObject(body)) return { frames, more: false };
  const channel = typeof body.channel === 'string' ? body.channel : channels.length === 1 ? channels[0] : undefined;
  const resets = Array.isArray(body.resets) ? body.resets : body.reset === undefined ? [] : [body.reset];
  for (const item of resets) {
    const reset = toReset(item, channel);
    if (reset) frames.push({ type: 'reset', reset });
  }
  const cursor = typeof body.cursor === 'string' ? body.cursor : undefined;
  for (const item of Array.isArray(body.messages) ? body.messages : []) {
    const message = toMessage(item, channel);
    if (message) frames.push({ type: 'message', message, epoch: epochIn(cursor, channels, message.channel) });
  }
  return { frames, more: body.more === true };
}

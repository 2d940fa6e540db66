import { type AppendResult, type ChannelState, Message, type ReadResult } from '@herald/core';

/*
 * Decoding of what the Lua scripts answer and publish (see scripts.ts for the producing side).
 */

/** Version tag of the notification payload, its first element. */
const NOTIFICATION_V1 = 1;

/**
 * Decodes a notification: `[1, epoch, time, firstOffset, event|null, data, event|null, data, …]`. A
 * batch has one time and contiguous offsets, so they are sent once. `data` travels as a JSON string, so
 * its exact text survives (re-serializing a parsed payload could change it). Undefined when malformed.
 */
export function decodeNotification(channel: string, payload: string): Message[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length < 6 || value.length % 2 !== 0) return undefined;
  const [version, epoch, time, first] = value as unknown[];
  if (version !== NOTIFICATION_V1 || typeof epoch !== 'string' || !isCount(time) || !isCount(first)) {
    return undefined;
  }
  const messages: Message[] = [];
  for (let i = 4; i < value.length; i += 2) {
    const event: unknown = value[i];
    const data: unknown = value[i + 1];
    if ((event !== null && typeof event !== 'string') || typeof data !== 'string') return undefined;
    messages.push(new Message(channel, epoch, first + messages.length, event ?? undefined, data, time));
  }
  return messages;
}

/** Decodes an append's result string `epoch time first count`. */
export function decodeAppendResult(text: string, duplicate: boolean): AppendResult {
  const [epoch, time, first, count] = text.split(' ');
  const t = Number(time);
  const f = Number(first);
  const n = Number(count);
  if (epoch === undefined || !isCount(t) || !isCount(f) || !isCount(n)) throw malformed('append result', text);
  return { epoch, messages: Array.from({ length: n }, (_, i) => ({ offset: f + i, time: t })), duplicate };
}

/** Decodes the append script's reply `[0|1, result]`. */
export function decodeAppendReply(reply: unknown): AppendResult {
  if (!Array.isArray(reply) || typeof reply[1] !== 'string') throw malformed('append reply', reply);
  return decodeAppendResult(reply[1], reply[0] === 1);
}

/** Decodes the read script's reply `[epoch, first, last, entries]`. */
export function decodeReadReply(channel: string, reply: unknown): ReadResult {
  if (!Array.isArray(reply) || reply.length !== 4) throw malformed('read reply', reply);
  const [epoch, first, last, entries] = reply as unknown[];
  if (typeof epoch !== 'string' || !isCount(first) || !isCount(last) || !Array.isArray(entries)) {
    throw malformed('read reply', reply);
  }
  const state: ChannelState = { epoch, first, last };
  return { state, messages: entries.map((entry: unknown) => decodeEntry(channel, epoch, entry)) };
}

/** One stream entry `[id, [field, value, …]]`; fields t (time), d (data), e (event, when there is one). */
function decodeEntry(channel: string, epoch: string, entry: unknown): Message {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
    throw malformed('stream entry', entry);
  }
  const offset = Number.parseInt(entry[0], 10);
  const fields = entry[1] as unknown[];
  let time: number | undefined;
  let data: string | undefined;
  let event: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    if (typeof value !== 'string') continue;
    if (fields[i] === 't') time = Number(value);
    else if (fields[i] === 'd') data = value;
    else if (fields[i] === 'e') event = value;
  }
  if (!isCount(offset) || time === undefined || !isCount(time) || data === undefined) {
    throw malformed('stream entry', entry);
  }
  return new Message(channel, epoch, offset, event, data, time);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(what: string, value: unknown): Error {
  return new Error(`redis engine: malformed ${what}: ${JSON.stringify(value)?.slice(0, 200)}`);
}

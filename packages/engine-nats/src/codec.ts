import { type AppendInput, Message } from '@herald/core';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/*
 * One JetStream message of a channel's subject holds one append: `count` Herald messages with the
 * offsets `first … first+count-1`, one time, and the channel's epoch. A message with count 0 is the
 * channel's "marker": written when a channel is first looked at, it carries the epoch of an empty channel.
 *
 * Headers (read without touching the body, so a position lookup parses one short header):
 *   Herald-Pos  `<epoch> <first> <count> <time> <floor>`; floor is the lowest offset still kept by the
 *               count limit as of this append (the count trim is applied by reading, see history.ts).
 *   Herald-Len  byte lengths of the data texts, comma-separated, when count > 1.
 *   Herald-Ev   the events as a JSON array (`null` for none, non-ASCII escaped), when any is set.
 * Body: the data texts, concatenated as UTF-8. They are stored as written, never re-serialized, so the
 * exact text survives (escapes, number formats).
 */

const POS = 'Herald-Pos';
const LEN = 'Herald-Len';
const EV = 'Herald-Ev';

/** Where a stored append sits: its stream sequence and the offsets it holds. */
export interface Position {
  readonly seq: number;
  readonly epoch: string;
  readonly first: number;
  readonly count: number;
  readonly time: number;
  readonly floor: number;
}

/** A stored append: its position and what is needed to turn it into messages. */
export interface Stored extends Position {
  readonly headers: MsgHdrs;
  readonly data: Uint8Array;
}

/** The last offset of `p` (first - 1 for a marker). */
export function lastOf(p: Position): number {
  return p.first + p.count - 1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The body and headers of an append (positions are added by {@link setPosition}). */
export interface Encoded {
  readonly body: Uint8Array;
  readonly headers: MsgHdrs;
  readonly count: number;
}

/** Encodes `inputs` (already in offset order). */
export function encodeInputs(inputs: readonly AppendInput[]): Encoded {
  const h = headers();
  const parts = inputs.map((input) => encoder.encode(input.data));
  if (parts.length > 1) h.set(LEN, parts.map((p) => p.length).join(','));
  if (inputs.some((input) => input.event !== undefined)) {
    const events = JSON.stringify(inputs.map((input) => input.event ?? null));
    h.set(
      EV,
      events.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    );
  }
  const size = parts.reduce((n, p) => n + p.length, 0);
  const body = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.length;
  }
  return { body, headers: h, count: inputs.length };
}

/** Sets the position header of an append about to be written. */
export function setPosition(h: MsgHdrs, p: Omit<Position, 'seq'>): void {
  h.set(POS, `${p.epoch} ${p.first} ${p.count} ${p.time} ${p.floor}`);
}

/** Decodes the position of a stored message, or undefined when it is not one of ours. */
export function decodeStored(seq: number, h: MsgHdrs | undefined, data: Uint8Array): Stored | undefined {
  const pos = h?.get(POS);
  if (h === undefined || pos === undefined || pos === '') return undefined;
  const [epoch, first, count, time, floor] = pos.split(' ');
  const p = { first: Number(first), count: Number(count), time: Number(time), floor: Number(floor) };
  if (epoch === undefined || epoch === '' || !Object.values(p).every(isCount) || !isCount(seq) || p.first < 1) {
    return undefined;
  }
  return { seq, epoch, ...p, headers: h, data };
}

/**
 * The messages of `stored` with offsets in [from, to], or undefined when its body does not match its
 * headers (a message written by something else on our subject).
 */
export function messagesOf(channel: string, stored: Stored, from: number, to: number): Message[] | undefined {
  const { count, first } = stored;
  if (count === 0) return [];
  const lens = count > 1 ? stored.headers.get(LEN).split(',').map(Number) : [stored.data.length];
  if (lens.length !== count || !lens.every(isCount)) return undefined;
  let events: unknown[] | undefined;
  const ev = stored.headers.get(EV);
  if (ev !== '') {
    try {
      events = JSON.parse(ev) as unknown[];
    } catch {
      return undefined;
    }
    if (!Array.isArray(events) || events.length !== count) return undefined;
  }
  const out: Message[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const len = lens[i] as number;
    const offset = first + i;
    if (offset >= from && offset <= to) {
      const event = events?.[i];
      if (event !== undefined && event !== null && typeof event !== 'string') return undefined;
      const data = decoder.decode(stored.data.subarray(at, at + len));
      out.push(new Message(channel, stored.epoch, offset, event ?? undefined, data, stored.time));
    }
    at += len;
  }
  return at === stored.data.length ? out : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

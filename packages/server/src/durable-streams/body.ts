import type { Message } from '@herald/core';
import { HeraldError } from '@herald/core';

/** Event name of a byte-stream chunk; its data is the chunk in base64, as a JSON string. */
export const BYTES_EVENT = 'ds.bytes';

/**
 * The messages of a JSON-mode body (protocol 7.1): an array is flattened one level (each element one
 * message), any other value is one message. 400 for invalid JSON or UTF-8; an empty array is 400 for
 * an append and nothing at all for a create.
 */
export function jsonMessages(body: Buffer, forCreate: boolean): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new HeraldError('bad_request', 'the body is not valid JSON');
  }
  if (!Array.isArray(value)) return [value];
  if (value.length === 0 && !forCreate) throw new HeraldError('bad_request', 'an empty JSON array appends nothing');
  return value;
}

/**
 * Splits bytes into chunks whose base64 JSON string fits `maxMessageBytes` (the namespace's message
 * limit), so a byte append of any accepted size is stored as ordinary channel messages.
 */
export function byteChunks(body: Buffer, maxMessageBytes: number): string[] {
  const size = Math.max(3, Math.floor((maxMessageBytes - 2) / 4) * 3);
  const out: string[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size).toString('base64'));
  return out;
}

/** The bytes a stored message adds to a byte stream (messages other than byte chunks add none). */
export function messageBytes(m: Message): Buffer {
  if (m.event !== BYTES_EVENT) return EMPTY;
  const text: unknown = JSON.parse(m.data);
  return typeof text === 'string' ? Buffer.from(text, 'base64') : EMPTY;
}

const EMPTY = Buffer.alloc(0);

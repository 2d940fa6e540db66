import { EPOCH_PATTERN } from './names.ts';

/** A position in one channel: the epoch and the offset of the last message the client has. */
export interface Position {
  readonly epoch: string;
  readonly offset: number;
}

/** `'start'` is the cursor `0`: from the oldest message still in history, never a reset. */
export type Cursor = Position | 'start';

/** Longest single-channel cursor we accept; browsers send it back as Last-Event-ID (contract section 4). */
export const MAX_CURSOR_LENGTH = 128;

const OFFSET_PATTERN = /^(0|[1-9][0-9]{0,15})$/;

/** Formats a position as `<epoch>:<offset>`. */
export function formatCursor(p: Position): string {
  return `${p.epoch}:${p.offset}`;
}

/**
 * Parses `<epoch>:<offset>` or `0`. Returns `undefined` for anything else, including offsets that are
 * not safe integers, so a bad cursor fails closed instead of replaying from the start.
 */
export function parseCursor(text: string): Cursor | undefined {
  if (text === '0') return 'start';
  if (text.length > MAX_CURSOR_LENGTH) return undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const epoch = text.slice(0, colon);
  const digits = text.slice(colon + 1);
  if (!EPOCH_PATTERN.test(epoch) || !OFFSET_PATTERN.test(digits)) return undefined;
  const offset = Number(digits);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { epoch, offset };
}

/**
 * Multi-channel cursor (for `/v1/events`): one entry per requested channel, in the order the channels
 * appear in the query, joined by `,`. Each entry is a single-channel cursor or `0`. Positional, so it
 * stays short (browsers echo it as Last-Event-ID). Documented in docs/protocol.md.
 */
export function formatMultiCursor(entries: readonly Cursor[]): string {
  return entries.map((c) => (c === 'start' ? '0' : formatCursor(c))).join(',');
}

/** Parses a multi-channel cursor for `count` channels; `undefined` if malformed or the count differs. */
export function parseMultiCursor(text: string, count: number): Cursor[] | undefined {
  if (text.length > MAX_CURSOR_LENGTH * count) return undefined;
  const parts = text.split(',');
  if (parts.length !== count) return undefined;
  const out: Cursor[] = [];
  for (const part of parts) {
    const c = parseCursor(part);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

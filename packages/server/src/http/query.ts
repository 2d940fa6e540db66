import { HeraldError } from '@herald/core';
import { type Cursor, isChannelName, parseCursor } from '@herald/protocol';

/** The one value of parameter `name`, or undefined; a repeated parameter is a 400. */
export function single(query: URLSearchParams, name: string): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) throw new HeraldError('bad_request', `parameter ${name} is given more than once`);
  return all[0];
}

/** Validates a channel name from the URL (400 otherwise). */
export function channelParam(name: string | undefined): string {
  if (!isChannelName(name)) {
    throw new HeraldError('bad_request', 'channel names match ^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$');
  }
  return name;
}

/** Parses a single-channel cursor (400 otherwise). */
export function cursorParam(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  const cursor = parseCursor(text);
  if (cursor === undefined) throw new HeraldError('bad_request', 'a cursor is "<epoch>:<offset>" or "0"');
  return cursor;
}

/** The page size of a pull that names no `limit` (contract section 3). */
export const DEFAULT_LIMIT = 100;

/** `limit`: integer >= 1, default {@link DEFAULT_LIMIT}, capped at 1000 (contract section 3). */
export function limitParam(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < 1) {
    throw new HeraldError('bad_request', 'limit must be a positive integer');
  }
  return Math.min(1000, Number(text));
}

/** `wait`: seconds >= 0 (fractions allowed), capped by the server; returns ms. */
export function waitParam(text: string | undefined, capMs: number): number {
  if (text === undefined) return 0;
  if (!/^[0-9]{1,6}(?:\.[0-9]{1,3})?$/.test(text))
    throw new HeraldError('bad_request', 'wait must be a number of seconds >= 0');
  return Math.min(capMs, Math.round(Number(text) * 1000));
}

/** The request target as a URL; a target that is not one is a 400, not an internal error. */
export function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    throw new HeraldError('bad_request', 'invalid URL');
  }
}

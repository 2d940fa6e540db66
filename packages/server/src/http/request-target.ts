import { isChannelName } from '@herald/protocol';

/** A request target split into the path the router matches and the parsed query. */
export interface RequestTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Splits `req.url` without building a URL object (a third of a poll's own CPU time went there). An
 * origin-form target (`/path?query`, what clients send) is split at the first `?`; an absolute-form
 * one (`http://host/path`, what a proxy may send) goes through the URL parser. Undefined = not a
 * target this server answers (e.g. `*`), a 400.
 */
export function splitTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || url.length === 0) return undefined;
  if (url.charCodeAt(0) === 47 /* / */) {
    // `//x` would be read by a URL parser as a host: here it is just a path no route matches.
    const q = url.indexOf('?');
    if (q === -1) return { path: url, query: new URLSearchParams() };
    return { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return { path: parsed.pathname, query: parsed.searchParams };
  } catch {
    return undefined;
  }
}

/** The one-channel messages URL (routes.ts), before and after the channel. */
const MESSAGES_PREFIX = '/v1/channels/';
const MESSAGES_SUFFIX = '/messages';

/**
 * The channel of a target that is exactly `/v1/channels/{channel}/messages`, with a valid channel
 * name and no query; undefined for anything else. A valid name has no `/`, `?` or `%`, so the router
 * would match the same route with the same channel.
 */
export function messagesChannel(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith(MESSAGES_PREFIX) || !url.endsWith(MESSAGES_SUFFIX)) return undefined;
  const channel = url.slice(MESSAGES_PREFIX.length, url.length - MESSAGES_SUFFIX.length);
  return isChannelName(channel) ? channel : undefined;
}

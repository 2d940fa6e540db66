/** Channel names: contract section 1. The first character excludes separators so names never start a path trick. */
export const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
/** Event names: contract section 1. */
export const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Epochs are opaque to clients but always match this, so a cursor can be parsed without knowing the server. */
export const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Which ASCII characters a channel name may hold: 1 first or later, 2 only after the first, 0 never.
 * Read off CHANNEL_PATTERN itself (one character, then one after an "a"), so the two cannot disagree.
 * Pure, so a bundle that never calls isChannelName (the SDK's) leaves the table out.
 */
const CHANNEL_CHARS = /* @__PURE__ */ channelChars();

function channelChars(): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    table[c] = CHANNEL_PATTERN.test(ch) ? 1 : CHANNEL_PATTERN.test(`a${ch}`) ? 2 : 0;
  }
  return table;
}

/**
 * True when `name` is a valid channel name: what {@link CHANNEL_PATTERN} accepts, read character by
 * character (a plain poll checks its channel on every request, and the regular expression cost it
 * several hundred instructions where this loop costs a few per character).
 */
export function isChannelName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const length = name.length;
  if (length === 0 || length > 128) return false;
  const first = name.charCodeAt(0);
  if (first > 127 || CHANNEL_CHARS[first] !== 1) return false;
  for (let i = 1; i < length; i++) {
    const c = name.charCodeAt(i);
    if (c > 127 || CHANNEL_CHARS[c] === 0) return false;
  }
  return true;
}

/**
 * Event names the hub keeps for its own SSE events (`herald.subscribed`, `herald.reset`,
 * `herald.close`): a message of that name would read, to an SSE client, as the hub moving its
 * position or ending its stream.
 */
export const RESERVED_EVENT_PREFIX = 'herald.';

/** True when `name` is a valid event name: {@link EVENT_PATTERN}, outside the reserved prefix. */
export function isEventName(name: unknown): name is string {
  return typeof name === 'string' && EVENT_PATTERN.test(name) && !name.startsWith(RESERVED_EVENT_PREFIX);
}

/** The namespace of a channel: the part before the first `:`, or `''` when it has none. */
export function namespaceOf(channel: string): string {
  const i = channel.indexOf(':');
  return i === -1 ? '' : channel.slice(0, i);
}

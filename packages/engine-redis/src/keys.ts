/**
 * Key names. Every key of a channel carries `{<channel>}` as its Redis Cluster hash tag, so a channel's
 * keys live in one slot and one Lua script may touch them all. Channel names cannot contain braces
 * (see CHANNEL_PATTERN), and the prefix is checked for them, so the tag is always the channel.
 */

/** What a prefix may look like: no braces (they would move the hash tag) and no spaces. */
export const PREFIX_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** The keys of one channel's history. */
export interface ChannelKeys {
  /** Hash: epoch, first, last, t (time of the newest message). */
  readonly meta: string;
  /** Stream of history; entry ID `<offset>-0`. */
  readonly stream: string;
  /** Sharded pub/sub channel of new messages. */
  readonly notify: string;
}

/** The keys of one channel's presence. */
export interface PresenceKeys {
  /** Hash: client -> member JSON. */
  readonly members: string;
  /** Sorted set: client -> expiry (ms). */
  readonly expiries: string;
  /** Sharded pub/sub channel of joins and leaves. */
  readonly notify: string;
}

/** `{prefix}:{<channel>}`, the start of every key of the channel. */
export function channelBase(prefix: string, channel: string): string {
  return `${prefix}:{${channel}}`;
}

export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const base = channelBase(prefix, channel);
  return { meta: `${base}:m`, stream: `${base}:s`, notify: `${base}:n` };
}

/** The key holding the first result of an append with idempotency key `key`. */
export function idempotencyKey(prefix: string, channel: string, key: string): string {
  return `${channelBase(prefix, channel)}:i:${key}`;
}

export function presenceKeys(prefix: string, channel: string): PresenceKeys {
  const base = channelBase(prefix, channel);
  return { members: `${base}:p`, expiries: `${base}:pz`, notify: `${base}:pn` };
}

/**
 * The channel a pub/sub key (`{prefix}:{<channel>}:<suffix>`) belongs to, or undefined when the key
 * does not have that shape.
 */
export function channelOfKey(prefix: string, key: string, suffix: string): string | undefined {
  const head = `${prefix}:{`;
  const tail = `}:${suffix}`;
  if (!key.startsWith(head) || !key.endsWith(tail) || key.length <= head.length + tail.length) return undefined;
  return key.slice(head.length, key.length - tail.length);
}

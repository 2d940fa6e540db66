/** Channel names: contract section 1. The first character excludes separators so names never start a path trick. */
export const CHANNEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
/** Event names: contract section 1. */
export const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Epochs are opaque to clients but always match this, so a cursor can be parsed without knowing the server. */
export const EPOCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** True when `name` is a valid channel name. */
export function isChannelName(name: unknown): name is string {
  return typeof name === 'string' && CHANNEL_PATTERN.test(name);
}

/** True when `name` is a valid event name. */
export function isEventName(name: unknown): name is string {
  return typeof name === 'string' && EVENT_PATTERN.test(name);
}

/** The namespace of a channel: the part before the first `:`, or `''` when it has none. */
export function namespaceOf(channel: string): string {
  const i = channel.indexOf(':');
  return i === -1 ? '' : channel.slice(0, i);
}

/** Normalizes the hub address: `ws(s)://` becomes `http(s)://`, no trailing slash. */
export function httpBase(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/+$/, '');
}

/** The WebSocket address of an HTTP base. */
export function toWsUrl(base: string, path: string): string {
  return base.replace(/^http(s?):\/\//i, 'ws$1://') + path;
}

/** A channel's own URL. */
export function channelUrl(base: string, channel: string, suffix = '/messages'): string {
  return `${base}/v1/channels/${encodeURIComponent(channel)}${suffix}`;
}

/**
 * `GET /v1/events?channel=a&channel=b&after=…&…`: one request for every subscribed channel.
 * The channel order is the order of the positional multi-channel cursor.
 */
export function eventsUrl(
  base: string,
  channels: readonly string[],
  after: string | undefined,
  extra: Record<string, string | number> = {},
): string {
  const params: Array<[string, string | number]> = channels.map((c) => ['channel', c]);
  if (after !== undefined) params.push(['after', after]);
  params.push(...Object.entries(extra));
  return `${base}/v1/events?${params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}

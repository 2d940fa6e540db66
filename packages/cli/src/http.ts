import { isChannelName } from '@herald/protocol';

/** Base URL without trailing slashes. */
function base(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `<url>/v1/channels/<channel>` plus `suffix`. Valid names need no escaping (`:` and `@` are path-safe). */
export function channelUrl(url: string, channel: string, suffix = ''): string {
  const name = isChannelName(channel) ? channel : encodeURIComponent(channel);
  return `${base(url)}/v1/channels/${name}${suffix}`;
}

/** `<url><path>`. */
export function hubUrl(url: string, path: string): string {
  return `${base(url)}${path}`;
}

/** The Authorization header, when a key is given. */
export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey === undefined || apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };
}

/** One line for a failed request: `fetch failed` alone says nothing, its cause (ECONNREFUSED, …) does. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? cause.message : `${code} (${cause.message})`;
  }
  return error.message;
}

/** A JSON text on one line; other text as it came (trimmed). */
export function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.trim();
  }
}

/** The `{"error": {...}}` body of an answer, or one made from its status when it has none. */
export async function errorBody(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  const compact = compactJson(text);
  if (compact.startsWith('{')) return compact;
  return JSON.stringify({ error: { code: `http_${res.status}`, message: compact || res.statusText } });
}

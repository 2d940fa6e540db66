/** Largest answer a hook may send, bytes (a transformed message is at most a namespace's maxMessageBytes). */
export const MAX_HOOK_ANSWER_BYTES = 1024 * 1024;

/** The hook could not give an answer: timeout, network error, 5xx, oversized or invalid body. The failure policy decides. */
export class HookFailure extends Error {}

/** What the application answered: a refusal (any 4xx), or a 2xx with its JSON body. */
export type HookAnswer = { readonly refused: true } | { readonly refused: false; readonly body: unknown };

/** How one call is made. */
export interface HookCall {
  readonly timeoutMs: number;
  /** Sent with the call (the configured headers); the client's own forwarded headers go in the body. */
  readonly headers: Readonly<Record<string, string>>;
  readonly maxBytes?: number;
}

/**
 * POSTs `body` as JSON to `url` and reads the JSON answer, within `timeoutMs` for the whole exchange
 * (AbortSignal.timeout covers the body too). Redirects are not followed: a hook answers itself, and a
 * redirect must not carry a client's cookie elsewhere.
 */
export async function postHook(url: string, body: unknown, call: HookCall): Promise<HookAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { ...call.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (error) {
    throw new HookFailure(`hook ${url} unreachable: ${reason(error)}`, { cause: error });
  }
  if (res.status >= 400 && res.status < 500) {
    await res.body?.cancel().catch(() => {});
    return { refused: true };
  }
  if (res.status < 200 || res.status >= 300) {
    await res.body?.cancel().catch(() => {});
    throw new HookFailure(`hook ${url} answered ${res.status}`);
  }
  const text = await readBounded(res, call.maxBytes ?? MAX_HOOK_ANSWER_BYTES, url);
  try {
    return { refused: false, body: JSON.parse(text) };
  } catch {
    throw new HookFailure(`hook ${url} answered with invalid JSON`);
  }
}

/** The body as text, refusing more than `max` bytes without reading the rest. */
async function readBounded(res: Response, max: number, url: string): Promise<string> {
  if (res.body === null) return '';
  const announced = Number(res.headers.get('content-length'));
  if (announced > max) {
    await res.body.cancel().catch(() => {});
    throw new HookFailure(`hook ${url} answer over ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw new HookFailure(`hook ${url} answer over ${max} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HookFailure) throw error;
    throw new HookFailure(`hook ${url} answer cut: ${reason(error)}`, { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return error instanceof Error ? error.message : String(error);
}

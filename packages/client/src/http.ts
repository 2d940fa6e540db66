import { backoffDelay } from './backoff.ts';
import { HeraldError } from './errors.ts';
import type { FetchLike } from './platform.ts';
import type { Failure, PublishResult } from './transports/types.ts';
import { channelUrl } from './urls.ts';

/** Reads `Retry-After` (seconds or an HTTP date) as ms. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Turns a non-2xx answer into a HeraldError, reading the contract's `{"error":{code,message}}` body. */
export async function errorFrom(res: Response): Promise<HeraldError> {
  // Not a Herald error body (a proxy's page, or no JSON at all): the status says enough.
  const body = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
  const { code, message } = body?.error ?? {};
  return new HeraldError(
    typeof code === 'string' ? code : `http_${res.status}`,
    typeof message === 'string' ? message : `HTTP ${res.status}`,
    {
      status: res.status,
      retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
    },
  );
}

/** The failure of a transport whose request got an HTTP error answer. */
export async function httpFailure(res: Response, opened: boolean): Promise<Failure> {
  const error = await errorFrom(res);
  return { kind: 'http', opened, status: res.status, reason: error.message, error };
}

/** Feeds a fetch response body, decoded as UTF-8, to `onText` until it ends. */
export async function readText(res: Response, onText: (text: string) => void): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onText(decoder.decode(value, { stream: true }));
  }
  const rest = decoder.decode();
  if (rest !== '') onText(rest);
}

/** A random Idempotency-Key, so a retried publish never publishes twice (contract section 2). */
export function idempotencyKey(): string {
  // randomUUID exists only in secure contexts (https, localhost).
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}-${Math.random()}`;
}

/** What an HTTP helper needs. */
export interface HttpContext {
  base: string;
  fetch: FetchLike;
  headers(extra?: Record<string, string>): Record<string, string>;
  signal: AbortSignal;
}

/**
 * `POST /v1/channels/{channel}/messages` with an Idempotency-Key, retried (same key) on network
 * errors, 429 and 5xx: the key makes the retry safe, so a flaky network never duplicates a message.
 */
export async function publishHttp(
  http: HttpContext,
  channel: string,
  data: unknown,
  event: string | undefined,
  attempts = 3,
): Promise<PublishResult> {
  const key = idempotencyKey();
  const body = JSON.stringify({ data, event }); // an undefined event is left out
  for (let attempt = 0; ; attempt++) {
    let failure: HeraldError;
    try {
      const res = await http.fetch(channelUrl(http.base, channel), {
        method: 'POST',
        headers: http.headers({ 'content-type': 'application/json', 'idempotency-key': key }),
        body,
        signal: http.signal,
      });
      if (res.ok) return (await res.json()) as PublishResult;
      failure = await errorFrom(res);
      if (res.status !== 429 && res.status < 500) throw failure;
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      if (http.signal.aborted) throw new HeraldError('closed', 'the client was closed', { cause: err });
      failure = new HeraldError('network', 'publish request failed', { cause: err });
    }
    if (attempt + 1 >= attempts) throw failure;
    await sleep(backoffDelay(attempt, { base: 200, cap: 2000 }, Math.random, failure.retryAfterMs), http.signal);
  }
}

/**
 * Where a channel is now (`GET …/messages?limit=1` → its cursor; `0` for an empty channel). Used to
 * pin a live subscription's start before opening a transport that cannot report it.
 */
export async function latestCursor(http: HttpContext, channel: string): Promise<string> {
  const res = await http.fetch(channelUrl(http.base, channel, '/messages?limit=1'), {
    headers: http.headers(),
    signal: http.signal,
  });
  if (res.status === 204) return '0';
  if (!res.ok) throw await errorFrom(res);
  const body = (await res.json()) as { cursor?: unknown };
  return typeof body.cursor === 'string' ? body.cursor : '0';
}

/** `GET {base}{path}` as JSON with the client's credentials; a non-2xx answer rejects with its HeraldError. */
export async function getJson(http: HttpContext, path: string): Promise<unknown> {
  const res = await http.fetch(`${http.base}${path}`, { headers: http.headers(), signal: http.signal });
  if (!res.ok) throw await errorFrom(res);
  return res.json();
}

/** Resolves after `ms`, or rejects at once when `signal` aborts (so close() never waits on a sleep). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new HeraldError('closed', 'the client was closed'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new HeraldError('closed', 'the client was closed'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

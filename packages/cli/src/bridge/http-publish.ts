import type { BridgePublish } from '@herald/bridges';
import { HeraldError } from '@herald/core';
import { ERROR_CATALOG, type ErrorCode } from '@herald/protocol';
import { authHeaders, channelUrl } from '../http.ts';

/** Longest a publish request may take before it is abandoned (and retried with the same key), ms. */
export const PUBLISH_TIMEOUT_MS = 10_000;

/**
 * The bridges' publish function for a hub elsewhere: `POST /v1/channels/{channel}/messages` with the
 * API key and the message's `Idempotency-Key`, so a retry (after a timeout, or a redelivery by the
 * broker) is stored once. A refusal comes back as the hub's own coded error, which tells the bridge
 * what to do: `bad_request` and `too_large` dead-letter the message, anything else is retried. An
 * answer without a catalog code (a proxy's error page) is retried too, except a 413.
 *
 * Over HTTP a duplicate gets the first answer again (201), so it counts as published, not duplicate.
 */
export function httpBridgePublish(url: string, apiKey: string | undefined): BridgePublish {
  const base = { 'content-type': 'application/json', ...authHeaders(apiKey) };
  return async (channel, inputs, idempotencyKey) => {
    const headers: Record<string, string> =
      idempotencyKey === undefined ? base : { ...base, 'idempotency-key': idempotencyKey };
    const body = JSON.stringify(inputs.length === 1 ? inputs[0] : inputs);
    const res = await fetch(channelUrl(url, channel, '/messages'), {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
    });
    if (res.status === 201) {
      // Read to the end, so the keep-alive connection is reused for the next message.
      await res.arrayBuffer();
      return { duplicate: false };
    }
    throw await refusal(res);
  };
}

/** The hub's answer as a HeraldError. */
async function refusal(res: Response): Promise<HeraldError> {
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code?: unknown; message?: unknown } }
    | undefined;
  const code = body?.error?.code;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${res.status}`;
  const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
  const known = typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
  const fallback: ErrorCode = res.status === 413 ? 'too_large' : 'unavailable';
  return new HeraldError(
    known ? (code as ErrorCode) : fallback,
    message,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

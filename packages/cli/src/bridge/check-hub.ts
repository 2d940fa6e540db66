import { authHeaders, describeError, hubUrl } from '../http.ts';

/** How long the start-up check waits for the hub, ms. */
const CHECK_TIMEOUT_MS = 3_000;

/**
 * One `GET /v1/stats` with the key, before the bridges start: `ok`, `refused` (401/403: the key is
 * wrong, which retrying would never fix), or why the hub could not be asked (it may come up later:
 * the bridges wait it out, so this is only reported).
 */
export async function checkHub(url: string, apiKey: string | undefined): Promise<'ok' | 'refused' | string> {
  try {
    const res = await fetch(hubUrl(url, '/v1/stats'), {
      headers: authHeaders(apiKey),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    if (res.status === 401 || res.status === 403) return 'refused';
    return res.ok ? 'ok' : `HTTP ${res.status}`;
  } catch (error) {
    return describeError(error);
  }
}

/**
 * Recovery steps over HTTP: pinning positions before a `/v1/events` transport opens, finding the
 * channels a multi-channel request was refused for, catching up by pull after a slow-consumer cut,
 * and reporting fallbacks. A WebSocket client seldom needs them, so the `<script>` builds load them
 * on demand (on-demand.ts).
 */
import { HeraldError } from './errors.ts';
import { parsePullBody } from './frames.ts';
import type { Host } from './host.ts';
import { errorFrom, type HttpContext, latestCursor } from './http.ts';
import type { Fallback } from './selector.ts';
import type { Subscription } from './subscription.ts';
import { multiAfter } from './transports/types.ts';
import { eventsUrl } from './urls.ts';

/** Most pages read in one catch-up; then the live connection takes over from the cursors anyway. */
const MAX_CATCH_UP_PAGES = 50;

/**
 * Pins the start of live subscriptions (no cursor yet) before opening a `/v1/events` transport: the
 * multi-channel cursor needs every position, and a reconnect later must resume from "when the app
 * subscribed", not from "whenever the next connection opened". Channels the hub refuses are
 * reported to their subscription and dropped; other errors abort the attempt. `anonymous`: the
 * client sends no token (see {@link isRefusal}).
 */
export async function pinPositions(
  http: HttpContext,
  host: Host,
  stale: () => boolean,
  anonymous: boolean,
): Promise<void> {
  // Re-read: a subscribe() while the previous round was in flight must be pinned too.
  for (let round = 0; round < 3; round++) {
    const loose = host.subscriptions().filter((s) => !s.position.known);
    if (loose.length === 0 || stale()) return;
    await pin(http, loose, host, stale, anonymous);
  }
}

async function pin(
  http: HttpContext,
  loose: Subscription[],
  host: Host,
  stale: () => boolean,
  anonymous: boolean,
): Promise<void> {
  const results = await Promise.allSettled(loose.map((s) => latestCursor(http, s.channel)));
  if (stale()) return;
  let failure: unknown;
  results.forEach((result, i) => {
    const sub = loose[i] as Subscription;
    if (result.status === 'fulfilled') sub.position.pin(result.value);
    else if (isRefusal(result.reason, anonymous)) host.denied(sub.channel, result.reason);
    else failure ??= result.reason;
  });
  if (failure !== undefined) throw failure;
}

/**
 * Catches up by pull from the cursors (after a slow-consumer cut, contract section 7a), so that the
 * backlog comes as a few large cacheable pages instead of overflowing a live connection again.
 */
export async function catchUp(http: HttpContext, host: Host, stale: () => boolean): Promise<void> {
  for (let page = 0; page < MAX_CATCH_UP_PAGES; page++) {
    const subs = host.subscriptions();
    if (subs.length === 0 || stale()) return;
    const { channels, after } = multiAfter(subs);
    if (after === undefined) return;
    const res = await http.fetch(eventsUrl(http.base, channels, after, { limit: 1000 }), {
      headers: http.headers({ accept: 'application/json' }),
      signal: http.signal,
    });
    if (res.status === 204 || stale()) return;
    if (!res.ok) throw await errorFrom(res);
    const { frames, more } = parsePullBody(await res.json(), channels);
    for (const frame of frames) {
      // A hole here is left to the live connection, which resumes from the same cursors.
      if (stale() || !host.frame(frame)) return;
    }
    if (!more) return;
  }
}

/**
 * Asks for each channel alone after a multi-channel request was refused (400/403, or 401 without a
 * token): the channels refused alone are reported to their subscription and dropped. Returns how
 * many were dropped.
 */
export async function probeChannels(
  http: HttpContext,
  subs: Subscription[],
  host: Host,
  anonymous: boolean,
): Promise<number> {
  const results = await Promise.allSettled(subs.map((s) => latestCursor(http, s.channel)));
  let dropped = 0;
  results.forEach((result, i) => {
    const sub = subs[i] as Subscription;
    if (result.status === 'rejected' && isRefusal(result.reason, anonymous)) {
      host.denied(sub.channel, result.reason);
      dropped++;
    }
  });
  return dropped;
}

/**
 * True when the hub refused one channel rather than the client: 400/403/404, and 401 when the client
 * sends no token (that channel needs credentials; the others may not). With a token, a 401 means
 * the token itself is bad, which the reconnect policy handles for the whole client.
 */
function isRefusal(err: unknown, anonymous: boolean): err is HeraldError {
  const status = err instanceof HeraldError ? (err.status ?? 0) : 0;
  return [400, 403, 404].includes(status) || (anonymous && status === 401);
}

/** Sends one fallback report (see recovery.ts, reporter), ignoring any failure. */
export function report(http: HttpContext, { from, to, reason }: Fallback): void {
  http
    .fetch(`${http.base}/v1/client-reports`, {
      method: 'POST',
      headers: http.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ fallback: { from, to, reason } }),
      signal: http.signal,
      keepalive: true,
    })
    .then((res) => res.body?.cancel())
    .catch(() => {}); // a failed request, or a failed cancel
}

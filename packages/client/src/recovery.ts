import { HeraldError } from './errors.ts';
import { parsePullBody } from './frames.ts';
import { errorFrom, type HttpContext } from './http.ts';
import type { Host } from './reconnector.ts';
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
 * reported to their subscription and dropped; other errors abort the attempt.
 */
export async function pinPositions(host: Host, stale: () => boolean): Promise<void> {
  // Re-read: a subscribe() while the previous round was in flight must be pinned too.
  for (let round = 0; round < 3; round++) {
    const loose = host.subscriptions().filter((s) => !s.position.known);
    if (loose.length === 0 || stale()) return;
    await pin(loose, host, stale);
  }
}

async function pin(loose: Subscription[], host: Host, stale: () => boolean): Promise<void> {
  const results = await Promise.allSettled(loose.map((s) => host.resolve(s.channel)));
  if (stale()) return;
  let failure: unknown;
  results.forEach((result, i) => {
    const sub = loose[i] as Subscription;
    if (result.status === 'fulfilled') sub.position.pin(result.value);
    else if (isRefusal(result.reason)) host.denied(sub.channel, result.reason);
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
    const { channels, after } = multiAfter(subs.map((s) => ({ channel: s.channel, cursor: s.cursor })));
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
 * Tells the hub about fallbacks (`POST /v1/client-reports`) so its metrics count fallbacks by
 * reason; each distinct one once per client (upgrade probes that fail again are not re-counted).
 * Fire and forget: a hub without the endpoint (404) or a failed request changes nothing.
 */
export function reporter(http: HttpContext): (fallback: Fallback) => void {
  const seen = new Set<string>();
  return (fallback) => {
    const key = `${fallback.from}>${fallback.to}:${fallback.reason}`;
    if (seen.has(key)) return;
    seen.add(key);
    send(http, fallback);
  };
}

function send(http: HttpContext, fallback: Fallback): void {
  const body = JSON.stringify({ fallback: { from: fallback.from, to: fallback.to, reason: fallback.reason } });
  http
    .fetch(`${http.base}/v1/client-reports`, {
      method: 'POST',
      headers: http.headers({ 'content-type': 'application/json' }),
      body,
      signal: http.signal,
      keepalive: true,
    })
    .then(
      (res) => res.body?.cancel(),
      () => {},
    )
    .catch(() => {});
}

/**
 * Asks for each channel alone after a multi-channel request was refused (400/403): the channels
 * refused alone are reported to their subscription and dropped. Returns how many were dropped.
 */
export async function probeChannels(subs: Subscription[], host: Host): Promise<number> {
  const results = await Promise.allSettled(subs.map((s) => host.resolve(s.channel)));
  let dropped = 0;
  results.forEach((result, i) => {
    const sub = subs[i] as Subscription;
    if (result.status === 'rejected' && isRefusal(result.reason)) {
      host.denied(sub.channel, result.reason);
      dropped++;
    }
  });
  return dropped;
}

function isRefusal(err: unknown): err is HeraldError {
  return err instanceof HeraldError && [400, 403, 404].includes(err.status ?? 0);
}

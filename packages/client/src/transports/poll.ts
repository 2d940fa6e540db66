import { HEADERS } from '@herald/protocol';
import { parsePullBody } from '../frames.ts';
import { httpFailure, sleep } from '../http.ts';
import type { FetchLike } from '../platform.ts';
import { eventsUrl } from '../urls.ts';
import { type Connection, type Failure, multiAfter, type Sink, type TransportContext } from './types.ts';

/** Clamps the hub's `Herald-Poll-Interval` suggestion into the client's bounds. */
export function pollDelay(header: string | null, min: number, max: number): number {
  const suggested = Number(header ?? Number.NaN); // Number(null) would be 0
  if (!Number.isFinite(suggested)) return min;
  return Math.min(max, Math.max(min, suggested));
}

/**
 * Long polling (`wait=S`) or plain polling of `GET /v1/events` (contract section 3). One request at
 * a time, never overlapping: the next starts only after the previous answer was handled. The first
 * request is always a plain pull, so the connection is confirmed (or refused) at once and a backlog
 * is caught up before the first long wait. Polling honours `Herald-Poll-Interval` and sends
 * `If-None-Match` with the last `ETag` when it repeats the same request.
 */
export function openPollTransport(ctx: TransportContext, sink: Sink, long: boolean): Connection {
  // The kit offers the polls only on a platform with fetch (kit.ts).
  const fetchImpl = ctx.platform.fetch as FetchLike;
  const controller = new AbortController();
  let phase: Connection['phase'] = 'request';
  let done = false;
  let etag: { url: string; tag: string } | undefined;

  const finish = (failure: Failure | undefined): void => {
    if (done) return;
    done = true;
    controller.abort();
    if (failure) sink.failed(failure);
  };

  /** One request; returns the delay before the next. */
  const once = async (wait: number): Promise<number | undefined> => {
    const { channels, after } = multiAfter(ctx.positions());
    const url = eventsUrl(ctx.base, channels, after, wait > 0 ? { wait } : {});
    const headers: Record<string, string> = { accept: 'application/json' };
    if (etag?.url === url) headers['if-none-match'] = etag.tag;
    // A request that outlives its wait plus a margin is dead (a proxy swallowed it): give up on it.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), wait * 1000 + ctx.timings.requestTimeout);
    const onAbort = (): void => timeout.abort();
    controller.signal.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    try {
      res = await fetchImpl(url, { headers: ctx.headers(headers), signal: timeout.signal, cache: 'no-store' });
    } catch (err) {
      if (!done) {
        const dead = timeout.signal.aborted;
        finish({
          kind: dead ? 'dead' : 'network',
          opened: phase === 'open',
          reason: dead ? 'poll request timed out' : err instanceof Error ? err.message : String(err),
        });
      }
      return undefined;
    } finally {
      clearTimeout(timer);
      controller.signal.removeEventListener('abort', onAbort);
    }
    if (done) return undefined;
    if (res.status !== 200 && res.status !== 204 && res.status !== 304) {
      finish(await httpFailure(res, phase === 'open'));
      return undefined;
    }
    const tag = res.headers.get('etag');
    etag = tag === null ? undefined : { url, tag };
    // 204 and 304 carry no body: nothing new, but the hub answered.
    let pulled: ReturnType<typeof parsePullBody> = { frames: [], more: false };
    if (res.status === 200) {
      const body: unknown = await res.json();
      if (done) return undefined;
      pulled = parsePullBody(body, channels);
    }
    if (phase !== 'open') {
      phase = 'open';
      sink.opened();
    }
    for (const frame of pulled.frames) if (!done) sink.frame(frame);
    sink.alive();
    if (pulled.more || long) return 0;
    return pollDelay(res.headers.get(HEADERS.pollInterval), ctx.timings.pollMin, ctx.timings.pollMax);
  };

  const run = async (): Promise<void> => {
    let wait = 0;
    while (!done) {
      const delay = await once(wait);
      if (delay === undefined || done) return;
      if (delay > 0) await sleep(delay, controller.signal);
      wait = long ? ctx.timings.longPollWait : 0;
    }
  };
  run().catch((err: unknown) => {
    if (!done) finish({ kind: 'network', opened: phase === 'open', reason: String(err) });
  });

  return {
    get phase() {
      return phase;
    },
    watched: false,
    async close() {
      finish(undefined);
    },
  };
}

import type { Host } from './host.ts';
import type { HttpContext } from './http.ts';
import type { LoadOnDemand } from './on-demand.ts';
import type { Fallback } from './selector.ts';
import type { TokenSource } from './token.ts';

/** What {@link prepare} works with. */
export interface Preparation {
  http: HttpContext;
  host: Host;
  tokens: TokenSource;
  /** The transport carries subscriptions itself (WebSocket): nothing to pin. */
  multiplexed: boolean;
  /** The last connection was cut as a slow consumer. */
  catchUp: boolean;
  stale: () => boolean;
  /** The pull recovery steps (pull-recovery.ts), which a WebSocket client seldom needs. */
  load: LoadOnDemand;
}

/**
 * What an attempt does before it opens a transport: gets a token, pins live subscriptions for an
 * HTTP transport (whose request names every cursor), and catches up by pull after a slow-consumer
 * cut. Resolves false when an HTTP transport has nothing to receive: no connection is needed then.
 */
export async function prepare(p: Preparation): Promise<boolean> {
  await p.tokens.current();
  if (p.stale()) return true;
  if (!p.multiplexed) {
    if (p.host.subscriptions().length === 0) return false;
    await (await p.load()).pinPositions(p.http, p.host, p.stale, p.tokens.value === undefined);
  }
  if (p.catchUp) await (await p.load()).catchUp(p.http, p.host, p.stale);
  return true;
}

/**
 * Tells the hub about fallbacks (`POST /v1/client-reports`, pull-recovery.ts) so its metrics count
 * fallbacks by reason; each distinct one once per client (upgrade probes that fail again are not
 * re-counted). Fire and forget: a hub without the endpoint or a failed request changes nothing.
 */
export function reporter(http: HttpContext, load: LoadOnDemand): (fallback: Fallback) => void {
  const seen = new Set<string>();
  return (fallback) => {
    const key = `${fallback.from}>${fallback.to}:${fallback.reason}`;
    if (seen.has(key)) return;
    seen.add(key);
    load().then(
      (code) => code.report(http, fallback),
      () => {}, // not loaded: the report is dropped, as a failed request would be
    );
  };
}

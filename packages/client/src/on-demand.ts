import type { HeraldError } from './errors.ts';
import type { SseParserFactory } from './platform.ts';
import type { catchUp, pinPositions, probeChannels, report } from './pull-recovery.ts';
import type { TransportKit } from './transports/kit.ts';

/**
 * The SDK's code that a WebSocket client seldom runs: the recovery steps over HTTP pull and, in the
 * `<script>` build, the HTTP transports with their SSE parser. The npm entries bundle it
 * (on-demand-bundled.ts); `/herald.js` loads it from `herald-fallbacks.js` the first time it is
 * needed (on-demand-script.ts), so most pages never download it.
 */
export interface OnDemand {
  pinPositions: typeof pinPositions;
  probeChannels: typeof probeChannels;
  catchUp: typeof catchUp;
  report: typeof report;
  /** The transports `/herald.js` defers (transports/deferred.ts); absent where the entry bundles its own. */
  kit?: TransportKit;
  sseParser?: SseParserFactory;
}

/** Gives the on-demand code, loading it the first time. Rejects when it cannot be loaded. */
export type LoadOnDemand = () => Promise<OnDemand>;

/**
 * Where `/herald.js` and its `herald-fallbacks.js` meet (on-demand-script.ts, global-fallbacks.ts):
 * the SDK puts its HeraldError here before loading the file, whose errors must be of the same class
 * (`instanceof`), and the file puts its code here when it runs.
 */
export const ON_DEMAND_HOOK = Symbol.for(
  `herald.onDemand.${typeof HERALD_BUILD === 'string' ? HERALD_BUILD : 'source'}`,
);

/**
 * A digest of the SDK's sources, set by the build (scripts/build-client.mjs): a page that kept an
 * older `/herald.js` open across a hub upgrade finds no code in the newer `herald-fallbacks.js`
 * (their shortened property names may differ) and reports that it could not load it. Undefined
 * where the sources run unbuilt.
 */
declare const HERALD_BUILD: string;

/** What {@link ON_DEMAND_HOOK} holds. */
export interface OnDemandHook {
  HeraldError: typeof HeraldError;
  /** Set by `herald-fallbacks.js` when it runs. */
  loaded?: OnDemand;
  /** The load in progress or done, shared by every client of the page. */
  loading?: Promise<OnDemand> | undefined;
}

import type { Failure, TransportName } from './transports/types.ts';

/** Low-cardinality reason codes, as reported to the hub (its metrics count fallbacks by reason). */
export type FallbackCode = 'upgrade_refused' | 'buffered' | 'no_response' | 'idle_cut' | 'refused' | `http_${number}`;

/** A fallback from one transport to the next, and why. */
export interface Fallback {
  from: TransportName;
  to: TransportName;
  reason: FallbackCode;
  /** Human-readable diagnosis, e.g. "no data within 5 s although the response is open". */
  detail: string;
}

/** A move to the next transport; `wrapped` when it went round to the first again (an outage, then). */
export interface Move {
  fallback: Fallback;
  wrapped: boolean;
}

/** Consecutive silent cuts of similar length that mean "something cuts idle connections". */
export const IDLE_CUT_STRIKES = 3;

/**
 * Chooses the transport: starts with the remembered one (or the first), falls back along the order
 * when a transport cannot open (refused upgrade, buffered stream, 4xx other than auth) or keeps
 * being cut after about the same time, and offers an upgrade back to the first one later.
 * Pure: no timers, no I/O, so every rule is unit-tested.
 */
export interface TransportSelector {
  /** The transport to use now. */
  readonly current: TransportName;
  /** True when the current transport is not the most preferred one. */
  readonly degraded: boolean;
  /**
   * Judges how a connection ended: a move to the next transport, or undefined to retry this one.
   * `lifetimeMs` is how long it was open (0 if it never opened).
   */
  failed(failure: Failure, lifetimeMs: number): Move | undefined;
  /** Goes back to the first transport (the caller decides when); returns it, or undefined if already there. */
  upgrade(): TransportName | undefined;
}

/** A selector over `order`, which is never empty (usableTransports() throws instead). */
export function transportSelector(order: readonly TransportName[], remembered?: TransportName): TransportSelector {
  // indexOf gives -1 for a transport not in the order (or none): the first one, then.
  let index = Math.max(0, order.indexOf(remembered as TransportName));
  /** Lifetimes of the last silent cuts in a row. */
  let cuts: number[] = [];
  const next = (reason: FallbackCode, detail: string): Move => {
    const from = selector.current;
    const wrapped = index + 1 >= order.length;
    index = wrapped ? 0 : index + 1;
    return { wrapped, fallback: { from, to: selector.current, reason, detail } };
  };
  const selector: TransportSelector = {
    get current() {
      return order[index] as TransportName;
    },
    get degraded() {
      return index > 0;
    },
    failed(failure, lifetimeMs) {
      const from = selector.current;
      if (!failure.opened) {
        cuts = [];
        const code = openFailureCode(from, failure);
        return code === undefined ? undefined : next(code, `${from}: ${failure.reason}`);
      }
      if (failure.kind === 'network' || failure.kind === 'ended' || failure.kind === 'dead') {
        cuts.push(lifetimeMs);
        if (cuts.length > IDLE_CUT_STRIKES) cuts.shift();
        const seconds = idleCutSeconds(cuts);
        if (seconds !== undefined) {
          cuts = [];
          return next('idle_cut', `connection cut ${IDLE_CUT_STRIKES} times after about ${seconds} s`);
        }
      } else {
        cuts = [];
      }
      return undefined;
    },
    upgrade() {
      if (index === 0) return undefined;
      index = 0;
      cuts = [];
      return selector.current;
    },
  };
  return selector;
}

/** Which open failures say "this transport does not get through here" (others are retried as they are). */
function openFailureCode(transport: TransportName, failure: Failure): FallbackCode | undefined {
  switch (failure.kind) {
    case 'refused':
    case 'no_response':
    case 'buffered': // only streams are ever buffered: a WebSocket has no headers phase
      return transport === 'websocket' ? 'upgrade_refused' : failure.kind;
    case 'http': {
      const status = failure.status ?? 0;
      // Auth and bad requests fail on every transport; overload and outages pass: neither is a reason to switch.
      if ([400, 401, 403, 429].includes(status) || status >= 500) return undefined;
      return `http_${status}`;
    }
    default:
      return undefined;
  }
}

/** Seconds of a run of similar cuts (all within 25 % of their mean, at least 1 s), else undefined. */
export function idleCutSeconds(lifetimes: readonly number[]): number | undefined {
  if (lifetimes.length < IDLE_CUT_STRIKES) return undefined;
  const mean = lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length;
  if (mean < 1000) return undefined;
  if (!lifetimes.every((t) => Math.abs(t - mean) <= mean * 0.25)) return undefined;
  return Math.round(mean / 1000);
}

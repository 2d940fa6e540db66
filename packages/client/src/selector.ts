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
export class TransportSelector {
  // `declare`: the constructor assigns it, so the bundles need no field declaration.
  declare readonly order: readonly TransportName[];
  #index: number;
  #cuts: number[] = [];

  /** `order` is never empty: usableTransports() throws instead of returning no transport. */
  constructor(order: readonly TransportName[], remembered?: TransportName) {
    this.order = order;
    // indexOf gives -1 for a transport not in the order (or none): the first one, then.
    this.#index = Math.max(0, order.indexOf(remembered as TransportName));
  }

  /** The transport to use now. */
  get current(): TransportName {
    return this.order[this.#index] as TransportName;
  }

  /** True when the current transport is not the most preferred one. */
  get degraded(): boolean {
    return this.#index > 0;
  }

  /**
   * Judges how a connection ended: a move to the next transport, or undefined to retry this one.
   * `lifetimeMs` is how long it was open (0 if it never opened).
   */
  failed(failure: Failure, lifetimeMs: number): Move | undefined {
    const from = this.current;
    if (!failure.opened) {
      this.#cuts = [];
      const code = openFailureCode(from, failure);
      return code === undefined ? undefined : this.#next(code, `${from}: ${failure.reason}`);
    }
    if (failure.kind === 'network' || failure.kind === 'ended' || failure.kind === 'dead') {
      this.#cuts.push(lifetimeMs);
      if (this.#cuts.length > IDLE_CUT_STRIKES) this.#cuts.shift();
      const seconds = idleCutSeconds(this.#cuts);
      if (seconds !== undefined) {
        this.#cuts = [];
        return this.#next('idle_cut', `connection cut ${IDLE_CUT_STRIKES} times after about ${seconds} s`);
      }
    } else {
      this.#cuts = [];
    }
    return undefined;
  }

  /** Goes back to the first transport (the caller decides when); returns it, or undefined if already there. */
  upgrade(): TransportName | undefined {
    if (this.#index === 0) return undefined;
    this.#index = 0;
    this.#cuts = [];
    return this.current;
  }

  #next(reason: FallbackCode, detail: string): Move {
    const from = this.current;
    const wrapped = this.#index + 1 >= this.order.length;
    this.#index = wrapped ? 0 : this.#index + 1;
    return { wrapped, fallback: { from, to: this.current, reason, detail } };
  }
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

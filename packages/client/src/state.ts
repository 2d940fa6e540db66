import type { HeraldError } from './errors.ts';
import type { Fallback } from './selector.ts';
import type { TransportName } from './transports/types.ts';

/** The connection states a client goes through. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A state change, as `client.on('state', …)` reports it. */
export interface StateEvent {
  state: ConnectionState;
  /** The transport in use, or the one being tried. */
  transport: TransportName;
  /** Why the previous connection ended (reconnecting), or why the client closed. */
  reason?: string;
  /** Delay before the next attempt, ms (reconnecting). */
  delay?: number;
  /** The last fallback from one transport to another, and why: kept in every later event. */
  fallback?: Fallback;
  /** The error that closed the client, if one did. */
  error?: HeraldError;
}

/**
 * The next state event, keeping the last fallback. `changed` is false for a repeat of the same
 * state (reconnecting is always reported: each retry has its own reason and delay).
 */
export function nextState(
  prev: StateEvent,
  state: ConnectionState,
  transport: TransportName,
  extra: Omit<StateEvent, 'state' | 'transport'>,
): { event: StateEvent; changed: boolean } {
  // The last fallback stays unless `extra` names a new one (it names one only when there is one).
  const event: StateEvent = { state, transport, fallback: prev.fallback, ...extra };
  if (state === 'closed' && prev.state === 'closed') return { event: prev, changed: false };
  const same = prev.state === state && prev.transport === transport && prev.fallback === event.fallback;
  return { event, changed: !same || state === 'reconnecting' };
}

import { DEPRECATED_TRANSPORT_NAMES, TRANSPORT_NAMES } from './transports.ts';

/**
 * Transport names a client may report (`POST /v1/client-reports`): the current ones, and the old
 * spellings SDKs released before the names were unified send (the hub counts them under the new name).
 */
export const CLIENT_TRANSPORTS: readonly string[] = [...TRANSPORT_NAMES, ...Object.keys(DEPRECATED_TRANSPORT_NAMES)];

/**
 * Why a client fell back from one transport to the next. A fixed list (plus `http_<status>`), so
 * the hub's metric labels stay bounded.
 */
export const FALLBACK_REASONS = ['upgrade_refused', 'buffered', 'no_response', 'idle_cut', 'refused'] as const;

/** True for a reason a client may report. */
export function isFallbackReason(reason: unknown): reason is string {
  return (
    typeof reason === 'string' &&
    ((FALLBACK_REASONS as readonly string[]).includes(reason) || /^http_[1-5][0-9]{2}$/.test(reason))
  );
}

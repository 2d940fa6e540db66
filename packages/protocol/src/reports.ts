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

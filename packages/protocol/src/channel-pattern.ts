/** Characters a channel pattern may hold: those of channel names, plus `*`. */
const PATTERN_CHARS = /^[A-Za-z0-9_.:@*-]{1,256}$/;

/**
 * Compiles a channel pattern from a token claim (contract section 7): `*` matches any run of
 * characters, `:` included; everything else matches itself. `user:42:*` matches `user:42:inbox` and
 * `user:42:a:b`, not `user:42`. Returns undefined for a pattern with other characters.
 */
export function compileChannelPattern(pattern: string): RegExp | undefined {
  if (!PATTERN_CHARS.test(pattern)) return undefined;
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.]/g, '\\.'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** True when `channel` matches one of `patterns`. */
export function matchesAny(patterns: readonly RegExp[], channel: string): boolean {
  for (const p of patterns) if (p.test(channel)) return true;
  return false;
}

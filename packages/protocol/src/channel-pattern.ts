/** Characters a channel pattern may hold: those of channel names, plus `*`. */
const PATTERN_CHARS = /^[A-Za-z0-9_.:@*-]{1,256}$/;

/** A compiled channel pattern from a token claim. */
export interface ChannelPattern {
  /** The pattern as written. */
  readonly source: string;
  /** True when `channel` matches. */
  test(channel: string): boolean;
}

/**
 * Compiles a channel pattern from a token claim (contract section 7): `*` matches any run of
 * characters, `:` included; everything else matches itself. `user:42:*` matches `user:42:inbox` and
 * `user:42:a:b`, not `user:42`. Returns undefined for a pattern with other characters.
 *
 * Matching is a linear wildcard scan, not a RegExp: `^.*a.*a.*a…b$` backtracks exponentially, and a
 * pattern like `*a*a*a*a*a*a*b` in a token would otherwise stall the event loop (ReDoS).
 */
export function compileChannelPattern(pattern: string): ChannelPattern | undefined {
  if (!PATTERN_CHARS.test(pattern)) return undefined;
  // Runs of stars mean the same as one star.
  const source = pattern;
  const glob = pattern.replace(/\*+/g, '*');
  if (!glob.includes('*')) return { source, test: (channel) => channel === glob };
  return { source, test: (channel) => wildcardMatch(glob, channel) };
}

/**
 * Greedy wildcard match with one backtrack point (the last star seen): O(pattern × text) in the worst
 * case, linear in practice, never exponential.
 */
function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** True when `channel` matches one of `patterns`. */
export function matchesAny(patterns: readonly ChannelPattern[], channel: string): boolean {
  for (const p of patterns) if (p.test(channel)) return true;
  return false;
}

import { type ChannelPattern, compileChannelPattern } from '@herald/protocol';
import { refused } from './refused.ts';

/** Most patterns one claim (`channels` or `publish`) may list; a token with more is refused (401). */
export const MAX_CLAIM_PATTERNS = 64;
/** Most characters the patterns of one token may have in all (both claims); beyond, it is refused. */
export const MAX_CLAIM_PATTERN_CHARS = 2048;

/** A pattern with a star, split where a cheap check can refuse most channels before the scan. */
interface Wildcard {
  /** Text before the first star: a matching channel starts with it. */
  readonly prefix: string;
  /** Text after the last star: a matching channel ends with it. */
  readonly suffix: string;
  readonly pattern: ChannelPattern;
}

/**
 * The patterns of one claim, compiled once when its token is verified. Patterns without a star are a
 * set lookup; the others pass a prefix and suffix check before protocol's linear wildcard scan, so a
 * refusal usually costs a comparison, and the scan's worst case is bounded by the claim limits above
 * (a token must not buy CPU: SECURITY.md, "How each threat is handled").
 */
export class ClaimPatterns {
  private readonly exact = new Set<string>();
  private readonly wild: Wildcard[] = [];

  constructor(patterns: readonly ChannelPattern[]) {
    for (const pattern of patterns) {
      const first = pattern.source.indexOf('*');
      if (first === -1) {
        this.exact.add(pattern.source);
        continue;
      }
      const last = pattern.source.lastIndexOf('*');
      this.wild.push({ prefix: pattern.source.slice(0, first), suffix: pattern.source.slice(last + 1), pattern });
    }
  }

  /** How many patterns the claim listed. */
  get size(): number {
    return this.exact.size + this.wild.length;
  }

  /** True when `channel` matches one of the patterns. */
  matches(channel: string): boolean {
    if (this.exact.has(channel)) return true;
    for (const w of this.wild) {
      if (channel.length < w.prefix.length + w.suffix.length) continue;
      if (!channel.startsWith(w.prefix) || !channel.endsWith(w.suffix)) continue;
      if (w.pattern.test(channel)) return true;
    }
    return false;
  }
}

/** Characters of the patterns compiled so far for one token (both claims share the budget). */
export interface PatternBudget {
  chars: number;
}

/**
 * Compiles a `channels` or `publish` claim. Absent is an empty list; anything but a list of at most
 * {@link MAX_CLAIM_PATTERNS} valid patterns, within the token's character budget, refuses the token.
 */
export function compileClaim(claim: unknown, budget: PatternBudget): ClaimPatterns {
  if (claim === undefined) return new ClaimPatterns([]);
  if (!Array.isArray(claim) || claim.length > MAX_CLAIM_PATTERNS) throw refused();
  const compiled: ChannelPattern[] = [];
  for (const p of claim) {
    if (typeof p !== 'string') throw refused();
    budget.chars += p.length;
    if (budget.chars > MAX_CLAIM_PATTERN_CHARS) throw refused();
    const pattern = compileChannelPattern(p);
    if (pattern === undefined) throw refused();
    compiled.push(pattern);
  }
  return new ClaimPatterns(compiled);
}

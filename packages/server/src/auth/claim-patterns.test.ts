import { describe, expect, it } from 'vitest';
import { compileClaim, MAX_CLAIM_PATTERN_CHARS, MAX_CLAIM_PATTERNS } from './claim-patterns.ts';

describe('ClaimPatterns', () => {
  it('refuses claims over the bounds, and anything but a list of valid patterns', () => {
    expect(compileClaim(undefined, { chars: 0 }).size).toBe(0);
    expect(compileClaim(['user:42:*', 'room:*:x'], { chars: 0 }).matches('room:1:x')).toBe(true);
    const many = Array.from({ length: MAX_CLAIM_PATTERNS + 1 }, (_, i) => `c${i}`);
    expect(() => compileClaim(many, { chars: 0 })).toThrow(/invalid credentials/);
    expect(compileClaim(many.slice(1), { chars: 0 }).size).toBe(MAX_CLAIM_PATTERNS);
    // The character budget is shared by both claims of a token.
    const budget = { chars: MAX_CLAIM_PATTERN_CHARS - 3 };
    expect(() => compileClaim(['abcd'], budget)).toThrow(/invalid credentials/);
    for (const bad of ['user:*', 5, ['a b'], ['a%00'], [7]]) {
      expect(() => compileClaim(bad, { chars: 0 }), JSON.stringify(bad)).toThrow(/invalid credentials/);
    }
  });
});
